"""Points and table rows (d,): shown and hovered as their coordinates, typed in as numbers."""

from __future__ import annotations

import numpy as np
import torch

from vae.modalities import register
from vae.modalities.base import Modality


def _values(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=np.float64)


@register
class Points(Modality):
    name = "points"
    kinds = ("points", "tabular")
    noun, plural = "point", "points"
    display = "numbers"
    inputs = ("numbers",)
    upload_types = ("csv",)

    def render(self, x: torch.Tensor | np.ndarray, target: int = 96) -> list[str]:
        """Each point as its coordinates, e.g. "(0.53, −1.20)"."""
        return [
            "(" + ", ".join(f"{v:.2f}" for v in row).replace("-", "−") + ")" for row in _values(x)
        ]

    def hover(self, x: torch.Tensor | np.ndarray) -> list[str]:
        return self.render(x)
