"""Separated Attribute Predictability (SAP).

Kumar, Sattigeri and Balakrishnan (2018), "Variational Inference of
Disentangled Latent Concepts from Unlabeled Observations", Section 3, computed
as disentanglement_lib's ``compute_sap`` (Locatello et al. 2019). A score
matrix holds, for every (code dimension, factor) pair, how well that single
dimension predicts the factor; SAP is the mean over factors of the gap between
the best and the second-best dimension.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import TypedDict, Unpack

import numpy as np

from vae.metrics._common import Sample, bootstrap_std, check_train_test, top_two_gap

logger = logging.getLogger(__name__)


def _standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both splits in units of the training standard deviation of each column."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    # A constant dimension carries no information; leaving it at 0 keeps it so.
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def sap_score_matrix(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    *,
    continuous_factors: bool = False,
    standardize: bool = False,
    seed: int = 0,
) -> np.ndarray:
    """The (n_code_dims, n_factors) matrix of single-dimension predictability.

    Discrete factors: the test accuracy of a linear SVM on one code dimension
    (raw, or standardised with ``standardize=True``),
    ``LinearSVC(C=0.01, class_weight="balanced")`` as disentanglement_lib.
    Continuous factors: the squared correlation between the dimension and the
    factor on the training codes (0 for a constant dimension). See ``sap``
    for the arguments.
    """
    if continuous_factors:
        score = np.zeros((codes_train.shape[1], factors_train.shape[1]))
        for i in range(codes_train.shape[1]):
            for j in range(factors_train.shape[1]):
                cov = np.cov(codes_train[:, i], factors_train[:, j], ddof=1)
                if cov[0, 0] > 1e-12 and cov[1, 1] > 0:
                    score[i, j] = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1])
        return score
    hits = _test_hits(
        codes_train, factors_train, codes_test, factors_test, standardize=standardize, seed=seed
    )
    return hits.mean(axis=0)


def _test_hits(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    *,
    standardize: bool,
    seed: int,
) -> np.ndarray:
    """(n_test, n_code_dims, n_factors): did the SVM of dimension i get factor j of example n right?"""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    train, test = (
        _standardize(codes_train, codes_test) if standardize else (codes_train, codes_test)
    )
    hits = np.zeros((test.shape[0], train.shape[1], factors_train.shape[1]), dtype=bool)
    for j in range(factors_train.shape[1]):
        if np.unique(factors_train[:, j]).size < 2:
            # Nothing to learn: every dimension predicts the one value equally well.
            hits[:, :, j] = (factors_test[:, j] == factors_train[0, j])[:, None]
            continue
        for i in range(train.shape[1]):
            classifier = LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
            # With one feature and C=0.01 liblinear sometimes stops at its
            # iteration cap a hair short of the optimum; the accuracy is unaffected.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                classifier.fit(train[:, i : i + 1], factors_train[:, j])
            hits[:, i, j] = classifier.predict(test[:, i : i + 1]) == factors_test[:, j]
    return hits


class SapOptions(TypedDict, total=False):
    """The keyword options of ``sap``, passed through to ``sap_score_matrix``."""

    continuous_factors: bool
    standardize: bool
    seed: int


def sap(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    **options: Unpack[SapOptions],
) -> float:
    """SAP score of a representation (Kumar et al. 2018).

    Protocol of disentanglement_lib (``sap_score.gin``: 10,000 training and
    5,000 test points, discrete factors): for each code dimension i and factor
    k a score S[i, k] (see ``sap_score_matrix``), then

        SAP = mean_k (S[(1), k] - S[(2), k])

    over the best and second-best dimension for factor k.

    As disentanglement_lib, each SVM sees the raw posterior means, with its
    fixed C = 0.01: the score then depends on the scale of the code, and a
    collapsed dimension (means ≈ 0, spread ≈ 0.01) is left as weak as it is.
    ``standardize=True`` divides each dimension by its training standard
    deviation first, which makes SAP invariant to rescaling a dimension but
    lifts collapsed dimensions to unit scale (on the bundled shapes models it
    changed SAP by 20-55 %); it is an explicit option, not the reference.

    What to expect of discrete factors: the score is a gap between plain
    accuracies, so even a perfect code gets at most 1 minus the accuracy of an
    uninformative dimension (about 1/n_values: 0.5 for a binary factor), and
    a linear SVM on one dimension cuts it into few intervals, so a factor with
    many values (dSprites' 40 orientations) is predicted poorly even from a
    dimension that encodes it alone. With ``continuous_factors=True`` a
    perfect code scores 1 and noise 0.

    Args:
        codes_train: posterior means for training, float (n_train, d).
        factors_train: factor codes for training, int (n_train, k).
        codes_test: posterior means for testing, float (n_test, d).
        factors_test: factor codes for testing, int (n_test, k).
        continuous_factors: treat factors as continuous and score with the
            squared correlation on the training codes; default False as
            disentanglement_lib's ``sap_score.gin``.
        standardize: standardise each code dimension before its SVM; default
            False, as disentanglement_lib.
        seed: seed of liblinear's coordinate descent, for reproducibility.

    Returns:
        The SAP score in [0, 1].
    """
    codes_train, factors_train, codes_test, factors_test = check_train_test(
        codes_train, factors_train, codes_test, factors_test
    )
    score = sap_score_matrix(codes_train, factors_train, codes_test, factors_test, **options)
    return float(np.mean(top_two_gap(score)))


def sap_of_sample(sample: Sample, sizes: Mapping[str, int] | None = None) -> dict[str, float]:
    """The registry's hook: SAP of the sample, with a bootstrap of the test codes.

    ``sample.options["sap_standardize"]`` (default False) standardises first.
    The uncertainty resamples the test codes with the fitted SVMs held fixed.
    """
    codes_train, factors_train, codes_test, factors_test = check_train_test(*sample.split)
    hits = _test_hits(
        codes_train,
        factors_train,
        codes_test,
        factors_test,
        standardize=bool(sample.options.get("sap_standardize", False)),
        seed=sample.seed,
    )
    std = bootstrap_std(
        lambda rows: float(np.mean(top_two_gap(hits[rows].mean(axis=0)))),
        hits.shape[0],
        sample.n_bootstrap,
        sample.bootstrap_rng("sap"),
    )
    return {"sap": float(np.mean(top_two_gap(hits.mean(axis=0)))), "sap_std": std}
