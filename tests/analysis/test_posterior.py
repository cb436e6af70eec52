"""q(z|x) in two dimensions, the true posterior on a grid, and collapse in numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae.analysis import posterior
from vae.model.evaluation import iwae_log_likelihood
from vae.runs import catalog
from vae.runs.store import read_json


def _load(name):
    entry = catalog.find_bundled(name)
    info = catalog.model_info(entry.path)
    return catalog.load_model(entry.path), catalog.dataset_for(info), entry.path


def _inside(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule: is each point inside the closed polygon?"""
    x, y = points[:, 0:1], points[:, 1:2]
    x0, y0 = polygon[:-1, 0], polygon[:-1, 1]
    x1, y1 = polygon[1:, 0], polygon[1:, 1]
    crosses = ((y0 > y) != (y1 > y)) & (x < (x1 - x0) * (y - y0) / (y1 - y0 + 1e-300) + x0)
    return crosses.sum(1) % 2 == 1


def test_ellipse_has_the_posterior_std():
    curve = posterior.gaussian_ellipse(np.array([1.0, -2.0]), np.array([0.5, 2.0]), n_std=2)
    assert curve[:, 0].max() == pytest.approx(2.0) and curve[:, 0].min() == pytest.approx(
        0.0, abs=1e-3
    )
    assert curve[:, 1].max() == pytest.approx(2.0, abs=1e-3)
    r2 = ((curve - [1.0, -2.0]) / [0.5, 2.0]) ** 2
    assert np.allclose(r2.sum(1), 4.0)
    assert posterior.mass_within(1) == pytest.approx(0.3935, abs=1e-4)


def test_gaussian_posterior_contour_is_the_encoders_ellipse():
    model, data, _ = _load("digits-2d")
    x = data.test.x[3:4]
    post = posterior.posterior_2d(model, x)
    q = model.encode(x)
    mean, std = q.mean[0].detach().numpy(), q.std[0].detach().numpy()
    ring = post["contour_1"]
    assert ring[:, 0].max() == pytest.approx(mean[0] + std[0], rel=1e-4)
    assert ring[:, 1].min() == pytest.approx(mean[1] - std[1], rel=1e-4)
    share = _inside(post["samples"], ring).mean()
    assert share == pytest.approx(posterior.mass_within(1), abs=0.03)


def test_flow_contours_still_hold_their_mass():
    """A change of variables keeps mass: the flow's image of the 1σ and 2σ ellipses holds 39% and 86%."""
    model, data, _ = _load("digits-flow")
    x = data.test.x[5:6]
    post = posterior.posterior_2d(model, x, n_samples=4000)
    assert bool(post["has_flow"])
    assert not np.allclose(post["mean"], post["base_mean"])  # the flow moves the code
    for r in (1.0, 2.0):
        share = _inside(post["samples"], post[f"contour_{r:g}"]).mean()
        assert share == pytest.approx(posterior.mass_within(r), abs=0.03)


@pytest.mark.parametrize("name", ["digits-2d", "digits-flow"])
def test_true_posterior_is_normalised_and_gives_log_px(name):
    model, data, _ = _load(name)
    x = data.test.x[7:8]
    grid = posterior.true_posterior_grid(model, x)
    area = (grid["xs"][1] - grid["xs"][0]) * (grid["ys"][1] - grid["ys"][0])
    assert grid["density"].sum() * area == pytest.approx(1.0, abs=1e-6)
    iwae = float(iwae_log_likelihood(model, x, k=5000)[0])
    assert float(grid["log_px"]) == pytest.approx(iwae, abs=0.05)
    gap = posterior.elbo_gap(model, x, float(grid["log_px"]))
    assert gap["elbo"] < gap["log_px"] and gap["gap"] > 0


def test_collapse_report_sees_the_collapse_and_the_cure():
    reports = {}
    for name in ("digits-collapse", "digits-cured"):
        model, data, path = _load(name)
        reports[name] = posterior.collapse_report(model, data.test.x)
        summary = read_json(path / "summary.json", {})
        assert int(reports[name]["active_units"]) == summary["active_units"]
        assert np.allclose(reports[name]["kl_per_dim"], summary["kl_per_dim"], rtol=0.05, atol=2e-3)
    collapsed, cured = reports["digits-collapse"], reports["digits-cured"]
    assert int(collapsed["active_units"]) < 8 and int(cured["active_units"]) == 16
    # The decoder ignores dimensions that carry no KL.
    dead = collapsed["kl_per_dim"] < 0.01
    assert collapsed["sensitivity"][dead].max() < collapsed["sensitivity"][~dead].max() / 3
    model, data, _ = _load("digits-cured")
    pics = posterior.reconstructions_and_samples(model, data.test.x[:4], n_samples=6)
    assert pics["recon_images"].shape == (4, 1, 8, 8) and pics["sample_images"].shape == (
        6,
        1,
        8,
        8,
    )


def test_posterior_2d_refuses_a_larger_latent():
    model, data, _ = _load("digits-8d")
    with pytest.raises(Exception, match="2-D latent"):
        posterior.posterior_2d(model, data.test.x[:1])
    assert math.isfinite(float(torch.zeros(1)))
