"""Runs under faults (issue 13): kills at chosen moments, recycled PIDs, deleted folders."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.training.test_training import _train
from vae.io import atomic_write_json
from vae.jobs import queue as run_queue
from vae.jobs import supervisor
from vae.runs import store
from vae.runs import store as runs

TINY = {"dataset": "digits", "epochs": 2, "latent_dim": 2, "hidden_dims": (32,), "batch_size": 128}


class Killed(BaseException):
    """Stands for a kill -9 at a chosen moment: nothing after it runs."""


def _weights(run_dir):
    return load_file(Path(run_dir) / runs.CHECKPOINT_FILE)


def _same_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    return all(torch.equal(wa[k], wb[k]) for k in wa if k.startswith(("model.", "optim.")))


def _status(run_dir: Path, **fields) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_dir / runs.STATUS_FILE, {"host": socket.gethostname(), **fields})


@pytest.fixture
def no_spawn(monkeypatch):
    """Dispatch records which runs it would start instead of starting supervisors."""
    started: list[str] = []
    monkeypatch.setattr(run_queue, "_start", lambda run_dir: started.append(Path(run_dir).name))
    return started


@pytest.fixture
def orphan():
    """A session whose leader was killed -9 while its child lives on (an orphaned CLI)."""
    leader = subprocess.Popen(["sh", "-c", "sleep 60 & wait"], start_new_session=True)
    deadline = time.time() + 10
    while time.time() < deadline and not _group_members(leader.pid):
        time.sleep(0.05)
    os.kill(leader.pid, signal.SIGKILL)
    leader.wait()
    yield leader.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader.pid, signal.SIGKILL)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != pgid:
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                members.append(int(entry.name))
    return members


# --- 2: a supervisor killed in the start window -------------------------------------------


def test_an_orphaned_cli_keeps_its_slot_and_its_run_is_not_failed(
    runs_dir, monkeypatch, no_spawn, orphan
):
    monkeypatch.setenv(run_queue.MAX_ENV, "1")
    first, second = runs_dir / "first", runs_dir / "second"
    _status(first, state="queued", launcher_pid=orphan, queued_at=1.0, message="starting")
    (first / store.LOG_FILE).write_text("$ -m vae train --out first --dataset digits\n")
    _status(second, state="queued", queued_at=2.0, message="waiting")
    run_queue.dispatch(runs_dir)
    assert runs.read_status(first)["state"] == "queued"
    assert run_queue.active(runs_dir) == [first]
    assert no_spawn == []  # the queued run waits: the orphan still holds the only slot


def test_last_error_never_returns_the_echoed_command(tmp_path):
    (tmp_path / store.LOG_FILE).write_text("$ -m vae train --out x --dataset digits\n")
    assert not supervisor.last_error(tmp_path).startswith("$")
    (tmp_path / store.LOG_FILE).write_text("$ -m vae train\nerror: digits is bad.\n$ again\n")
    assert supervisor.last_error(tmp_path) == "digits is bad."


@pytest.mark.slow
def test_killing_a_supervisor_in_the_start_window_keeps_the_limit(runs_dir, monkeypatch):
    monkeypatch.setenv(run_queue.MAX_ENV, "1")
    first = run_queue.submit({**TINY, "epochs": 3}, name="first")
    second = run_queue.submit(TINY, name="second")
    supervisor = runs.read_status(first)["launcher_pid"]
    deadline = time.time() + 60
    while time.time() < deadline and not _group_members(supervisor):
        time.sleep(0.05)
    os.kill(supervisor, signal.SIGKILL)
    most, states = 0, set()
    deadline = time.time() + 240
    while time.time() < deadline:
        run_queue.dispatch(runs_dir)  # as the page does on every poll
        most = max(most, len(run_queue.active(runs_dir)))
        states.add(runs.read_status(first)["state"])
        if all(runs.read_status(d)["state"] == "completed" for d in (first, second)):
            break
        time.sleep(0.2)
    assert [runs.read_status(d)["state"] for d in (first, second)] == ["completed"] * 2
    assert most == 1 and "failed" not in states


# --- 3: a kill between config.json and the first checkpoint -------------------------------


def _killed_before_first_checkpoint(run_dir: Path, monkeypatch) -> None:
    from vae.training.loop import Trainer

    def killed(self, signals):
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(Trainer, "run", killed)
        with pytest.raises(Killed):
            _train(run_dir)
    # What a kill -9 leaves: config.json, a status that says running, no checkpoint.
    _status(run_dir, state="running", pid=2**22 + 7, epoch=0)
    assert (run_dir / "config.json").is_file() and not (run_dir / runs.CHECKPOINT_FILE).exists()


def test_resume_without_a_checkpoint_starts_again_with_the_settings(tmp_path, monkeypatch):
    run_dir = tmp_path / "early"
    _killed_before_first_checkpoint(run_dir, monkeypatch)
    status = runs.read_status(run_dir)
    assert status["state"] == "interrupted" and "from the beginning" in status["message"]
    _train(run_dir, resume=True)
    assert runs.read_status(run_dir)["state"] == "completed"
    assert [r["epoch"] for r in runs.read_metrics(run_dir, "epoch")] == [1, 2]
    assert _same_weights(run_dir, _train(tmp_path / "whole"))


def test_the_app_resumes_a_cli_run_killed_before_its_first_checkpoint(
    runs_dir, monkeypatch, no_spawn
):
    run_dir = runs_dir / "cli-made"
    _killed_before_first_checkpoint(run_dir, monkeypatch)
    run_queue.resume(run_dir)
    launch = runs.read_json(run_dir / store.LAUNCH_FILE)
    assert launch["args"] == ["--resume", "--epochs", "2"]
    assert runs.read_status(run_dir)["state"] == "queued" and no_spawn == ["cli-made"]


# --- 4: a kill between the epoch record and the checkpoint --------------------------------


def test_no_duplicate_records_after_a_kill_before_the_checkpoint(tmp_path, monkeypatch):
    from vae.training.loop import Trainer

    run_dir = tmp_path / "run"
    real = Trainer.save_checkpoint
    calls = {"n": 0}

    def save_then_die(self):
        calls["n"] += 1
        if calls["n"] == 2:  # epoch 2's record is written, its checkpoint is not
            raise Killed
        real(self)

    with monkeypatch.context() as m:
        m.setattr(Trainer, "save_checkpoint", save_then_die)
        with pytest.raises(Killed):
            _train(run_dir)
    assert [r["epoch"] for r in runs.read_metrics(run_dir, "epoch")] == [1, 2]
    stray = run_dir / ".checkpoint.safetensors.k1ll3d.tmp"
    stray.write_bytes(b"half")
    an_hour_ago = time.time() - 3600  # the killed writer's file, left behind
    os.utime(stray, (an_hour_ago, an_hour_ago))
    fresh = run_dir / ".status.wr1t1ng.tmp"  # another process's write in progress: kept
    fresh.write_bytes(b"{}")
    _train(run_dir, resume=True)
    assert fresh.exists()
    fresh.unlink()
    assert [r["epoch"] for r in runs.read_metrics(run_dir, "epoch")] == [1, 2]
    steps = [r["step"] for r in runs.read_metrics(run_dir, "step")]
    assert steps == sorted(set(steps))
    assert not stray.exists()
    assert _same_weights(run_dir, _train(tmp_path / "whole"))


# --- 5: a recycled PID --------------------------------------------------------------------


def test_a_status_pointing_at_an_unrelated_live_process_is_interrupted(runs_dir, no_spawn):
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        run_dir = runs_dir / "hostage"
        _train(run_dir)
        # The run was killed and its PID went to an unrelated process started later.
        _status(run_dir, state="running", pid=stranger.pid, pid_started=1, epoch=1)
        assert runs.read_status(run_dir)["state"] == "interrupted"
        assert run_queue.active(runs_dir) == []
        run_queue.resume(run_dir, epochs=3)
        assert no_spawn == ["hostage"]
        _status(run_dir, state="running", pid=stranger.pid, pid_started=1, epoch=1)
        runs.delete_run(run_dir)
        assert not run_dir.exists()
    finally:
        stranger.kill()
        stranger.wait()


def test_the_status_proves_the_identity_of_a_live_training(tmp_path):
    runs.write_status(tmp_path, "running")
    status = runs.read_json(tmp_path / runs.STATUS_FILE)
    assert status["pid"] == os.getpid() and status["pid_started"]
    assert runs.read_status(tmp_path)["state"] == "running"


# --- 6: a run folder deleted while training -----------------------------------------------


def test_a_folder_deleted_while_training_stays_deleted(tmp_path):
    run_dir = tmp_path / "doomed"

    def delete(record):
        if record["type"] == "step" and record["step"] == 10:
            shutil.rmtree(run_dir)

    _train(run_dir, progress=delete)  # ends quietly
    assert not run_dir.exists()


def test_readers_of_a_half_deleted_folder_return_nothing(tmp_path):
    from vae.errors import VAELabError
    from vae.runs.cache import cache_key

    run_dir = tmp_path / "half"
    run_dir.mkdir()
    assert runs.read_metrics(run_dir) == [] and runs.latest_reconstruction(run_dir) is None
    assert runs.run_info(run_dir).epoch == 0
    with pytest.raises(VAELabError, match="half"):
        cache_key(run_dir, "map", {})
    assert runs.list_runs(tmp_path / "gone") == []


# --- 7: a rejected upload is not kept -----------------------------------------------------


def test_a_rejected_upload_leaves_nothing_behind(runs_dir):
    from vae.errors import DataError
    from vae.runs.uploads import store_upload

    with pytest.raises(DataError, match=r"^bad\.npz is not"):
        store_upload("bad.npz", b"not a numpy file at all")
    assert not runs_dir.exists() or not any(runs_dir.rglob("*"))
    good = store_upload(
        "points.csv", b"a,b\n" + b"".join(b"%d,%d\n" % (i, i * i) for i in range(12))
    )
    assert good.is_file() and good.parent.parent == runs_dir


def test_a_write_in_progress_is_not_taken_for_a_stray(tmp_path):
    # The server writes a run's status while the warm supervisor it handed the run to starts
    # training and cleans the folder: the status's temporary file must survive the cleaning.
    from vae.io import remove_stray_temp_files

    old = tmp_path / ".metrics.jsonl.dead.tmp"
    young = tmp_path / ".status.live.tmp"
    for path in (old, young):
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert remove_stray_temp_files(tmp_path) == [old]
    assert young.exists() and not old.exists()
    assert remove_stray_temp_files(tmp_path, older_than=0) == [young]
