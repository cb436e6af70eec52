"""A person's own arrays in a file: ``.npz`` (``x``, optional ``y``), ``.npy`` or ``.csv``.

Nothing here unpickles: ``.npz`` and ``.npy`` are read with
``allow_pickle=False``, so an object array is refused instead of run. A
``.npz`` is a zip archive, so its declared sizes are checked before anything
is decompressed.
"""

from __future__ import annotations

import csv
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from vae.data.arrays import dataset_from_arrays
from vae.data.base import Dataset
from vae.data.common import MAX_UNCOMPRESSED_BYTES, MAX_VALUES, check_file_size, human_bytes
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


def npy_header(handle: Any, source: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an ``.npy`` stream declares, read before anything is allocated; an
    array of more than ``MAX_VALUES`` values is refused here, not by a ``MemoryError``."""
    try:
        version = np.lib.format.read_magic(handle)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)  # fmt: skip
        shape, _, dtype = read(handle)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(
            f"{source} is not a readable .npy array ({exc}); expected {_ACCEPTED}."
        ) from None
    values = int(np.prod(shape, dtype=object))
    if values > MAX_VALUES:
        raise DataError(
            f"{source} declares an array of {values:,} values (shape {tuple(shape)}); up to "
            f"{MAX_VALUES:,} are accepted."
        )
    return tuple(shape), dtype


def load_npy(path: Path, *, image_size: int | None = None, seed: int = 0) -> Dataset:
    """A data set from the single array ``x`` of a ``.npy`` file, without labels."""
    check_file_size(path)
    with open(path, "rb") as handle:
        shape, dtype = npy_header(handle, str(path))
    if not dtype.hasobject and int(np.prod(shape)) * dtype.itemsize > path.stat().st_size:
        raise DataError(
            f"{path} declares {int(np.prod(shape)) * dtype.itemsize:,} bytes of data but holds "
            f"{path.stat().st_size:,}; the file is truncated."
        )
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


# A table is read row by row and each row kept as float64 at once, so memory follows the cells
# (8 bytes each, at most MAX_CSV_CELLS: 128 MiB), not the text: a long cell, a wide row or a
# large file is refused in one sentence before it is held.
MAX_CSV_BYTES = 256 * 1024**2
MAX_CSV_CELLS = 16 * 1024**2
MAX_CELL_CHARS = 100  # a number never needs more; a label neither


def load_csv(path: Path, *, seed: int = 0) -> Dataset:
    """A table of numbers; a column named label, y, class or target holds the labels.

    A first row with any non-numeric cell is the header. Commas, semicolons and
    tabs are recognised as separators.
    """
    check_file_size(path)
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise DataError(
            f"{path} is {human_bytes(size)}; .csv files up to {human_bytes(MAX_CSV_BYTES)} are "
            "accepted."
        )
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline(64 * 1024)
            handle.seek(0)
            delimiter = max(",;\t", key=first.count)
            header, x, y = _read_table(csv.reader(handle, delimiter=delimiter), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path} cannot be read as text ({exc}); expected a .csv file of numbers."
        ) from None
    if y is not None and all(_is_number(v) for v in y):
        y = np.array(y, dtype=np.float64)
    elif y is not None:
        y = np.array(y, dtype=str)
    return dataset_from_arrays(x, y, source=str(path), name=path.stem, seed=seed)


def _read_table(reader: Any, path: Path) -> tuple[list[str] | None, np.ndarray, list[str] | None]:
    """(header, features as float64 (rows, columns), labels or None), row by row, bounded."""
    header: list[str] | None = None
    width = label_col = None
    rows: list[np.ndarray] = []
    labels: list[str] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            long = next((c for c in row if len(c) > MAX_CELL_CHARS), None)
            if long is not None:
                raise DataError(
                    f"{path} has a value of {len(long):,} characters on line {line}; values of "
                    f"up to {MAX_CELL_CHARS} characters are accepted."
                )
            if width is None:
                width = len(row)
                if not all(_is_number(cell) for cell in row):
                    header = [cell.strip() for cell in row]
                    matches = [i for i, h in enumerate(header) if h.lower() in LABEL_COLUMNS]
                    label_col = matches[0] if matches else None
                    if width - (label_col is not None) == 0:
                        raise DataError(f"{path} has no feature columns besides its labels; "
                                        "expected columns of numbers.")  # fmt: skip
                    continue
            if len(row) != width:
                raise DataError(
                    f"{path} has {len(row)} values on line {line} but {width} on the first; expected the same number on every line."
                )
            if (len(rows) + 1) * width > MAX_CSV_CELLS:
                raise DataError(
                    f"{path} has more than {MAX_CSV_CELLS:,} values; tables of up to that many "
                    "are accepted."
                )
            if label_col is not None:
                labels.append(row[label_col].strip())
                row = row[:label_col] + row[label_col + 1 :]
            try:
                rows.append(np.array(row, dtype=np.float64))
            except ValueError:
                bad = next(cell for cell in row if not _is_number(cell))
                raise DataError(
                    f"{path} has {bad!r} on line {line}, which is not a number; "
                    "expected numbers in every column except one named label, y, class or target."
                ) from None
    except csv.Error as exc:
        raise DataError(
            f"{path} cannot be read as CSV on line {reader.line_num} ({exc}); expected a .csv "
            f"file of numbers, values of up to {MAX_CELL_CHARS} characters."
        ) from None
    if not rows:
        raise DataError(
            f"{path} is empty; expected a .csv file with one row of numbers per example."
        )
    return header, np.stack(rows), labels if label_col is not None else None
