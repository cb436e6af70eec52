"""Corruptions, restorers and error measures of vae.restore, with answers known in advance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae import catalog, restore
from vae.errors import ConfigError


@pytest.fixture(scope="module")
def digits8():
    entry = catalog.find_bundled("digits-8d")
    info = catalog.model_info(entry.path)
    model = catalog.load_model(entry.path)
    data = catalog.dataset_for(info)
    return model, data, restore.data_mean_image(data)


def test_rectangle_mask_has_the_requested_size_and_place():
    mask = restore.rectangle_mask((2, 3, 8, 8), top=1, left=2, height=3, width=4)
    assert mask.sum() == 2 * 3 * 3 * 4
    assert mask[0, 0, 1:4, 2:6].all() and not mask[0, 0, 0].any() and not mask[0, 0, :, 6:].any()
    # A rectangle that runs off the image is clipped to it.
    clipped = restore.rectangle_mask((1, 1, 8, 8), top=6, left=6, height=5, width=5)
    assert clipped.sum() == 4


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.95, 1.0])
def test_random_mask_hides_exactly_the_fraction_asked_in_every_channel(fraction):
    g = torch.Generator().manual_seed(1)
    mask = restore.random_pixel_mask((5, 3, 8, 8), fraction, g)
    per_image = mask[:, 0].flatten(1).sum(1)
    assert (per_image == round(fraction * 64)).all()
    assert (mask == mask[:, :1]).all()


def test_corruptions_do_what_they_say():
    x = torch.full((50, 1, 8, 8), 0.5)
    noisy, missing = restore.corrupt(x, restore.Corruption("noise", sigma=0.1))
    assert not missing.any()
    assert abs(float((noisy - x).std()) - 0.1) < 0.01
    sp, missing = restore.corrupt(x, restore.Corruption("salt_pepper", fraction=0.25))
    hit = sp != 0.5
    assert not missing.any()
    assert (hit.flatten(1).sum(1) == 16).all()
    assert set(sp[hit].unique().tolist()) <= {0.0, 1.0}
    rect, missing = restore.corrupt(
        x, restore.Corruption("rectangle", top=0, left=0, height=4, width=8)
    )
    assert missing.flatten(1).sum(1).eq(32).all() and (rect[missing] == 0).all()
    assert (rect[~missing] == 0.5).all()


def test_a_bad_corruption_is_refused_with_a_sentence():
    with pytest.raises(ConfigError, match="unknown"):
        restore.Corruption("smudge")
    with pytest.raises(ConfigError, match="fraction"):
        restore.Corruption("missing", fraction=1.5)


def test_baselines_have_known_answers():
    flat = torch.full((1, 1, 8, 8), 0.3)
    assert torch.allclose(restore.blur(flat), flat)
    speck = flat.clone()
    speck[0, 0, 4, 4] = 1.0
    assert torch.allclose(restore.median(speck), flat)  # a lone salt pixel is removed entirely
    mean = torch.full((1, 1, 8, 8), 0.7)
    missing = restore.rectangle_mask((1, 1, 8, 8), 2, 2, 3, 3)
    filled = restore.mean_fill(flat.masked_fill(missing, 0), missing, mean)
    assert (filled[missing] == 0.7).all() and (filled[~missing] == 0.3).all()
    # Diffusion from a constant border fills the hole with that constant.
    assert torch.allclose(
        restore.blur_fill(flat.masked_fill(missing, 0), missing, mean, 200), flat, atol=1e-3
    )


def test_error_measures():
    a, b = torch.zeros(1, 1, 2, 2), torch.tensor([[[[0.0, 0.0], [0.0, 1.0]]]])
    assert restore.mse(a, b) == 0.25
    missing = b.bool()
    assert restore.masked_mse(a, b, missing) == 1.0
    assert math.isnan(restore.masked_mse(a, b, torch.zeros_like(missing)))
    assert restore.psnr(0.01) == pytest.approx(20.0)
    rows = restore.summarise(
        {
            "methods": np.array(["mean_fill", "iterative"]),
            "mse": np.array([[1.0, 3.0], [0.0, 2.0]]),
            "mse_missing": np.array([[2.0, 2.0], [1.0, 1.0]]),
        }
    )
    assert rows[0]["mse"] == 2.0 and rows[0]["mse_se"] == pytest.approx(1.0)
    text = restore.verdict(rows, restore.Corruption("rectangle"))
    assert "50% less error" in text and "VAE iterative" in text


def test_inpainting_never_changes_a_known_pixel(digits8):
    model, data, mean = digits8
    x = data.test.x[:64]
    for corruption in (
        restore.Corruption("rectangle", top=2, left=1, height=4, width=5),
        restore.Corruption("missing", fraction=0.6),
    ):
        x_obs, missing = restore.corrupt(x, corruption, seed=3)
        for method in ("mean_fill", "blur_fill", "iterative", "optimise_z"):
            out = restore.restore(method, model, x_obs, missing, mean, rounds=5, steps=20)
            assert torch.equal(out[~missing], x[~missing]), method
            assert out.min() >= 0 and out.max() <= 1


def test_iterative_inpainting_beats_the_mean_fill_on_the_test_set(digits8):
    """The VAE's value, measured: hiding the top half of each digit."""
    model, data, mean = digits8
    corruption = restore.default_corruption(8, 8)
    result = restore.benchmark(model, data.test.x, mean, corruption, steps=30)
    rows = {r["method"]: r for r in restore.summarise(result)}
    assert list(result["methods"])[-1] == "clean"
    assert rows["iterative"]["mse_missing"] < 0.85 * rows["mean_fill"]["mse_missing"]
    assert rows["optimise_z"]["mse_missing"] < 0.85 * rows["mean_fill"]["mse_missing"]
    # Rounds improve on round 0 (the mean fill) and settle.
    x_obs, missing = restore.corrupt(data.test.x, corruption)
    _, errors = restore.iterative_inpaint(model, x_obs, missing, mean, 10, x_true=data.test.x)
    assert errors[0] == pytest.approx(rows["mean_fill"]["mse_missing"], rel=1e-5)
    assert errors[-1] < errors[0]


def test_the_vae_denoises_better_than_doing_nothing(digits8):
    model, data, mean = digits8
    corruption = restore.Corruption("salt_pepper", fraction=0.2)
    result = restore.benchmark(model, data.test.x, mean, corruption, steps=30)
    rows = {r["method"]: r for r in restore.summarise(result)}
    assert rows["encode_decode"]["mse"] < 0.7 * rows["corrupted"]["mse"]
    assert math.isnan(rows["encode_decode"]["mse_missing"])
    one = restore.restore_example(model, data.test.x[:1], mean, corruption, steps=30)
    # Denoising by optimising z returns the decoded image, not the noisy input.
    assert not torch.equal(one["outputs"]["optimise_z"], one["x_obs"])
