"""The factor × dimension information matrix and the factor of each dimension."""

from __future__ import annotations

import numpy as np
import pytest
from metric_codes import SIZES, mixed_code, perfect_code, sample_factors

from vae.metrics.factor_view import ACTIVE_THRESHOLD, active_dims, factor_of_dim, mi_matrix
from vae.metrics.mig import discrete_entropy, mig
from vae.model.evaluation import ACTIVE_UNIT_THRESHOLD


def test_mi_matrix_of_a_perfect_code_is_a_permutation():
    factors = sample_factors(3000, SIZES)
    code = perfect_code(factors)
    matrix = mi_matrix(code, factors)
    assert matrix.shape == (3, 3)
    assert np.all(matrix >= 0) and np.all(matrix <= 1)
    # Each factor has exactly one dimension that determines it.
    assert np.allclose(np.sort(matrix, axis=1)[:, -1], 1.0, atol=0.05)
    assert np.all(np.sort(matrix, axis=1)[:, :-1] < 0.05)
    assert sorted(np.argmax(matrix, axis=1).tolist()) == [0, 1, 2]


def test_mig_is_the_mean_top_two_gap_of_the_matrix():
    factors = sample_factors(2000, SIZES)
    code = mixed_code(factors)
    ordered = np.sort(mi_matrix(code, factors), axis=1)
    assert np.mean(ordered[:, -1] - ordered[:, -2]) == pytest.approx(mig(code, factors), abs=1e-9)


def test_rows_are_normalised_by_the_factors_entropy_by_hand():
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 5)
    # z0 = v0 + 2 v1 tells both factors fully; z1 = v1.
    code = np.stack([corners[:, 0] + 2 * corners[:, 1], corners[:, 1]], axis=1).astype(float)
    np.testing.assert_allclose(mi_matrix(code, corners, n_bins=4), [[1, 0], [1, 1]], atol=1e-9)
    assert discrete_entropy(corners) == pytest.approx([np.log(2)] * 2)


def test_constant_factor_has_a_row_of_zeros():
    factors = sample_factors(500, SIZES)
    factors[:, 1] = 3
    assert np.all(mi_matrix(perfect_code(factors), factors)[1] == 0)


def test_factor_of_dim_names_active_dimensions_only():
    matrix = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0]])
    assert factor_of_dim(matrix, np.array([True, True, True]), ["x", "y"]) == ["x", "y", None]
    assert factor_of_dim(matrix, np.array([True, False, True])) == [0, None, None]
    codes = np.stack([np.linspace(-1, 1, 100), np.full(100, 0.5), 0.05 * np.ones(100)], 1)
    assert active_dims(codes).tolist() == [True, False, False]
    assert ACTIVE_THRESHOLD == ACTIVE_UNIT_THRESHOLD
