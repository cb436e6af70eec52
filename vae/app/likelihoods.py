"""Streamlit glue of the Density page: log-likelihoods of test, out-of-distribution and own inputs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from vae.analysis import density
from vae.app.caching import cached, memo
from vae.app.examples import test_x
from vae.app.shell import Selected

# --- density ------------------------------------------------------------------------------------


def test_log_likelihood(selected: Selected, k: int) -> np.ndarray:
    x = test_x(selected)

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return {"ll": density.log_likelihoods(selected.model, x, k=k, progress=progress)}

    label = f"Estimating log p(x) of {x.shape[0]} test examples with k = {k}…"
    return cached(selected, "test_ll", {"k": k, "n": int(x.shape[0])}, compute, label)["ll"]


OOD_N = 200


def ood_inputs(selected: Selected) -> dict[str, torch.Tensor]:
    info = selected.info
    return memo(
        selected,
        "ood_inputs",
        {"n": OOD_N},
        lambda: density.ood_sets(
            selected.data.test.x, info.dataset, tuple(info.input_shape), OOD_N
        ),
    )


def ood_log_likelihood(selected: Selected, name: str, k: int) -> np.ndarray:
    x = ood_inputs(selected)[name]

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return {"ll": density.log_likelihoods(selected.model, x, k=k, progress=progress)}

    params = {"k": k, "set": name, "n": OOD_N}
    return cached(selected, "ood_ll", params, compute, f"Estimating log p(x) of “{name}”…")["ll"]


def one_log_likelihood(selected: Selected, x: torch.Tensor, k: int) -> float:
    """log p(x) of one example (with or without its batch dimension), nats."""
    if x.dim() == len(selected.model.input_shape):
        x = x[None]
    digest = hash(x.numpy().tobytes())
    return memo(
        selected,
        "one_ll",
        {"k": k, "x": digest},
        lambda: float(density.log_likelihoods(selected.model, x, k=k)[0]),
    )


def density_map(selected: Selected, extent: float, n: int, k: int) -> dict[str, np.ndarray]:
    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return density.density_grid(selected.model, -extent, extent, n, k, progress=progress)

    params = {"extent": extent, "n": n, "k": k}
    label = f"Estimating p(x) at {n * n:,} points of the plane…"
    return cached(selected, "density_map", params, compute, label)


def model_samples(selected: Selected, n: int, seed: int) -> dict[str, np.ndarray]:
    return memo(
        selected,
        "samples_points",
        {"n": n, "seed": seed},
        lambda: density.sample_points(selected.model, n, seed),
    )
