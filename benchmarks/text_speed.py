"""Tokens per second of the lab's sentence-VAE training against a minimal plain PyTorch loop.

    python benchmarks/text_speed.py [--rounds 2] [--epochs 1]

Both train the same network on the same data with one thread: the ``sentences``
data set's default sentence VAE (GRU encoder and decoder, embedding 32, hidden 128,
16-D z, batch 64, word dropout 0.25, Adam). *Ours* is ``python -m vae train
--dataset sentences --epochs E --no-baseline``; its throughput is the trainer's
own ``samples_per_s`` of each epoch (training steps only, not the evaluation
between epochs). *Plain* is the loop below, written as a tutorial would, timed
over the same number of steps. Rounds alternate ours, plain, ours, plain on the
same machine; the ratio is ours / plain of the medians, tokens counted as the
tokens p(x|z) predicts (words and ``<eos>``). Prints one JSON object with the
1-minute load average beside each round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class PlainSentenceVAE(nn.Module):
    """Bowman's sentence VAE in plain PyTorch, the sizes of the lab's default."""

    def __init__(self, vocab: int, embedding: int = 32, hidden: int = 128, latent: int = 16):
        super().__init__()
        self.enc_embed = nn.Embedding(vocab, embedding, padding_idx=0)
        self.enc = nn.GRU(embedding, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2 * latent)
        self.dec_embed = nn.Embedding(vocab, embedding, padding_idx=0)
        self.init = nn.Linear(latent, hidden)
        self.dec = nn.GRU(embedding, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def loss(self, x: torch.Tensor, word_dropout: float = 0.25) -> torch.Tensor:
        states, _ = self.enc(self.enc_embed(x))
        last = (x != 0).sum(1) - 1
        mean, logvar = self.head(states[torch.arange(len(x)), last]).chunk(2, -1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        inputs = torch.cat([torch.full_like(x[:, :1], 2), x[:, :-1]], 1)
        drop = (torch.rand(inputs.shape) < word_dropout) & (inputs > 2)
        inputs = inputs.masked_fill(drop, 1)
        out, _ = self.dec(self.dec_embed(inputs), torch.tanh(self.init(z)).unsqueeze(0))
        logits = self.out(out)
        recon = F.cross_entropy(logits.transpose(1, 2), x, ignore_index=0, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp())
        return (recon + kl) / len(x)


def plain_samples_per_s(x: torch.Tensor, vocab: int, steps: int, batch: int = 64) -> float:
    torch.manual_seed(0)
    model = PlainSentenceVAE(vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    order = torch.randperm(len(x))
    start = time.perf_counter()
    for step in range(steps):
        idx = order[(step * batch) % (len(x) - batch) :][:batch]
        loss = model.loss(x[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return steps * batch / (time.perf_counter() - start)


def ours_samples_per_s(epochs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VAE_LAB_THREADS": "1"}
        subprocess.run(
            [sys.executable, "-m", "vae", "train", "--dataset", "sentences", "--epochs",
             str(epochs), "--no-baseline", "--quiet", "--out", f"{tmp}/run"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        lines = Path(f"{tmp}/run/metrics.jsonl").read_text().splitlines()
        records = [json.loads(line) for line in lines]
    return statistics.median(r["samples_per_s"] for r in records if r.get("type") == "epoch")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    from vae.data import load_dataset

    torch.set_num_threads(1)
    data = load_dataset("sentences")
    x = data.train.x
    tokens = float((x != 0).sum(1).double().mean())
    steps = args.epochs * (len(x) // 64)
    rounds = []
    for _ in range(args.rounds):
        ours = ours_samples_per_s(args.epochs)
        load_ours = os.getloadavg()[0]
        plain = plain_samples_per_s(x, len(data.vocabulary), steps)
        rounds.append({"ours_tokens_per_s": ours * tokens, "plain_tokens_per_s": plain * tokens,
                       "load_1min": [load_ours, os.getloadavg()[0]]})  # fmt: skip
    ours = statistics.median(r["ours_tokens_per_s"] for r in rounds)
    plain = statistics.median(r["plain_tokens_per_s"] for r in rounds)
    print(json.dumps({"benchmark": "text_speed", "tokens_per_sentence": tokens,
                      "steps_per_round": steps, "rounds": rounds, "ours_tokens_per_s": ours,
                      "plain_tokens_per_s": plain, "ratio": ours / plain}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
