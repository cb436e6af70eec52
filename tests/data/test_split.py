"""vae.data.split gives scikit-learn's train_test_split indices exactly, without importing it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from vae.data.split import shuffle_split, stratified_split

CASES = [
    # (class sizes, n_test): balanced, skewed, ties in the remainders, two classes
    ([180] * 10, 360),
    ([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], 360),
    ([400, 550, 510, 480, 470, 420, 500, 530, 460, 500][::-1], 1000),
    ([5, 7, 3, 2, 9], 7),
    ([2, 2, 2, 1 + 1], 4),
    ([50, 3], 10),
]


@pytest.mark.parametrize(("sizes", "n_test"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 7, 12345])
def test_stratified_split_matches_scikit_learn(sizes, n_test, seed) -> None:
    y = np.repeat(np.arange(len(sizes)), sizes)
    np.random.RandomState(99).shuffle(y)
    want_train, want_test = train_test_split(
        np.arange(len(y)), test_size=n_test, random_state=seed, stratify=y
    )
    train, test = stratified_split(y, n_test, seed)
    np.testing.assert_array_equal(train, want_train)
    np.testing.assert_array_equal(test, want_test)
    assert len(set(train) | set(test)) == len(y)


@pytest.mark.parametrize(("n", "n_test", "seed"), [(10, 2, 0), (1797, 360, 3), (5000, 1000, 42)])
def test_shuffle_split_matches_scikit_learn(n, n_test, seed) -> None:
    want_train, want_test = train_test_split(np.arange(n), test_size=n_test, random_state=seed)
    train, test = shuffle_split(n, n_test, seed)
    np.testing.assert_array_equal(train, want_train)
    np.testing.assert_array_equal(test, want_test)


def test_too_small_a_class_is_refused() -> None:
    with pytest.raises(ValueError, match="two examples of each"):
        stratified_split(np.array([0, 0, 0, 1]), 2, 0)


def test_loading_digits_does_not_import_scikit_learn() -> None:
    code = (
        "import sys\nfrom vae.data import load_dataset\n"
        "d = load_dataset('digits')\nprint(len(d.train), len(d.test), 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1437", "360", "False"]


def test_digits_are_scikit_learns() -> None:
    from sklearn.datasets import load_digits

    from vae.data.digits import read_digits

    images, target = read_digits()
    want = load_digits()
    np.testing.assert_array_equal(images, want.images)
    np.testing.assert_array_equal(target, want.target)
