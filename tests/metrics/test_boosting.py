"""The compiled boosting against scikit-learn's GradientBoostingClassifier, DCI's reference."""

from __future__ import annotations

import numpy as np
import pytest
from metric_codes import perfect_code, sample_factors, split
from sklearn.ensemble import GradientBoostingClassifier

from vae.metrics.boosting import ExactBoosting
from vae.metrics.dci import dci


def _classes(n: int, k: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    x = rng.normal(size=(n, d)) + 0.5 * y[:, None]
    return x, y, rng.normal(size=(400, d)) * 2


def test_the_trees_are_scikit_learns_where_no_two_splits_tie():
    # One feature: no two features can offer the same partition, and three classes
    # on 500 points leave no two positions tied, so every tree must be the same.
    x, y, x_test = _classes(500, 3, 1, seed=2)
    ours = ExactBoosting().fit(x, y)
    reference = GradientBoostingClassifier(random_state=0).fit(x, y)
    np.testing.assert_allclose(
        ours.decision_function(x_test), reference.decision_function(x_test), atol=1e-9
    )
    assert np.array_equal(ours.predict(x_test), reference.predict(x_test))


@pytest.mark.parametrize("k", [2, 5])
def test_importances_and_predictions_match_scikit_learn(k):
    # Several features: equal splits are broken in another order than scikit-learn's
    # (a random one either way), so the figures agree closely, not bit for bit.
    x, y, x_test = _classes(800, k, 4, seed=k)
    x[:, 2] = np.round(x[:, 2], 1)  # repeated values: splits only between distinct ones
    ours = ExactBoosting().fit(x, y)
    reference = GradientBoostingClassifier(random_state=0).fit(x, y)
    np.testing.assert_allclose(ours.feature_importances_, reference.feature_importances_, atol=0.01)
    assert ours.feature_importances_.sum() == pytest.approx(1.0)
    assert np.mean(ours.predict(x_test) == reference.predict(x_test)) > 0.95
    assert set(ours.predict(x_test)) <= set(y)


def test_a_constant_feature_is_never_split_and_gets_no_importance():
    x, y, _ = _classes(300, 3, 2, seed=7)
    x[:, 1] = 4.0
    assert ExactBoosting().fit(x, y).feature_importances_[1] == 0.0


def _codes(kind: str, factors: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(11)
    if kind == "perfect":  # one dimension per factor, and two that carry nothing
        return np.concatenate(
            [perfect_code(factors), 0.01 * rng.standard_normal((len(factors), 2))], 1
        )
    if kind == "noisy":
        return perfect_code(factors, noise=0.3)
    rotation = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    return perfect_code(factors, noise=0.05) @ rotation


@pytest.mark.parametrize("kind", ["perfect", "noisy", "rotated"])
def test_dci_default_agrees_with_the_reference_computation(kind):
    # The reference is disentanglement_lib's GradientBoostingClassifier(). The default
    # before, histogram boosting on gap-placed bins, was 0.086 below it on the noisy code.
    factors = sample_factors(1500, [3, 6, 8], seed=5)
    data = split(_codes(kind, factors), factors, 1000)
    default = dci(*data)
    reference = dci(*data, estimator="gradient_boosting")
    for key, value in reference.items():
        assert default[key] == pytest.approx(value, abs=0.005), key
