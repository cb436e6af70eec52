"""``dsprites``: the original dSprites ``.npz`` (Matthey et al. 2017), when a person has it.

The file holds ``imgs`` (737,280 × 64 × 64 bytes, 0 or 1), ``latents_classes``
(the integer code of colour, shape, scale, orientation, x and y of each image)
and a pickled ``metadata`` dictionary. Pickles run code when read, so the file
is opened with ``allow_pickle=False`` and ``metadata`` is never touched.

The images are 3 GB as bytes; they are read in chunks straight out of the
archive and kept packed 8 pixels to a byte (377 MB), unpacked per batch.
"""

from __future__ import annotations

import logging
import math
import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from vae.data.base import Batch, Dataset, Entry, TensorSplit
from vae.data.common import candidate_dirs, check_image_size, resize_images
from vae.data.shapes import DSPRITES_DEFAULTS, FACTOR_NAMES, SHAPE_NAMES
from vae.errors import DataError

logger = logging.getLogger(__name__)

FILE_NAME = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
SOURCE_URL = "https://github.com/deepmind/dsprites-dataset"
N_TEST = 5000
DESCRIPTION = (
    "the original dSprites .npz, if you have it: 737,280 binary 64×64 images, 5 known factors"
)
MAX_IMAGE_BYTES = 4 * 1024**3  # the real ``imgs`` member is 3.0 GB uncompressed
MAX_LATENTS_BYTES = 256 * 1024**2
_CHUNK_ROWS = 8192


def find_dsprites(data_dir: str | os.PathLike | None = None) -> Path:
    """The dSprites ``.npz`` from ``data_dir``, ``$VAE_LAB_DATA`` or the cache."""
    folders = candidate_dirs("dsprites", data_dir)
    for folder in folders:
        if (folder / FILE_NAME).is_file():
            return folder / FILE_NAME
    raise DataError(
        f"dsprites needs the file {FILE_NAME} (from {SOURCE_URL}) in one of "
        f"{', '.join(str(f) for f in folders)}; put it there, pass data_dir, or use the "
        "built-in shapes data set, which draws the same grid."
    )


class PackedImageSplit:
    """Binary images kept 8 pixels to a byte, unpacked to float32 per batch."""

    def __init__(
        self, bits: np.ndarray, width: int, factors: torch.Tensor, image_size: int | None = None
    ) -> None:
        self.bits, self.width, self.factors, self.image_size = bits, width, factors, image_size

    def __len__(self) -> int:
        return self.bits.shape[0]

    def get(self, idx: torch.Tensor) -> Batch:
        idx = torch.as_tensor(idx, dtype=torch.int64)
        pixels = np.unpackbits(self.bits[idx.numpy()], axis=-1, count=self.width)
        x = torch.from_numpy(pixels).unsqueeze(1).to(torch.float32)
        if self.image_size is not None:
            x = resize_images(x, self.image_size)
        factors = self.factors[idx]
        return Batch(x, factors[:, 0].clone(), factors)


class DSpritesGroundTruth:
    """dSprites' factors, observed by looking up the image that has those codes."""

    def __init__(self, split: PackedImageSplit, factor_sizes: list[int], table: np.ndarray) -> None:
        self.factor_names = list(FACTOR_NAMES)
        self.factor_sizes = list(factor_sizes)
        self._split, self._table = split, table
        self._strides = np.array(
            [math.prod(factor_sizes[i + 1 :]) for i in range(len(factor_sizes))]
        )

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.factor_sizes, size=(n, len(self.factor_sizes)), dtype=np.int64)

    def observe(self, factors: np.ndarray) -> torch.Tensor:
        factors = np.asarray(factors, dtype=np.int64).reshape(-1, len(self.factor_sizes))
        if ((factors < 0) | (factors >= self.factor_sizes)).any():
            raise DataError(f"dsprites factor codes must be integers below {self.factor_sizes}.")
        return self._split.get(torch.from_numpy(self._table[factors @ self._strides])).x


def _member(archive: zipfile.ZipFile, key: str, path: Path, limit: int) -> zipfile.ZipInfo:
    try:
        info = archive.getinfo(f"{key}.npy")
    except KeyError:
        raise DataError(
            f"{path} has no '{key}' array; expected the dSprites file with 'imgs' and 'latents_classes'."
        ) from None
    if info.file_size > limit:
        raise DataError(
            f"{path} declares a '{key}' of {info.file_size} bytes, more than dSprites' own."
        )
    return info


def _read_packed_images(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path
) -> tuple[np.ndarray, int]:
    """``imgs`` read chunk by chunk from the archive and packed to bits, and the image width."""
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran_order, dtype = read_header(f)
        if len(shape) != 3 or fortran_order or dtype not in (np.dtype(np.uint8), np.dtype(bool)):
            raise DataError(
                f"{path} has 'imgs' of shape {shape} and type {dtype}; "
                "expected (n, height, width) bytes of 0 and 1 as in dSprites."
            )
        n, height, width = shape
        row_bytes = height * width
        chunks = []
        for start in range(0, n, _CHUNK_ROWS):
            rows = min(_CHUNK_ROWS, n - start)
            data = f.read(rows * row_bytes)
            if len(data) < rows * row_bytes:
                raise DataError(
                    f"{path} is truncated inside 'imgs'; expected the whole dSprites file."
                )
            chunk = np.frombuffer(data, dtype=np.uint8).reshape(rows, height, width)
            chunks.append(np.packbits(chunk > 0, axis=-1))
    bits = np.concatenate(chunks) if chunks else np.zeros((0, height, (width + 7) // 8), np.uint8)
    return bits, width


def _grid(codes: np.ndarray, path: Path) -> tuple[list[int], np.ndarray]:
    """Factor sizes and the table from a flat factor index to the row holding it."""
    sizes = [int(c) + 1 for c in codes.max(axis=0)]
    strides = np.array([math.prod(sizes[i + 1 :]) for i in range(len(sizes))])
    table = np.full(math.prod(sizes), -1, dtype=np.int64)
    table[codes @ strides] = np.arange(len(codes))
    if len(codes) != len(table) or (table < 0).any():
        raise DataError(
            f"{path} does not hold every combination of its factor codes exactly once; "
            "expected the full dSprites grid."
        )
    return sizes, table


def load_dsprites(
    path: str | os.PathLike | None = None,
    *,
    image_size: int | None = None,
    data_dir: str | None = None,
    seed: int = 0,
) -> Dataset:
    """dSprites from ``path`` or the usual folders; ``seed`` picks the 5,000-image test sample."""
    size = check_image_size(image_size, "dsprites")
    path = find_dsprites(data_dir) if path is None else Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            imgs_info = _member(archive, "imgs", path, MAX_IMAGE_BYTES)
            _member(archive, "latents_classes", path, MAX_LATENTS_BYTES)
            with np.load(path, allow_pickle=False) as npz:
                latents = npz["latents_classes"]
            bits, width = _read_packed_images(archive, imgs_info, path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DataError(
            f"{path} cannot be read as the dSprites .npz ({exc}); expected {FILE_NAME} from {SOURCE_URL}."
        ) from None
    if latents.ndim != 2 or latents.shape != (len(bits), 6) or latents.dtype.kind not in "iu":
        raise DataError(
            f"{path} has 'latents_classes' of shape {latents.shape}; expected integer codes "
            f"of shape ({len(bits)}, 6), colour first."
        )
    # Colour has a single value in dSprites: it is no factor of variation.
    codes = latents[:, 1:].astype(np.int64)
    if len(codes) < 10 or codes.min() < 0:
        raise DataError(
            f"{path} holds {len(codes)} images with codes from {codes.min()}; expected dSprites."
        )
    sizes, table = _grid(codes, path)

    factors = torch.from_numpy(codes)
    train = PackedImageSplit(bits, width, factors, size)
    # As for shapes, the test images are a fixed sample of the whole grid.
    rng = np.random.default_rng(seed)
    n_test = min(N_TEST, len(codes) // 5)
    # Read in file order (fast), then shuffle: "the first n test examples" must be a fair sample.
    test_batch = train.get(torch.from_numpy(np.sort(rng.choice(len(codes), n_test, replace=False))))
    shuffle = torch.from_numpy(rng.permutation(n_test))
    test_batch = type(test_batch)(
        *(
            None if t is None else t[shuffle]
            for t in (test_batch.x, test_batch.y, test_batch.factors)
        )
    )
    test = TensorSplit(test_batch.x, test_batch.y, test_batch.factors)
    logger.info("dsprites: %d images of %s from %s", len(train), tuple(test.x.shape[1:]), path)
    return Dataset.binary_images(
        "dsprites",
        train,
        test,
        "conv",
        class_names=list(SHAPE_NAMES) if sizes[0] == 3 else [f"shape {i}" for i in range(sizes[0])],
        factor_names=list(FACTOR_NAMES),
        factor_sizes=sizes,
        ground_truth=DSpritesGroundTruth(train, sizes, table),
        description=DESCRIPTION,
        defaults=dict(DSPRITES_DEFAULTS),
    )


ENTRIES = (
    Entry("dsprites", DESCRIPTION, DSPRITES_DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0: load_dsprites(
              image_size=image_size, data_dir=data_dir, seed=seed)),
)  # fmt: skip
