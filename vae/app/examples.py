"""Test examples and uploaded images as the apply pages (Denoise, Density, Posterior lab) use them."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from vae.app import modality, shell
from vae.app.shell import Selected
from vae.errors import VAELabError

MAX_TEST = 1000  # examples a whole-test-set measurement uses at most


# --- data -----------------------------------------------------------------------------------------


def test_x(selected: Selected, n: int | None = None) -> torch.Tensor:
    """The first ``n`` test inputs (at most ``MAX_TEST``)."""
    x = selected.data.test.x
    return x[: min(n or MAX_TEST, MAX_TEST, x.shape[0])]


def varied_rows(labels: torch.Tensor | None, n: int) -> list[int]:
    """Rows of ``n`` test examples that show the data's variety: the first example of each
    class in turn, then the next rows not taken (the first ``n`` rows without labels).

    The first test examples of a data set are often of one class (mnist-5k's first eight
    are mostly zeros), which makes "the reconstructions" look like one digit.
    """
    if labels is None:
        return list(range(n))
    rows: list[int] = []
    seen: set[int] = set()
    for i, label in enumerate(labels.reshape(len(labels), -1)[:, 0].tolist()):
        if label not in seen:
            seen.add(label)
            rows.append(i)
            if len(rows) == n:
                return rows
    taken = set(rows)
    rows += [i for i in range(len(labels)) if i not in taken][: n - len(rows)]
    return rows


def test_y(selected: Selected, n: int | None = None) -> torch.Tensor | None:
    """Labels of the first ``n`` test inputs, for a conditional model (None otherwise)."""
    y = selected.data.test.y
    if y is None or not selected.model.config.conditional:
        return None
    return y[: min(n or MAX_TEST, MAX_TEST, y.shape[0])]


def upload(selected: Selected, key: str, label: str = "…or upload {a_noun}") -> torch.Tensor | None:
    """An uploaded example (an image, a ``.wav`` for a sound model: the seam's ``upload_types``)
    as a (1, C, H, W) tensor at the model's shape, or None (errors shown). ``label`` may name
    the example with ``{a_noun}`` or ``{noun}``."""
    seam = modality.of(selected.info)
    noun = f"{seam.noun} ({', '.join('.' + t for t in seam.upload_types)})"
    a_noun = ("an " if noun[0] in "aeiou" else "a ") + noun
    file = st.file_uploader(
        label.format(noun=noun, a_noun=a_noun), type=list(seam.upload_types), key=key
    )
    if file is None:
        return None
    try:
        x = seam.read_upload(
            file.getvalue(), f"The upload “{file.name}”", selected.info.input_shape
        )
        return x.unsqueeze(0)
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
