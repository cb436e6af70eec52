"""Corruptions, baselines and error measures of vae.analysis.corruption, with answers known in advance."""

from __future__ import annotations

import math

import pytest
import torch

from vae.analysis import corruption
from vae.errors import ConfigError


def test_rectangle_mask_has_the_requested_size_and_place():
    mask = corruption.rectangle_mask((2, 3, 8, 8), top=1, left=2, height=3, width=4)
    assert mask.sum() == 2 * 3 * 3 * 4
    assert mask[0, 0, 1:4, 2:6].all() and not mask[0, 0, 0].any() and not mask[0, 0, :, 6:].any()
    # A rectangle that runs off the image is clipped to it.
    clipped = corruption.rectangle_mask((1, 1, 8, 8), top=6, left=6, height=5, width=5)
    assert clipped.sum() == 4


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.95, 1.0])
def test_random_mask_hides_exactly_the_fraction_asked_in_every_channel(fraction):
    g = torch.Generator().manual_seed(1)
    mask = corruption.random_pixel_mask((5, 3, 8, 8), fraction, g)
    per_image = mask[:, 0].flatten(1).sum(1)
    assert (per_image == round(fraction * 64)).all()
    assert (mask == mask[:, :1]).all()


def test_corruptions_do_what_they_say():
    x = torch.full((50, 1, 8, 8), 0.5)
    noisy, missing = corruption.corrupt(x, corruption.Corruption("noise", sigma=0.1))
    assert not missing.any()
    assert abs(float((noisy - x).std()) - 0.1) < 0.01
    sp, missing = corruption.corrupt(x, corruption.Corruption("salt_pepper", fraction=0.25))
    hit = sp != 0.5
    assert not missing.any()
    assert (hit.flatten(1).sum(1) == 16).all()
    assert set(sp[hit].unique().tolist()) <= {0.0, 1.0}
    rect, missing = corruption.corrupt(
        x, corruption.Corruption("rectangle", top=0, left=0, height=4, width=8)
    )
    assert missing.flatten(1).sum(1).eq(32).all() and (rect[missing] == 0).all()
    assert (rect[~missing] == 0.5).all()


def test_a_bad_corruption_is_refused_with_a_sentence():
    with pytest.raises(ConfigError, match="unknown"):
        corruption.Corruption("smudge")
    with pytest.raises(ConfigError, match="fraction"):
        corruption.Corruption("missing", fraction=1.5)


def test_baselines_have_known_answers():
    flat = torch.full((1, 1, 8, 8), 0.3)
    assert torch.allclose(corruption.blur(flat), flat)
    speck = flat.clone()
    speck[0, 0, 4, 4] = 1.0
    assert torch.allclose(corruption.median(speck), flat)  # a lone salt pixel is removed entirely
    mean = torch.full((1, 1, 8, 8), 0.7)
    missing = corruption.rectangle_mask((1, 1, 8, 8), 2, 2, 3, 3)
    filled = corruption.mean_fill(flat.masked_fill(missing, 0), missing, mean)
    assert (filled[missing] == 0.7).all() and (filled[~missing] == 0.3).all()
    # Diffusion from a constant border fills the hole with that constant.
    assert torch.allclose(
        corruption.blur_fill(flat.masked_fill(missing, 0), missing, mean, 200), flat, atol=1e-3
    )


def test_error_measures():
    a, b = torch.zeros(1, 1, 2, 2), torch.tensor([[[[0.0, 0.0], [0.0, 1.0]]]])
    assert corruption.mse(a, b) == 0.25
    missing = b.bool()
    assert corruption.masked_mse(a, b, missing) == 1.0
    assert math.isnan(corruption.masked_mse(a, b, torch.zeros_like(missing)))
    assert corruption.psnr(0.01) == pytest.approx(20.0)
