"""The bench's evaluation and map figures: IWAE log p(x) and the large map's UMAP.

- ``iwae_examples_per_s``: examples per second of ``vae.model.evaluation.iwae_log_likelihood``
  (the estimator ``python -m vae evaluate`` reports as log p(x)) with
  :data:`IWAE_K` samples each, on the bench's MLP (784 → 512 → 256 → z16) and a
  batch of :data:`IWAE_BATCH` binary images. Its threads: ``vae.threads.training_threads``,
  what ``python -m vae evaluate`` takes.
- ``umap_points_per_s``: points per second of ``vae.maps.umap_fast.umap_large`` (exact
  neighbours, the fuzzy graph, PCA start, :data:`UMAP_EPOCHS` layout epochs) on
  :data:`UMAP_POINTS` codes of a 10-D Gaussian mixture (a shapes model's spread).
  Its threads: ``vae.threads.umap_threads``.

Each step runs at torch's thread count at the time of the call, which the bench
sets to the count the figure's own chooser (:data:`THREADS_OF`) gives then.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

IWAE_K = 100
IWAE_BATCH = 32
UMAP_POINTS = 3000
UMAP_DIM = 10
UMAP_EPOCHS = (
    100  # vae.maps.umap_fast.LARGE_EPOCHS, fixed here so the figure compares across commits
)

FIGURES = ("iwae_examples_per_s", "umap_points_per_s")
PER_STEP = {"iwae_examples_per_s": IWAE_BATCH, "umap_points_per_s": UMAP_POINTS}
# Warm-up calls in the first round: the UMAP step compiled its kernels when it was made.
WARMUP = {"umap_points_per_s": 0}
# The vae.threads function each figure's code path takes its thread count from.
THREADS_OF = {"iwae_examples_per_s": "training_threads", "umap_points_per_s": "umap_threads"}


def iwae_step(model: torch.nn.Module) -> Callable[[], None]:
    """One IWAE estimate (k = :data:`IWAE_K`) of a fixed batch: what evaluation does per chunk."""
    from vae.model.evaluation import iwae_log_likelihood

    x = torch.rand(IWAE_BATCH, *model.input_shape, generator=torch.Generator().manual_seed(1))
    x = x.round()

    def step() -> None:
        iwae_log_likelihood(model, x, k=IWAE_K)

    return step


def umap_codes(n: int, d: int = UMAP_DIM, seed: int = 0) -> np.ndarray:
    """Codes of 10 Gaussian clusters, the size and spread of a shapes model's (benchmarks/umap_fit)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2, size=(10, d))
    return centres[rng.integers(0, 10, n)] + rng.normal(0, 0.5, size=(n, d))


def umap_step() -> Callable[[], None]:
    """One large-map UMAP of :func:`umap_codes`, its numba kernels compiled (or loaded) first."""
    from vae.maps import umap_fast, umap_loader

    umap_loader.import_umap()  # numba's machine code kept on disk, as the app keeps it
    codes = umap_codes(UMAP_POINTS)
    umap_fast.umap_large(codes[:300], n_epochs=2, threads=1)

    def step() -> None:
        umap_fast.umap_large(codes, n_epochs=UMAP_EPOCHS, threads=torch.get_num_threads())

    return step


def steps(mlp_model: Callable[[], torch.nn.Module]) -> dict[str, Callable[[], None]]:
    """The step of every figure here; ``mlp_model`` builds the bench's MLP."""
    return {"iwae_examples_per_s": iwae_step(mlp_model()), "umap_points_per_s": umap_step()}


def summary(quiet: dict[str, float], counts: dict[str, int]) -> dict[str, object]:
    """The quiet figures and what they measured, for the bench's top level."""
    return {
        "iwae_examples_per_s": round(quiet["iwae_examples_per_s"], 1),
        "iwae_k": IWAE_K,
        "iwae_batch": IWAE_BATCH,
        "iwae_threads": counts[THREADS_OF["iwae_examples_per_s"]],
        "umap_points_per_s": round(quiet["umap_points_per_s"], 1),
        "umap_points": UMAP_POINTS,
        "umap_epochs": UMAP_EPOCHS,
        "umap_threads": counts[THREADS_OF["umap_points_per_s"]],
    }
