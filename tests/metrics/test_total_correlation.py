"""Total correlation of the aggregate posterior against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from vae.errors import DataError
from vae.metrics.total_correlation import gaussian_total_correlation, total_correlation


def gaussian_posteriors(covariance: np.ndarray, n: int, posterior_var: float, seed: int = 10):
    """Means ~ N(0, covariance) and posteriors N(mean, posterior_var I): q(z) = N(0, cov + s²I).

    The seed must differ from the estimator's (0), whose normals would otherwise repeat these.
    """
    rng = np.random.default_rng(seed)
    means = rng.multivariate_normal(np.zeros(len(covariance)), covariance, size=n)
    return means, np.full_like(means, np.log(posterior_var))


def closed_form(covariance: np.ndarray) -> float:
    std = np.sqrt(np.diag(covariance))
    return -0.5 * np.linalg.slogdet(covariance / np.outer(std, std))[1]


def test_factorised_aggregate_posterior_has_no_total_correlation():
    means, logvars = gaussian_posteriors(np.diag([1.0, 0.5, 2.0]), 2000, 0.3)
    value, std = total_correlation(means, logvars, return_std=True)
    assert abs(value) < 0.03
    assert 0 < std < 0.02


def test_correlated_gaussian_aggregate_posterior_matches_its_closed_form():
    covariance = np.array([[1.0, 0.8], [0.8, 1.0]])
    means, logvars = gaussian_posteriors(covariance, 3000, 0.25)
    aggregate = covariance + 0.25 * np.eye(2)  # q(z) = N(0, Σ + s² I)
    expected = closed_form(aggregate)  # -½ log det(corr) = 0.30 nats
    assert total_correlation(means, logvars) == pytest.approx(expected, abs=0.04)
    assert gaussian_total_correlation(means) == pytest.approx(closed_form(covariance), abs=0.03)


def test_total_correlation_is_seeded_and_subsamples_to_bound_its_cost():
    means, logvars = gaussian_posteriors(np.eye(3), 600, 0.5)
    first = total_correlation(means, logvars, seed=3, max_examples=300)
    assert first == total_correlation(means, logvars, seed=3, max_examples=300)
    assert first != total_correlation(means, logvars, seed=4, max_examples=300)
    with pytest.raises(DataError, match="shape"):
        total_correlation(means, logvars[:, :2])


def test_gaussian_total_correlation_leaves_constant_dimensions_out():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.standard_normal((500, 2)), np.ones((500, 1))], axis=1)
    assert abs(gaussian_total_correlation(codes)) < 0.01
