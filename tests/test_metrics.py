"""Known answers for the evaluation metrics.

A code that copies the factors (one dimension per factor, permuted and
rescaled) is perfectly disentangled; a code of pure noise is not at all; a code
that mixes two factors in two dimensions is in between. Small cases are
checked against values worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae.errors import ConfigError, DataError
from vae.metrics import (
    QUICK,
    beta_vae_score,
    classifier_accuracy,
    dci,
    disentanglement_metrics,
    factor_vae_score,
    mig,
    pca_baseline,
    sap,
)
from vae.metrics.dci import completeness_from_importance, disentanglement_from_importance
from vae.metrics.interventions import _fixed_factor_batches
from vae.metrics.mig import discretize

SIZES = [3, 4, 5]


def sample_factors(n: int, sizes: list[int], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(size, size=n) for size in sizes], axis=1)


def perfect_code(factors: np.ndarray, seed: int = 1, noise: float = 0.01) -> np.ndarray:
    """One dimension per factor, in shuffled order, each with its own positive scale."""
    rng = np.random.default_rng(seed)
    scaled = factors / factors.max(axis=0) * rng.uniform(0.5, 3.0, size=factors.shape[1])
    code = scaled + noise * rng.standard_normal(factors.shape)
    return code[:, rng.permutation(factors.shape[1])]


def noise_code(n: int, d: int, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def mixed_code(factors: np.ndarray, seed: int = 3) -> np.ndarray:
    """Factors 0 and 1 rotated together into two dimensions; factor 2 alone."""
    rng = np.random.default_rng(seed)
    unit = factors / factors.max(axis=0)
    code = np.stack([unit[:, 0] + unit[:, 1], unit[:, 0] - unit[:, 1], unit[:, 2]], axis=1)
    return code + 0.01 * rng.standard_normal(code.shape)


def split(codes: np.ndarray, factors: np.ndarray, n_train: int):
    return codes[:n_train], factors[:n_train], codes[n_train:], factors[n_train:]


def transform(codes: np.ndarray, seed: int = 4) -> np.ndarray:
    """Permute dimensions and rescale each by a positive factor."""
    rng = np.random.default_rng(seed)
    return (codes * rng.uniform(0.2, 5.0, size=codes.shape[1]))[:, rng.permutation(codes.shape[1])]


# --- MIG --------------------------------------------------------------------------------


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


# --- DCI --------------------------------------------------------------------------------


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
    assert noise["disentanglement"] < 0.1 and noise["completeness"] < 0.1
    # Informativeness of noise is chance: the mean of 1/size over factors.
    assert noise["informativeness"] == pytest.approx(np.mean([1 / s for s in SIZES]), abs=0.06)
    for key in ("disentanglement", "completeness"):
        assert noise[key] + 0.1 < mixed[key] < perfect[key] - 0.1


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


# --- SAP --------------------------------------------------------------------------------


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


def test_sap_invariant_to_permutation_and_rescaling():
    factors = sample_factors(1500, SIZES)
    codes = mixed_code(factors)
    for continuous in (False, True):
        before = sap(*split(codes, factors, 1000), continuous_factors=continuous)
        after = sap(*split(transform(codes), factors, 1000), continuous_factors=continuous)
        assert after == pytest.approx(before, abs=1e-6)


# --- input checks -----------------------------------------------------------------------


def test_metrics_refuse_mismatched_or_broken_input():
    factors = sample_factors(100, SIZES)
    codes = perfect_code(factors)
    with pytest.raises(DataError, match="rows"):
        mig(codes[:50], factors)
    broken = codes.copy()
    broken[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        mig(broken, factors)
    with pytest.raises(DataError, match="dimensions"):
        sap(codes[:50], factors[:50], codes[50:, :2], factors[50:])
    with pytest.raises(ConfigError, match="n_bins"):
        mig(codes, factors, n_bins=1)


# --- interventions: a tiny generative process -------------------------------------------


class ToyGroundTruth:
    """Factors are observed directly, as floats: the simplest ``GroundTruth``."""

    factor_names = ["a", "b", "c"]

    def __init__(self, sizes: list[int]) -> None:
        self.factor_sizes = list(sizes)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.stack([rng.integers(size, size=n) for size in self.factor_sizes], axis=1)

    def observe(self, factors: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(factors), dtype=torch.float32)


def perfect_represent(x: torch.Tensor) -> np.ndarray:
    # Permuted and rescaled: the scores must not care.
    return (x[:, [2, 0, 1]] * torch.tensor([0.5, 2.0, 1.5])).numpy()


def mixing_represent(x: torch.Tensor) -> np.ndarray:
    return torch.stack([x[:, 0] + x[:, 1], x[:, 0] - x[:, 1], x[:, 2]], dim=1).numpy()


def make_noise_represent(seed: int = 0):
    rng = np.random.default_rng(seed)
    return lambda x: rng.standard_normal((x.shape[0], 3))


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


# --- everything at once -----------------------------------------------------------------

KEYS = [
    "mig",
    "dci_disentanglement",
    "dci_completeness",
    "dci_informativeness",
    "factor_vae_score",
    "beta_vae_score",
    "sap",
]


def test_disentanglement_metrics_is_reproducible_and_reports_progress():
    truth = ToyGroundTruth([4, 5, 6])
    calls: list[tuple[str, float]] = []
    first = disentanglement_metrics(
        perfect_represent,
        truth,
        rng_seed=7,
        num_train=400,
        num_test=200,
        progress=lambda stage, fraction: calls.append((stage, fraction)),
    )
    again = disentanglement_metrics(
        perfect_represent, truth, rng_seed=7, num_train=400, num_test=200
    )
    assert list(first) == KEYS
    assert first == again
    assert all(isinstance(value, float) for value in first.values())
    assert first["mig"] > 0.9 and first["dci_disentanglement"] > 0.9
    assert first["factor_vae_score"] == pytest.approx(1.0) and first["beta_vae_score"] > 0.95
    fractions = [fraction for _, fraction in calls]
    assert fractions == sorted(fractions) and calls[-1] == ("done", 1.0)
    assert fractions[0] == 0.0 and {"DCI", "β-VAE score"} <= {stage for stage, _ in calls}


def test_disentanglement_metrics_quick_on_noise(monkeypatch):
    # Shrink the quick sizes further so the test stays fast; the point is the flag.
    monkeypatch.setitem(QUICK, "num_train", 600)
    monkeypatch.setitem(QUICK, "num_test", 300)
    scores = disentanglement_metrics(make_noise_represent(), ToyGroundTruth([4, 5, 6]), quick=True)
    assert scores["mig"] < 0.05 and scores["dci_disentanglement"] < 0.15
    assert scores["factor_vae_score"] < 0.6 and scores["beta_vae_score"] < 0.6


# --- representation probes --------------------------------------------------------------


def clusters(n: int, n_classes: int, spread: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_classes, 6)) * 10
    y = rng.integers(n_classes, size=n)
    return centres[y] + spread * rng.standard_normal((n, 6)), y


def test_classifier_accuracy_separable_and_noise():
    x, y = clusters(600, 4, spread=0.5)
    scores = classifier_accuracy(x[:400], y[:400], x[400:], y[400:])
    assert scores["knn"] > 0.99 and scores["logreg"] > 0.99
    noise = noise_code(600, 6)
    chance = classifier_accuracy(noise[:400], y[:400], noise[400:], y[400:], k=15)
    assert chance["knn"] == pytest.approx(0.25, abs=0.1)
    assert chance["logreg"] == pytest.approx(0.25, abs=0.1)


def test_pca_baseline_on_images_with_the_class_in_the_top_components():
    x, y = clusters(600, 3, spread=0.5)
    rng = np.random.default_rng(1)
    # Embed the 6-D clusters in 16-pixel "images" of shape (1, 4, 4).
    images = (x @ rng.standard_normal((6, 16))).reshape(600, 1, 4, 4)
    scores = pca_baseline(images[:400], y[:400], images[400:], y[400:], n_components=3)
    assert scores["knn"] > 0.95 and scores["logreg"] > 0.95
    with pytest.raises(ConfigError, match="n_components"):
        pca_baseline(images[:10], y[:10], images[10:20], y[10:20], n_components=50)
