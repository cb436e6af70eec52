"""Writing files so that a process killed at any moment leaves the last good copy readable."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: str | Path, data: bytes, *, parents: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename.

    ``parents=False`` refuses to create a missing folder (``FileNotFoundError``):
    the run store writes so, so that a run folder deleted while training stays deleted.
    A process killed here leaves a ``.NAME.*.tmp`` file; see :func:`remove_stray_temp_files`.
    """
    path = Path(path)
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        # mkstemp makes the file private (0600); give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str, *, parents: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), parents=parents)


def atomic_write_json(path: str | Path, obj: Any, *, parents: bool = True) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n", parents=parents)


# A writer alive finishes its temporary file in milliseconds; one older than this was left by
# a writer that was killed.
STRAY_AFTER_S = 60.0


def remove_stray_temp_files(folder: str | Path, older_than: float = STRAY_AFTER_S) -> list[Path]:
    """Delete what writers killed mid-write left in ``folder``: its ``.*.tmp`` files older
    than ``older_than`` seconds.

    A younger one may be another process's write in progress: a training run started on a
    warm supervisor cleaned its folder while the server was writing the run's status there,
    and the server's rename failed (an exception on the Train page, in a 20-tab load run).
    """
    removed = []
    now = time.time()
    for tmp in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        try:
            if now - tmp.stat().st_mtime < older_than:
                continue
            tmp.unlink()
        except OSError:
            continue
        removed.append(tmp)
    return removed
