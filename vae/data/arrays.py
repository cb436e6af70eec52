"""A person's own arrays turned into a ``Dataset``, or refused with a sentence saying why.

Every user format ends here (``.npz``, ``.npy``, ``.csv``, image folders), so
the rules live in one place:

- (n, H, W) is n grayscale images; (n, H, W, C) or (n, C, H, W) with C of 1 or
  3 are images with channels. Bytes (and other integers up to 255) are divided
  by 255, 0/1 integers and booleans are taken as binary, floats must already
  be in [0, 1]. Images get the Bernoulli likelihood, which suits [0, 1] pixels.
- (n, d) is a table of d features: standardised with the training split's
  mean and standard deviation (kept in ``Dataset.mean``/``std`` to undo it),
  with a Gaussian likelihood; d = 2 is shown as points in the plane.
- Optional labels ``y``: one per example, integer-valued; their distinct
  values, sorted, become the classes.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from vae.data.base import Dataset, TensorSplit
from vae.data.common import (
    MAX_CLASSES,
    MAX_IMAGE_SIDE,
    MAX_VALUES,
    MIN_EXAMPLES,
    check_image_size,
    image_defaults,
    resize_images,
    split_indices,
    tabular_defaults,
)
from vae.errors import DataError

logger = logging.getLogger(__name__)

ACCEPTED_SHAPES = "(n, d) rows of features, (n, H, W) grayscale images, or (n, H, W, C) / (n, C, H, W) images with C = 1 or 3"


def _check_numeric(a: np.ndarray, source: str, what: str) -> None:
    if a.dtype.kind not in "biuf":
        raise DataError(
            f"{source} has {what} of type {a.dtype}; expected numbers (integers or floats)."
        )


def images_to_nchw(x: np.ndarray, source: str) -> np.ndarray:
    """Images (n, H, W), (n, H, W, C) or (n, C, H, W) as (n, C, H, W) with C = 1 or 3."""
    if x.ndim == 3:
        x = x[:, None]
    elif x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        x = x.transpose(0, 3, 1, 2)
    elif x.shape[1] not in (1, 3):
        raise DataError(
            f"{source} has x of shape {x.shape}, whose channels are neither second nor last "
            f"with 1 or 3 of them; expected {ACCEPTED_SHAPES}."
        )
    if max(x.shape[2:]) > MAX_IMAGE_SIDE:
        raise DataError(
            f"{source} has images of {x.shape[2]}×{x.shape[3]} pixels; "
            f"images up to {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} are accepted."
        )
    return x


def image_values(x: np.ndarray, source: str) -> np.ndarray:
    """Pixel values as float32 in [0, 1], by the rules of the module docstring."""
    if x.dtype.kind == "b":
        return x.astype(np.float32)
    low, high = (x.min(), x.max()) if x.size else (0, 0)
    if x.dtype.kind in "iu":
        if low < 0 or high > 255:
            raise DataError(
                f"{source} has integer pixels from {low} to {high}; expected 0 to 255 (or 0 and 1)."
            )
        # Integers that are all 0 or 1 are a binary image, not a nearly black one.
        return x.astype(np.float32) / (1.0 if high <= 1 else 255.0)
    if low < 0 or high > 1:
        raise DataError(
            f"{source} has float pixels from {low:g} to {high:g}; expected float images in [0, 1] "
            "(or bytes 0 to 255), or a 2-D array (n, d) for a table of features."
        )
    return x.astype(np.float32)


def labels_to_classes(y: np.ndarray, n: int, source: str) -> tuple[np.ndarray, list[str]]:
    """Class indices 0..K-1 (int64) and the class names, from labels of any integer values."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise DataError(
            f"{source} has labels y of shape {y.shape} for {n} examples; expected one integer label per example."
        )
    if y.dtype.kind in "US":
        values, index = np.unique(y, return_inverse=True)
        names = [str(v) for v in values]
    else:
        _check_numeric(y, source, "labels y")
        if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
            raise DataError(
                f"{source} has labels y that are not whole numbers; expected integer class labels."
            )
        values, index = np.unique(y.astype(np.int64), return_inverse=True)
        names = [str(v) for v in values]
    if len(values) > MAX_CLASSES:
        raise DataError(
            f"{source} has {len(values)} distinct labels; up to {MAX_CLASSES} classes are accepted."
        )
    return index.astype(np.int64), names


def dataset_from_arrays(
    x: np.ndarray,
    y: np.ndarray | None,
    *,
    source: str,
    name: str,
    image_size: int | None = None,
    seed: int = 0,
    class_names: list[str] | None = None,
) -> Dataset:
    """Check ``x`` (and labels ``y``), split them with ``seed`` and build the ``Dataset``.

    ``source`` names the file in error messages. ``class_names`` given means ``y``
    already holds indices into it (image folders); otherwise the names are the
    sorted distinct values of ``y``.
    """
    x = np.asarray(x)
    _check_numeric(x, source, "x")
    if x.ndim not in (2, 3, 4):
        raise DataError(f"{source} has x of shape {x.shape}; expected {ACCEPTED_SHAPES}.")
    n = x.shape[0]
    if n < MIN_EXAMPLES:
        raise DataError(f"{source} holds {n} examples; at least {MIN_EXAMPLES} are needed.")
    if x.size == 0:
        raise DataError(
            f"{source} has x of shape {x.shape} with no values; expected {ACCEPTED_SHAPES}."
        )
    if x.size > MAX_VALUES:
        raise DataError(f"{source} holds {x.size:,} values; up to {MAX_VALUES:,} are accepted.")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{source} has NaN or infinite values in x; expected finite numbers.")

    if y is not None and class_names is None:
        y, class_names = labels_to_classes(y, n, source)
    train_idx, test_idx = split_indices(n, seed, y)
    labels = None if y is None else torch.from_numpy(np.asarray(y, dtype=np.int64))

    def split(x_all: torch.Tensor, idx: np.ndarray) -> TensorSplit:
        index = torch.from_numpy(idx)
        return TensorSplit(x_all[index], None if labels is None else labels[index])

    if x.ndim == 2:
        size = check_image_size(image_size, source)
        if size is not None:
            logger.info("%s is a table: image_size=%d does not apply", source, size)
        # Standardise with the training split only, so the test split stays unseen;
        # float64 keeps small variations on large offsets. Constant columns keep std 1.
        table = x.astype(np.float64)
        mean, std = table[train_idx].mean(0), table[train_idx].std(0)
        std = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)
        values = torch.from_numpy(((table - mean) / std).astype(np.float32))
        mean, std = (
            torch.from_numpy(mean.astype(np.float32)),
            torch.from_numpy(std.astype(np.float32)),
        )
        train, test = split(values, train_idx), split(values, test_idx)
        dim = x.shape[1]
        kind, shape = ("points" if dim == 2 else "tabular"), (dim,)
        likelihood, defaults = "gaussian", tabular_defaults(dim, len(train))
    else:
        size = check_image_size(image_size, source)
        images = torch.from_numpy(image_values(images_to_nchw(x, source), source))
        if size is not None:
            images = resize_images(images, size)
        train, test = split(images, train_idx), split(images, test_idx)
        mean = std = None
        kind, shape = "image", tuple(images.shape[1:])
        likelihood, defaults = "bernoulli", image_defaults(shape, len(train))
    logger.info("%s: %d train, %d test, %s of shape %s", source, len(train), len(test), kind, shape)
    return Dataset(
        name=name,
        train=train,
        test=test,
        input_shape=shape,
        kind=kind,
        likelihood=likelihood,
        default_architecture=defaults["architecture"],
        class_names=class_names,
        description=f"{source}: {n} examples of shape {shape}",
        mean=mean,
        std=std,
        defaults=defaults,
    )
