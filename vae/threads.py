"""How many CPU threads torch uses: the one place that decides.

On 2 cores shared with other work, torch's default (one OpenMP thread per core)
can be the slowest choice there is: every parallel region ends at a barrier, so
when one thread's core is held by another process the whole step waits for the
scheduler to hand that core back (measured in ``benchmarks/thread_cliff.py``:
a conv training step 3–10× slower on 2 threads than on 1 with one core busy).

- The web server decodes a handful of images per request while a training run
  may be busy beside it: one thread (``interactive_threads``).
- A training run, ``python -m vae evaluate``, the scikit-learn estimator and
  ``python -m vae bench`` take ``training_threads``: every core when they are
  measurably faster than one at the start (:func:`probe`, a fraction of a
  second), otherwise one. The choice changes the order of floating-point sums,
  so a training run records it in its ``config.json`` (``threads``) and
  ``--resume`` uses the recorded count, which keeps a resumed run bit-exact;
  ``VAE_LAB_THREADS=<that count>`` reproduces a run for its seed.
  Trainings started from the app get one thread (the launcher sets
  ``VAE_LAB_THREADS=1``), so they leave a core to the server.
- The large map's UMAP (``vae.umap_fast``) takes ``umap_threads``, the same
  measured choice: its parallel parts are numba kernels on numba's OpenMP layer
  (the same GNU OpenMP barriers as torch's), the k-d tree's queries and, for
  codes of many dimensions, torch's matrix products.

``VAE_LAB_THREADS`` overrides them all; ``OMP_NUM_THREADS`` set by the user is respected.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch.nn import functional as F

log = logging.getLogger(__name__)

# All cores must beat one thread by this factor to be chosen: one thread never
# collapses, so a near tie goes to it.
CLEARLY_FASTER = 1.15
PROBE_ROUNDS = 7
PROBE_BUDGET_S = 0.3  # rounds stop here (after the first): a busy machine answers soon enough
PROBE_REUSE_S = 60.0  # a probe's answer holds this long in one process (an estimator's grid)

_last_probe: tuple[float, int, int] | None = None  # (when, cores, chosen)


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


def overridden() -> bool:
    """Whether the environment fixes the thread count (``VAE_LAB_THREADS``, ``OMP_NUM_THREADS``)."""
    return _override() is not None


def _probe_op() -> tuple[object, ...]:
    """A few milliseconds of what training does: a conv layer and an MLP layer, both ways."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(16, 32, 16, 16, generator=g)
    w = torch.randn(32, 32, 4, 4, generator=g, requires_grad=True)
    a = torch.rand(64, 512, generator=g)
    b = torch.randn(512, 512, generator=g, requires_grad=True)

    def op() -> None:
        loss = F.conv2d(x, w, stride=2, padding=1).relu().sum() + (a @ b).relu().sum()
        loss.backward()

    return (op,)


def probe(n: int, rounds: int = PROBE_ROUNDS, budget_s: float = PROBE_BUDGET_S) -> dict[str, float]:
    """Seconds per probe op on 1 thread and on ``n``, measured in alternating rounds (medians).

    Alternating rounds see the same load; the median drops a round the scheduler
    spoiled. About 1.5 ms per op on a quiet core; rounds stop after ``budget_s``.
    """
    (op,) = _probe_op()
    before = torch.get_num_threads()
    times: dict[int, list[float]] = {1: [], n: []}
    try:
        for count in (1, n):  # warm-up: oneDNN builds its kernels for each thread count
            torch.set_num_threads(count)
            op()
        began = time.perf_counter()
        for _ in range(rounds):
            for count in (1, n):
                torch.set_num_threads(count)
                start = time.perf_counter()
                op()
                times[count].append(time.perf_counter() - start)
            if time.perf_counter() - began > budget_s:
                break
    finally:
        torch.set_num_threads(before)
    return {"one": statistics.median(times[1]), "all": statistics.median(times[n])}


def choose(n: int, timings: dict[str, float]) -> int:
    """``n`` threads where they are clearly faster than one (``CLEARLY_FASTER``), else 1."""
    return n if timings["one"] >= CLEARLY_FASTER * timings["all"] else 1


def training_threads() -> int:
    """Threads for a training run or an evaluation: an override, else a measured choice.

    Every core when :func:`probe` finds them clearly faster than one thread now,
    otherwise one: on a machine where another process holds a core, two threads
    run many times slower than one.
    """
    global _last_probe
    override = _override()
    if override is not None:
        return override
    n = cores()
    if n == 1:
        return 1
    now = time.monotonic()
    if _last_probe is not None and _last_probe[1] == n and now - _last_probe[0] < PROBE_REUSE_S:
        return _last_probe[2]
    timings = probe(n)
    chosen = choose(n, timings)
    _last_probe = (time.monotonic(), n, chosen)
    log.info(
        "threads: %d (probe: %.2f ms on 1 thread, %.2f ms on %d)",
        chosen, timings["one"] * 1e3, timings["all"] * 1e3, n,
    )  # fmt: skip
    return chosen


def forget_probe() -> None:
    """Make the next :func:`training_threads` measure again (the load changed: a benchmark)."""
    global _last_probe
    _last_probe = None


def umap_threads() -> int:
    """Threads for the large map's UMAP: :func:`training_threads`'s measured choice.

    The same probe answers for it: numba's parallel kernels run on GNU OpenMP as
    torch does, and so wait at the same barriers when a core is held.
    """
    return training_threads()


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


@contextmanager
def using(n: int) -> Iterator[int]:
    """Torch on ``n`` threads inside the block, the count before it after."""
    before = torch.get_num_threads()
    use(n)
    try:
        yield n
    finally:
        use(before)
