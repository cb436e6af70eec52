"""vae.jobs.standby: a supervisor with torch imported takes the next run, forks the CLI, then ends."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from vae.jobs import queue as run_queue
from vae.jobs import standby
from vae.runs import store as runs
from vae.runs.processes import process_alive

SETTINGS = {"dataset": "digits", "epochs": 2, "hidden_dims": [32], "latent_dim": 2}


# A standby imports torch at normal priority before it is ready: beside CI's 20-tab class test
# (load ~27 on 2 cores) that once took over 120 s.
READY_TIMEOUT = 300.0


def _wait(predicate, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LAB_STANDBY", "1")
    folder = tmp_path / "runs"
    folder.mkdir()
    yield folder
    # Leave no standby waiting: with its folder gone a standby ends within a second, and
    # a supervisor's last dispatch neither recreates the folder nor starts another.
    info = standby._marker(folder) if folder.exists() else None
    shutil.rmtree(folder, ignore_errors=True)
    if info is not None:
        _wait(lambda: not process_alive(info["pid"], info["started"]), timeout=30)


def test_a_standby_supervises_the_run_it_is_handed(root) -> None:
    run_queue.dispatch(root)  # the Train page's first render: a standby starts warming
    _wait(lambda: standby.ready(root) is not None, READY_TIMEOUT)
    warm = standby.ready(root)
    run_dir = run_queue.submit(SETTINGS, name="warm", root=root)
    status = runs.read_status(run_dir)
    assert status["launcher_pid"] == warm["pid"]  # the standby took it, not a new supervisor
    _wait(lambda: runs.read_status(run_dir).get("state") == "completed")
    log = (run_dir / runs.LOG_FILE).read_text()
    assert log.startswith("$ -m vae train --out ")
    assert "epoch 2/2" in log  # the forked CLI's output went to the run's log
    status = runs.read_status(run_dir)
    assert status["pid"] != warm["pid"]  # the CLI was the standby's child
    assert json.loads((run_dir / runs.SUMMARY_FILE).read_text())["epochs_trained"] == 2
    _wait(lambda: not process_alive(warm["pid"], warm["started"]))  # one run, then it ends
    # ... and the next run has its own standby already.
    _wait(lambda: standby.ready(root) is not None, READY_TIMEOUT)
    assert standby.ready(root)["pid"] != warm["pid"]


def test_a_standby_run_that_fails_says_why(root) -> None:
    run_queue.dispatch(root)
    _wait(lambda: standby.ready(root) is not None, READY_TIMEOUT)
    run_dir = run_queue.submit({**SETTINGS, "dataset": "no-such-data"}, name="bad", root=root)
    _wait(lambda: runs.read_status(run_dir).get("state") == "failed")
    assert "no-such-data" in runs.read_status(run_dir)["message"]


def test_cancel_reaches_a_forked_training(root) -> None:
    run_queue.dispatch(root)
    _wait(lambda: standby.ready(root) is not None, READY_TIMEOUT)
    run_dir = run_queue.submit({**SETTINGS, "epochs": 500}, name="long", root=root)
    _wait(lambda: bool(runs.read_metrics(run_dir, "epoch")))
    run_queue.cancel(run_dir)
    _wait(lambda: runs.read_status(run_dir).get("state") == "stopped")


def test_standbys_are_off_when_asked_and_a_deleted_folder_stays_deleted(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("VAE_LAB_RUNS", str(tmp_path / "app-runs"))
    monkeypatch.setenv("VAE_LAB_STANDBY", "0")
    run_queue.dispatch()
    assert not (tmp_path / "app-runs").exists()
    monkeypatch.setenv("VAE_LAB_STANDBY", "1")
    run_queue.dispatch(tmp_path / "gone")  # a supervisor's last dispatch after a delete
    assert not (tmp_path / "gone").exists()


def test_a_waiting_standby_ends_with_the_process_that_started_it(root):
    """Issue 24: a standby outlived the server's SIGTERM (230 MB, killed by hand), and the test
    suite left one running after CI. Its parent starts it, waits until it is ready, and is
    killed; the standby follows within seconds."""
    import subprocess
    import sys

    from vae.paths import PROJECT_ROOT

    code = (
        "import os, sys; from pathlib import Path; from vae.jobs import standby\n"
        f"proc = standby.start(Path({str(root)!r}), dict(os.environ), Path({str(PROJECT_ROOT)!r}))\n"
        "print(proc.pid, flush=True)\n"
        "sys.stdin.read()\n"  # the 'server' lives until the test kills it
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=PROJECT_ROOT,
    )  # fmt: skip
    try:
        pid = int(server.stdout.readline())
        _wait(lambda: (standby._marker(root) or {}).get("state") == "ready", timeout=120)
        info = standby._marker(root)
        assert info["pid"] == pid
        time.sleep(2 * standby.CHECK_SECONDS)
        assert process_alive(info["pid"], info["started"]), "it waits while its server lives"
    finally:
        server.kill()
        server.wait()
    _wait(lambda: not process_alive(info["pid"], info["started"]), timeout=30)
    assert standby._marker(root) is None  # it said it is gone


def test_the_queue_never_overwrites_what_a_standby_wrote_after_the_hand_over(
    tmp_path, monkeypatch
) -> None:
    """A standby that has its run writes "running" at once; the dispatcher's own "starting"
    status goes first (it used to be written after the hand-over and could overwrite it)."""
    import os

    from vae.io import atomic_write_json
    from vae.runs.processes import process_start

    root = tmp_path / "runs"
    root.mkdir()
    me = os.getpid()  # a live process stands in for the ready standby
    atomic_write_json(
        root / standby.READY_FILE, {"pid": me, "started": process_start(me), "state": "ready"}
    )
    monkeypatch.setattr(run_queue.os, "setpriority", lambda *args: None)  # not this process
    run_dir = root / "fast"
    run_dir.mkdir()
    atomic_write_json(run_dir / runs.STATUS_FILE, {"state": "queued", "message": "waiting"})
    claim = standby.claim

    def fast_standby(*args, **kwargs):
        info = claim(*args, **kwargs)
        assert runs.read_status(run_dir)["launcher_pid"] == me  # written before the hand-over
        atomic_write_json(run_dir / runs.STATUS_FILE, {"state": "running", "pid": 1})
        return info

    monkeypatch.setattr(standby, "claim", fast_standby)
    run_queue._start(run_dir)
    assert runs.read_status(run_dir)["state"] == "running"
