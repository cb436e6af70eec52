"""The load benchmark's server side: a Streamlit server that times its own script runs, and
its runs folder (issue 13, 24). Imports no Playwright; ``benchmarks/load.py`` drives it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from benchmarks.common import PYTHON, ROOT

RUN_TAG = "SCRIPT_RUN"
RUN_LINE = re.compile(
    rf"^{RUN_TAG} (?P<session>\S+) (?P<kind>full|fragment) (?P<page>\S+) (?P<outcome>\S+) "
    r"(?P<ms>[\d.]+) (?P<cpu_ms>[\d.]+)$"
)


def serve(argv: list[str]) -> None:
    """``streamlit <argv>`` in this process, logging each script run's duration to stderr.

    Each line: ``SCRIPT_RUN <session> <full|fragment> <page> <outcome> <wall ms> <cpu ms>``,
    outcome being ``ok``, ``rerun`` (ended by ``st.rerun``), ``stop`` or ``exception``.
    """
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.web import cli

    original = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        start, cpu = time.perf_counter(), time.thread_time()
        result = original(func, ctx)
        ms, cpu_ms = (time.perf_counter() - start) * 1e3, (time.thread_time() - cpu) * 1e3
        _, ok, rerun, stopped, exception = result
        outcome = "exception" if exception else "rerun" if rerun else "stop" if stopped else "ok"
        kind = "fragment" if ctx.fragment_ids_this_run else "full"
        info = ctx.pages_manager.get_pages().get(ctx.page_script_hash, {})
        page = info.get("url_pathname") or "home"
        line = f"{RUN_TAG} {ctx.session_id} {kind} {page} {outcome} {ms:.2f} {cpu_ms:.2f}\n"
        os.write(2, line.encode())  # one write: lines from concurrent script threads never mix
        return result

    script_runner.exec_func_with_error_handling = timed
    sys.argv = ["streamlit", *argv]
    sys.exit(cli.main())


def start_server(log_path: Path, runs_root: Path | None = None) -> tuple[subprocess.Popen, str]:
    from benchmarks.server import _free_port

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "VAE_LAB_RUNS": str(runs_root or tempfile.mkdtemp(prefix="vae-bench-load-runs-")),
        "VAE_LAB_WARMUP": "0",  # no background UMAP compile competing for the cores
    }
    log = open(log_path, "w")  # noqa: SIM115 (the child keeps its own copy)
    proc = subprocess.Popen(
        [
            PYTHON, "-c", "import sys; from benchmarks.load_server import serve; serve(sys.argv[1:])",
            "run", "app.py", "--server.headless=true", "--server.address=127.0.0.1",
            f"--server.port={port}", "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text()[-2000:]}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not answer /_stcore/health within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def server_runs(log_text: str) -> list[dict[str, object]]:
    runs = []
    for line in log_text.splitlines():
        m = RUN_LINE.match(line.strip())
        if m:
            runs.append({**m.groupdict(), "ms": float(m["ms"]), "cpu_ms": float(m["cpu_ms"])})
    return runs


def queue_states(runs_root: Path) -> dict[str, int]:
    """Runs of the folder by state (``queued`` is the queue's length)."""
    import json

    states: dict[str, int] = defaultdict(int)
    for status in runs_root.glob("*/status"):
        try:
            states[json.loads(status.read_text()).get("state", "unknown")] += 1
        except (OSError, ValueError):
            states["unreadable"] += 1
    return dict(states)


def cancel_all(runs_root: Path) -> None:
    """Cancel every run the sessions started: trainings outlive a server by design."""
    os.environ["VAE_LAB_RUNS"] = str(runs_root)
    from vae.jobs import queue

    for run in sorted(p for p in runs_root.iterdir() if p.is_dir() and not p.name.startswith("_")):
        try:
            queue.cancel(run)
        except Exception as exc:  # a run already ended: nothing to cancel
            print(f"cancel {run.name}: {exc}", file=sys.stderr)
