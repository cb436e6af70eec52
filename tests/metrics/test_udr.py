"""UDR: models that agree up to permutation and sign rank above models that do not."""

import numpy as np
import pytest

from vae.metrics.udr import relative_strength, udr


def test_relative_strength_is_one_for_a_permutation_and_lower_when_mixed():
    assert relative_strength(np.eye(4)[[2, 0, 3, 1]]) == pytest.approx(1.0)
    assert relative_strength(np.ones((4, 4))) == pytest.approx(0.25)  # each row spread over 4


def _factors(n=3000, k=4, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, k))


def test_identical_models_up_to_permutation_and_sign_score_near_one():
    v = _factors()
    rng = np.random.default_rng(1)
    models = [v * rng.choice([-1, 1], 4) + 0.01 * rng.standard_normal(v.shape) for _ in range(3)]
    models = [m[:, rng.permutation(4)] for m in models]
    out = udr(models, [np.ones(4)] * 3)
    # Not exactly 1: unrelated uniform factors still correlate by ~1/√n over 3,000 inputs.
    assert min(out["scores"]) > 0.9


def test_seeds_that_mix_the_factors_each_their_own_way_rank_below_seeds_that_agree():
    v = _factors()
    rng = np.random.default_rng(2)
    clean = [v[:, rng.permutation(4)] + 0.01 * rng.standard_normal(v.shape) for _ in range(3)]
    mixed = [v @ np.linalg.qr(rng.standard_normal((4, 4)))[0] for _ in range(3)]  # random rotations
    agree, disagree = udr(clean, [np.ones(4)] * 3), udr(mixed, [np.ones(4)] * 3)
    assert min(agree["scores"]) > max(disagree["scores"]) + 0.3
    for score, low, high in zip(agree["scores"], agree["low"], agree["high"], strict=True):
        assert low <= score <= high


def test_inactive_dimensions_are_left_out():
    v = _factors(k=2)
    rng = np.random.default_rng(3)
    noise = rng.standard_normal((3000, 2))  # two dead dimensions full of noise
    a = np.concatenate([v, noise], 1)
    b = np.concatenate([v[:, ::-1], rng.standard_normal((3000, 2))], 1)
    kl = [np.array([2.0, 2.0, 0.0, 0.0])] * 2
    assert udr([a, b], kl)["scores"][0] > 0.9
    assert udr([a, b], [np.ones(4)] * 2)["scores"][0] < 0.8  # counted, the noise drags it down


def test_lasso_agrees_on_a_clean_pair_and_bad_input_is_refused():
    v = _factors()
    assert udr([v, -v[:, ::-1]], [np.ones(4)] * 2, correlation="lasso")["scores"][0] > 0.85
    with pytest.raises(ValueError, match="two or more models"):
        udr([v], [np.ones(4)])
