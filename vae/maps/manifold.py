"""The decoded manifold of a 2-D latent: a grid of codes over the plane and their images.

Pure functions (no Streamlit); ``vae.app.latent_map`` caches and lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vae.errors import ConfigError
from vae.model.autoencoder import VAE


@dataclass
class Manifold:
    """A grid of codes over the latent plane and the images they decode to.

    Row 0 of the grid is the top of the picture (the largest z₂); column 0 the smallest z₁.
    ``extent`` is (z₁ left, z₁ right, z₂ bottom, z₂ top) of the picture's outer edges.
    """

    codes: np.ndarray  # (steps * steps, 2), row-major from the top-left
    images: np.ndarray  # (steps * steps, C, H, W) in [0, 1]
    steps: int
    extent: tuple[float, float, float, float]


def manifold_span(codes: np.ndarray, margin: float = 0.05) -> tuple[float, float, float, float]:
    """The box (z₁ min, z₁ max, z₂ min, z₂ max) that holds the codes, with a margin."""
    codes = np.asarray(codes, dtype=np.float64)
    if len(codes) == 0:
        return (-3.0, 3.0, -3.0, 3.0)
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 1e-3)
    return (
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    )


@torch.inference_mode()
def decode_manifold(
    model: VAE,
    span: tuple[float, float, float, float],
    steps: int = 15,
    y: int | None = None,
) -> Manifold:
    """Decode a ``steps`` × ``steps`` grid of codes spanning ``span`` (a 2-D latent only)."""
    if model.config.latent_dim != 2:
        raise ConfigError(
            f"the decoded manifold needs a 2-D latent; this model has {model.config.latent_dim}."
        )
    if not 2 <= steps <= 60:
        raise ConfigError(f"the manifold grid needs 2 to 60 steps per side, got {steps}.")
    x0, x1, y0, y1 = span
    z1 = np.linspace(x0, x1, steps)
    z2 = np.linspace(y1, y0, steps)  # top row first
    grid_codes = np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2).astype(np.float32)
    model.eval()
    z = torch.from_numpy(grid_codes).to(model.device)
    images = model.decode(z, y).float().cpu().numpy()
    dx, dy = (x1 - x0) / max(steps - 1, 1), (y1 - y0) / max(steps - 1, 1)
    extent = (x0 - dx / 2, x1 + dx / 2, y0 - dy / 2, y1 + dy / 2)
    return Manifold(grid_codes, images, steps, extent)
