"""The VAE as a restorer (vae.analysis.inpainting), against the baselines, with answers known in advance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae.analysis import inpainting
from vae.analysis.corruption import Corruption, corrupt, data_mean_image, default_corruption
from vae.runs import catalog


@pytest.fixture(scope="module")
def digits8():
    entry = catalog.find_bundled("digits-8d")
    info = catalog.model_info(entry.path)
    model = catalog.load_model(entry.path)
    data = catalog.dataset_for(info)
    return model, data, data_mean_image(data)


def test_summary_and_verdict():
    rows = inpainting.summarise(
        {
            "methods": np.array(["mean_fill", "iterative"]),
            "mse": np.array([[1.0, 3.0], [0.0, 2.0]]),
            "mse_missing": np.array([[2.0, 2.0], [1.0, 1.0]]),
        }
    )
    assert rows[0]["mse"] == 2.0 and rows[0]["mse_se"] == pytest.approx(1.0)
    text = inpainting.verdict(rows, Corruption("rectangle"))
    assert "50% less error" in text and "VAE iterative" in text


def test_inpainting_never_changes_a_known_pixel(digits8):
    model, data, mean = digits8
    x = data.test.x[:64]
    for corruption in (
        Corruption("rectangle", top=2, left=1, height=4, width=5),
        Corruption("missing", fraction=0.6),
    ):
        x_obs, missing = corrupt(x, corruption, seed=3)
        for method in ("mean_fill", "blur_fill", "iterative", "optimise_z"):
            out = inpainting.restore(method, model, x_obs, missing, mean, rounds=5, steps=20)
            assert torch.equal(out[~missing], x[~missing]), method
            assert out.min() >= 0 and out.max() <= 1


def test_iterative_inpainting_beats_the_mean_fill_on_the_test_set(digits8):
    """The VAE's value, measured: hiding the top half of each digit."""
    model, data, mean = digits8
    corruption = default_corruption(8, 8)
    result = inpainting.benchmark(model, data.test.x, mean, corruption, steps=30)
    rows = {r["method"]: r for r in inpainting.summarise(result)}
    assert list(result["methods"])[-1] == "clean"
    assert rows["iterative"]["mse_missing"] < 0.85 * rows["mean_fill"]["mse_missing"]
    assert rows["optimise_z"]["mse_missing"] < 0.85 * rows["mean_fill"]["mse_missing"]
    # Rounds improve on round 0 (the mean fill) and settle.
    x_obs, missing = corrupt(data.test.x, corruption)
    _, errors = inpainting.iterative_inpaint(model, x_obs, missing, mean, 10, x_true=data.test.x)
    assert errors[0] == pytest.approx(rows["mean_fill"]["mse_missing"], rel=1e-5)
    assert errors[-1] < errors[0]


def test_the_vae_denoises_better_than_doing_nothing(digits8):
    model, data, mean = digits8
    corruption = Corruption("salt_pepper", fraction=0.2)
    result = inpainting.benchmark(model, data.test.x, mean, corruption, steps=30)
    rows = {r["method"]: r for r in inpainting.summarise(result)}
    assert rows["encode_decode"]["mse"] < 0.7 * rows["corrupted"]["mse"]
    assert math.isnan(rows["encode_decode"]["mse_missing"])
    one = inpainting.restore_example(model, data.test.x[:1], mean, corruption, steps=30)
    # Denoising by optimising z returns the decoded image, not the noisy input.
    assert not torch.equal(one["outputs"]["optimise_z"], one["x_obs"])
