"""Points as pictures: each example's own image laid on the 2-D map at its position.

Pure functions on a plotly figure from ``vae.figures.latent_map.scatter_map``.
Every picture is its own plotly layout image in data coordinates, so it grows
with the zoom and stays sharp (enlarged by whole pixels before encoding).
Greyscale images show their ink dark on a faint white tile; the points stay
on top as small coloured dots, so the colouring still reads.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

from vae.images import png_bytes, to_uint8, upscale

MAX_PICTURES = 1000  # layout images beyond this make panning sluggish in a browser
TILE_FRACTION = 0.035  # a picture's side, as a fraction of the map's wider extent
PIXELS = 32  # pictures are enlarged to about this many pixels before encoding


def picture_sample(n: int, limit: int = MAX_PICTURES, seed: int = 0) -> np.ndarray:
    """Row numbers (sorted) of the points drawn as pictures: all, or a seeded sample of ``limit``."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def thumbnail_uri(image: np.ndarray) -> str:
    """One (C, H, W) image in [0, 1] as a PNG data URI: dark ink on a see-through tile if grey."""
    tile = to_uint8(image)[0]  # (H, W, C)
    tile = upscale(tile, max(1, round(PIXELS / tile.shape[0])))
    if tile.shape[2] == 1:
        ink = tile[:, :, 0].astype(np.float32) / 255.0
        grey = (255 * (1 - ink)).astype(np.uint8)
        alpha = (60 + 195 * ink).astype(np.uint8)
        tile = np.stack([grey, grey, grey, alpha], axis=-1)
    return "data:image/png;base64," + base64.b64encode(png_bytes(tile)).decode("ascii")


def tile_size(xy: np.ndarray, fraction: float = TILE_FRACTION) -> float:
    """A picture's side in map units: a fixed fraction of the map's wider extent."""
    xy = np.asarray(xy, dtype=np.float64)
    span = float(np.max(xy.max(axis=0) - xy.min(axis=0))) if len(xy) else 1.0
    return max(span, 1e-6) * fraction


def add_pictures(fig: go.Figure, xy: np.ndarray, sources: list[str]) -> go.Figure:
    """Lay pictures (``thumbnail_uri`` data URIs) centred on the points ``xy`` (m, 2).

    Beneath the traces, so each point's colour (draw them small) stays on its picture.
    """
    size = tile_size(xy)
    pictures = [
        {
            "source": source, "xref": "x", "yref": "y", "x": float(x), "y": float(y),
            "sizex": size, "sizey": size, "xanchor": "center", "yanchor": "middle",
            "sizing": "contain", "layer": "below",
        }
        for (x, y), source in zip(np.asarray(xy), sources, strict=True)
    ]  # fmt: skip
    fig.update_layout(images=list(fig.layout.images) + pictures)
    return fig
