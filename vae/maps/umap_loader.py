"""The one place umap-learn is imported, with numba's compiled code kept on disk.

numba compiles UMAP once and keeps the machine code in ``NUMBA_CACHE_DIR``, so
later starts skip the ~20 s compile; the folder must be set before numba is
imported, which importing this module does.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def numba_cache_dir() -> Path:
    """numba's disk cache: ``$NUMBA_CACHE_DIR``, set to ``~/.cache/vae-lab/numba`` if unset."""
    default = Path.home() / ".cache" / "vae-lab" / "numba"
    return Path(os.environ.setdefault("NUMBA_CACHE_DIR", str(default)))


# umap-learn's kernels that numba compiles without keeping the result (no ``cache=True``):
# about 4 s on every new process. Caching them makes a later start load machine code.
_UNCACHED_UMAP_KERNELS = (
    ("umap.umap_", "smooth_knn_dist"),
    ("umap.umap_", "compute_membership_strengths"),
    ("umap.distances", "euclidean"),
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"),
)


def import_umap() -> Any:
    """umap-learn (a slow import: numba), with its kernels' compiled code kept on disk."""
    import importlib

    import umap

    for module_name, name in _UNCACHED_UMAP_KERNELS:
        kernel = getattr(importlib.import_module(module_name), name, None)
        if hasattr(kernel, "enable_caching"):
            try:
                kernel.enable_caching()
            except Exception as error:  # a read-only install: compile as umap would
                log.debug("numba cache unavailable for %s: %s", name, error)
    return umap


numba_cache_dir()
