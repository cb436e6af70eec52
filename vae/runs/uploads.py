"""Data files a person uploads in the app: checked first, kept only when they load.

An upload is loaded from a private temporary copy; only a file that loads as a
data set is kept under the runs folder (``runs/_uploads/<content hash>-<name>``),
so a rejected upload leaves nothing behind. The kept name is derived from the
content, so the same file uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

from vae.data import Dataset, load_dataset
from vae.errors import DataError
from vae.io import atomic_write_bytes
from vae.runs.store import runs_root

UPLOAD_DIR = "_uploads"


def upload_name(filename: str, data: bytes) -> str:
    """A plain file name for an upload: its content hash, then its own name made safe."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).name)[-80:].lstrip(".") or "data"
    return f"{digest}-{safe}"


def check_upload(filename: str, data: bytes, image_size: int | None = None) -> Dataset:
    """Load an upload from a private temporary copy; bad data raises DataError, writes nothing."""
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
    return path
