"""Test examples and uploaded images as the apply pages (Denoise, Density, Posterior lab) use them."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from vae.app import shell
from vae.app.shell import Selected
from vae.data import image_to_tensor, sounds
from vae.errors import VAELabError

MAX_TEST = 1000  # examples a whole-test-set measurement uses at most


# --- data -----------------------------------------------------------------------------------------


def test_x(selected: Selected, n: int | None = None) -> torch.Tensor:
    """The first ``n`` test inputs (at most ``MAX_TEST``)."""
    x = selected.data.test.x
    return x[: min(n or MAX_TEST, MAX_TEST, x.shape[0])]


def test_y(selected: Selected, n: int | None = None) -> torch.Tensor | None:
    """Labels of the first ``n`` test inputs, for a conditional model (None otherwise)."""
    y = selected.data.test.y
    if y is None or not selected.model.config.conditional:
        return None
    return y[: min(n or MAX_TEST, MAX_TEST, y.shape[0])]


def upload(selected: Selected, key: str, label: str = "…or upload an image") -> torch.Tensor | None:
    """An uploaded image (or, for a sound model, a ``.wav``) as a (1, C, H, W) tensor at the
    model's shape, or None (errors shown)."""
    sound = selected.info.kind == "audio"
    if sound:
        label = label.replace("an image", "a sound (.wav)").replace("image", "sound (.wav)")
    types = ["wav"] if sound else ["png", "jpg", "jpeg", "bmp", "gif"]
    file = st.file_uploader(label, type=types, key=key)
    if file is None:
        return None
    try:
        if sound:
            return sounds.sound_to_tensor(file.getvalue(), f"The sound “{file.name}”").unsqueeze(0)
        return image_to_tensor(file, tuple(selected.info.input_shape)).unsqueeze(0)
    except VAELabError as exc:
        shell.report_error(exc)
        return None


def label_tensor(label: int) -> torch.Tensor:
    return torch.tensor([int(label)], dtype=torch.long)


def example(selected: Selected, index: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Test example ``index`` as a batch of one, with its label for a conditional model."""
    x = selected.data.test.x[index : index + 1]
    y = test_y(selected)
    return x, None if y is None else selected.data.test.y[index : index + 1]


def stack(x: torch.Tensor, other: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Two batches of images one after the other (for a picture of originals over results)."""
    return torch.cat([x, torch.as_tensor(other, dtype=x.dtype)])
