"""SAP against known codes and against disentanglement_lib's own computation."""

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
from sklearn.svm import LinearSVC

from vae.metrics.sap import sap


def reference_sap(codes_train, factors_train, codes_test, factors_test) -> float:
    """disentanglement_lib's ``_compute_score_matrix`` (discrete) and ``_compute_avg_diff_top_two``."""
    score = np.zeros((codes_train.shape[1], factors_train.shape[1]))
    for i in range(codes_train.shape[1]):
        for j in range(factors_train.shape[1]):
            classifier = LinearSVC(C=0.01, class_weight="balanced")
            classifier.fit(codes_train[:, i][:, np.newaxis], factors_train[:, j])
            predicted = classifier.predict(codes_test[:, i][:, np.newaxis])
            score[i, j] = np.mean(predicted == factors_test[:, j])
    ordered = np.sort(score, axis=0)
    return float(np.mean(ordered[-1, :] - ordered[-2, :]))


def test_sap_continuous_perfect_noise_and_mixed():
    factors = sample_factors(1500, SIZES)
    kwargs = {"continuous_factors": True}
    perfect = sap(*split(perfect_code(factors), factors, 1000), **kwargs)
    noise = sap(*split(noise_code(1500, 3), factors, 1000), **kwargs)
    mixed = sap(*split(mixed_code(factors), factors, 1000), **kwargs)
    assert perfect > 0.98
    assert noise < 0.02
    assert noise + 0.1 < mixed < perfect - 0.1


def test_sap_discrete_binary_factors_gap_is_accuracy_above_chance():
    # The best dimension predicts a binary factor perfectly, the others at
    # chance (0.5): the gap, and so SAP, is 0.5.
    factors = sample_factors(1500, [2, 2, 2])
    assert sap(*split(perfect_code(factors), factors, 1000)) == pytest.approx(0.5, abs=0.04)
    assert sap(*split(noise_code(1500, 3), factors, 1000)) < 0.05


def test_sap_is_disentanglement_libs_on_the_raw_means():
    factors = sample_factors(1500, SIZES)
    rng = np.random.default_rng(6)
    # Units of every size, as a VAE's means have: informative, weak and collapsed.
    codes = np.concatenate([mixed_code(factors), 0.02 * rng.standard_normal((1500, 2))], axis=1)
    codes = codes * np.array([1.0, 0.3, 0.05, 1.0, 1.0])
    parts = split(codes, factors, 1000)
    assert sap(*parts, seed=0) == pytest.approx(reference_sap(*parts), abs=1e-9)


def test_sap_leaves_a_collapsed_scale_dimension_weak_unless_asked_to_standardise():
    # Factors of 3-5 values each copied into a dimension at a collapsed scale
    # (spread 0.005): with C = 0.01 on the raw means the one-vs-rest SVM cannot
    # use it and predicts from its intercepts (as disentanglement_lib, SAP 0);
    # standardised, it scores as the same code at unit scale (0.558).
    factors = sample_factors(1500, SIZES)
    code = perfect_code(factors)
    parts = split(code * 0.005, factors, 1000)
    assert sap(*parts) < 0.02
    unit = sap(*split(code, factors, 1000), standardize=True)
    assert sap(*parts, standardize=True) == pytest.approx(unit, abs=1e-9)
    assert unit > 0.5


def test_sap_invariant_to_permutation_and_to_rescaling_when_standardised():
    factors = sample_factors(1500, SIZES)
    codes = mixed_code(factors)
    permuted = codes[:, [2, 0, 1]]
    for continuous in (False, True):
        before = sap(*split(codes, factors, 1000), continuous_factors=continuous)
        after = sap(*split(permuted, factors, 1000), continuous_factors=continuous)
        assert after == pytest.approx(before, abs=1e-6)
        kwargs = {"continuous_factors": continuous, "standardize": True}
        before = sap(*split(codes, factors, 1000), **kwargs)
        after = sap(*split(transform(codes), factors, 1000), **kwargs)
        assert after == pytest.approx(before, abs=1e-6)
