"""The bundled MNIST models: present, the defaults, small, evaluated both ways, maps precomputed."""

from __future__ import annotations

import json

import pytest

from vae.app.shell import DEFAULT_MODEL
from vae.runs.catalog import BUNDLED

MNIST_MODELS = [
    "mnist-2d",
    "mnist-16d",
    "mnist-cvae",
    "mnist-flow",
    "mnist-collapse",
    "mnist-cured",
]
MAX_BYTES = 3 * 1024**2


def test_they_come_first_and_the_2d_one_is_the_default():
    order = json.loads((BUNDLED / "order.json").read_text())
    assert order[: len(MNIST_MODELS)] == MNIST_MODELS
    assert DEFAULT_MODEL == "mnist-2d"
    # The digits models stay for the one-minute demo and the fast tests.
    assert {"digits-2d", "digits-8d", "digits-cvae"} <= set(order)


@pytest.mark.parametrize("name", MNIST_MODELS)
def test_each_is_complete_small_and_evaluated(name):
    folder = BUNDLED / name
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size <= MAX_BYTES, f"{name} is {size / 1024**2:.1f} MB"
    config = json.loads((folder / "config.json").read_text())
    assert config["train"]["dataset"] == "mnist-5k" and config["input_shape"] == [1, 28, 28]
    summary = json.loads((folder / "summary.json").read_text())
    for key in ("elbo", "log_likelihood", "log_likelihood_binarized", "active_units"):
        assert key in summary, key
    # A log-likelihood estimate lies above the ELBO; both are negative nats per example.
    assert summary["elbo"] < summary["log_likelihood"] < 0
    assert summary["log_likelihood_binarized"] < 0
    assert summary["log_likelihood_binarized_n"] == 1000
    assert list((folder / "cache").glob("projection-*.npz")), "latent maps are precomputed"
    assert (folder / "card.json").exists() and list((folder / "reconstructions").glob("*.png"))


def test_the_collapse_pair_shows_the_cure():
    active = {
        name: json.loads((BUNDLED / name / "summary.json").read_text())["active_units"]
        for name in ("mnist-collapse", "mnist-cured")
    }
    assert active["mnist-cured"] > active["mnist-collapse"]
