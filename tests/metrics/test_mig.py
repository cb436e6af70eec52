"""MIG against values worked out by hand and known codes."""

from __future__ import annotations

import numpy as np
import pytest
from metric_codes import SIZES, mixed_code, noise_code, perfect_code, sample_factors, transform

from vae.metrics.mig import discretize, mig


def test_discretize_follows_numpy_histogram_edges():
    codes = np.array([[0.0], [0.49], [0.5], [1.0]])
    # Edges 0, 0.5, 1: the maximum belongs to the last bin, not past it.
    assert discretize(codes, n_bins=2)[:, 0].tolist() == [1, 1, 2, 2]


FOUR_CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        # Each factor copied into its own dimension: both gaps are H = ln 2.
        (FOUR_CORNERS.astype(float), 1.0),
        # z1 = v0 XOR v1 tells nothing about either factor: v0 gap ln 2, v1 gap 0.
        (np.stack([FOUR_CORNERS[:, 0], FOUR_CORNERS[:, 0] ^ FOUR_CORNERS[:, 1]], 1), 0.5),
        # z0 = v0 + 2 v1 holds both factors (ln 2 each) and z1 = v1: v0 gap ln 2, v1 gap 0.
        (np.stack([FOUR_CORNERS[:, 0] + 2 * FOUR_CORNERS[:, 1], FOUR_CORNERS[:, 1]], 1), 0.5),
        # Both dimensions copy v0: no gap for v0, and nothing for v1.
        (np.stack([FOUR_CORNERS[:, 0], FOUR_CORNERS[:, 0]], 1), 0.0),
    ],
)
def test_mig_by_hand_on_two_binary_factors(codes, expected):
    assert mig(np.asarray(codes, dtype=float), FOUR_CORNERS, n_bins=4) == pytest.approx(expected)


def test_mig_perfect_noise_and_mixed():
    factors = sample_factors(3000, SIZES)
    perfect = mig(perfect_code(factors), factors)
    noise = mig(noise_code(3000, 3), factors)
    mixed = mig(mixed_code(factors), factors)
    assert perfect > 0.95
    assert noise < 0.05
    assert noise + 0.1 < mixed < perfect - 0.1


def test_mig_invariant_to_permutation_and_rescaling():
    factors = sample_factors(2000, SIZES)
    codes = mixed_code(factors)
    assert mig(transform(codes), factors) == pytest.approx(mig(codes, factors), abs=1e-9)


def test_mig_ignores_a_constant_factor():
    factors = sample_factors(1000, SIZES)
    factors[:, 1] = 2
    assert mig(perfect_code(factors), factors) > 0.95


def test_mutual_information_is_scikit_learns():
    from sklearn.metrics import mutual_info_score

    from vae.metrics.mig import _mutual_info

    rng = np.random.default_rng(0)
    for size_a, size_b in [(2, 2), (20, 40), (1, 5)]:
        a, b = rng.integers(size_a, size=3000), rng.integers(size_b, size=3000)
        b = np.where(rng.random(3000) < 0.5, a % size_b, b)
        assert _mutual_info(a, b) == pytest.approx(mutual_info_score(a, b), abs=1e-12)
