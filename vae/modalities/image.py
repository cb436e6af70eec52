"""Images (C, H, W) in [0, 1]: shown as enlarged pictures, drawn or uploaded, masked or noised."""

from __future__ import annotations

import numpy as np
import torch

from vae.analysis.corruption import CORRUPTIONS, Corruption, corrupt
from vae.data import image_to_tensor
from vae.images import display_scale, grid, upscale
from vae.modalities import register
from vae.modalities.base import Modality


@register
class Image(Modality):
    name = "image"
    kinds = ("image",)
    noun, plural = "image", "images"
    display = "picture"
    inputs = ("draw", "upload")
    upload_types = ("png", "jpg", "jpeg", "bmp", "gif")
    corruptions = CORRUPTIONS

    def render(self, x: torch.Tensor | np.ndarray, target: int = 96) -> list[np.ndarray]:
        """Each image as a uint8 picture, enlarged so that small images stay legible."""
        scale = display_scale(x.shape[-2], target)
        return [upscale(grid(x[i : i + 1], ncol=1), scale) for i in range(x.shape[0])]

    def read_upload(self, data: bytes, name: str, input_shape: tuple[int, ...]) -> torch.Tensor:
        """A PNG/JPEG/BMP/GIF converted to the model's channels and resized to its H × W."""
        return image_to_tensor(data, input_shape)

    def corrupt(
        self, x: torch.Tensor, kind: str, amount: float, seed: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Noise of σ = amount, salt and pepper or missing pixels at fraction = amount, or the
        top ``amount`` of the image hidden (rectangle)."""
        h, w = x.shape[-2:]
        if kind == "rectangle":
            spec = Corruption("rectangle", top=0, left=0, height=max(1, round(amount * h)), width=w)
        else:
            spec = Corruption(kind, sigma=amount, fraction=min(max(amount, 0.0), 1.0))
        return corrupt(x, spec, seed)
