"""``digits``: scikit-learn's 1,797 handwritten digits, 8×8 pixels, labels 0 to 9.

The UCI optical digits ship inside scikit-learn, so this data set is always
there, offline, and a model trains on it in seconds. Pixels count ink in 4×4
blocks of a 32×32 bitmap (0 to 16) and are divided by 16 into [0, 1].
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from vae.data.base import Dataset, TensorSplit
from vae.data.common import check_image_size, resize_images

logger = logging.getLogger(__name__)

N_TEST = 360
DESCRIPTION = "1,797 handwritten digits from scikit-learn, 8×8 pixels, labels 0–9"


# The settings this data set overrides (vae.settings rows marked dataset_default).
DEFAULTS = {
    "architecture": "mlp",
    "latent_dim": 8,
    "hidden_dims": [256, 128],
    "epochs": 60,
    "batch_size": 64,
    "lr": 1e-3,
}


def load_digits(image_size: int | None = None, seed: int = 0) -> Dataset:
    """1,437 training and 360 test digits, split stratified by class with ``seed``."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    size = check_image_size(image_size, "digits")
    data = sklearn_digits()
    x = torch.from_numpy((data.images / 16.0).astype(np.float32)).unsqueeze(1)
    y = torch.from_numpy(data.target.astype(np.int64))
    train, test = train_test_split(
        np.arange(len(y)), test_size=N_TEST, random_state=seed, stratify=data.target
    )
    train, test = torch.from_numpy(np.sort(train)), torch.from_numpy(np.sort(test))
    if size is not None:
        x = resize_images(x, size)
    logger.info("digits: %d train, %d test", len(train), len(test))
    return Dataset(
        name="digits",
        train=TensorSplit(x[train], y[train]),
        test=TensorSplit(x[test], y[test]),
        input_shape=tuple(x.shape[1:]),
        kind="image",
        likelihood="bernoulli",
        default_architecture="mlp",
        class_names=[str(d) for d in range(10)],
        description=DESCRIPTION,
        defaults=dict(DEFAULTS),
    )
