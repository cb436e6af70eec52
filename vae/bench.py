"""``python -m vae bench``: how fast this machine trains and renders, as plain numbers.

Each figure runs for about ``seconds`` after a warm-up. The training figures
time the same step the training loop takes (forward, ELBO, backward, Adam) on
fixed networks, so they compare across machines and commits:

- MLP: 784 → 512 → 256 → z16 (and back), batch 256, Bernoulli likelihood.
- conv: the disentanglement_lib network at 64×64, 10 latents, batch 64.

``mlp_fraction_of_peak`` divides the MLP's samples/s by what the machine's fp32
matmul rate (measured in the same run) would allow for that network's FLOPs:
how close training is to the machine's limit.

``conv_over_plain_loop`` compares the conv figure with a straightforward PyTorch
loop of the same network in the same run: an ``nn.Sequential`` per network, BCE
with logits plus the closed-form KL, ``torch.optim.Adam`` and torch's default
thread count. The training figures use the thread count ``vae.threads`` gives a
training run, as ``python -m vae train`` does.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from vae import threads
from vae.config import VAEConfig
from vae.model import VAE

MLP_SHAPE = (1, 28, 28)
MLP_HIDDEN = (512, 256)
MLP_LATENT = 16
MLP_BATCH = 256
CONV_SHAPE = (1, 64, 64)
CONV_LATENT = 10
CONV_BATCH = 64


def _timed(fn: Callable[[], object], seconds: float, warmup: int = 3) -> tuple[int, float]:
    for _ in range(warmup):
        fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n, elapsed


def matmul_gflops(seconds: float = 2.0, size: int = 1024) -> float:
    """fp32 GFLOP/s of one square matrix product (2n³ FLOPs) with all of torch's threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    n, elapsed = _timed(lambda: torch.mm(a, b), seconds)
    return 2 * size**3 * n / elapsed / 1e9


def mlp_training_flops_per_sample() -> float:
    """FLOPs of one training example through the benchmark MLP: 2 per MAC, ×3 for backward."""
    d_in = 784
    sizes_enc = [d_in, *MLP_HIDDEN]
    macs = sum(a * b for a, b in zip(sizes_enc[:-1], sizes_enc[1:], strict=True))
    macs += MLP_HIDDEN[-1] * MLP_LATENT * 2  # mean and log-variance heads
    sizes_dec = [MLP_LATENT, *reversed(MLP_HIDDEN), d_in]
    macs += sum(a * b for a, b in zip(sizes_dec[:-1], sizes_dec[1:], strict=True))
    return 6.0 * macs


def training_step_rate(model: VAE, batch: torch.Tensor, seconds: float) -> float:
    """Training steps per second of ``model`` on one fixed batch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    def step() -> None:
        terms = model(batch)
        optimizer.zero_grad(set_to_none=True)
        terms.loss.backward()
        optimizer.step()

    n, elapsed = _timed(step, seconds)
    return n / elapsed


class PlainConvVAE(nn.Module):
    """The disentanglement_lib conv VAE at 64×64 as a tutorial writes it: the baseline."""

    def __init__(self, latent_dim: int = CONV_LATENT) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(64 * 4 * 4, 256), nn.ReLU(), nn.Linear(256, 2 * latent_dim),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 256), nn.ReLU(), nn.Linear(256, 64 * 4 * 4), nn.ReLU(),
            nn.Unflatten(1, (64, 4, 4)),
            nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1),
            nn.ReLU(), nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, 2, 1),
        )  # fmt: skip

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        logits = self.decoder(z)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp()) / x.shape[0]
        return recon + kl


def plain_loop_rate(batch: torch.Tensor, seconds: float) -> float:
    """Steps per second of the straightforward loop of ``PlainConvVAE`` (torch's defaults)."""
    model = PlainConvVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        loss = model.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    n, elapsed = _timed(step, seconds)
    return n / elapsed


def run_bench(seconds: float = 3.0) -> dict[str, object]:
    from vae.data.shapes import shapes_render_speed

    torch.manual_seed(0)
    default_threads = threads.cores()
    load = os.getloadavg()[0]
    conv_batch = torch.rand(CONV_BATCH, *CONV_SHAPE).round()
    # The baseline first, with torch's default thread count (one per core).
    threads.use(default_threads)
    plain_steps = plain_loop_rate(conv_batch, seconds)
    n_threads = threads.use(threads.training_threads())
    gflops = matmul_gflops(seconds=min(seconds, 2.0))
    mlp = VAE(VAEConfig(latent_dim=MLP_LATENT, hidden_dims=MLP_HIDDEN), MLP_SHAPE)
    mlp_steps = training_step_rate(mlp, torch.rand(MLP_BATCH, *MLP_SHAPE).round(), seconds)
    mlp_samples = mlp_steps * MLP_BATCH
    peak_samples = gflops * 1e9 / mlp_training_flops_per_sample()
    conv = VAE(VAEConfig(latent_dim=CONV_LATENT, architecture="conv"), CONV_SHAPE)
    conv_steps = training_step_rate(conv, conv_batch, seconds)
    render = shapes_render_speed(n=4096, image_size=64)
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cpu(s), torch {torch.__version__}, "
        f"{n_threads} thread(s)",
        "load_1min": round(load, 2),
        "threads": n_threads,
        "matmul_gflops": round(gflops, 2),
        "mlp_train_samples_per_s": round(mlp_samples, 1),
        "mlp_peak_samples_per_s": round(peak_samples, 1),
        "mlp_fraction_of_peak": round(mlp_samples / peak_samples, 3),
        "conv_train_steps_per_s": round(conv_steps, 2),
        "conv_train_samples_per_s": round(conv_steps * CONV_BATCH, 1),
        "conv_plain_loop_steps_per_s": round(plain_steps, 2),
        "conv_plain_loop_threads": default_threads,
        "conv_over_plain_loop": round(conv_steps / plain_steps, 2),
        "shapes_images_per_s": round(render, 1),
        "shapes_render_over_conv_consumption": round(render / (conv_steps * CONV_BATCH), 1),
    }
