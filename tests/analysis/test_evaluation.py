"""Likelihood and collapse measures against known answers."""

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from vae import VAE, VAEConfig
from vae.model.evaluation import active_units, elbo_stats, iwae_log_likelihood

D, Z, SIGMA = 6, 2, 0.5


class _Linear(nn.Module):
    def __init__(self, weight, bias):
        super().__init__()
        self.weight, self.bias = weight, bias

    def forward(self, z, c):
        return z @ self.weight.T + self.bias


class _Identity(nn.Module):
    def forward(self, x, c):
        return x


def _linear_gaussian_vae(perturb: float = 0.0):
    """p(z) = N(0, I), p(x|z) = N(Wz + b, σ²I): p(x) = N(b, WWᵀ + σ²I) exactly.

    W has orthogonal columns, so the exact posterior is a diagonal Gaussian,
    N(A(x − b), S) with S = (I + WᵀW/σ²)⁻¹ and A = S Wᵀ/σ²; the encoder is set
    to it (optionally perturbed).
    """
    torch.manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(D, Z, dtype=torch.float64))
    weight = q * torch.tensor([2.0, 0.7], dtype=torch.float64)
    bias = torch.randn(D, dtype=torch.float64) * 0.3
    s = 1.0 / (1.0 + (weight**2).sum(0) / SIGMA**2)
    a = s[:, None] * weight.T / SIGMA**2
    model = VAE(
        VAEConfig(latent_dim=Z, likelihood="gaussian", gaussian_scale=SIGMA, hidden_dims=(D,)), (D,)
    )
    model = model.double()
    model.encoder = _Identity()
    model.decoder = _Linear(weight, bias)
    with torch.no_grad():
        model.mean_head.weight.copy_(a + perturb * torch.randn_like(a))
        model.mean_head.bias.copy_(-a @ bias)
        model.logvar_head.weight.zero_()
        model.logvar_head.bias.copy_(torch.log(s) + perturb)
    covariance = weight @ weight.T + SIGMA**2 * torch.eye(D, dtype=torch.float64)
    exact = torch.distributions.MultivariateNormal(bias, covariance)
    return model.eval(), exact


def test_iwae_equals_the_exact_likelihood_with_the_exact_posterior():
    model, exact = _linear_gaussian_vae()
    x = exact.sample((50,))
    estimate = iwae_log_likelihood(model, x, k=4)
    torch.testing.assert_close(estimate, exact.log_prob(x), rtol=0, atol=1e-6)


def test_iwae_approaches_the_exact_likelihood_from_below_as_k_grows():
    model, exact = _linear_gaussian_vae(perturb=0.1)
    x = exact.sample((1000,))
    truth = exact.log_prob(x).mean().item()
    estimates = [
        iwae_log_likelihood(model, x, k=k, seed=1).mean().item() for k in (1, 10, 100, 2000)
    ]
    elbo = elbo_stats(model, x)["elbo"]
    assert estimates[0] == pytest.approx(elbo, abs=0.1)  # k = 1 is an ELBO estimate
    assert all(a <= b + 1e-3 for a, b in zip(estimates, estimates[1:], strict=False))
    assert estimates[-1] <= truth + 0.01
    assert estimates[-1] == pytest.approx(truth, abs=0.02)
    assert estimates[0] < truth - 0.3  # the perturbed posterior leaves a real gap at k = 1


def test_iwae_chunking_does_not_change_the_answer():
    model, exact = _linear_gaussian_vae(perturb=0.1)
    x = exact.sample((30,))
    whole = iwae_log_likelihood(model, x, k=1000, seed=3)
    chunked = iwae_log_likelihood(model, x, k=1000, seed=3, max_weights=6 * 7)  # 7 samples a chunk
    # Different chunk shapes draw different noise; both must agree statistically.
    assert abs(whole.mean().item() - chunked.mean().item()) < 0.03
    assert chunked.shape == (30,)


def test_active_units_counts_dimensions_whose_mean_varies():
    torch.manual_seed(0)
    means = torch.cat([torch.randn(500, 3), 0.05 * torch.randn(500, 2)], dim=1)
    count, variances = active_units(means)
    assert count == 3
    assert variances[3] < 0.01 < variances[0]


def test_elbo_stats_of_a_collapsed_dimension_has_zero_kl():
    model, exact = _linear_gaussian_vae()
    with torch.no_grad():
        model.mean_head.weight[1].zero_()
        model.mean_head.bias[1] = 0.0
        model.logvar_head.bias[1] = 0.0  # q(z_1|x) = N(0, 1) = the prior
    stats = elbo_stats(model, exact.sample((20,)))
    assert stats["kl_per_dim"][1] == pytest.approx(0.0, abs=1e-12)
    assert stats["kl_per_dim"][0] > 0.1
    assert math.isclose(stats["kl"], sum(stats["kl_per_dim"]), rel_tol=1e-9)


class _ToyFactors:
    """Three factors observed directly as a 3-D point."""

    factor_names = ["a", "b", "c"]
    factor_sizes = [3, 4, 5]

    def sample_factors(self, n, rng):
        return np.stack([rng.integers(size, size=n) for size in self.factor_sizes], axis=1)

    def observe(self, factors):
        return torch.as_tensor(np.asarray(factors), dtype=torch.float32)


def test_evaluate_model_writes_the_registrys_keys_with_uncertainty_and_protocol(monkeypatch):
    from vae.analysis.report import evaluate_model, format_table
    from vae.data.base import Dataset, TensorSplit
    from vae.metrics import registry
    from vae.metrics.disentanglement import QUICK

    monkeypatch.setitem(QUICK, "num_train", 400)
    monkeypatch.setitem(QUICK, "num_test", 200)
    truth = _ToyFactors()
    rng = np.random.default_rng(0)
    x = truth.observe(truth.sample_factors(300, rng))
    data = Dataset(
        "toy", TensorSplit(x[:200]), TensorSplit(x[200:]), (3,), "points", "gaussian",
        factor_names=truth.factor_names, factor_sizes=truth.factor_sizes, ground_truth=truth,
    )  # fmt: skip
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, likelihood="gaussian", hidden_dims=(8,)), (3,))
    result = evaluate_model(model, data, k=5, quick=True, n_bootstrap=5)
    flat = [key for key in result if key not in ("dataset", "n_test", "uncertainty", "protocol")]
    assert flat == [key for key in registry.json_keys() if key in result]
    for key in ("elbo", "kl", "log_likelihood", "total_correlation", "mig", "sap", "mi_matrix"):
        assert key in result
    assert result["factor_names"] == ["a", "b", "c"] and len(result["factor_of_dim"]) == 2
    assert np.shape(result["mi_matrix"]) == (3, 2)
    scores = [key for key in registry.scores() if key in result]
    assert list(result["uncertainty"]) == scores
    assert all(value >= 0 for value in result["uncertainty"].values())
    protocol = result["protocol"]
    assert protocol["quick"] and protocol["num_train"] == 400 and protocol["n_bootstrap"] == 5
    assert set(protocol["uncertainty"]) == set(scores)
    json.dumps(result)
    assert "±" in format_table(result)
