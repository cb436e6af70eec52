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

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from vae.metrics._common import check_train_test, top_two_gap

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
    seed: int = 0,
) -> np.ndarray:
    """The (n_code_dims, n_factors) matrix of single-dimension predictability.

    Discrete factors: the test accuracy of a linear SVM on one (standardised)
    code dimension, ``LinearSVC(C=0.01, class_weight="balanced")`` as
    disentanglement_lib. Continuous factors: the squared correlation between
    the dimension and the factor on the training codes (0 for a constant
    dimension). See ``sap`` for the arguments.
    """
    if continuous_factors:
        score = np.zeros((codes_train.shape[1], factors_train.shape[1]))
        for i in range(codes_train.shape[1]):
            for j in range(factors_train.shape[1]):
                cov = np.cov(codes_train[:, i], factors_train[:, j], ddof=1)
                if cov[0, 0] > 1e-12 and cov[1, 1] > 0:
                    score[i, j] = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1])
        return score

    train, test = _standardize(codes_train, codes_test)
    score = np.zeros((train.shape[1], factors_train.shape[1]))
    for j in range(factors_train.shape[1]):
        if np.unique(factors_train[:, j]).size < 2:
            # Nothing to learn: every dimension predicts the one value equally well.
            score[:, j] = np.mean(factors_test[:, j] == factors_train[0, j])
            continue
        for i in range(train.shape[1]):
            classifier = LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
            # With one feature and C=0.01 liblinear sometimes stops at its
            # iteration cap a hair short of the optimum; the accuracy is unaffected.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                classifier.fit(train[:, i : i + 1], factors_train[:, j])
            predicted = classifier.predict(test[:, i : i + 1])
            score[i, j] = np.mean(predicted == factors_test[:, j])
    return score


def sap(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    *,
    continuous_factors: bool = False,
    seed: int = 0,
) -> float:
    """SAP score of a representation (Kumar et al. 2018).

    Protocol of disentanglement_lib (``sap_score.gin``: 10,000 training and
    5,000 test points, discrete factors): for each code dimension i and factor
    k a score S[i, k] (see ``sap_score_matrix``), then

        SAP = mean_k (S[(1), k] - S[(2), k])

    over the best and second-best dimension for factor k.

    One deliberate difference: each code dimension is standardised with the
    training mean and standard deviation before its SVM. disentanglement_lib
    feeds raw means to an SVM with a fixed C=0.01, which makes the score depend
    on the units of the code; standardising makes SAP invariant to rescaling a
    dimension, and changes nothing for a VAE whose means are of unit scale.

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
        seed: seed of liblinear's coordinate descent, for reproducibility.

    Returns:
        The SAP score in [0, 1].
    """
    codes_train, factors_train, codes_test, factors_test = check_train_test(
        codes_train, factors_train, codes_test, factors_test
    )
    score = sap_score_matrix(
        codes_train,
        factors_train,
        codes_test,
        factors_test,
        continuous_factors=continuous_factors,
        seed=seed,
    )
    return float(np.mean(top_two_gap(score)))
