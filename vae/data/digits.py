"""``digits``: scikit-learn's 1,797 handwritten digits, 8×8 pixels, labels 0 to 9.

The UCI optical digits ship inside scikit-learn, so this data set is always
there, offline, and a model trains on it in seconds. Pixels count ink in 4×4
blocks of a 32×32 bitmap (0 to 16) and are divided by 16 into [0, 1].
"""

from __future__ import annotations

import numpy as np
import torch

from vae.data.base import Dataset
from vae.data.common import check_image_size, digit_dataset

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

    size = check_image_size(image_size, "digits")
    data = sklearn_digits()
    x = torch.from_numpy((data.images / 16.0).astype(np.float32)).unsqueeze(1)
    y = torch.from_numpy(data.target.astype(np.int64))
    return digit_dataset(
        "digits",
        x,
        y,
        n_test=N_TEST,
        seed=seed,
        size=size,
        description=DESCRIPTION,
        defaults=DEFAULTS,
    )
