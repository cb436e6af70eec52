"""A drawn or uploaded input, framed the way MNIST and sklearn's digits were made."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from vae.analysis import own_input
from vae.errors import DataError


def stroke_image(side: int = 200) -> np.ndarray:
    """An RGBA drawing: a light, off-centre, tall bar on a transparent ground."""
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[20:120, 130:160] = 255
    return rgba


def test_a_drawing_is_cropped_scaled_into_20x20_and_centred_by_mass_in_28x28():
    x = own_input.from_drawing(stroke_image(), "mnist-5k", (1, 28, 28))
    assert x.shape == (1, 28, 28) and float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    ink = x[0] > 0.05
    rows = torch.nonzero(ink.any(1)).ravel()
    assert int(rows[-1] - rows[0] + 1) == 20  # the long side fills the 20-pixel box
    mass = x[0] / x[0].sum()
    centre = [
        float((mass.sum(1) * torch.arange(28)).sum()),
        float((mass.sum(0) * torch.arange(28)).sum()),
    ]
    np.testing.assert_allclose(centre, [13.5, 13.5], atol=0.6)


def test_the_8x8_digits_fill_their_frame_as_sklearn_made_them():
    x = own_input.from_drawing(stroke_image(), "digits", (1, 8, 8))
    assert x.shape == (1, 8, 8)
    assert bool((x[0] > 0.05).any(1).all())  # ink from the top row to the bottom row


def test_dark_ink_on_white_paper_is_inverted_and_the_result_matches_a_drawing():
    light = stroke_image()[..., 0]
    buffer = io.BytesIO()
    Image.fromarray(255 - light).save(buffer, "PNG")  # a photo of a pen stroke on paper
    uploaded = own_input.from_upload(buffer.getvalue(), "mnist-5k", (1, 28, 28))
    drawn = own_input.from_drawing(stroke_image(), "mnist-5k", (1, 28, 28))
    torch.testing.assert_close(uploaded, drawn, atol=0.02, rtol=0)


def test_other_models_take_the_picture_as_it_is():
    assert own_input.framing_for("shapes", (1, 32, 32)) is None
    x = own_input.from_drawing(stroke_image(), "shapes", (1, 32, 32))
    assert x.shape == (1, 32, 32)


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"not an image", "not an image that can be read"), (None, "empty")],
)
def test_bad_or_empty_inputs_get_one_sentence(data, words):
    if data is None:
        buffer = io.BytesIO()
        Image.new("L", (40, 40), 255).save(buffer, "PNG")  # blank paper
        data = buffer.getvalue()
    with pytest.raises(DataError, match=words) as caught:
        own_input.from_upload(data, "digits", (1, 8, 8))
    assert str(caught.value).count(". ") == 0 and str(caught.value).endswith(".")
