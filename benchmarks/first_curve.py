"""Start → first point of the live curve → finished run, for digits with the Train page's defaults.

``python -m benchmarks.first_curve [--busy] [--cold]`` queues the run exactly as the
Train page's Start button does (``vae.run_queue.submit`` with the form's digits
defaults, ``VAE_LAB_THREADS=1``), then watches the run folder every 20 ms and
reports, in seconds from Start:

- ``cli_started``: the supervisor started and is starting the CLI (``train.log``);
- ``config_written``: the CLI started, torch and the core imported, the data
  loaded, the model built (``config.json`` appears);
- ``first_point``: the first logged step in ``metrics.jsonl`` (the live curve's
  first point; the page shows it at its next poll, ``POLL_SECONDS`` later at most);
- ``first_epoch``: the first epoch record (test ELBO, KL per dimension);
- ``last_epoch`` and ``finished`` (status ``completed``: ``finished − last_epoch``
  is the end-of-run summary, the IWAE log p(x) on the test split);

and, measured separately in fresh processes, ``python_start_s`` (an empty
interpreter) and ``import_s`` (``import vae.training.train``). ``--busy`` keeps one
core busy with a child process throughout. As the Train page does when it is
opened, the benchmark first lets a standby supervisor (``vae.jobs.standby``) import
torch (``standby_ready_s``) and presses Start a second later; ``--cold`` turns
standbys off, so Start pays a fresh supervisor and CLI with their imports. The
browser is left out (``benchmarks/first_curve_browser.py`` has it): it adds the
page's poll interval. Prints one JSON object, kept in
``benchmarks/results/first_curve[_busy][_cold].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import PYTHON, ROOT, emit, load_average, machine


def _fresh(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, check=True)
    return round(time.perf_counter() - start, 2)


def _first_record(path: Path, kind: str) -> bool:
    try:
        return any(json.loads(line).get("type") == kind for line in path.read_text().splitlines())
    except (OSError, ValueError):
        return False


def one_run(root: Path, cold: bool = False) -> dict[str, float]:
    from vae.jobs import arguments, standby
    from vae.jobs import queue as run_queue

    os.environ["VAE_LAB_THREADS"] = "1"  # as the app's queue sets it (vae.jobs.queue)
    os.environ[standby.ENV] = "0" if cold else "1"
    settings = arguments.form_defaults("digits")
    ready_s = None
    if not cold:  # the Train page's first render starts a standby; a person reads, then Starts
        began = time.perf_counter()
        run_queue.dispatch(root)
        while standby.ready(root) is None and time.perf_counter() - began < 60:
            time.sleep(0.02)
        ready_s = round(time.perf_counter() - began, 2)
        time.sleep(1.0)
    start = time.perf_counter()
    run_dir = run_queue.submit(settings, name="first-curve", root=root)
    marks = watch_run(run_dir, int(settings.get("epochs") or 0), start)
    if ready_s is not None:
        marks["standby_ready_s"] = ready_s
    return marks


def watch_run(
    run_dir: Path, epochs: int, start: float, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    """The marks of a run from its folder, in seconds after ``start`` (a reading of ``clock``)."""
    from vae.runs import store as runs

    metrics = run_dir / "metrics.jsonl"
    marks: dict[str, float] = {}
    checks = {
        "cli_started": lambda: (run_dir / "train.log").exists(),
        "config_written": lambda: (run_dir / "config.json").exists(),
        "first_point": lambda: _first_record(metrics, "step"),
        "first_epoch": lambda: _first_record(metrics, "epoch"),
    }
    while True:
        now = round(clock() - start, 2)
        for name, check in checks.items():
            if name not in marks and check():
                marks[name] = now
        state = runs.read_status(run_dir).get("state")
        records = runs.read_metrics(run_dir, "epoch")
        if "last_epoch" not in marks and records and records[-1].get("epoch") == epochs:
            marks["last_epoch"] = now
        if state in ("completed", "failed", "stopped"):
            marks["finished"] = now
            marks["state"] = state
            break
        if now > 900:
            marks["state"] = "timed out"
            break
        time.sleep(0.02)
    config = runs.RunDir(run_dir).config()
    marks["epochs"] = epochs
    marks["threads"] = config.raw.get("threads") if config is not None else None
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--cold", action="store_true", help="no standby: a fresh supervisor")
    args = parser.parse_args()
    load_before = load_average()
    child = subprocess.Popen([PYTHON, "-c", "while True: pass"]) if args.busy else None
    try:
        if child is not None:
            time.sleep(0.5)
        python_start = _fresh("pass")
        import_s = _fresh("import vae.training.train")
        with tempfile.TemporaryDirectory(prefix="first-curve-") as tmp:
            marks = one_run(Path(tmp), cold=args.cold)
    finally:
        if child is not None:
            child.kill()
            child.wait()
    emit(
        "first_curve" + ("_busy" if args.busy else "") + ("_cold" if args.cold else ""),
        {
            "machine": machine(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load_1min_before": load_before,
            "busy_core": args.busy,
            "standby": not args.cold,
            "python_start_s": python_start,
            "import_s": import_s,
            **marks,
        },
    )


if __name__ == "__main__":
    main()
