"""Compiling UMAP before anyone asks for it.

The first UMAP after an install compiles umap-learn and pynndescent with numba
(about 20 s on 2 cores); numba keeps the machine code in ``NUMBA_CACHE_DIR``
(``vae.maps.umap_loader.numba_cache_dir``), so later maps take a few seconds. When that cache holds
no UMAP yet, the web server starts one background process at the lowest CPU
priority that draws a small map and leaves a marker: by the time a student has
trained a model and opens its latent map, the compiling is done.

``VAE_LAB_WARMUP=0`` turns this off (the tests do).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from vae.maps.umap_loader import numba_cache_dir
from vae.paths import PROJECT_ROOT

log = logging.getLogger(__name__)

ENV_SWITCH = "VAE_LAB_WARMUP"
CHILD = "from vae.maps.warmup import warm_up; warm_up()"


def marker_path() -> Path:
    """A file in numba's cache folder naming the versions it holds UMAP's code for."""
    versions = "-".join(_version(p) for p in ("umap-learn", "pynndescent", "numba"))
    return numba_cache_dir() / f"vae-lab-umap-warm-{versions}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def is_warm() -> bool:
    return marker_path().is_file()


def warm_up() -> None:
    """Draw one small UMAP (compiling everything a real map needs), then leave the marker."""
    import numpy as np

    from vae.maps import projection

    codes = np.random.default_rng(0).normal(size=(300, 4))
    projection.project(codes, "umap")
    path = marker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("UMAP's numba code for these versions is in this folder.\n")


def start_in_background() -> bool:
    """Start :func:`warm_up` in a low-priority process unless it is switched off or done.

    Returns whether a process was started. Never raises: a failed warm-up only
    means the first map compiles as it would have anyway.
    """
    if os.environ.get(ENV_SWITCH, "1") == "0" or is_warm():
        return False
    try:
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=PROJECT_ROOT,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_lowest_priority if os.name == "posix" else None,
        )
    except OSError as error:
        log.info("could not start the UMAP warm-up: %s", error)
        return False
    log.info("compiling UMAP in the background (first start after an install)")
    return True


def _lowest_priority() -> None:
    os.nice(19)
