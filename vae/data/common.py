"""What the data set loaders share: where files live, size limits, splits, resizing."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from vae.errors import DataError

logger = logging.getLogger(__name__)

DATA_ENV = "VAE_LAB_DATA"

# Limits on the user's files, so that a wrong or hostile file fails with a
# sentence instead of filling the memory or the disk.
MAX_FILE_BYTES = 2 * 1024**3
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_ARCHIVE_MEMBERS = 100_000
MAX_IMAGE_SIDE = 1024
MAX_VALUES = 2**26  # values in x after decoding: 256 MiB of float32 (full Fashion-MNIST: 55 M)
MIN_EXAMPLES = 10
MAX_CLASSES = 1000


def cache_dir(name: str) -> Path:
    """Where downloaded files for ``name`` are kept: ``$XDG_CACHE_HOME/vae-lab/<name>``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vae-lab" / name


def candidate_dirs(name: str, data_dir: str | os.PathLike | None) -> list[Path]:
    """The folders searched for a named data set's files, in order of preference.

    ``data_dir`` (its ``name`` sub-folder, then itself), then ``$VAE_LAB_DATA``
    (the same two), then the cache.
    """
    dirs: list[Path] = []
    for root in (data_dir, os.environ.get(DATA_ENV) or None):
        if root is not None:
            root = Path(root).expanduser()
            dirs += [root / name, root]
    dirs.append(cache_dir(name))
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def human_bytes(n: int) -> str:
    """A byte count for people: 512 bytes, 3.2 MiB, 2.0 GiB."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def check_file_size(path: Path) -> None:
    """Refuse a file too large to load."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"{path} is {human_bytes(size)}; files up to {human_bytes(MAX_FILE_BYTES)} are accepted."
        )


def split_indices(
    n: int,
    seed: int,
    y: np.ndarray | None = None,
    test_fraction: float = 0.2,
    max_test: int = 10_000,
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded train/test split of ``n`` examples, stratified by ``y`` where it can be.

    The same (n, seed, y) always gives the same split. The training indices are
    sorted; the test indices come in a seeded random order, so that "the first n
    test examples" a page shows are a fair sample even when the files were sorted
    by class.
    """
    from vae.data.split import shuffle_split, stratified_split

    n_test = min(max_test, max(2, round(test_fraction * n)))
    stratify = None
    if y is not None:
        counts = np.bincount(y)
        counts = counts[counts > 0]
        # Stratifying needs two examples of every class and room for each in the test set.
        if counts.min() >= 2 and n_test >= len(counts) and n - n_test >= len(counts):
            stratify = y
    if stratify is None:
        train, test = shuffle_split(n, n_test, seed)
    else:
        train, test = stratified_split(stratify, n_test, seed)
    return np.sort(train), test


def resize_images(x: torch.Tensor, size: int) -> torch.Tensor:
    """Images (n, C, H, W) resized to (n, C, size, size), antialiased, still in [0, 1]."""
    if x.shape[-2:] == (size, size):
        return x
    out = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return out.clamp_(0.0, 1.0)


def digit_dataset(
    name: str,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    n_test: int,
    seed: int,
    size: int | None,
    description: str,
    defaults: dict,
):
    """A labelled 0-9 digit set (``x`` in [0, 1], ``y`` int64) split stratified by class with ``seed``."""
    from vae.data.base import Dataset, TensorSplit
    from vae.data.split import stratified_split

    train, test = stratified_split(y.numpy(), n_test, seed)
    train, test = torch.from_numpy(np.sort(train)), torch.from_numpy(np.sort(test))
    if size is not None:
        x = resize_images(x, size)
    logger.info("%s: %d train, %d test", name, len(train), len(test))
    return Dataset.binary_images(
        name,
        TensorSplit(x[train], y[train]),
        TensorSplit(x[test], y[test]),
        "mlp",
        class_names=[str(d) for d in range(10)],
        description=description,
        defaults=dict(defaults),
    )


def check_image_size(
    image_size: int | None, source: str, max_side: int = MAX_IMAGE_SIDE
) -> int | None:
    """``image_size`` if it is a sensible side length in pixels, else a DataError."""
    if image_size is None:
        return None
    if (
        isinstance(image_size, bool)
        or not isinstance(image_size, int | np.integer)
        or not 4 <= image_size <= max_side
    ):
        raise DataError(
            f"image_size for {source} must be an integer from 4 to {max_side}, got {image_size!r}."
        )
    return int(image_size)


def image_defaults(input_shape: tuple[int, ...], n_train: int) -> dict:
    """Suggested settings for an image data set of this shape and size."""
    _, h, w = input_shape
    conv = min(h, w) >= 16 and h % 4 == 0 and w % 4 == 0
    # Aim at roughly 20,000 to 30,000 steps' worth of examples on small data,
    # while a large data set needs only a few passes.
    epochs = int(np.clip(round(600_000 / max(n_train, 1)), 10, 200))
    return {
        "architecture": "conv" if conv else "mlp",
        "latent_dim": 16 if h * w >= 256 else 8,
        "epochs": epochs,
        "batch_size": 128 if n_train >= 2000 else 64,
        "lr": 1e-3,
    }


def tabular_defaults(dim: int, n_train: int) -> dict:
    """Suggested settings for standardised vectors of ``dim`` features."""
    return {
        "architecture": "mlp",
        "latent_dim": int(np.clip(dim // 2, 2, 16)),
        "hidden_dims": [128, 128] if dim <= 32 else [512, 256],
        "epochs": int(np.clip(round(300_000 / max(n_train, 1)), 20, 300)),
        "batch_size": 128 if n_train >= 2000 else 64,
        "lr": 1e-3,
    }
