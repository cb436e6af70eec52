"""torch.profiler's top operators for one training step of the benchmark MLP and conv VAEs.

``python benchmarks/profile_training.py [--threads N] [--rows 12]`` prints, for each
network (the conv one also in the precision training picks), the profiler table
sorted by self CPU time (what the step spends where).
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from vae.bench.speed import (
    CONV_BATCH,
    CONV_LATENT,
    CONV_SHAPE,
    MLP_BATCH,
    MLP_HIDDEN,
    MLP_LATENT,
    MLP_SHAPE,
)
from vae.model.autoencoder import VAE
from vae.model.config import VAEConfig
from vae.training.device import resolve_precision
from vae.training.optim import adam


def profile_steps(model: VAE, batch: torch.Tensor, steps: int, rows: int) -> str:
    optimizer = adam(model, 1e-3)

    def step() -> None:
        terms = model(batch)
        optimizer.zero_grad(set_to_none=True)
        terms.loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rows", type=int, default=12)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    mlp = VAE(VAEConfig(latent_dim=MLP_LATENT, hidden_dims=MLP_HIDDEN), MLP_SHAPE)
    print(f"MLP 784-512-256-z16, batch {MLP_BATCH}, {torch.get_num_threads()} thread(s)")
    print(profile_steps(mlp, torch.rand(MLP_BATCH, *MLP_SHAPE).round(), 20, args.rows))
    conv = VAE(VAEConfig(latent_dim=CONV_LATENT, architecture="conv"), CONV_SHAPE)
    batch = torch.rand(CONV_BATCH, *CONV_SHAPE).round()
    print(f"conv 64x64 z10, batch {CONV_BATCH}, {torch.get_num_threads()} thread(s), fp32")
    print(profile_steps(conv, batch, 5, args.rows))
    conv.train_dtype = resolve_precision("auto", torch.device("cpu"), "conv")
    if conv.train_dtype is not None:
        print("conv, the same, in the precision training picks here: bf16 mixed precision")
        print(profile_steps(conv, batch, 5, args.rows))


if __name__ == "__main__":
    main()
