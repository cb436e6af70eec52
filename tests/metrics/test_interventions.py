"""The β-VAE and FactorVAE scores on a toy generative process with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from metric_codes import ToyGroundTruth, make_noise_represent, mixing_represent, perfect_represent

from vae.errors import DataError
from vae.metrics.interventions import _fixed_factor_batches, beta_vae_score, factor_vae_score


def test_batches_share_the_fixed_factor():
    index, factors = _fixed_factor_batches(
        ToyGroundTruth([4, 5, 6]), np.random.default_rng(0), 50, 16
    )
    assert factors.shape == (50, 16, 3)
    for point in range(50):
        assert np.all(factors[point, :, index[point]] == factors[point, 0, index[point]])


INTERVENTION_SIZES = {"num_train": 300, "num_eval": 200}


def test_factor_vae_score_perfect_noise_and_mixed():
    truth = ToyGroundTruth([5, 5, 4])

    def score(represent):
        return factor_vae_score(
            represent,
            truth,
            np.random.default_rng(0),
            num_variance_estimate=1000,
            **INTERVENTION_SIZES,
        )

    perfect = score(perfect_represent)
    assert perfect["eval_accuracy"] == pytest.approx(1.0)
    assert perfect["train_accuracy"] == pytest.approx(1.0)
    assert perfect["num_active_dims"] == 3
    assert score(make_noise_represent())["eval_accuracy"] == pytest.approx(1 / 3, abs=0.12)
    # Fixing a or b leaves both mixed dimensions varying alike: they are told
    # apart at chance, c always: about (0.5 + 0.5 + 1) / 3.
    assert score(mixing_represent)["eval_accuracy"] == pytest.approx(2 / 3, abs=0.1)


def test_factor_vae_score_prunes_collapsed_dimensions():
    truth = ToyGroundTruth([4, 5, 6])

    def with_collapsed(x: torch.Tensor) -> np.ndarray:
        return np.concatenate([perfect_represent(x), np.full((x.shape[0], 2), 0.3)], axis=1)

    scores = factor_vae_score(with_collapsed, truth, np.random.default_rng(0), **INTERVENTION_SIZES)
    assert scores["num_active_dims"] == 3
    assert scores["eval_accuracy"] == pytest.approx(1.0)
    collapsed = factor_vae_score(
        lambda x: np.zeros((x.shape[0], 4)), truth, np.random.default_rng(0), **INTERVENTION_SIZES
    )
    assert collapsed == {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}


def test_beta_vae_score_perfect_noise_and_mixed():
    truth = ToyGroundTruth([5, 5, 4])

    def score(represent):
        return beta_vae_score(represent, truth, np.random.default_rng(0), **INTERVENTION_SIZES)

    assert score(perfect_represent)["eval_accuracy"] > 0.98
    assert score(make_noise_represent())["eval_accuracy"] == pytest.approx(1 / 3, abs=0.12)
    # |z0| and |z1| differences look the same whether a or b is fixed.
    assert score(mixing_represent)["eval_accuracy"] == pytest.approx(2 / 3, abs=0.1)


def test_intervention_scores_refuse_a_single_factor():
    truth = ToyGroundTruth([4])
    with pytest.raises(DataError, match="at least two"):
        beta_vae_score(perfect_represent, truth, np.random.default_rng(0))


@pytest.mark.parametrize("score", [factor_vae_score, beta_vae_score])
def test_bootstrap_spread_is_that_of_an_accuracy_and_zero_for_a_perfect_code(score):
    truth = ToyGroundTruth([5, 5, 4])
    mixed = score(
        mixing_represent, truth, np.random.default_rng(0), n_bootstrap=80, **INTERVENTION_SIZES
    )
    p, n = mixed["eval_accuracy"], INTERVENTION_SIZES["num_eval"]
    # Resampling the evaluation points alone gives the binomial sqrt(p(1-p)/n);
    # resampling the training points too can only add to it.
    binomial = np.sqrt(p * (1 - p) / n)
    assert 0.8 * binomial < mixed["eval_accuracy_std"] < 3 * binomial
    perfect = score(
        perfect_represent, truth, np.random.default_rng(0), n_bootstrap=50, **INTERVENTION_SIZES
    )
    assert perfect["eval_accuracy_std"] < 0.02
