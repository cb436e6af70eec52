"""Data sets by name or path: ``load_dataset("digits")``, ``load_dataset("my_images.zip")``.

Built-in names are the registry's (``vae.data.registry``: one line per module,
each module's ``ENTRIES`` beside its loader); anything else is taken as a path to
the user's own data (``.npz``, ``.npy``, ``.csv``, a ``.zip`` or folder
of images, or the original dSprites ``.npz``). Each module here loads one kind;
this one only chooses. scikit-learn and PIL are imported only when a loader
needs them, so importing ``vae.data`` stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

import torch

from vae.data import registry
from vae.data.base import Batch, Dataset, GroundTruth, Split, TensorSplit
from vae.errors import DataError

# Bumped whenever a built-in data set's splits or their order change, so that results
# cached for "the first n test examples" (vae.runs.cache) are recomputed.
SPLIT_VERSION = 2

__all__ = [
    "SPLIT_VERSION",
    "BUILTIN_DATASETS",
    "BUILTIN_DEFAULTS",
    "Batch",
    "Dataset",
    "GroundTruth",
    "Split",
    "TensorSplit",
    "image_to_tensor",
    "load_dataset",
]

# Name -> description, and name -> the settings it overrides (settings-table rows marked
# dataset_default), for every built-in data set: both read off the registry.
BUILTIN_DATASETS: dict[str, str] = {n: e.description for n, e in registry.entries().items()}
BUILTIN_DEFAULTS: dict[str, dict[str, Any]] = {
    n: dict(e.defaults) for n, e in registry.entries().items()
}

FILE_KINDS = (
    ".npz (x, optional y), .npy, .csv, .txt (one example per line), a .zip or folder of images "
    "or of .wav sounds"
)


def load_dataset(
    name_or_path: str,
    *,
    image_size: int | None = None,
    data_dir: str | None = None,
    seed: int = 0,
    tokens: str | None = None,
) -> Dataset:
    """A data set by built-in name or path, with a fixed train/test split.

    ``image_size`` renders ``shapes`` at that size and resizes other images to
    image_size × image_size; ``data_dir`` is where ``mnist``, ``fashion-mnist``
    and ``dsprites`` files are looked for first; ``seed`` fixes the split (and
    the points of the 2-D data sets): the same name and seed always give the
    same data. ``tokens`` (word or char) tokenises a ``.txt`` file. Bad input raises ``DataError`` with one sentence saying why.
    """
    if not isinstance(name_or_path, str | os.PathLike) or not str(name_or_path).strip():
        raise DataError(
            f"The data set {name_or_path!r} is neither a name nor a path; expected one of "
            f"{', '.join(BUILTIN_DATASETS)} or a path to {FILE_KINDS}."
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"The data seed must be a non-negative integer, got {seed!r}.")
    key = str(name_or_path).strip().lower().replace("_", "-")
    if key in BUILTIN_DATASETS:
        return _load_builtin(key, image_size=image_size, data_dir=data_dir, seed=seed)
    return _load_path(Path(name_or_path).expanduser(), image_size=image_size, seed=seed,
                      tokens=tokens)  # fmt: skip


def _load_builtin(name: str, *, image_size: int | None, data_dir: str | None, seed: int) -> Dataset:
    return registry.get(name).load(image_size=image_size, data_dir=data_dir, seed=seed)


def _load_path(path: Path, *, image_size: int | None, seed: int, tokens: str | None) -> Dataset:
    if path.is_dir():
        from vae.data import sounds
        from vae.data.images import load_image_folder

        names = [PurePosixPath(p.relative_to(path).as_posix()) for p in path.rglob("*.*")]
        if sounds.is_sounds(names[: sounds.MAX_CLIPS * 2]):
            return sounds.load_sound_folder(path, seed=seed)
        return load_image_folder(path, image_size=image_size, seed=seed)
    suffix = path.suffix.lower()
    if not path.exists():
        if suffix or os.sep in str(path) or "/" in str(path):
            raise DataError(f"{path} does not exist; expected a path to {FILE_KINDS}.")
        raise DataError(
            f"{str(path)!r} is not a built-in data set ({', '.join(BUILTIN_DATASETS)}) "
            f"nor an existing path to {FILE_KINDS}."
        )
    if suffix == ".npz" and path.name.lower().startswith("dsprites"):
        from vae.data.dsprites import load_dsprites

        return load_dsprites(path, image_size=image_size, seed=seed)
    if suffix in (".npz", ".npy"):
        from vae.data.files import load_npy, load_npz

        loader = load_npz if suffix == ".npz" else load_npy
        return loader(path, image_size=image_size, seed=seed)
    if suffix in (".csv", ".tsv"):
        from vae.data.files import load_csv

        return load_csv(path, seed=seed)
    if suffix == ".txt":
        from vae.data.text import load_text_file

        return load_text_file(path, tokens=tokens, seed=seed)
    if suffix == ".zip":
        from vae.data import sounds
        from vae.data.images import load_image_zip

        if sounds.is_sounds(_zip_names(path)):
            return sounds.load_sound_zip(path, seed=seed)
        return load_image_zip(path, image_size=image_size, seed=seed)
    raise DataError(
        f"{path} has the extension {suffix or '(none)'!r}, which is not a data format this reads; "
        f"expected {FILE_KINDS}, or a built-in name ({', '.join(BUILTIN_DATASETS)})."
    )


MAX_LISTED = 200_000  # zip members looked at to tell sounds from images


def _zip_names(path: Path) -> list[PurePosixPath]:
    """The member names of a zip (none where it cannot be read: the loader says why)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return [PurePosixPath(n) for n in archive.namelist()[:MAX_LISTED]]
    except (zipfile.BadZipFile, OSError):
        return []


def image_to_tensor(file_or_bytes: Any, input_shape: tuple[int, ...]) -> torch.Tensor:
    """One PNG/JPEG/BMP/GIF (bytes, path or uploaded file) as float32 (C, H, W) in [0, 1].

    Converted to the model's channel count and resized to its H × W; see
    ``vae.data.images.image_to_tensor``. An unreadable image raises ``DataError``.
    """
    from vae.data.images import image_to_tensor as convert

    return convert(file_or_bytes, input_shape)
