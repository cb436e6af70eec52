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
  measurably faster than one at the start and no other process holds one of
  them (:func:`probe`, a third of a second), otherwise one. The choice changes
  the order of floating-point sums, so a training run records it in its
  ``config.json`` (``threads``) and
  ``--resume`` uses the recorded count, which keeps a resumed run bit-exact;
  ``VAE_LAB_THREADS=<that count>`` reproduces a run for its seed.
  Trainings started from the app get one thread (the launcher sets
  ``VAE_LAB_THREADS=1``), so they leave a core to the server.
- The large map's UMAP (``vae.maps.umap_fast``) takes ``umap_threads``, the same
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
# Each count runs this long untimed before its timed ops (see probe), then this many timed.
PROBE_SETTLE_S = 0.02
PROBE_TIMED = 3
PROBE_REUSE_S = 60.0  # a probe's answer holds this long in one process (an estimator's grid)
# Other processes using this many of our cores during the probe hold one: one thread.
OTHERS_BUSY_CORES = 0.5

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


def _cpus_busy_s() -> float | None:
    """CPU seconds this process's cores have been busy since boot (Linux), None elsewhere.

    Busy is everything but idle and I/O wait, steal included: a core the hypervisor
    lends elsewhere is held as surely as one another process runs on.
    """
    try:
        mine = os.sched_getaffinity(0)
        ticks = os.sysconf("SC_CLK_TCK")
        busy = 0
        with open("/proc/stat") as stat:
            for line in stat:
                name, *values = line.split()
                if name[:3] == "cpu" and name[3:].isdigit() and int(name[3:]) in mine:
                    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, values[:8])
                    busy += user + nice + system + irq + softirq + steal
        return busy / ticks
    except (AttributeError, OSError, ValueError):
        return None


def probe(
    n: int,
    rounds: int = PROBE_ROUNDS,
    budget_s: float = PROBE_BUDGET_S,
    settle_s: float = PROBE_SETTLE_S,
) -> dict[str, float]:
    """Seconds per probe op on 1 thread and on ``n``, measured in alternating rounds (medians).

    Alternating rounds see the same load; the median drops an op the scheduler
    spoiled. About 1.5-4 ms per op on a quiet core; rounds stop after ``budget_s``.

    Each count runs ``settle_s`` of untimed ops before its :data:`PROBE_TIMED`
    timed ones: OpenMP's worker threads slept while one thread ran, and a thread
    that wakes from a sleep may take a busy core from the process holding it for
    a few milliseconds, so an op timed right after the switch hides the cliff. With
    one core busy, 5 of 31 probes timing that op chose all cores (their ratio
    one/all up to 3.0, where a steady run is 0.3); 0 of 32 after 10-20 ms of
    settling (ratios 0.26-0.54), which chose all cores in 31 of 32 quiet probes.

    ``others``: the cores' worth of CPU time other processes (and the hypervisor)
    took from this process's cores while it ran, from ``/proc/stat`` less this
    process's own CPU time (0 where ``/proc/stat`` is missing). Over 32 probes:
    0.65-0.93 with one core busy, -0.06-0.15 quiet.
    """
    (op,) = _probe_op()
    before = torch.get_num_threads()
    times: dict[int, list[float]] = {1: [], n: []}
    try:
        for count in (1, n):  # warm-up: oneDNN builds its kernels for each thread count
            torch.set_num_threads(count)
            op()
        busy_before, own_before = _cpus_busy_s(), time.process_time()
        began = time.perf_counter()
        for _ in range(rounds):
            for count in (1, n):
                torch.set_num_threads(count)
                settled = time.perf_counter() + settle_s
                while time.perf_counter() < settled:
                    op()
                for _ in range(PROBE_TIMED):
                    start = time.perf_counter()
                    op()
                    times[count].append(time.perf_counter() - start)
            if time.perf_counter() - began > budget_s:
                break
        wall, busy_after = time.perf_counter() - began, _cpus_busy_s()
        own = time.process_time() - own_before
    finally:
        torch.set_num_threads(before)
    others = 0.0
    if busy_before is not None and busy_after is not None and wall > 0:
        others = (busy_after - busy_before - own) / wall
    return {
        "one": statistics.median(times[1]),
        "all": statistics.median(times[n]),
        "others": others,
    }


def choose(n: int, timings: dict[str, float]) -> int:
    """``n`` threads where they are clearly faster than one (``CLEARLY_FASTER``), else 1.

    One thread also where other processes held :data:`OTHERS_BUSY_CORES` of a core
    or more during the probe (``timings["others"]``): the timing alone sometimes
    misses a held core, and two threads there run at a third of one's speed.
    """
    if timings.get("others", 0.0) >= OTHERS_BUSY_CORES:
        return 1
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
        "threads: %d (probe: %.2f ms on 1 thread, %.2f ms on %d; others held %.2f cores)",
        chosen, timings["one"] * 1e3, timings["all"] * 1e3, n, timings.get("others", 0.0),
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
