"""What every benchmark shares: the machine and its load, percentiles, JSON out."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable


def load_average() -> float:
    """The 1-minute load average: above ~1.5 on 2 cores, other jobs share the CPU."""
    return round(os.getloadavg()[0], 2)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, object]:
    import torch

    return {
        "cpu": cpu_name(),
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_1min": load_average(),
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between order statistics."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def repeat_ms(fn: Callable[[], object], n: int, warmup: int = 20) -> dict[str, float]:
    """Median and p95 of ``n`` timed calls of ``fn``, in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(percentile(times, 95), 3),
    }


def emit(name: str, result: dict[str, object]) -> dict[str, object]:
    """Print one JSON object (the figure and the load it ran under) and keep it in results/."""
    out = {"benchmark": name, "load_1min_after": load_average(), **result}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out))
    return out


def emit_rows(name: str, field: str, rows: list[dict], worst: str, of: str) -> dict[str, object]:
    """:func:`emit` of one row per case under ``field``, with the largest ``of`` as ``worst``."""
    return emit(name, {"machine": machine(), field: rows, worst: max(r[of] for r in rows)})
