"""Turning image tensors into something a person can look at: grids, PNG and GIF bytes.

Pure functions of arrays; the app and the training loop both call them.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """(n, C, H, W) or (C, H, W) values in [0, 1] → uint8 (n, H, W, C) with C in {1, 3}."""
    arr = images.detach().cpu().float().numpy() if isinstance(images, torch.Tensor) else images
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[None]
    arr = np.clip(np.nan_to_num(arr, nan=0.0), 0.0, 1.0)
    return np.round(arr.transpose(0, 2, 3, 1) * 255).astype(np.uint8)


def grid(
    images: torch.Tensor | np.ndarray, ncol: int | None = None, pad: int = 1, pad_value: int = 255
) -> np.ndarray:
    """Tile (n, C, H, W) images into one uint8 (H', W', C) picture, row by row."""
    tiles = to_uint8(images)
    n, h, w, c = tiles.shape
    ncol = max(1, min(ncol or n, n))
    nrow = -(-n // ncol)
    out = np.full((nrow * (h + pad) + pad, ncol * (w + pad) + pad, c), pad_value, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, ncol)
        y0, x0 = pad + r * (h + pad), pad + col * (w + pad)
        out[y0 : y0 + h, x0 : x0 + w] = tiles[i]
    return out


def upscale(picture: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement, so 8×8 digits stay crisp in a browser."""
    if factor <= 1:
        return picture
    return picture.repeat(factor, axis=0).repeat(factor, axis=1)


def _pil(picture: np.ndarray) -> Image.Image:
    if picture.ndim == 3 and picture.shape[2] == 1:
        picture = picture[:, :, 0]
    return Image.fromarray(picture)


def png_bytes(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    _pil(picture).save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: list[np.ndarray], duration_ms: int = 120, loop: int = 0) -> bytes:
    """An animated GIF of uint8 pictures (all the same size), one frame each."""
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    images = [_pil(f).convert("P", palette=Image.Palette.ADAPTIVE) for f in frames]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=duration_ms,
        loop=loop,
        disposal=2,
    )
    return buffer.getvalue()


def display_scale(height: int, target: int = 96) -> int:
    """An integer enlargement that shows an image of this height at about ``target`` pixels."""
    return max(1, round(target / max(height, 1)))
