"""A disk cache of arrays per (model, data, parameters), so costly results survive restarts.

Entries live in the model's own folder (``<model>/cache/<key>.npz``), so a
bundled model ships its precomputed latent maps and a deleted run takes its
cache with it. The key hashes the model's weights file (not its path), the
name of the computation and its parameters; arrays are stored with
``np.savez`` and read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vae.io import atomic_write_bytes
from vae.model import WEIGHTS_FILE

log = logging.getLogger(__name__)

CACHE_DIR = "cache"
_fingerprints: dict[tuple[str, float, int], str] = {}


def model_fingerprint(model_dir: Path) -> str:
    """sha256 of the weights file (memoised per path, mtime and size)."""
    weights = Path(model_dir) / WEIGHTS_FILE
    stat = weights.stat()
    key = (str(weights), stat.st_mtime, stat.st_size)
    if key not in _fingerprints:
        _fingerprints[key] = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
    return _fingerprints[key]


def cache_key(model_dir: Path, what: str, params: dict[str, Any]) -> str:
    blob = json.dumps(
        {"model": model_fingerprint(model_dir), "what": what, "params": params}, sort_keys=True
    )
    return f"{what}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def load_arrays(model_dir: Path, what: str, params: dict[str, Any]) -> dict[str, np.ndarray] | None:
    path = Path(model_dir) / CACHE_DIR / f"{cache_key(model_dir, what, params)}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable cache entry %s (%s)", path, exc)
        return None


def save_arrays(
    model_dir: Path, what: str, params: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    path = Path(model_dir) / CACHE_DIR / f"{cache_key(model_dir, what, params)}.npz"
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:  # a read-only install still works, only slower
        log.warning("could not write cache entry %s (%s)", path, exc)


def cached_arrays(
    model_dir: Path, what: str, params: dict[str, Any], compute: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Arrays from the disk cache, or computed, stored and returned."""
    found = load_arrays(model_dir, what, params)
    if found is not None:
        return found
    arrays = compute()
    save_arrays(model_dir, what, params, arrays)
    return arrays
