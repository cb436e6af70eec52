"""A disk cache of arrays per (model, data, parameters), so costly results survive restarts.

Entries of a user's run live in the run's own folder (``<run>/cache/<key>.npz``),
so a deleted run takes its cache with it. A bundled model ships the entries
``assets/build_models.py`` precomputed in its folder; what the app computes
later for it goes to ``$XDG_CACHE_HOME/vae-lab/models/<weights hash>/``, so the
installed repository is never written to (set ``VAE_LAB_SHIP_CACHE=1`` to write
into the bundle, as the build script does). The key hashes the model's weights
file (not its path), the data set and its split version, the name of the
computation and its parameters; arrays are stored with ``np.savez`` and read back
with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vae.runs.catalog import ASSETS
from vae.data.common import cache_dir
from vae.errors import CheckpointError
from vae.io import atomic_write_bytes
from vae.runs.store import CACHE_DIR, WEIGHTS_FILE, RunDir

log = logging.getLogger(__name__)


def model_fingerprint(model_dir: Path) -> str:
    """The weights' fingerprint (``RunDir.fingerprint``); a folder without weights is refused."""
    found = RunDir(model_dir).fingerprint()
    if found is None:
        raise CheckpointError(
            f"{model_dir} has no {WEIGHTS_FILE} (deleted, or not trained yet); "
            "expected a trained run or model folder."
        )
    return found


def cache_key(model_dir: Path, what: str, params: dict[str, Any]) -> str:
    blob = json.dumps(
        {"model": model_fingerprint(model_dir), "what": what, "params": params}, sort_keys=True
    )
    return f"{what}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def _is_bundled(model_dir: Path) -> bool:
    return Path(model_dir).resolve().is_relative_to(ASSETS.resolve())


def _folders(model_dir: Path) -> list[Path]:
    """Where entries are looked for, the one written to first."""
    own = Path(model_dir) / CACHE_DIR
    if _is_bundled(model_dir) and os.environ.get("VAE_LAB_SHIP_CACHE") != "1":
        return [cache_dir("models") / model_fingerprint(model_dir), own]
    return [own]


def write_folder(model_dir: Path) -> Path:
    """The folder a model's new cache files go to (never a bundled model's own folder)."""
    return _folders(model_dir)[0]


def load_arrays(model_dir: Path, what: str, params: dict[str, Any]) -> dict[str, np.ndarray] | None:
    name = f"{cache_key(model_dir, what, params)}.npz"
    found = [folder / name for folder in _folders(model_dir) if (folder / name).is_file()]
    if not found:
        return None
    path = found[0]
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable cache entry %s (%s)", path, exc)
        return None


def save_arrays(
    model_dir: Path, what: str, params: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    folder = _folders(model_dir)[0]
    path = folder / f"{cache_key(model_dir, what, params)}.npz"
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    try:
        # A run's own cache/ is made inside the run folder only while that folder exists.
        own = folder == Path(model_dir) / CACHE_DIR
        folder.mkdir(parents=not own, exist_ok=True)
        atomic_write_bytes(path, buffer.getvalue(), parents=False)
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
