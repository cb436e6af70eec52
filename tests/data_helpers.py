"""Small data files written by the data tests: IDX files, a fake dSprites, images, zips."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# Unpickling a Trap calls ``_tripped``: a test that finds UNPICKLED non-empty
# has caught the loader running a pickle.
UNPICKLED: list[bool] = []


def _tripped() -> str:
    UNPICKLED.append(True)
    return "tripped"


class Trap:
    def __reduce__(self):
        return (_tripped, ())


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as f:
            f.write(idx_bytes(array))
    else:
        path.write_bytes(idx_bytes(array))
    return path


def write_mnist(folder: Path, gz: bool = False, n_train: int = 20, n_test: int = 10) -> dict:
    """Tiny IDX files of random 28×28 images and labels; returns the arrays by key."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for key, array in arrays.items():
        write_idx(folder / IDX_FILES[key], array, gz)
    return arrays


def write_fake_dsprites(path: Path, sizes=(3, 2, 2, 2, 2), shuffle: bool = True) -> tuple:
    """A small .npz with dSprites' keys, a pickled metadata entry, rows optionally shuffled."""
    grid = np.stack(np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij"), -1).reshape(-1, 5)
    rng = np.random.default_rng(0)
    if shuffle:
        grid = grid[rng.permutation(len(grid))]
    imgs = rng.integers(0, 2, (len(grid), 64, 64), dtype=np.uint8)
    latents_classes = np.concatenate([np.zeros((len(grid), 1), np.int64), grid], axis=1)
    metadata = np.array({"trap": Trap()}, dtype=object)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        imgs=imgs,
        latents_classes=latents_classes,
        latents_values=latents_classes.astype(np.float64),
        metadata=metadata,
    )
    return imgs, grid


def png_bytes(array: np.ndarray, mode: str | None = None, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.fromarray(array, mode).save(out, fmt)
    return out.getvalue()


def write_image(path: Path, array: np.ndarray, fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(array, fmt=fmt))
    return path


def class_images(n: int, value: int, size: int = 8, channels: int = 0) -> list[np.ndarray]:
    """``n`` images of one grey ``value`` with a varying pixel, so none are identical."""
    images = []
    for i in range(n):
        shape = (size, size, channels) if channels else (size, size)
        a = np.full(shape, value, dtype=np.uint8)
        a[0, 0] = i
        images.append(a)
    return images


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path
