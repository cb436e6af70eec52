"""A minimal plain-PyTorch VAE, the reference of ``benchmarks/time_to_model.py``.

What a tutorial writes: two ``nn.Sequential`` MLPs with ReLU (the same sizes as
the lab's MLP), the reparameterisation trick, Bernoulli likelihood (BCE with
logits) plus the closed-form KL, ``torch.optim.Adam`` at 1e-3, batch 64, a
shuffled pass per epoch. It imports nothing of ``vae``: it reads the lab's split
from an ``.npz`` (``x_train``, ``x_test``, float32 in [0, 1]) that the benchmark
writes before the clock starts.

After every epoch it measures the test ELBO as the lab does (one posterior
sample per example, a fixed seed, nats per example) with its clock paused, and
prints one JSON line ``{"epoch", "seconds", "test_elbo"}``; ``seconds`` counts
from ``--t0`` (the wall time at which the benchmark started this process, so
the interpreter's start and the imports count) minus the paused evaluations.
It stops at the first epoch whose test ELBO reaches ``--target`` or after
``--max-seconds``.

    python benchmarks/plain_vae.py --data split.npz --hidden 256,128 --latent 8 \
        --target -24.4 --t0 1764650000.0 --threads 1
"""

import argparse
import json
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class PlainVAE(nn.Module):
    def __init__(self, d_in: int, hidden: list[int], latent: int) -> None:
        super().__init__()
        enc, sizes = [], [d_in, *hidden]
        for a, b in zip(sizes[:-1], sizes[1:], strict=False):
            enc += [nn.Linear(a, b), nn.ReLU()]
        self.encoder = nn.Sequential(*enc, nn.Linear(sizes[-1], 2 * latent))
        dec, sizes = [], [latent, *reversed(hidden)]
        for a, b in zip(sizes[:-1], sizes[1:], strict=False):
            dec += [nn.Linear(a, b), nn.ReLU()]
        self.decoder = nn.Sequential(*dec, nn.Linear(sizes[-1], d_in))

    def elbo(self, x: torch.Tensor) -> torch.Tensor:
        """Mean ELBO of the batch in nats per example (one sample of z each)."""
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        logits = self.decoder(z)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp()) / x.shape[0]
        return -(recon + kl)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--hidden", default="256,128")
    parser.add_argument("--latent", type=int, default=8)
    parser.add_argument("--target", type=float, required=True)
    parser.add_argument("--t0", type=float, required=True)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = np.load(args.data)
    x_train = torch.from_numpy(data["x_train"]).flatten(1)
    x_test = torch.from_numpy(data["x_test"]).flatten(1)
    model = PlainVAE(x_train.shape[1], [int(h) for h in args.hidden.split(",")], args.latent)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    paused, epoch = 0.0, 0
    while True:
        model.train()
        for idx in torch.randperm(len(x_train)).split(64):
            loss = -model.elbo(x_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch += 1
        pause = time.time()
        model.eval()
        with torch.no_grad():
            state = torch.get_rng_state()
            torch.manual_seed(0)
            test_elbo = model.elbo(x_test).item()
            torch.set_rng_state(state)
        paused += time.time() - pause
        seconds = time.time() - args.t0 - paused
        print(json.dumps({"epoch": epoch, "seconds": round(seconds, 3), "test_elbo": test_elbo}))
        if test_elbo >= args.target or seconds > args.max_seconds:
            break


if __name__ == "__main__":
    main()
