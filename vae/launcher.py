"""Starting trainings as separate processes, and the queue that limits how many run at once.

The app never trains in its own process: it writes a run directory with a
``launch.json`` (the arguments of ``python -m vae train``) and the status
``queued``, then calls :func:`dispatch`. Dispatch starts queued runs, oldest
first, while fewer than :func:`max_trainings` are active. Each one starts as

    python -m vae.launcher supervise RUN_DIR      (its own session: survives the server)
      └── python -m vae train --out RUN_DIR ...   (the CLI, logging to RUN_DIR/train.log)

The supervisor waits for the CLI, records a failure the CLI could not record
itself (bad input ends it before it writes a status), and then dispatches the
queue again, so queued runs start even when no page is open. Pages polling a run
dispatch too, which also covers a supervisor that was killed.

A queued run that has been handed to a supervisor keeps the state ``queued``
and carries the supervisor's ``launcher_pid`` until the CLI writes ``running``:
``train --resume`` refuses a run whose status says running. The run directory
is the whole truth: a page reload or a server restart loses nothing.
"""

from __future__ import annotations

import argparse
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

from vae import runs
from vae.errors import RunError
from vae.io import atomic_write_json

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
LAUNCH_FILE = "launch.json"
LOG_FILE = "train.log"
LOCK_FILE = ".queue.lock"
MAX_ENV = "VAE_LAB_MAX_TRAININGS"

# CLI option names of every setting the Train page can send, in --help order.
VALUE_OPTIONS = (
    "dataset", "latent_dim", "beta", "beta_schedule", "capacity_max", "warmup_fraction",
    "n_cycles", "epochs", "epoch_size", "batch_size", "lr", "seed", "architecture",
    "hidden_dims", "likelihood", "flow", "flow_length", "free_bits", "free_bits_mode",
    "input_dropout", "latent_dropout", "image_size", "data_dir", "early_stopping", "device",
    "precision",
)  # fmt: skip
FLAG_OPTIONS = ("conditional",)

# The supervisors this process started, so that their exit is collected (no zombies).
_children: dict[int, subprocess.Popen] = {}


def max_trainings() -> int:
    """How many trainings may run at once: ``$VAE_LAB_MAX_TRAININGS`` (default 1)."""
    raw = os.environ.get(MAX_ENV, "1")
    try:
        value = int(raw)
    except ValueError:
        log.warning("%s=%r is not an integer; using 1", MAX_ENV, raw)
        return 1
    return max(1, value)


def cli_args(settings: dict[str, Any]) -> list[str]:
    """``python -m vae train`` arguments (without ``--out``) for settings with the CLI's names.

    Settings left out or None take the data set's defaults in the CLI.
    """
    unknown = sorted(set(settings) - set(VALUE_OPTIONS) - set(FLAG_OPTIONS))
    if unknown:
        raise RunError(f"unknown training setting(s) {', '.join(unknown)}.")
    args: list[str] = []
    for name in VALUE_OPTIONS:
        value = settings.get(name)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = ",".join(str(int(v)) for v in value)
        args += [f"--{name.replace('_', '-')}", str(value)]
    for name in FLAG_OPTIONS:
        if settings.get(name):
            args.append(f"--{name.replace('_', '-')}")
    return args


def run_name(settings: dict[str, Any], root: Path | None = None) -> str:
    """A new, readable folder name: data set, latent size, β and a time stamp."""
    root = runs.runs_root() if root is None else Path(root)
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
    root = runs.runs_root() if root is None else Path(root)
    name = run_name(settings, root) if not name else check_run_name(name)
    run_dir = root / name
    if run_dir.exists():
        raise RunError(f"A run named {name!r} already exists; choose another name.")
    args = cli_args(settings)
    run_dir.mkdir(parents=True)
    atomic_write_json(
        run_dir / LAUNCH_FILE, {"args": args, "settings": _jsonable(settings), "resume": False}
    )
    _queue(run_dir, "waiting for a free training slot")
    dispatch(root)
    return run_dir


def resume(run_dir: Path, epochs: int | None = None) -> Path:
    """Queue a stopped, interrupted, failed or finished run to continue (up to ``epochs``).

    A run that never reached its first checkpoint starts again from the beginning
    with its original settings.
    """
    run_dir = Path(run_dir)
    state = runs.read_status(run_dir).get("state")
    if state in runs.ACTIVE_STATES:
        raise RunError(f"{run_dir.name} is {state}; only a run that has ended can be resumed.")
    launch = runs.read_json(run_dir / LAUNCH_FILE, {}) or {}
    saved = runs.read_json(run_dir / "config.json", {}) or {}
    target = (
        epochs or saved.get("train", {}).get("epochs") or launch.get("settings", {}).get("epochs")
    )
    if (run_dir / runs.CHECKPOINT_FILE).is_file() and (run_dir / "config.json").is_file():
        args = ["--resume"] + (["--epochs", str(int(target))] if target else [])
        atomic_write_json(
            run_dir / LAUNCH_FILE, {**launch, "args": args, "resume": True, "resume_args": args}
        )
    elif launch.get("settings") is not None:
        settings = dict(launch["settings"])
        if epochs:
            settings["epochs"] = int(epochs)
        _clear_partial(run_dir)
        atomic_write_json(
            run_dir / LAUNCH_FILE,
            {"args": cli_args(settings), "settings": settings, "resume": False},
        )
    else:
        raise RunError(f"{run_dir.name} has no checkpoint and no saved settings to resume from.")
    _queue(run_dir, "waiting to resume")
    dispatch(run_dir.parent)
    return run_dir


def cancel(run_dir: Path) -> None:
    """Stop a run: a running one checkpoints and ends; a queued one is taken off the queue."""
    run_dir = Path(run_dir)
    status = runs.read_status(run_dir)
    state = status.get("state")
    if state not in runs.ACTIVE_STATES:
        return
    runs.request_stop(run_dir)
    launcher_pid = status.get("launcher_pid")
    if state == "queued" and not _alive(launcher_pid):
        with _locked(run_dir.parent):
            runs.write_status(run_dir, "stopped", message="taken off the queue before it started")
    elif state == "queued":
        # Starting: the CLI clears the stop file when it begins, so signal its process group
        # instead (a training past its start checkpoints on SIGTERM; the supervisor survives).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(launcher_pid, signal.SIGTERM)


def queue(root: Path | None = None) -> list[Path]:
    """Runs waiting for a slot, in the order they will start."""
    root = runs.runs_root() if root is None else Path(root)
    waiting = []
    for run_dir in _run_dirs(root):
        status = runs.read_status(run_dir)
        if status.get("state") == "queued" and not _alive(status.get("launcher_pid")):
            waiting.append((float(status.get("queued_at", 0.0)), run_dir.name, run_dir))
    return [p for _, _, p in sorted(waiting)]


def active(root: Path | None = None) -> list[Path]:
    """Runs that hold a training slot: running, stopping, or handed to a supervisor."""
    root = runs.runs_root() if root is None else Path(root)
    out = []
    for run_dir in _run_dirs(root):
        status = runs.read_status(run_dir)
        state = status.get("state")
        if state in ("running", "stopping") or (
            state == "queued" and _alive(status.get("launcher_pid"))
        ):
            out.append(run_dir)
    return out


def dispatch(root: Path | None = None) -> list[Path]:
    """Start queued runs while slots are free; return the runs started now.

    Safe to call from many processes at once (a lock file serialises them), and
    cheap enough for a page to call on every poll.
    """
    root = runs.runs_root() if root is None else Path(root)
    _reap()
    if not root.is_dir():
        return []
    started = []
    with _locked(root):
        _fail_lost_launches(root)
        free = max_trainings() - len(active(root))
        for run_dir in queue(root)[: max(free, 0)]:
            _start(run_dir)
            started.append(run_dir)
    return started


def log_tail(run_dir: Path, lines: int = 20) -> str:
    """The last lines of the run's training log (where the CLI's errors go)."""
    try:
        text = (Path(run_dir) / LOG_FILE).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def last_error(run_dir: Path) -> str:
    """The CLI's one-line error (``error: ...``) from the log, or its last line."""
    tail = log_tail(run_dir, 50).splitlines()
    for line in reversed(tail):
        if line.startswith("error: "):
            return line[len("error: ") :]
    return tail[-1] if tail else "the training process ended without a word"


# --- inside ----------------------------------------------------------------------------------


def _jsonable(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def _run_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if p.is_dir() and runs.is_run_dir(p)]


def _queue(run_dir: Path, message: str) -> None:
    (run_dir / runs.STOP_FILE).unlink(missing_ok=True)
    status = runs.read_json(run_dir / runs.STATUS_FILE, {}) or {}
    status.pop("launcher_pid", None)
    status.pop("pid", None)
    status.update(state="queued", message=message, queued_at=time.time(), updated=time.time())
    atomic_write_json(run_dir / runs.STATUS_FILE, status)


def _clear_partial(run_dir: Path) -> None:
    """Remove what a run that never checkpointed left behind, so it can start afresh."""
    for name in ("config.json", runs.METRICS_FILE, runs.SUMMARY_FILE, "model.safetensors"):
        (run_dir / name).unlink(missing_ok=True)
    for png in (run_dir / runs.RECON_DIR).glob("epoch_*.png"):
        png.unlink()


def _alive(pid: Any) -> bool:
    return isinstance(pid, int) and pid > 0 and runs._process_alive(pid)


def _reap() -> None:
    for pid, proc in list(_children.items()):
        if proc.poll() is not None:
            del _children[pid]


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _fail_lost_launches(root: Path) -> None:
    """A run handed to a supervisor that died before the CLI wrote a status has failed."""
    for run_dir in _run_dirs(root):
        status = runs.read_json(run_dir / runs.STATUS_FILE, {}) or {}
        pid = status.get("launcher_pid")
        if status.get("state") == "queued" and isinstance(pid, int) and not _alive(pid):
            _record_end(run_dir)


def _record_end(run_dir: Path) -> None:
    """After the CLI exits: a run still queued or running never got to say how it ended."""
    status = runs.read_json(run_dir / runs.STATUS_FILE, {}) or {}
    state = status.get("state")
    if state == "queued" and runs.stop_requested(run_dir):
        runs.write_status(run_dir, "stopped", message="stopped before training began")
    elif state == "queued":
        runs.write_status(run_dir, "failed", message=last_error(run_dir))
    elif state in ("running", "stopping") and not _alive(status.get("pid")):
        # Killed without a chance to write its status: resumable from the last checkpoint.
        runs.write_status(run_dir, "interrupted", message="the training process ended unexpectedly")


def _start(run_dir: Path) -> None:
    status = runs.read_json(run_dir / runs.STATUS_FILE, {}) or {}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # One core for the training, one left to the web server (see vae.threads).
    env.setdefault("VAE_LAB_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "vae.launcher", "supervise", str(run_dir.resolve())],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the server's Ctrl-C, crash or restart leaves it running
    )
    _children[proc.pid] = proc
    status.update(
        state="queued",
        launcher_pid=proc.pid,
        host=socket.gethostname(),
        message="starting",
        updated=time.time(),
    )
    atomic_write_json(run_dir / runs.STATUS_FILE, status)
    log.info("started training %s (supervisor pid %d)", run_dir.name, proc.pid)


def supervise(run_dir: Path) -> int:
    """Run the CLI for one queued run, record how it ended, then start the next queued run."""
    run_dir = Path(run_dir)
    launch = runs.read_json(run_dir / LAUNCH_FILE, {}) or {}
    args = [sys.executable, "-m", "vae", "train", "--out", str(run_dir), *launch.get("args", [])]
    # Cancel signals the whole process group; the supervisor lives on to record the end.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    with open(run_dir / LOG_FILE, "a") as out:
        out.write(f"$ {' '.join(args[1:])}\n")
        out.flush()
        code = subprocess.call(args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    with _locked(run_dir.parent):
        _record_end(run_dir)
    dispatch(run_dir.parent)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("supervise", help="run one queued training (started by dispatch)")
    p.add_argument("run_dir", type=Path)
    p = sub.add_parser("dispatch", help="start queued trainings while slots are free")
    p.add_argument("--root", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "supervise":
        return supervise(args.run_dir)
    dispatch(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())


# The settings the Train page's form shows, by CLI name.
FORM_SETTINGS = (
    "architecture", "latent_dim", "hidden_dims", "likelihood", "beta", "beta_schedule",
    "warmup_fraction", "n_cycles", "capacity_max", "free_bits", "free_bits_mode",
    "input_dropout", "latent_dropout", "flow", "flow_length", "conditional", "epochs",
    "epoch_size", "batch_size", "lr", "seed", "early_stopping", "device", "precision",
    "image_size",
)  # fmt: skip


def form_defaults(dataset: str, data: Any = None) -> dict[str, Any]:
    """Every setting of the Train page's form for a data set: its defaults, then the configs'."""
    from vae.training import configs_for

    model_config, train_config, _ = configs_for({"dataset": dataset}, data)
    merged = {**train_config.to_dict(), **model_config.to_dict()}
    out = {name: merged.get(name) for name in FORM_SETTINGS}
    out["hidden_dims"] = list(model_config.hidden_dims)
    return out


def validate(settings: dict[str, Any], data: Any = None) -> None:
    """Refuse settings the CLI would refuse, with its one sentence, before a process starts."""
    from vae.training import configs_for

    cli_args(settings)
    configs_for({k: v for k, v in settings.items() if v is not None}, data)
