"""Binarised log-likelihoods: a fixed binarisation, a known answer, and `evaluate --binarize`."""

from __future__ import annotations

import json
import math

import pytest
import torch

from vae import VAE, VAEConfig, load_dataset
from vae.analysis.binarized import binarize, binarized_log_likelihood
from vae.analysis.report import evaluate_model
from vae.cli import main
from vae.errors import ConfigError


def test_binarize_is_fixed_and_unbiased():
    # Not torch's seed 0: bernoulli draws the same uniforms, and u < u is never true.
    x = torch.rand(200, 1, 8, 8, generator=torch.Generator().manual_seed(123))
    a, b = binarize(x), binarize(x)
    assert torch.equal(a, b) and set(a.unique().tolist()) <= {0.0, 1.0}
    assert not torch.equal(a, binarize(x, seed=1))
    # Each pixel is 1 with probability x: the means agree to sampling error (12,800 pixels).
    assert abs(a.mean().item() - x.mean().item()) < 0.02
    assert torch.equal(binarize(torch.ones(3, 4)), torch.ones(3, 4))
    assert torch.equal(binarize(torch.zeros(3, 4)), torch.zeros(3, 4))


def test_known_answer_for_a_coin_flip_decoder():
    # All weights zero: q(z|x) = N(0, I) = p(z) and every logit is 0, so p(x|z) = 2^-64 for
    # every binary 8×8 image and the IWAE estimate is exactly −64 log 2 nats.
    data = load_dataset("digits")
    model = VAE(VAEConfig(latent_dim=2, hidden_dims=(16,)), data.input_shape)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    figures, error = binarized_log_likelihood(model, data, k=5, n=40)
    assert figures["log_likelihood_binarized"] == pytest.approx(-64 * math.log(2), abs=1e-4)
    assert figures["log_likelihood_binarized_n"] == 40 and error == pytest.approx(0, abs=1e-6)


def test_refused_for_a_gaussian_model():
    data = load_dataset("moons")
    model = VAE(VAEConfig(latent_dim=2, likelihood="gaussian"), data.input_shape)
    with pytest.raises(ConfigError, match="Bernoulli models of images"):
        binarized_log_likelihood(model, data, k=2, n=10)


def test_evaluate_model_adds_it_beside_the_grey_level_figure():
    data = load_dataset("digits")
    model = VAE.load("assets/models/digits-8d")
    plain = evaluate_model(model, data, k=20, metrics=["likelihood"], n_likelihood=100)
    both = evaluate_model(
        model, data, k=20, metrics=["likelihood"], n_likelihood=100, binarize=True
    )
    assert "log_likelihood_binarized" not in plain
    assert both["log_likelihood"] == plain["log_likelihood"]
    assert both["log_likelihood_binarized_n"] == 100 and both["log_likelihood_binarized_k"] == 20
    assert both["uncertainty"]["log_likelihood_binarized"] > 0
    assert both["protocol"]["binarize_seed"] == 0
    assert both["log_likelihood_binarized"] != pytest.approx(both["log_likelihood"], abs=0.1)


def test_cli_evaluate_binarize(capsys):
    code = main(
        ["evaluate", "assets/models/digits-2d", "--json", "--k", "10", "--metrics", "likelihood",
         "--binarize"]
    )  # fmt: skip
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["log_likelihood_binarized"] < 0 and "log_likelihood" in result
