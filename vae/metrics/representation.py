"""How useful a code is for a downstream task: the usual linear and k-NN probes.

A representation (or a dimensionality reduction) is good for classification
when simple classifiers trained on it do well. ``classifier_accuracy`` reports
the test accuracy of two such probes on the codes; ``pca_baseline`` reports the
same probes on a PCA of the raw data with as many components as the code has
dimensions, the baseline a VAE's latent space should beat or match.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from vae.errors import ConfigError, DataError
from vae.metrics._common import check_codes, check_positive

logger = logging.getLogger(__name__)


def _labels(y: np.ndarray, n: int, name: str) -> np.ndarray:
    labels = np.asarray(y).reshape(-1)
    if labels.shape[0] != n:
        raise DataError(
            f"{name} has {labels.shape[0]} labels for {n} examples; pass one per example."
        )
    return labels


def classifier_accuracy(
    codes_train: np.ndarray,
    y_train: np.ndarray,
    codes_test: np.ndarray,
    y_test: np.ndarray,
    *,
    k: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """Test accuracy of a k-nearest-neighbour and a logistic-regression probe.

    Features are standardised with the training mean and standard deviation
    first, so that no dimension dominates the k-NN distance by its scale and
    the logistic regression's L2 penalty treats all dimensions alike. The
    logistic regression is scikit-learn's default (L2, C=1, lbfgs, multinomial)
    with up to 1,000 iterations.

    Args:
        codes_train: training codes (e.g. posterior means), float (n_train, d).
        y_train: training class labels, (n_train,).
        codes_test: test codes, float (n_test, d).
        y_test: test class labels, (n_test,).
        k: neighbours of the k-NN classifier (Euclidean, majority vote);
            default 5, capped at the number of training examples.
        seed: seed of the logistic regression's solver; default 0.

    Returns:
        ``knn`` and ``logreg``: accuracies in [0, 1] on the test set.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    codes_train = check_codes(codes_train, "train codes")
    codes_test = check_codes(codes_test, "test codes")
    if codes_train.shape[1] != codes_test.shape[1]:
        raise DataError(
            f"train codes have {codes_train.shape[1]} dimensions and test codes "
            f"{codes_test.shape[1]}; both must come from the same representation."
        )
    y_train = _labels(y_train, codes_train.shape[0], "y_train")
    y_test = _labels(y_test, codes_test.shape[0], "y_test")
    check_positive(k, "k")
    if np.unique(y_train).size < 2:
        raise DataError("y_train holds a single class; a classifier needs at least two.")

    scaler = StandardScaler().fit(codes_train)
    train, test = scaler.transform(codes_train), scaler.transform(codes_test)
    knn = KNeighborsClassifier(n_neighbors=min(k, train.shape[0])).fit(train, y_train)
    logreg = LogisticRegression(max_iter=1000, random_state=seed)
    with warnings.catch_warnings():
        # Separable classes never converge in the strict sense; the accuracy has.
        warnings.simplefilter("ignore", ConvergenceWarning)
        logreg.fit(train, y_train)
    scores = {
        "knn": float(knn.score(test, y_test)),
        "logreg": float(logreg.score(test, y_test)),
    }
    logger.info("probe accuracies: k-NN %.3f, logistic %.3f", scores["knn"], scores["logreg"])
    return scores


def pca_baseline(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    n_components: int,
    *,
    k: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """The probes of ``classifier_accuracy`` on a PCA of the raw data.

    Each example is flattened (images of shape (C, H, W) become vectors), PCA
    is fitted on the training set only, and both sets are projected onto its
    first ``n_components`` components: a linear code of the same size as the
    VAE's latent code to compare against.

    Args:
        x_train: training data, (n_train, ...) array or tensor.
        y_train: training class labels, (n_train,).
        x_test: test data, (n_test, ...) of the same trailing shape.
        y_test: test class labels, (n_test,).
        n_components: dimensions kept, usually the VAE's ``latent_dim``; at
            most min(n_train, number of features).
        k: neighbours of the k-NN probe; default 5.
        seed: seed of PCA's randomised solver and of the probe; default 0.

    Returns:
        ``knn`` and ``logreg`` test accuracies, as ``classifier_accuracy``.
    """
    train = np.asarray(x_train, dtype=np.float64)
    test = np.asarray(x_test, dtype=np.float64)
    train = train.reshape(train.shape[0], -1)
    test = test.reshape(test.shape[0], -1)
    if train.shape[1] != test.shape[1]:
        raise DataError(
            f"x_train has {train.shape[1]} values per example and x_test {test.shape[1]}; "
            "both must have the same shape."
        )
    check_positive(n_components, "n_components")
    limit = min(train.shape)
    if n_components > limit:
        raise ConfigError(
            f"n_components is {n_components} but PCA of {train.shape[0]} examples with "
            f"{train.shape[1]} features can keep at most {limit}."
        )
    from sklearn.decomposition import PCA

    pca = PCA(n_components=n_components, random_state=seed).fit(train)
    return classifier_accuracy(
        pca.transform(train), y_train, pca.transform(test), y_test, k=k, seed=seed
    )
