"""The classifiers DCI fits per factor, and fitting them side by side.

DCI (``vae.metrics.dci``) needs, per factor, a classifier of the factor from the whole
code and the importance of each code dimension to it. The estimators and their names live
here; ``fit_many`` fits every (split, factor) classifier as one task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from vae.errors import ConfigError

logger = logging.getLogger(__name__)

ESTIMATORS = (
    "exact_boosting",
    "hist_gradient_boosting",
    "gradient_boosting",
    "random_forest",
    "hist_gradient_boosting_quantile",
)
MAX_BINS = 255  # HistGradientBoostingClassifier's most bins per feature


def gap_thresholds(column: np.ndarray, n_bins: int = MAX_BINS) -> np.ndarray:
    """At most ``n_bins - 1`` split thresholds for one code dimension, each in a gap of the data.

    Histogram boosting may only split at the edges of its bins, and its
    quantile edges fall wherever the quantiles do: inside a cluster of codes
    of one factor value as often as between two clusters, so even a perfect
    code is cut wrong and the later rounds spread importance over the other
    dimensions to mend it (D = C = 0.97 on a perfect code). Here each
    quantile edge moves to the midpoint of the widest gap between sorted
    values within one quantile cell either side of it: for clustered codes
    the edges land between the clusters, for smooth codes they stay near the
    quantiles. With no more distinct values than bins, every midpoint.
    """
    values = np.sort(np.asarray(column, dtype=np.float64))
    distinct = np.unique(values)
    if distinct.size <= n_bins:
        return (distinct[1:] + distinct[:-1]) / 2
    n = values.size
    half = -(-n // n_bins)
    gaps = np.diff(values)
    edges = []
    for position in (np.arange(1, n_bins) * n) // n_bins:
        low, high = max(0, position - half), min(n - 1, position + half)
        widest = low + int(np.argmax(gaps[low:high]))
        if gaps[widest] > 0:
            edges.append((values[widest] + values[widest + 1]) / 2)
    return np.unique(edges)


def snap_to_thresholds(codes: np.ndarray, thresholds: list[np.ndarray]) -> np.ndarray:
    """Each code replaced by its bin number among ``thresholds`` (a monotone map per dimension)."""
    return np.stack(
        [np.searchsorted(edges, codes[:, i]) for i, edges in enumerate(thresholds)], axis=1
    ).astype(np.float64)


# scikit-learn and scipy are imported where they are used: the app imports the
# metric registry (and so this package) on pages that never fit a classifier.


def _hist_gradient_boosting(seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # The hyperparameters of GradientBoostingClassifier's defaults (100 rounds
    # of depth-3 trees, learning rate 0.1, leaves of any size, no penalty, no
    # early stopping), on 255-bin histograms instead of exact sorted splits.
    return HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        max_depth=3,
        max_leaf_nodes=None,
        min_samples_leaf=1,
        l2_regularization=0.0,
        early_stopping=False,
        random_state=seed,
    )


def _exact_boosting(seed: int) -> Any:
    from vae.metrics.boosting import ExactBoosting  # numba: imported where it is used

    return ExactBoosting(random_state=seed)


def _gradient_boosting(seed: int) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    # disentanglement_lib's ``GradientBoostingClassifier()``; the seed only
    # fixes the order in which tied features are tried.
    return GradientBoostingClassifier(random_state=seed)


def _random_forest(seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    # Every split may look at every dimension (the default sqrt(d) would force
    # splits on dimensions that carry nothing whenever the informative one is
    # not drawn), and leaves of at least 20 examples keep the trees from
    # memorising noise: both would spread importance over useless dimensions.
    return RandomForestClassifier(
        n_estimators=50, max_features=None, min_samples_leaf=20, random_state=seed
    )


_FACTORIES: dict[str, Callable[[int], Any]] = {
    "exact_boosting": _exact_boosting,
    "hist_gradient_boosting": _hist_gradient_boosting,
    "gradient_boosting": _gradient_boosting,
    "random_forest": _random_forest,
    "hist_gradient_boosting_quantile": _hist_gradient_boosting,
}


def _hist_gradient_boosting_importances(model: Any) -> np.ndarray:
    """Split-gain importances of a fitted HistGradientBoostingClassifier, summing to 1.

    scikit-learn offers no ``feature_importances_`` for histogram boosting; the
    loss reduction of every split is kept in the fitted trees (the private
    ``_predictors``, stable across scikit-learn 1.x, pinned in requirements.txt),
    and summing it per feature is the second-order analogue of the impurity
    decrease that GradientBoostingClassifier reports.
    """
    importance = np.zeros(model.n_features_in_)
    for trees_of_one_round in model._predictors:
        for tree in trees_of_one_round:
            splits = tree.nodes[tree.nodes["is_leaf"] == 0]
            np.add.at(importance, splits["feature_idx"], splits["gain"])
    total = importance.sum()
    return importance / total if total > 0 else importance


def _importances(model: Any) -> np.ndarray:
    from sklearn.ensemble import HistGradientBoostingClassifier

    if isinstance(model, HistGradientBoostingClassifier):
        return _hist_gradient_boosting_importances(model)
    return np.abs(np.asarray(model.feature_importances_, dtype=np.float64))


Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _workers(estimator: str | Callable[[int], Any]) -> int:
    """Threads for the fits: the compiled boosting releases the GIL, so its factors fit side by
    side on the threads torch was given; scikit-learn's classifiers fit one at a time."""
    if estimator != "exact_boosting":
        return 1
    import torch

    return max(1, torch.get_num_threads())


def fit_many(
    splits: list[Split], seed: int, estimator: str | Callable[[int], Any]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per split (codes and factors for training, then for testing): the importances (d, k),
    train accuracies (k,) and test hits (n_test, k) of its classifiers, one per factor;
    every (split, factor) classifier is one task."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    make = _FACTORIES.get(estimator) if isinstance(estimator, str) else estimator
    if make is None:
        raise ConfigError(
            f"DCI estimator {estimator!r} is unknown; choose one of {', '.join(ESTIMATORS)} "
            "or pass a function of the seed that returns a classifier."
        )
    if estimator == "hist_gradient_boosting":
        snapped = []
        for codes_train, factors_train, codes_test, factors_test in splits:
            thresholds = [gap_thresholds(codes_train[:, i]) for i in range(codes_train.shape[1])]
            snapped.append((snap_to_thresholds(codes_train, thresholds), factors_train,
                            snap_to_thresholds(codes_test, thresholds), factors_test))  # fmt: skip
        splits = snapped
    out = []
    for codes_train, factors_train, codes_test, _ in splits:
        n_dims, n_factors = codes_train.shape[1], factors_train.shape[1]
        out.append((np.zeros((n_dims, n_factors)), np.zeros(n_factors),
                    np.zeros((codes_test.shape[0], n_factors), dtype=bool)))  # fmt: skip

    def fit_one(task: tuple[int, int]) -> None:
        s, j = task
        codes_train, factors_train, codes_test, factors_test = splits[s]
        importance, train_accuracy, test_correct = out[s]
        y_train, y_test = factors_train[:, j], factors_test[:, j]
        if np.unique(y_train).size < 2:
            train_accuracy[j] = 1.0
            test_correct[:, j] = y_test == y_train[0]
            return
        model = make(seed)
        model.fit(codes_train, y_train)
        train_accuracy[j] = np.mean(model.predict(codes_train) == y_train)
        test_correct[:, j] = model.predict(codes_test) == y_test
        importance[:, j] = _importances(model)
        logger.debug("DCI factor %d: test accuracy %.3f", j, test_correct[:, j].mean())

    # The largest fits (most classes, most codes) first, so the threads finish together.
    tasks = sorted(
        ((s, j) for s, split in enumerate(splits) for j in range(split[1].shape[1])),
        key=lambda t: -np.unique(splits[t[0]][1][:, t[1]]).size * splits[t[0]][0].shape[0],
    )
    # Histogram boosting fits 100 small trees per class, each a few short OpenMP regions.
    # With 2 threads on 2 cores shared with another busy process, the threads spun waiting
    # for each other: 15-25x slower than one thread on 2,000 codes; one thread is never
    # much slower. So OpenMP gets one thread, and parallel fits are threads of our own.
    workers = min(_workers(estimator), len(tasks))  # before the limit: it lowers torch's count
    with threadpool_limits(limits=1, user_api="openmp"):
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(fit_one, tasks))
        else:
            for task in tasks:
                fit_one(task)
    return out
