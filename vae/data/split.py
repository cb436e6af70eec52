"""Seeded train/test splits, the same indices as scikit-learn's, without importing it.

``train_test_split(arange(n), test_size=n_test, random_state=seed, stratify=y)``
is what the data sets were split with from the start; importing scikit-learn for
it costs 1.5–2.5 s of every training's start (``benchmarks/first_curve.py``).
These functions follow ``ShuffleSplit`` and ``StratifiedShuffleSplit`` (with
``_approximate_mode``) of scikit-learn 1.x step for step, on the same
``numpy.random.RandomState`` stream; tests/test_split.py checks them against
scikit-learn itself for many sizes, seeds and class balances.
"""

from __future__ import annotations

import numpy as np


def _approximate_mode(counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of ``n_draws`` to take from each class: floors, then the largest remainders."""
    continuous = counts / counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need)
            floored[rng.choice(inds, size=add_now, replace=False)] += 1  # ties broken at random
            need -= add_now
            if need == 0:
                break
    return floored.astype(int)


def shuffle_split(n: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices of a seeded random split (``ShuffleSplit``)."""
    permutation = np.random.RandomState(seed).permutation(n)
    return permutation[n_test:], permutation[:n_test]


def stratified_split(y: np.ndarray, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices with each class in proportion (``StratifiedShuffleSplit``).

    Needs two examples of every class and room for each class on both sides.
    """
    y = np.asarray(y)
    n_train = len(y) - n_test
    classes, y_indices, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < 2 or n_train < len(classes) or n_test < len(classes):
        raise ValueError(
            f"a stratified split of {len(y)} examples with {n_test} for testing needs two "
            f"examples of each of the {len(classes)} classes and room for each on both sides"
        )
    class_indices = np.split(np.argsort(y_indices, kind="stable"), np.cumsum(counts)[:-1])
    rng = np.random.RandomState(seed)
    n_i = _approximate_mode(counts, n_train, rng)
    t_i = _approximate_mode(counts - n_i, n_test, rng)
    train: list[np.ndarray] = []
    test: list[np.ndarray] = []
    for i in range(len(classes)):
        members = class_indices[i].take(rng.permutation(counts[i]), mode="clip")
        train.extend(members[: n_i[i]])
        test.extend(members[n_i[i] : n_i[i] + t_i[i]])
    return rng.permutation(train), rng.permutation(test)
