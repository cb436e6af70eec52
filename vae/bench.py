"""``python -m vae bench``: how fast this machine trains and renders, as plain numbers.

Each figure runs for about ``seconds`` after a warm-up. The training figures
time the same step the training loop takes (forward, ELBO, backward, Adam) on
fixed networks, so they compare across machines and commits:

- MLP: 784 → 512 → 256 → z16 (and back), batch 256, Bernoulli likelihood.
- conv: the disentanglement_lib network at 64×64, 10 latents, batch 64.

``mlp_fraction_of_peak`` divides the MLP's samples/s by what the machine's fp32
matmul rate (measured in the same run) would allow for that network's FLOPs:
how close training is to the machine's limit.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import torch

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


def run_bench(seconds: float = 3.0) -> dict[str, object]:
    from vae.data.shapes import shapes_render_speed

    torch.manual_seed(0)
    gflops = matmul_gflops(seconds=min(seconds, 2.0))
    mlp = VAE(VAEConfig(latent_dim=MLP_LATENT, hidden_dims=MLP_HIDDEN), MLP_SHAPE)
    mlp_steps = training_step_rate(mlp, torch.rand(MLP_BATCH, *MLP_SHAPE).round(), seconds)
    mlp_samples = mlp_steps * MLP_BATCH
    peak_samples = gflops * 1e9 / mlp_training_flops_per_sample()
    conv = VAE(VAEConfig(latent_dim=CONV_LATENT, architecture="conv"), CONV_SHAPE)
    conv_steps = training_step_rate(conv, torch.rand(CONV_BATCH, *CONV_SHAPE).round(), seconds)
    render = shapes_render_speed(n=4096, image_size=64)
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cpu(s), torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s)",
        "matmul_gflops": round(gflops, 2),
        "mlp_train_samples_per_s": round(mlp_samples, 1),
        "mlp_peak_samples_per_s": round(peak_samples, 1),
        "mlp_fraction_of_peak": round(mlp_samples / peak_samples, 3),
        "conv_train_steps_per_s": round(conv_steps, 2),
        "conv_train_samples_per_s": round(conv_steps * CONV_BATCH, 1),
        "shapes_images_per_s": round(render, 1),
        "shapes_render_over_conv_consumption": round(render / (conv_steps * CONV_BATCH), 1),
    }
