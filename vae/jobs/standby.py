"""A supervisor started before Start is pressed, with torch already imported.

A training started from the app used to spend its first seconds importing torch
and the core (1.6 s on a quiet core, 2–7 s on a busy machine) before the first
step. The Train page therefore keeps one *standby* per runs folder:

    python -m vae.launcher standby ROOT

It starts in its own session like any supervisor, imports ``vae.cli`` and
``vae.training.train`` (torch, the data sets, the trainer; no tensor is made, so no
thread pool exists yet), writes ``ROOT/.standby.json`` and waits. The queue's
dispatch (``vae.jobs.queue._start``), under the queue's lock, *claims* a ready
standby instead of starting a fresh supervisor: it removes ``.standby.json`` and
writes the run's folder into ``ROOT/.standby-<pid>.run``. The standby then is
that run's supervisor (``vae.jobs.queue.supervise``), except that the CLI is a
``fork`` of itself running ``vae.cli.main`` with the run's arguments, its output
in ``train.log``: the same process group, the same ``launcher_pid`` semantics,
the same end recorded, without the imports. Then a new standby is started for
the next run.

A standby that waits :data:`IDLE_SECONDS` without a run, whose folder is gone,
or whose parent (the server that started it) has ended, ends: it is an idle
process of that server, not a training (a run it took lives on, as every run). ``VAE_LAB_STANDBY=0`` turns standbys off (the tests do, except the
ones of this module).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vae.io import atomic_write_json
from vae.jobs.supervisor import Spawn
from vae.runs.processes import process_alive, process_start

log = logging.getLogger(__name__)

READY_FILE = ".standby.json"
IDLE_SECONDS = 20 * 60.0
POLL_SECONDS = 0.05
CHECK_SECONDS = 1.0  # how often a waiting standby checks that its folder and place remain
ENV = "VAE_LAB_STANDBY"


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip() not in ("0", "false", "no", "off")


def _assignment(root: Path, pid: int) -> Path:
    return root / f".standby-{pid}.run"


def _marker(root: Path) -> dict | None:
    """The live standby named in ``ROOT/.standby.json`` (warming or ready), or None."""
    try:
        info = json.loads((root / READY_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not process_alive(info.get("pid"), info.get("started")):
        return None
    return info


def ready(root: Path) -> dict | None:
    """The ready standby of ``root`` (``pid``, ``started``), or None."""
    info = _marker(root)
    return info if info is not None and info.get("state") == "ready" else None


def claim(root: Path, run_dir: Path, before: Callable[[dict], None] | None = None) -> dict | None:
    """Hand ``run_dir`` to the ready standby; its ``pid`` and ``started``, or None if none.

    ``before(info)`` runs just before the hand-over: what the caller writes into the run
    there cannot overwrite what the standby writes once it has the run (its "running").
    Call with the queue's lock held: two dispatchers never claim the same standby.
    """
    info = ready(root)
    if info is None:
        return None
    with contextlib.suppress(OSError):
        (root / READY_FILE).unlink()
    if before is not None:
        before(info)
    atomic_write_json(_assignment(root, info["pid"]), {"run_dir": str(run_dir)}, parents=False)
    return info


def start(root: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen | None:
    """Start a standby for ``root`` unless one is ready or starting (or standbys are off)."""
    if not enabled() or not root.is_dir():
        return None
    if _marker(root) is not None:  # one is warming or ready
        return None
    me = os.getpid()  # the standby ends when this process does (see serve)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vae.launcher", "standby", str(root.resolve()),
         "--parent", f"{me}:{process_start(me)}"],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    # Written here too, so that pages polling meanwhile do not start a second one.
    _write_marker(root, proc.pid, "warming")
    return proc


def _write_marker(root: Path, pid: int, state: str) -> None:
    with contextlib.suppress(OSError):
        atomic_write_json(
            root / READY_FILE,
            {"pid": pid, "started": process_start(pid), "state": state},
            parents=False,
        )


def serve(
    root: Path,
    supervise: Callable[[Path, Spawn], int],
    parent: tuple[int, int | None] | None = None,
) -> int:
    """The standby itself: import, wait for a run, ``supervise(run_dir, fork_cli)`` it (see the
    module's text; the launcher passes the queue's ``vae.jobs.queue.supervise``)."""
    root = Path(root)  # SIGTERM ends a waiting standby; supervise() then ignores it
    import vae.cli  # noqa: F401  (what a training needs, imported before it is asked for)
    import vae.training.train  # noqa: F401

    me = os.getpid()
    assignment = _assignment(root, me)
    other = _marker(root)
    if other is not None and other.get("pid") != me:
        return 0  # another standby is there: one is enough
    _write_marker(root, me, "ready")
    deadline = time.monotonic() + IDLE_SECONDS
    looked = 0.0
    while time.monotonic() < deadline:
        if assignment.exists():  # one stat per poll: an idle standby costs ~0.1 % of a core
            break
        if time.monotonic() - looked >= CHECK_SECONDS:
            looked = time.monotonic()
            if not root.is_dir():
                return 0  # the runs folder is gone
            if parent is not None and not process_alive(*parent):
                _give_up(root, me)  # the server (or supervisor) that started it has ended
                return 0
            marker = _marker(root)
            if marker is not None and marker.get("pid") != me:
                return 0  # another standby took this one's place
        time.sleep(POLL_SECONDS)
    else:
        _give_up(root, me)
        return 0
    try:
        run_dir = Path(json.loads(assignment.read_text())["run_dir"])
    finally:
        assignment.unlink(missing_ok=True)
    return supervise(run_dir, fork_cli)


def _give_up(root: Path, me: int) -> None:
    info = _marker(root)
    if info is not None and info.get("pid") == me:
        with contextlib.suppress(OSError):
            (root / READY_FILE).unlink()


def fork_cli(args: list[str], cwd: Path, log_file) -> int:
    """Run ``python -m vae ARGS`` as a fork of this process; its exit code."""
    pid = os.fork()
    if pid == 0:  # the child: the CLI, as ``python -m vae`` would run it
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.chdir(cwd)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(log_file.fileno(), 1)
            os.dup2(log_file.fileno(), 2)
            sys.argv = [sys.executable, "-m", "vae", *args]
            from vae.cli import main

            code = int(main(args) or 0)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            logging.shutdown()
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    return os.waitstatus_to_exitcode(status)
