"""Pictures on a page: decoded images enlarged, and their downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from vae.images import display_scale, gif_bytes, grid, png_bytes, upscale


def picture(
    images: torch.Tensor | np.ndarray, ncol: int | None = None, target: int = 96
) -> np.ndarray:
    """A uint8 picture of (n, C, H, W) images, enlarged so small images stay legible."""
    arr = grid(images, ncol=ncol)
    h = images.shape[-2]
    return upscale(arr, display_scale(h, target))


def side_by_side(images: list[torch.Tensor], target: int = 96) -> np.ndarray:
    """Single images (C, H, W) in one row."""
    return picture(torch.stack(images), ncol=len(images), target=target)


def downloads(
    name: str,
    strip: np.ndarray,
    frames: list[np.ndarray] | None,
    key: str,
    duration_ms: int = 120,
) -> None:
    """A PNG of the picture and, with frames, an animated GIF, side by side."""
    left, right = st.columns(2)
    left.download_button(
        "Download PNG", png_bytes(strip), file_name=f"{name}.png", mime="image/png",
        key=f"{key}_png", icon=":material/image:", width="stretch",
    )  # fmt: skip
    if frames:
        right.download_button(
            "Download GIF", gif_bytes(frames, duration_ms=duration_ms), file_name=f"{name}.gif",
            mime="image/gif", key=f"{key}_gif", icon=":material/animation:",
            width="stretch",
        )  # fmt: skip


def frames_of(images: torch.Tensor, target: int = 96) -> list[np.ndarray]:
    """One enlarged uint8 picture per image, for a GIF."""
    return [picture(images[i : i + 1], target=target) for i in range(images.shape[0])]
