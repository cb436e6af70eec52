"""A person's own arrays in a file: ``.npz`` (``x``, optional ``y``), ``.npy`` or ``.csv``.

Nothing here unpickles: ``.npz`` and ``.npy`` are read with
``allow_pickle=False``, so an object array is refused instead of run. A
``.npz`` is a zip archive, so its declared sizes are checked before anything
is decompressed.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path

import numpy as np

from vae.data.arrays import dataset_from_arrays
from vae.data.base import Dataset
from vae.data.common import MAX_UNCOMPRESSED_BYTES, check_file_size, human_bytes
from vae.errors import DataError

logger = logging.getLogger(__name__)

LABEL_COLUMNS = ("label", "labels", "y", "class", "target")
_ACCEPTED = (
    "numeric arrays saved with numpy.savez (object arrays would need pickle, which is never loaded)"
)


def _load_array(npz: np.lib.npyio.NpzFile | None, path: Path, key: str | None) -> np.ndarray:
    try:
        return npz[key] if npz is not None else np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "pickle" in str(exc).lower():
            raise DataError(
                f"{path} holds an object array{f' {key!r}' if key else ''}; expected {_ACCEPTED}."
            ) from None
        raise DataError(f"{path} cannot be read ({exc}); expected {_ACCEPTED}.") from None


def load_npz(path: Path, *, image_size: int | None = None, seed: int = 0) -> Dataset:
    """A data set from ``x`` (and optional labels ``y``) in a ``.npz`` file."""
    check_file_size(path)
    try:
        with zipfile.ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(
            f"{path} is not a readable .npz archive ({exc}); expected {_ACCEPTED}."
        ) from None
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise DataError(
            f"{path} would decompress to {human_bytes(declared)}; "
            f"up to {human_bytes(MAX_UNCOMPRESSED_BYTES)} is accepted."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = set(npz.files)
            if "x" not in keys:
                raise DataError(
                    f"{path} holds the arrays {', '.join(sorted(keys)) or '(none)'}; expected an array 'x' "
                    "and optionally labels 'y'."
                )
            x = _load_array(npz, path, "x")
            y = _load_array(npz, path, "y") if "y" in keys else None
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise DataError(f"{path} cannot be read ({exc}); expected {_ACCEPTED}.") from None
    return dataset_from_arrays(
        x, y, source=str(path), name=path.stem, image_size=image_size, seed=seed
    )


def load_npy(path: Path, *, image_size: int | None = None, seed: int = 0) -> Dataset:
    """A data set from the single array ``x`` of a ``.npy`` file, without labels."""
    check_file_size(path)
    try:
        x = _load_array(None, path, None)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} cannot be read ({exc}); expected {_ACCEPTED}.") from None
    return dataset_from_arrays(
        x, None, source=str(path), name=path.stem, image_size=image_size, seed=seed
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_csv(path: Path, *, seed: int = 0) -> Dataset:
    """A table of numbers; a column named label, y, class or target holds the labels.

    A first row with any non-numeric cell is the header. Commas, semicolons and
    tabs are recognised as separators.
    """
    check_file_size(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path} cannot be read as text ({exc}); expected a .csv file of numbers."
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = [
        row
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        if any(c.strip() for c in row)
    ]
    if not rows:
        raise DataError(
            f"{path} is empty; expected a .csv file with one row of numbers per example."
        )
    header = None
    if not all(_is_number(cell) for cell in rows[0]):
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    width = len(header) if header is not None else len(rows[0]) if rows else 0
    for line, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise DataError(
                f"{path} has {len(row)} values on line {line} but {width} on the first; expected the same number on every line."
            )

    label_col = None
    if header is not None:
        matches = [i for i, h in enumerate(header) if h.lower() in LABEL_COLUMNS]
        label_col = matches[0] if matches else None
    table = np.array(rows, dtype=str).reshape(len(rows), width)
    y = None
    if label_col is not None:
        y = np.char.strip(table[:, label_col])
        if all(_is_number(v) for v in y):
            y = y.astype(np.float64)
        table = np.delete(table, label_col, axis=1)
    if table.shape[1] == 0:
        raise DataError(
            f"{path} has no feature columns besides its labels; expected columns of numbers."
        )
    try:
        x = table.astype(np.float64)
    except ValueError:
        bad = next((r, c) for r, c in np.ndindex(table.shape) if not _is_number(table[r, c]))
        line = bad[0] + (2 if header else 1)
        raise DataError(
            f"{path} has {str(table[bad])!r} on line {line}, which is not a number; "
            "expected numbers in every column except one named label, y, class or target."
        ) from None
    return dataset_from_arrays(x, y, source=str(path), name=path.stem, seed=seed)
