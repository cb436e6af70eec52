"""The latent map over training: every kept frame of codes under one projection.

The projection is fitted once, on the codes of the final weights, and every
frame is drawn through it, so a point moves from frame to frame instead of
jumping, and the last frame is the final map of those examples. PCA (or the
code itself for a 2-D latent) can be fitted once and applied to any frame;
UMAP and t-SNE would have to be fitted anew per frame, which is why the movie
does not offer them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vae.errors import ConfigError
from vae.maps.projection import pca_axes
from vae.runs import code_history
from vae.runs.store import RunDir

METHODS = {"latent": "z itself (2-D)", "pca": "PCA fitted on the final codes"}


@dataclass(frozen=True)
class Movie:
    epochs: np.ndarray  # (F,) the epoch after which each frame was taken (0: untrained)
    xy: np.ndarray  # (F, n, 2) every frame's points under the one projection
    kl_epochs: np.ndarray  # (E,) epochs with a KL-per-dimension record
    kl_per_dim: np.ndarray  # (E, d) nats, test set, from metrics.jsonl


def methods_for(latent_dim: int) -> list[str]:
    return ["latent", "pca"] if latent_dim == 2 else ["pca"]


def project_frames(codes: np.ndarray, final: np.ndarray, method: str) -> np.ndarray:
    """Frames (F, n, d) → (F, n, 2) through one projection fitted on ``final`` (n, d)."""
    codes = np.asarray(codes, dtype=np.float64)
    if method not in methods_for(codes.shape[2]):
        accepted = ", ".join(methods_for(codes.shape[2]))
        raise ConfigError(f"the movie's projection must be {accepted}, got {method!r}.")
    if method == "latent":
        return codes.astype(np.float32)
    mean, axes = pca_axes(final, 2)
    return ((codes - mean) @ axes.T).astype(np.float32)


def kl_records(run_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The epochs and KL per dimension (nats) of a run's epoch records, the last written wins."""
    by_epoch: dict[int, list[float]] = {}
    for record in RunDir(run_dir).metrics("epoch"):
        if record.get("kl_per_dim"):
            by_epoch[int(record["epoch"])] = record["kl_per_dim"]
    epochs = sorted(by_epoch)
    return np.array(epochs, dtype=np.int64), np.array([by_epoch[e] for e in epochs], np.float32)


def load(run_dir: str | Path, final: np.ndarray, method: str) -> Movie | None:
    """The movie of a run, or None when it was trained before its codes were kept.

    ``final`` holds the codes of the model's weights for the history's examples.
    """
    found = code_history.read(run_dir)
    if found is None:
        return None
    epochs, codes = found
    final = np.asarray(final, dtype=np.float64)[: codes.shape[1]]
    kl_epochs, kl = kl_records(run_dir)
    return Movie(epochs, project_frames(codes, final, method), kl_epochs, kl)
