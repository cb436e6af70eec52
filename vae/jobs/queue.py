"""The training queue: runs waiting for a slot, and dispatch, which starts them.

The app never trains in its own process: :func:`submit` writes a run directory
with a ``launch.json`` (the arguments of ``python -m vae train``) and the status
``queued``, then calls :func:`dispatch`. Dispatch starts queued runs, oldest
first, while fewer than :func:`max_trainings` are active, each one as a
supervisor in its own session (``vae.jobs.supervisor``).

A queued run handed to a supervisor keeps the state ``queued`` and carries the
supervisor's ``launcher_pid`` and start time until the CLI writes ``running``.
It holds its slot while the supervisor *or any process of its group* lives, so
a supervisor killed in the start window neither fails a run whose CLI goes on
nor frees a slot that CLI still uses. Pages polling a run dispatch too, which
also covers a supervisor that was killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vae.errors import RunError
from vae.jobs import standby, supervisor
from vae.jobs.arguments import cli_args
from vae.jobs.supervisor import ROOT, record_end
from vae.runs.processes import process_start
from vae.runs.store import ACTIVE_STATES, RunDir, read_json, runs_root

log = logging.getLogger(__name__)

LOCK_FILE = ".queue.lock"
MAX_ENV = "VAE_LAB_MAX_TRAININGS"

# The supervisors this process started, so that their exit is collected (no zombies).
_children: dict[int, subprocess.Popen] = {}


QUEUE_ENV = "VAE_LAB_MAX_QUEUED"
# Trainings started from the app run at this niceness, below the web server: a class's queue
# must not make the pages slow (children, the training itself among them, inherit it).
TRAINING_NICE = 10


def max_queued() -> int:
    """How many runs may wait for a slot at once: ``$VAE_LAB_MAX_QUEUED`` (default 8)."""
    raw = os.environ.get(QUEUE_ENV, "8")
    try:
        return max(1, int(raw))
    except ValueError:
        log.warning("%s=%r is not an integer; using 8", QUEUE_ENV, raw)
        return 8


def max_trainings() -> int:
    """How many trainings may run at once: ``$VAE_LAB_MAX_TRAININGS`` (default 1)."""
    raw = os.environ.get(MAX_ENV, "1")
    try:
        value = int(raw)
    except ValueError:
        log.warning("%s=%r is not an integer; using 1", MAX_ENV, raw)
        return 1
    return max(1, value)


def run_name(settings: dict[str, Any], root: Path | None = None) -> str:
    """A new, readable folder name: data set, latent size, β and a time stamp."""
    root = runs_root() if root is None else Path(root)
    data = Path(str(settings.get("dataset", "run"))).stem.lower()
    data = re.sub(r"[^a-z0-9]+", "-", data).strip("-")[:20] or "run"
    parts = [data]
    if settings.get("latent_dim") is not None:
        parts.append(f"z{settings['latent_dim']}")
    if settings.get("beta") is not None:
        parts.append(f"b{settings['beta']:g}")
    base = "-".join(parts) + time.strftime("-%Y%m%d-%H%M%S")
    name, i = base, 1
    while (root / name).exists():
        i += 1
        name = f"{base}-{i}"
    return name


def check_run_name(name: str) -> str:
    """A run name typed by a person, refused unless it is a plain new folder name."""
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", name):
        raise RunError(
            f"The run name {name!r} is not accepted; use letters, digits, '.', '_' or '-' "
            "(up to 80, starting with a letter or digit)."
        )
    return name


def submit(settings: dict[str, Any], name: str | None = None, root: Path | None = None) -> Path:
    """Queue a new training with these settings and start it if a slot is free."""
    root = runs_root() if root is None else Path(root)
    args = cli_args(settings)
    name = check_run_name(name) if name else None  # a refused name leaves nothing behind
    # Counted and queued under the lock: two tabs pressing Start at the same moment both saw
    # 7 waiting and made 9 (the N = 20 load benchmark, 2026-12-06).
    with locked(root):
        waiting = len(queue(root))
        if waiting >= max_queued():
            raise RunError(
                f"The queue is full ({waiting} runs waiting, at most {max_queued()}); start this "
                "one when one of them has started, or stop one."
            )
        name = name or run_name(settings, root)
        run = RunDir(root / name)
        if run.path.exists():
            raise RunError(f"A run named {name!r} already exists; choose another name.")
        run.path.mkdir(parents=True)
        run.write_launch({"args": args, "settings": _jsonable(settings), "resume": False})
        _queue(run, "waiting for a free training slot")
    dispatch(root)
    return run.path


def resume(run_dir: Path, epochs: int | None = None) -> Path:
    """Queue a stopped, interrupted, failed or finished run to continue (up to ``epochs``).

    A run that never reached its first checkpoint starts again from the beginning
    with its original settings (the CLI's ``--resume`` does that from config.json).
    """
    run = RunDir(run_dir)
    state = run.status().get("state")
    if state in ACTIVE_STATES:
        raise RunError(f"{run.name} is {state}; only a run that has ended can be resumed.")
    launch = run.launch()
    saved = run.config()
    target = epochs or (saved.epochs if saved else None) or launch.get("settings", {}).get("epochs")
    if saved is not None and saved.model:
        args = ["--resume"] + (["--epochs", str(int(target))] if target else [])
        run.write_launch({**launch, "args": args, "resume": True, "resume_args": args})
    elif launch.get("settings") is not None:
        settings = dict(launch["settings"])
        if epochs:
            settings["epochs"] = int(epochs)
        run.clear_partial()
        run.write_launch({"args": cli_args(settings), "settings": settings, "resume": False})
    else:
        raise RunError(
            f"{run.name} has no config.json and no saved settings; only Delete applies to it."
        )
    _queue(run, "waiting to resume")
    dispatch(run.path.parent)
    return run.path


def cancel(run_dir: Path) -> None:
    """Stop a run: a running one checkpoints and ends; a queued one is taken off the queue."""
    run = RunDir(run_dir)
    status = run.status()
    state = status.get("state")
    if state not in ACTIVE_STATES:
        return
    run.request_stop()
    if state == "queued" and not run.launch_alive(status):
        with locked(run.path.parent):
            run.write_status("stopped", message="taken off the queue before it started")
    elif state == "queued":
        # Starting: the CLI clears the stop file when it begins, so signal its process group
        # instead (a training past its start checkpoints on SIGTERM; the supervisor survives).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(status["launcher_pid"], signal.SIGTERM)


def queue(root: Path | None = None) -> list[Path]:
    """Runs waiting for a slot, in the order they will start."""
    root = runs_root() if root is None else Path(root)
    waiting = []
    for run in _runs(root):
        status = run.status()
        if status.get("state") == "queued" and not run.launch_alive(status):
            waiting.append((float(status.get("queued_at", 0.0)), run.name, run.path))
    return [p for _, _, p in sorted(waiting)]


def active(root: Path | None = None) -> list[Path]:
    """Runs that hold a training slot: running, stopping, or handed to a supervisor."""
    root = runs_root() if root is None else Path(root)
    out = []
    for run in _runs(root):
        status = run.status()
        state = status.get("state")
        if state in ("running", "stopping") or (state == "queued" and run.launch_alive(status)):
            out.append(run.path)
    return out


def dispatch(root: Path | None = None) -> list[Path]:
    """Start queued runs while slots are free; return the runs started now.

    Safe to call from many processes at once (a lock file serialises them), and
    cheap enough for a page to call on every poll. It also keeps a standby ready for
    the next run (:func:`prewarm`).
    """
    own = root is None  # the app's own folder (a page): created for its first standby
    root = runs_root() if root is None else Path(root)
    _reap()
    if not root.is_dir():
        if not (own and standby.enabled()):
            return []  # a folder deleted meanwhile is not recreated
        root.mkdir(parents=True, exist_ok=True)
    started = []
    with locked(root):
        _fail_lost_launches(root)
        free = max_trainings() - len(active(root))
        for run_dir in queue(root)[: max(free, 0)]:
            _start(run_dir)
            started.append(run_dir)
        prewarm(root)
    return started


def prewarm(root: Path | None = None) -> None:
    """Keep a standby supervisor with torch imported for ``root``'s next run (``vae.jobs.standby``)."""
    root = runs_root() if root is None else Path(root)
    proc = standby.start(root, _env(), ROOT)
    if proc is not None:
        _children[proc.pid] = proc


def supervise(run_dir: Path, spawn: supervisor.Spawn = supervisor.spawn_cli) -> int:
    """A supervisor's whole job (``python -m vae.launcher supervise RUN_DIR``, or a standby's):
    run the CLI for the queued run, record how it ended, then start the next queued run."""
    run_dir = Path(run_dir)
    code = supervisor.run_cli(run_dir, spawn)
    with locked(run_dir.parent):
        record_end(run_dir)
    dispatch(run_dir.parent)
    return code


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """The queue's lock: one process at a time decides what starts."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --- inside ----------------------------------------------------------------------------------


def _jsonable(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def _runs(root: Path) -> list[RunDir]:
    try:
        folders = [RunDir(p) for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []
    return [run for run in folders if run.is_run()]


def _queue(run: RunDir, message: str) -> None:
    run.clear_stop()
    status = read_json(run.status_file, {}) or {}
    for key in ("launcher_pid", "launcher_started", "pid", "pid_started"):
        status.pop(key, None)
    status.update(state="queued", message=message, queued_at=time.time(), updated=time.time())
    run.write_raw_status(status)


def _reap() -> None:
    for pid, proc in list(_children.items()):
        if proc.poll() is not None:
            del _children[pid]


def _fail_lost_launches(root: Path) -> None:
    """A run whose supervisor and CLI all died before the CLI wrote a status has failed."""
    for run in _runs(root):
        status = read_json(run.status_file, {}) or {}
        pid = status.get("launcher_pid")
        if (
            status.get("state") == "queued"
            and isinstance(pid, int)
            and not run.launch_alive(status)
        ):
            record_end(run.path)


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # One core for the training, one left to the web server (see vae.threads).
    env.setdefault("VAE_LAB_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _start(run_dir: Path) -> None:
    run = RunDir(run_dir)
    status = read_json(run.status_file, {}) or {}

    def starting(pid: int, started: Any) -> None:
        status.update(
            state="queued",
            launcher_pid=pid,
            launcher_started=started,
            host=socket.gethostname(),
            message="starting",
            updated=time.time(),
        )
        run.write_raw_status(status)

    # A standby gets the run after its status says who starts it: once it has the run it
    # writes "running", which a write from here after the hand-over used to overwrite.
    warm = standby.claim(
        run.path.parent,
        run.path.resolve(),
        before=lambda info: starting(info["pid"], info["started"]),
    )
    if warm is not None:  # a supervisor with torch imported already: no import wait
        pid = warm["pid"]
    else:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vae.launcher", "supervise", str(run.path.resolve())],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the server's Ctrl-C, crash or restart leaves it running
        )
        _children[proc.pid] = proc
        pid = proc.pid
        # A new supervisor imports torch (a second or more) before it writes anything.
        starting(pid, process_start(pid))  # unreaped child: /proc entry stays
    try:  # below the server; what it starts inherits the niceness
        os.setpriority(os.PRIO_PROCESS, pid, TRAINING_NICE)
    except OSError:
        log.warning("could not lower the priority of training supervisor %d", pid)
    log.info(
        "started training %s (%s supervisor pid %d)", run.name, "standby" if warm else "new", pid
    )
