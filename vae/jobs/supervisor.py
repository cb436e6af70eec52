"""One training, supervised: the CLI run for a queued run, and how it ended.

The supervisor (``python -m vae.launcher supervise RUN_DIR``, see
``vae.jobs.queue.supervise``) runs the CLI (``python -m vae train --out RUN_DIR
...``) with its output in ``train.log`` (:func:`run_cli`), waits for it, and
records an end the CLI could not record itself (:func:`record_end`: bad input
ends it before it writes a status; a kill -9 ends it without a word). The queue
then dispatches again, so queued runs start even when no page is open.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from vae.paths import PROJECT_ROOT
from vae.runs.store import LOG_FILE, RunDir, read_json

ROOT = PROJECT_ROOT
COMMAND_PREFIX = "$ "  # how the supervisor echoes the command line into train.log
SILENT_END = "the training process ended without a word"


def log_tail(run_dir: Path, lines: int = 20) -> str:
    """The last lines of the run's training log (where the CLI's errors go)."""
    try:
        text = (Path(run_dir) / LOG_FILE).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def last_error(run_dir: Path) -> str:
    """The CLI's one-line error (``error: ...``) from the log, or the last line it printed.

    The command line the supervisor echoed is never the error.
    """
    said = [line for line in log_tail(run_dir, 50).splitlines() if line.strip()]
    said = [line for line in said if not line.startswith(COMMAND_PREFIX)]
    for line in reversed(said):
        if line.startswith("error: "):
            return line[len("error: ") :]
    return said[-1] if said else SILENT_END


def record_end(run_dir: Path) -> None:
    """After the CLI (or its supervisor) ended: say how, where the CLI did not get to say it.

    Call with the queue's lock held.
    """
    run = RunDir(run_dir)
    if not run.exists():
        return  # deleted meanwhile: nothing to record, and nothing to recreate
    recorded = read_json(run.status_file, {}) or {}
    state = recorded.get("state")
    if state == "queued" and run.stop_requested():
        run.write_status("stopped", message="stopped before training began")
    elif state == "queued":
        run.write_status("failed", message=last_error(run_dir))
    elif state in ("running", "stopping") and not run.process_alive(recorded):
        # Killed without a chance to write its status: resumable, or restartable.
        run.write_status("interrupted", message=run.interrupted_message())


Spawn = Callable[[list[str], Path, IO[str]], int]


def spawn_cli(args: list[str], cwd: Path, out: IO[str]) -> int:
    """``python -m vae ARGS`` as a new process, its output in ``out``; its exit code."""
    command = [sys.executable, "-m", "vae", *args]
    return subprocess.call(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def run_cli(run_dir: Path, spawn: Spawn = spawn_cli) -> int:
    """Run the CLI for one queued run, its command echoed into ``train.log``; its exit code.

    ``spawn`` runs the CLI: a new process, or a fork of a standby (``vae.jobs.standby``).
    """
    run = RunDir(run_dir)
    args = ["train", "--out", str(run.path), *run.launch().get("args", [])]
    # Cancel signals the whole process group; the supervisor lives on to record the end.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    with open(run.log_file, "a") as out:
        out.write(f"{COMMAND_PREFIX}-m vae {' '.join(args)}\n")
        out.flush()
        return spawn(args, ROOT, out)
