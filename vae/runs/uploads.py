"""Data files a person uploads in the app: checked first, kept only when they load.

An upload is loaded from a private temporary copy; only a file that loads as a
data set is kept under the runs folder (``runs/_uploads/<content hash>-<name>``),
so a rejected upload leaves nothing behind. The kept name is derived from the
content, so the same file uploaded twice is stored once. Kept uploads live under a
quota (``UPLOAD_QUOTA_BYTES``): storing one removes the least recently stored
uploads that no run was trained on until the folder fits.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from vae.errors import DataError
from vae.io import atomic_write_bytes
from vae.runs.store import runs_root

if TYPE_CHECKING:
    from vae.data import Dataset

UPLOAD_DIR = "_uploads"
UPLOAD_QUOTA_BYTES = 1024**3  # all kept uploads together


def upload_name(filename: str, data: bytes) -> str:
    """A plain file name for an upload: its content hash, then its own name made safe."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).name)[-80:].lstrip(".") or "data"
    return f"{digest}-{safe}"


def check_upload(filename: str, data: bytes, image_size: int | None = None) -> Dataset:
    """Load an upload from a private temporary copy; bad data raises DataError, writes nothing."""
    from vae.data import load_dataset  # torch: the Train page imports this module without it

    with tempfile.TemporaryDirectory(prefix="vae-lab-upload-") as tmp:
        path = Path(tmp) / upload_name(filename, data)
        path.write_bytes(data)
        try:
            return load_dataset(str(path), image_size=image_size)
        except DataError as exc:  # name the file as the person knows it, not the copy
            raise DataError(str(exc).replace(str(path), Path(filename).name)) from None


def store_upload(filename: str, data: bytes, root: Path | None = None) -> Path:
    """Keep an upload under the runs folder once it has loaded, and return where it is."""
    check_upload(filename, data)
    root = runs_root() if root is None else Path(root)
    path = (root / UPLOAD_DIR / upload_name(filename, data)).resolve()
    if not path.exists():
        atomic_write_bytes(path, data)
    else:
        path.touch()  # recently used: the last to go
    prune_uploads(root, keep=path)
    return path


def _in_use(root: Path) -> set[Path]:
    """The uploads some run was (or is to be) trained on: named by its config or launch file."""
    used = set()
    for folder in root.iterdir() if root.is_dir() else ():
        for name, keys in (
            ("config.json", ("train", "dataset")),
            ("launch.json", ("settings", "dataset")),
        ):
            try:
                value = json.loads((folder / name).read_text())
                for key in keys:
                    value = value[key]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if isinstance(value, str) and UPLOAD_DIR in value:
                used.add(Path(value).resolve())
    return used


def prune_uploads(root: Path, keep: Path | None = None) -> list[Path]:
    """Remove the oldest uploads no run uses until all fit in ``UPLOAD_QUOTA_BYTES``; returns
    what was removed."""
    folder = Path(root) / UPLOAD_DIR
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in files)
    used = _in_use(Path(root))
    removed = []
    for path in files:
        if total <= UPLOAD_QUOTA_BYTES:
            break
        if path.resolve() == keep or path.resolve() in used:
            continue
        total -= path.stat().st_size
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
