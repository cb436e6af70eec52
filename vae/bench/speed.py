"""``python -m vae bench``: how fast this machine trains and renders, as plain numbers.

Each figure runs for about ``seconds`` after a warm-up. The training figures
time the same step the training loop takes (forward, ELBO, backward, Adam) on
fixed networks, so they compare across machines and commits:

- MLP: 784 → 512 → 256 → z16 (and back), batch 256, Bernoulli likelihood.
- conv: the disentanglement_lib network at 64×64, 10 latents, batch 64.

``mlp_fraction_of_peak`` divides the MLP's samples/s by what the machine's fp32
matmul rate (measured in the same run) would allow for that network's FLOPs:
how close training is to the machine's limit.

``conv_over_plain_loop`` compares the conv figure, in the precision training
picks here (``conv_train_precision``: bfloat16 mixed precision on CPUs with
native bfloat16, see ``vae.training.device.resolve_precision``), with a straightforward
fp32 PyTorch loop of the same network in the same run: an ``nn.Sequential`` per
network, BCE with logits plus the closed-form KL, ``torch.optim.Adam``. Both
sides of every ratio run in alternating rounds at the same thread count, the
one ``vae.threads.training_threads`` gives a training run at that moment, as
``python -m vae train`` does (``threads``, ``conv_plain_loop_threads``).

``iwae_examples_per_s`` (the IWAE log p(x) of evaluation) and ``umap_points_per_s``
(the large map's UMAP) are ``vae.bench.figures``'s.

``busy_core`` measures every figure again with one core kept busy by a child
process (``python -c "while True: pass"``), in rounds alternating with the quiet
ones, each at the thread count its code path would choose then
(``vae.threads.training_threads`` for training and evaluation,
``vae.threads.umap_threads`` for UMAP; ``threads_*``, ``umap_threads_*``); each
``*_fraction`` is the busy figure over the quiet one of the same run.
``trustworthy`` is false, with the reasons in ``why``, when the machine was
already loaded before the quiet measurement or a figure drifted between rounds.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from vae import threads
from vae.bench import figures as bench_figures
from vae.model.autoencoder import VAE
from vae.model.config import VAEConfig
from vae.training.device import precision_name, resolve_precision

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


def training_step(model: VAE, batch: torch.Tensor) -> Callable[[], None]:
    """One training step of ``model`` on a fixed batch, in its ``train_dtype``: the trainer's."""
    from vae.training.optim import adam

    optimizer = adam(model, 1e-3)
    model.train()

    def step() -> None:
        terms = model(batch)
        optimizer.zero_grad(set_to_none=True)
        terms.loss.backward()
        optimizer.step()

    return step


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


def plain_loop_step(batch: torch.Tensor) -> Callable[[], None]:
    """One step of the straightforward loop of ``PlainConvVAE`` (fp32, torch's defaults)."""
    model = PlainConvVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        loss = model.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


# Figures, each measured in every round: the training ones, then vae.bench.figures's.
TRAINING_FIGURES = (
    "mlp_train_samples_per_s",
    "conv_train_steps_per_s",
    "conv_train_fp32_steps_per_s",
    "conv_plain_loop_steps_per_s",
)
FIGURES = TRAINING_FIGURES + bench_figures.FIGURES
CHOOSERS = ("training_threads", "umap_threads")  # the vae.threads functions figures take
# A 1-minute load above this share of the cores means other work shared the "quiet" figures.
QUIET_LOAD_PER_CORE = 0.75
MAX_DRIFT = 1.5  # fastest over slowest round of one figure beyond which it is called noisy


def _steps() -> tuple[dict[str, Callable[[], None]], dict[str, float], VAE]:
    """The step of each figure, and what one step counts (samples, steps, examples, points)."""
    conv_batch = torch.rand(CONV_BATCH, *CONV_SHAPE).round()
    conv = VAE(VAEConfig(latent_dim=CONV_LATENT, architecture="conv"), CONV_SHAPE)
    conv_fp32 = VAE(VAEConfig(latent_dim=CONV_LATENT, architecture="conv"), CONV_SHAPE)
    # What ``python -m vae train`` does with this network here (precision "auto").
    conv.train_dtype = resolve_precision("auto", torch.device("cpu"), "conv")

    def new_mlp() -> VAE:
        return VAE(VAEConfig(latent_dim=MLP_LATENT, hidden_dims=MLP_HIDDEN), MLP_SHAPE)

    mlp = new_mlp()
    steps = {
        "mlp_train_samples_per_s": training_step(mlp, torch.rand(MLP_BATCH, *MLP_SHAPE).round()),
        "conv_train_steps_per_s": training_step(conv, conv_batch),
        "conv_train_fp32_steps_per_s": training_step(conv_fp32, conv_batch),
        "conv_plain_loop_steps_per_s": plain_loop_step(conv_batch),
    }
    per_step = {name: MLP_BATCH if name.startswith("mlp") else 1 for name in steps}
    steps.update(bench_figures.steps(new_mlp))
    per_step.update(bench_figures.PER_STEP)
    return steps, per_step, conv


class BusyCore:
    """One child process spinning on a core while the block runs."""

    def __enter__(self) -> BusyCore:
        self.child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.3)  # let the scheduler give it its core
        return self

    def __exit__(self, *exc: object) -> None:
        self.child.kill()
        self.child.wait()


def _threads_of(name: str) -> str:
    return bench_figures.THREADS_OF.get(name, "training_threads")


def _choices() -> dict[str, int]:
    """What each chooser of ``vae.threads`` gives now, each from a probe of its own."""
    counts = {}
    for chooser in CHOOSERS:
        threads.forget_probe()  # what a run started now would measure
        counts[chooser] = getattr(threads, chooser)()
    threads.forget_probe()
    return counts


def _round(
    steps: dict[str, Callable[[], None]],
    per_step: dict[str, float],
    seconds: float,
    warmup: int,
    counts: dict[str, int],
) -> dict[str, float]:
    out = {}
    for name, step in steps.items():
        threads.use(counts[_threads_of(name)])
        n, elapsed = _timed(
            step, seconds, warmup=min(warmup, bench_figures.WARMUP.get(name, warmup))
        )
        out[name] = n / elapsed * per_step[name]
    return out


def _trust(load: float, rounds: dict[str, dict[str, list[float]]]) -> list[str]:
    """Why the figures may not be trusted (an empty list: no reason found)."""
    why = []
    if load > QUIET_LOAD_PER_CORE * threads.cores():
        why.append(f"load {load:.1f} before the quiet measurement")
    for condition, figures in rounds.items():
        for name, values in figures.items():
            if min(values) > 0 and max(values) / min(values) > MAX_DRIFT:
                why.append(
                    f"{name} ({condition}) varied {max(values) / min(values):.1f}x between rounds"
                )
    return why


def run_bench(seconds: float = 3.0, rounds: int = 3) -> dict[str, object]:
    """Every speed figure, quiet and with one core busy, in alternating rounds (medians)."""
    from vae.data.shapes import shapes_render_speed

    torch.manual_seed(0)
    load = os.getloadavg()[0]
    steps, per_step, conv = _steps()
    quiet_counts = _choices()
    with BusyCore():
        busy_counts = _choices()
        load_busy = os.getloadavg()[0]
    n_quiet, n_busy = quiet_counts["training_threads"], busy_counts["training_threads"]
    measured: dict[str, dict[str, list[float]]] = {
        "quiet": {name: [] for name in steps},
        "busy": {name: [] for name in steps},
    }
    share = seconds / rounds
    for i in range(rounds):
        warmup = 2 if i == 0 else 0  # oneDNN builds its kernels on first use
        for name, rate in _round(steps, per_step, share, warmup, quiet_counts).items():
            measured["quiet"][name].append(rate)
        with BusyCore():
            for name, rate in _round(steps, per_step, share, warmup, busy_counts).items():
                measured["busy"][name].append(rate)
    quiet = {name: statistics.median(v) for name, v in measured["quiet"].items()}
    busy = {name: statistics.median(v) for name, v in measured["busy"].items()}
    n_threads = threads.use(n_quiet)
    gflops = matmul_gflops(seconds=min(seconds, 2.0))
    mlp_samples, conv_steps = quiet["mlp_train_samples_per_s"], quiet["conv_train_steps_per_s"]
    plain_steps = quiet["conv_plain_loop_steps_per_s"]
    peak_samples = gflops * 1e9 / mlp_training_flops_per_sample()
    render = shapes_render_speed(n=4096, image_size=64)
    why = _trust(load, measured)
    fractions = {f"{name}_fraction": round(busy[name] / quiet[name], 3) for name in steps}
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cpu(s), torch {torch.__version__}, "
        f"{n_threads} thread(s)",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_1min": round(load, 2),
        "trustworthy": not why,
        "why": "; ".join(why),
        "threads": n_threads,
        "matmul_gflops": round(gflops, 2),
        "mlp_train_samples_per_s": round(mlp_samples, 1),
        "mlp_peak_samples_per_s": round(peak_samples, 1),
        "mlp_fraction_of_peak": round(mlp_samples / peak_samples, 3),
        "conv_train_steps_per_s": round(conv_steps, 2),
        "conv_train_samples_per_s": round(conv_steps * CONV_BATCH, 1),
        "conv_train_precision": precision_name(conv.train_dtype),
        "conv_train_fp32_steps_per_s": round(quiet["conv_train_fp32_steps_per_s"], 2),
        "conv_plain_loop_steps_per_s": round(plain_steps, 2),
        "conv_plain_loop_threads": n_threads,
        "conv_over_plain_loop": round(conv_steps / plain_steps, 2),
        "shapes_images_per_s": round(render, 1),
        "shapes_render_over_conv_consumption": round(render / (conv_steps * CONV_BATCH), 1),
        **bench_figures.summary(quiet, quiet_counts),
        "busy_core": {
            "what": "each figure with one core kept busy by a child process, over the "
            "quiet figure of the same run; both sides at the thread count its code path "
            "chooses then (training and IWAE: training_threads; UMAP: umap_threads)",
            "load_1min": round(load_busy, 2),
            "threads_quiet": n_quiet,
            "threads_busy": n_busy,
            "umap_threads_quiet": quiet_counts["umap_threads"],
            "umap_threads_busy": busy_counts["umap_threads"],
            **{name: round(value, 2) for name, value in busy.items()},
            **fractions,
            "min_fraction": min(fractions.values()),
        },
    }
