"""How many CPU threads torch uses: the one place that decides.

On 2 cores shared with other work, torch's default (one OpenMP thread per core)
is the slowest choice there is: a thread that finds its core busy makes every
parallel region wait for it, so small operations take 10–100× longer (one
64×64 decode: 124 ms on 2 threads under a load of 5, 0.8 ms on one thread).

- The web server decodes a handful of images per request while a training run
  may be busy beside it: one thread (``interactive_threads``).
- A training process uses every core (``training_threads``), divided among
  torchrun's processes. The count is fixed, not guessed from the load, because
  it changes the order of floating-point sums and a run must be reproducible
  for its seed. Trainings started from the app get one thread (the launcher
  sets ``VAE_LAB_THREADS=1``), so they leave a core to the server.

``VAE_LAB_THREADS`` overrides both; ``OMP_NUM_THREADS`` set by the user is respected.
"""

from __future__ import annotations

import logging
import os

import torch

log = logging.getLogger(__name__)


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _override() -> int | None:
    for name in ("VAE_LAB_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def training_threads() -> int:
    """Threads for a training run: every core, unless overridden."""
    override = _override()
    return cores() if override is None else override


def interactive_threads() -> int:
    """Threads for the web server: one, unless overridden."""
    override = _override()
    return 1 if override is None else override


def use(n: int) -> int:
    """Set torch's intra-op thread count to ``n`` (process-wide) and return it."""
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
        log.info("torch uses %d thread(s)", n)
    return n
