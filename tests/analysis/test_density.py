"""Log-likelihoods, OOD detection and 2-D densities of vae.analysis.density, with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae.analysis import density
from vae.errors import ConfigError
from vae.runs import catalog


def _load(name):
    entry = catalog.find_bundled(name)
    info = catalog.model_info(entry.path)
    return catalog.load_model(entry.path), catalog.dataset_for(info)


def test_auroc_known_answers():
    assert density.auroc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert density.auroc(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 0.0
    assert density.auroc(np.array([1.0, 1.0]), np.array([1.0])) == 0.5
    assert density.auroc(np.array([1.0, 3.0]), np.array([2.0])) == 0.5
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 300), rng.normal(0, 1, 200)
    from sklearn.metrics import roc_auc_score

    expected = roc_auc_score(np.r_[np.ones(300), np.zeros(200)], np.r_[a, b])
    assert density.auroc(a, b) == pytest.approx(expected)
    fpr, tpr = density.roc_curve(a, b)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(expected)


def test_extremes_and_percentile():
    scores = np.array([0.5, -2.0, 3.0, 1.0])
    low, high = density.extremes(scores, 2)
    assert low.tolist() == [1, 0] and high.tolist() == [2, 3]
    assert density.percentile_of(1.0, scores) == 75.0


def test_own_test_data_is_far_more_likely_than_noise():
    model, data = _load("digits-8d")
    ll = density.log_likelihoods(model, data.test.x, k=20)
    assert ll.shape == (360,) and np.isfinite(ll).all()
    sets = density.ood_sets(data.test.x, "digits", (1, 8, 8), 100)
    for name, x in sets.items():
        assert x.shape[1:] == (1, 8, 8) and x.min() >= 0 and x.max() <= 1, name
    noise = density.log_likelihoods(model, sets["uniform noise"], k=20)
    assert density.auroc(ll, noise) > 0.99
    inverted = density.log_likelihoods(model, sets["inverted (1 − x)"], k=20)
    assert density.auroc(ll, inverted) > 0.99


def test_other_data_set_is_resized_to_the_model():
    name, x = density.other_dataset("shapes", (3, 16, 16), 12)
    assert name == "digits" and x.shape == (12, 3, 16, 16)
    name, x = density.other_dataset("digits", (1, 8, 8), 5)
    assert name == "shapes" and x.shape == (5, 1, 8, 8) and x.max() > 0


def test_a_conditional_model_is_marginalised_over_its_classes():
    model, data = _load("digits-cvae")
    x = data.test.x[:6]
    marginal = density.log_likelihoods(model, x, k=50)
    from vae.model.evaluation import iwae_log_likelihood

    per_class = torch.stack(
        [
            iwae_log_likelihood(model, x, torch.full((6,), c), k=50, seed=c)
            for c in range(model.config.n_classes)
        ]
    ).numpy()
    best = per_class.max(0)
    # log (1/C) Σ_c p(x|c) lies between max_c log p(x|c) − log C and max_c log p(x|c).
    assert np.all(marginal <= best + 1e-9) and np.all(marginal >= best - math.log(10) - 1e-9)


def test_the_2d_density_integrates_to_one():
    model, data = _load("pinwheel-2d")
    grid = density.density_grid(model, -4.0, 4.0, 50, k=50)
    assert grid["log_p"].shape == (50, 50)
    total = density.grid_integral(grid["xs"], grid["ys"], grid["log_p"])
    assert 0.93 < total < 1.07
    # Where the data is, the density is high; far away it is tiny.
    assert grid["log_p"].max() > -1 and grid["log_p"][0, 0] < -6
    with pytest.raises(ConfigError, match="2-D points"):
        density.density_grid(_load("digits-2d")[0])


def test_samples_carry_the_likelihood_noise():
    model, _ = _load("pinwheel-2d")
    s = density.sample_points(model, 4000, seed=1)
    assert s["x"].shape == (4000, 2)
    # p(x|z) has a fixed σ = 0.1 around the decoder's mean.
    assert np.std(s["x"] - s["mean"]) == pytest.approx(0.1, rel=0.05)
