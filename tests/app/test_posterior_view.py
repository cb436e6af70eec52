"""The Posterior lab's view of one example: kept on disk, shipped for the bundled 2-D models."""

from __future__ import annotations

import numpy as np
import pytest

from vae.analysis import posterior
from vae.app import caching, posterior_lab, shell
from vae.runs import catalog


def test_a_view_survives_the_round_trip_through_flat_arrays():
    view = {
        "post": {"mean": np.array([0.5, -1.0]), "has_flow": np.array(True)},
        "grid": {"xs": np.linspace(0, 1, 3), "log_px": np.array(-90.5)},
        "gap": {"elbo": -91.25, "log_px": -90.5, "gap": 0.75},
        "recon": np.zeros((1, 1, 2, 2)),
    }
    flat = posterior_lab.flatten(view)
    assert sorted(flat) == [
        "gap.elbo", "gap.gap", "gap.log_px", "grid.log_px", "grid.xs", "post.has_flow",
        "post.mean", "recon",
    ]  # fmt: skip
    back = posterior_lab.unflatten(flat)
    assert back["gap"] == {"elbo": -91.25, "log_px": -90.5, "gap": 0.75}
    assert all(isinstance(v, float) for v in back["gap"].values())
    np.testing.assert_array_equal(back["grid"]["xs"], view["grid"]["xs"])
    assert bool(back["post"]["has_flow"]) and back["recon"].shape == (1, 1, 2, 2)
    # Without the truth: no grid and no gap, as the page expects.
    bare = posterior_lab.unflatten(posterior_lab.flatten({**view, "grid": None, "gap": None}))
    assert bare["grid"] is None and bare["gap"] is None


@pytest.mark.parametrize("name", ["mnist-2d", "mnist-flow", "digits-2d", "digits-flow"])
def test_the_first_examples_true_posterior_ships_with_the_bundled_model(name, monkeypatch):
    # The page opens on two of these: a first visit reads the view instead of 21,000 decodings.
    selected = shell.load(catalog.find_bundled(name))
    caching.clear()

    def computed(*args, **kwargs):
        raise AssertionError("the true posterior was computed, not read from the bundle")

    monkeypatch.setattr(posterior, "true_posterior_grid", computed)
    view = posterior_lab.posterior_view(selected, 0, True)
    assert view["gap"]["gap"] >= -0.05  # log p(x) ≥ ELBO, up to the Monte Carlo error
    assert view["grid"]["density"].shape == (121, 121)
