"""DCI against importance matrices worked out by hand and known codes."""

from __future__ import annotations

import numpy as np
import pytest
from metric_codes import (
    SIZES,
    mixed_code,
    noise_code,
    perfect_code,
    sample_factors,
    split,
    transform,
)

from vae.errors import ConfigError
from vae.metrics.dci import completeness_from_importance, dci, disentanglement_from_importance
from vae.metrics.dci_classifiers import gap_thresholds


def test_dci_scores_of_importance_matrices_by_hand():
    one_to_one = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert disentanglement_from_importance(one_to_one) == pytest.approx(1.0, abs=1e-6)
    assert completeness_from_importance(one_to_one) == pytest.approx(1.0, abs=1e-6)
    # One dimension serves both factors equally: not disentangled, but complete.
    shared = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert disentanglement_from_importance(shared) == pytest.approx(0.0, abs=1e-6)
    assert completeness_from_importance(shared) == pytest.approx(1.0, abs=1e-6)
    # Everything everywhere: neither.
    uniform = np.ones((4, 3))
    assert disentanglement_from_importance(uniform) == pytest.approx(0.0, abs=1e-6)
    assert completeness_from_importance(uniform) == pytest.approx(0.0, abs=1e-6)


def test_dci_perfect_noise_and_mixed():
    factors = sample_factors(1500, SIZES)
    perfect = dci(*split(perfect_code(factors), factors, 1000))
    noise = dci(*split(noise_code(1500, 3), factors, 1000))
    mixed = dci(*split(mixed_code(factors), factors, 1000))
    assert perfect["disentanglement"] > 0.9 and perfect["completeness"] > 0.9
    assert perfect["informativeness"] > 0.97
    # As the reference (GradientBoostingClassifier) scores it: 1, 1, 1. Quantile
    # histogram bins scored this code 0.974 / 0.974 / 0.995 (issue 14).
    for key in ("disentanglement", "completeness", "informativeness"):
        assert perfect[key] == pytest.approx(1.0, abs=0.01)
    assert noise["disentanglement"] < 0.1 and noise["completeness"] < 0.1
    # Informativeness of noise is chance: the mean of 1/size over factors.
    assert noise["informativeness"] == pytest.approx(np.mean([1 / s for s in SIZES]), abs=0.06)
    for key in ("disentanglement", "completeness"):
        assert noise[key] + 0.1 < mixed[key] < perfect[key] - 0.1


def test_quantile_bins_are_what_biased_the_perfect_code():
    # The old default, kept selectable: its bins split inside the clusters of values.
    factors = sample_factors(1500, SIZES)
    biased = dci(
        *split(perfect_code(factors), factors, 1000), estimator="hist_gradient_boosting_quantile"
    )
    assert biased["disentanglement"] < 0.99


@pytest.mark.slow
def test_dci_perfect_code_of_dsprites_shape_scores_one():
    # dSprites' factor sizes, five copied dimensions and five collapsed ones, the quick
    # protocol's 2,000 / 1,000 codes: the reference scores 1 / 1 / 1 (85 s); quantile
    # bins gave 0.965 / 0.956 / 0.971.
    factors = sample_factors(3000, [3, 6, 40, 32, 32])
    rng = np.random.default_rng(5)
    code = np.concatenate(
        [perfect_code(factors, noise=0.001), 0.01 * rng.standard_normal((3000, 5))], axis=1
    )
    scores = dci(*split(code, factors, 2000))
    for key in ("disentanglement", "completeness", "informativeness"):
        assert scores[key] == pytest.approx(1.0, abs=0.01)


def test_gap_thresholds_fall_between_clusters():
    rng = np.random.default_rng(0)
    levels = rng.integers(7, size=3000)
    column = levels + 0.01 * rng.standard_normal(3000)
    edges = gap_thresholds(column)
    # Every gap between two clusters holds an edge, well clear of both (the
    # edges inside a cluster are harmless: a split there separates nothing).
    for boundary in np.arange(6) + 0.5:
        assert np.min(np.abs(edges - boundary)) < 0.3
    assert edges.size <= 254
    few = np.array([0.0, 1.0, 1.0, 3.0])
    assert gap_thresholds(few).tolist() == [0.5, 2.0]


def test_dci_invariant_to_permutation_and_rescaling():
    factors = sample_factors(1500, SIZES)
    codes = mixed_code(factors)
    before = dci(*split(codes, factors, 1000))
    after = dci(*split(transform(codes), factors, 1000))
    for key, value in before.items():
        assert after[key] == pytest.approx(value, abs=0.02)


@pytest.mark.parametrize("estimator", ["gradient_boosting", "random_forest"])
def test_dci_other_estimators_agree_on_a_perfect_code(estimator):
    factors = sample_factors(450, [2, 3])
    scores = dci(*split(perfect_code(factors), factors, 300), estimator=estimator)
    assert scores["disentanglement"] > 0.8 and scores["completeness"] > 0.8
    assert scores["informativeness"] > 0.95


def test_dci_rejects_an_unknown_estimator():
    factors = sample_factors(100, SIZES)
    with pytest.raises(ConfigError, match="estimator"):
        dci(*split(perfect_code(factors), factors, 50), estimator="xgboost")
