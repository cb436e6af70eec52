"""``mnist`` and ``fashion-mnist``: the standard IDX files, found locally or fetched once.

The four files (optionally gzipped) are looked for in ``data_dir``, then in
``$VAE_LAB_DATA``, each as ``<folder>/<name>/`` or the folder itself, then in
the cache ``$XDG_CACHE_HOME/vae-lab/<name>``. When none has them all, they are
downloaded into the cache; offline, the error says where they were looked for
and what they are called, so a person can copy them there.

IDX format (LeCun et al.): a 4-byte magic number, two zero bytes, a type code
(0x08 for unsigned bytes) and the number of dimensions, then each dimension as
a big-endian uint32, then the values in C order.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import urllib.request
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch

from vae.data.base import Dataset, Entry, TensorSplit
from vae.data.common import (
    MAX_IMAGE_SIDE,
    MAX_VALUES,
    cache_dir,
    candidate_dirs,
    check_image_size,
    resize_images,
)
from vae.errors import DataError

logger = logging.getLogger(__name__)

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}

DESCRIPTIONS = {
    "mnist": "70,000 handwritten digits, 28×28 pixels, labels 0–9 (IDX files, downloaded once)",
    "fashion-mnist": "70,000 Zalando clothes images, 28×28 pixels, 10 classes (IDX files, downloaded once)",
}

OFFLINE_ENV = "VAE_LAB_OFFLINE"  # set (not "0") to never try the network
DOWNLOAD_TIMEOUT_S = 15.0
MAX_DOWNLOAD_BYTES = 64 * 1024**2  # the largest file, train images gzipped, is about 26 MB
_UBYTE = 0x08


def download_file(url: str, dest: Path, timeout: float = DOWNLOAD_TIMEOUT_S) -> None:
    """Fetch ``url`` into ``dest``, whole or not at all; raises OSError on any failure."""
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            received = 0
            while chunk := response.read(1 << 20):
                received += len(chunk)
                if received > MAX_DOWNLOAD_BYTES:
                    raise OSError(f"{url} is larger than {MAX_DOWNLOAD_BYTES} bytes")
                out.write(chunk)
        os.replace(part, dest)
    except (http.client.HTTPException, ValueError) as exc:
        raise OSError(str(exc)) from exc
    finally:
        part.unlink(missing_ok=True)


def _present(folder: Path, file_name: str) -> Path | None:
    for candidate in (folder / file_name, folder / f"{file_name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_files(name: str, data_dir: str | os.PathLike | None = None) -> dict[str, Path] | None:
    """The four IDX files of ``name`` from the first folder that holds them all, or None."""
    for folder in candidate_dirs(name, data_dir):
        found = {key: _present(folder, file_name) for key, file_name in FILES.items()}
        if all(found.values()):
            return found
    return None


def _download(name: str) -> dict[str, Path]:
    """Fetch the missing files of ``name`` into its cache folder; raises OSError offline."""
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        raise OSError(f"{OFFLINE_ENV} is set, so nothing is downloaded")
    folder = cache_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for key, file_name in FILES.items():
        path = _present(folder, file_name)
        if path is None:
            path = folder / f"{file_name}.gz"
            errors = []
            for base in MIRRORS[name]:
                try:
                    logger.info("downloading %s%s.gz", base, file_name)
                    download_file(f"{base}{file_name}.gz", path)
                    break
                except OSError as exc:
                    errors.append(f"{base}: {exc}")
            else:
                raise OSError(errors[0])
        found[key] = path
    return found


def _open(path: Path) -> BinaryIO:
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """The uint8 array in an IDX file (gzipped or not) with ``ndim`` dimensions."""
    accepted = f"an IDX file of unsigned bytes with {ndim} dimension(s)"
    try:
        with _open(path) as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] != _UBYTE or magic[3] != ndim:
                raise DataError(
                    f"{path} has magic number {magic.hex() or 'none'}; expected {accepted}."
                )
            header = f.read(4 * ndim)
            if len(header) < 4 * ndim:
                raise DataError(f"{path} is truncated inside its header; expected {accepted}.")
            shape = tuple(int(d) for d in np.frombuffer(header, dtype=">u4"))
            count = int(np.prod(shape, dtype=np.int64))
            if count > MAX_VALUES or (ndim == 3 and max(shape[1:]) > MAX_IMAGE_SIDE):
                raise DataError(f"{path} declares shape {shape}, too large to load.")
            data = f.read(count)
            if len(data) < count:
                raise DataError(
                    f"{path} is truncated: its header declares {count} values but it holds "
                    f"{len(data)}; expected {accepted}."
                )
            if f.read(1):
                raise DataError(f"{path} is longer than its header declares; expected {accepted}.")
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path} cannot be read ({exc}); expected {accepted}.") from None
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


# The settings these data sets override (vae.model.settings rows marked dataset_default).
DEFAULTS = {"architecture": "mlp", "latent_dim": 16, "epochs": 30, "batch_size": 128, "lr": 1e-3}


def load_idx_dataset(
    name: str, *, image_size: int | None = None, data_dir: str | None = None
) -> Dataset:
    """``mnist`` or ``fashion-mnist``: the standard 60,000 / 10,000 split, pixels in [0, 1]."""
    size = check_image_size(image_size, name)
    files = find_files(name, data_dir)
    if files is None:
        try:
            files = _download(name)
        except OSError as exc:
            searched = ", ".join(str(d) for d in candidate_dirs(name, data_dir))
            raise DataError(
                f"{name} needs the files {', '.join(FILES.values())} (each optionally .gz) "
                f"in one of {searched}, and downloading them into {cache_dir(name)} failed "
                f"({exc}); copy them into one of those folders or pass data_dir."
            ) from None

    splits = {}
    for split in ("train", "test"):
        images = read_idx(files[f"{split}_images"], 3)
        labels = read_idx(files[f"{split}_labels"], 1)
        if len(labels) != len(images):
            raise DataError(
                f"{files[f'{split}_labels']} holds {len(labels)} labels for the "
                f"{len(images)} images of {files[f'{split}_images']}; expected one label per image."
            )
        if labels.size and labels.max() >= len(CLASS_NAMES[name]):
            raise DataError(
                f"{files[f'{split}_labels']} holds label {labels.max()}; "
                f"expected labels 0 to {len(CLASS_NAMES[name]) - 1}."
            )
        x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        if size is not None:
            x = resize_images(x, size)
        splits[split] = TensorSplit(x, torch.from_numpy(labels.astype(np.int64)))
    train, test = splits["train"], splits["test"]
    if train.x.shape[1:] != test.x.shape[1:]:
        raise DataError(
            f"{files['train_images']} holds images of {tuple(train.x.shape[2:])} pixels but "
            f"{files['test_images']} of {tuple(test.x.shape[2:])}; expected one size for both."
        )
    logger.info("%s: %d train, %d test from %s", name, len(train), len(test), files["train_images"])
    return Dataset.binary_images(
        name,
        train,
        test,
        "mlp",
        class_names=list(CLASS_NAMES[name]),
        description=DESCRIPTIONS[name],
        defaults=dict(DEFAULTS),
    )


ENTRIES = tuple(
    Entry(name, description, DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0, name=name: load_idx_dataset(
              name, image_size=image_size, data_dir=data_dir))
    for name, description in DESCRIPTIONS.items()
)  # fmt: skip
