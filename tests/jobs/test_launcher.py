"""The launcher: real trainings started as separate processes, the queue, interrupted runs."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from vae.errors import ConfigError, RunError
from vae.jobs import arguments, supervisor
from vae.jobs import queue as run_queue
from vae.runs import store
from vae.runs import store as runs

TINY = {"dataset": "digits", "epochs": 2, "latent_dim": 2, "hidden_dims": (32,), "batch_size": 128}


def wait_for(predicate, timeout: float = 120.0, every: float = 0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


def state(run_dir: Path) -> str:
    return runs.read_status(run_dir).get("state")


def test_cli_args_use_the_cli_names():
    args = arguments.cli_args(
        {"dataset": "digits", "latent_dim": 4, "hidden_dims": [64, 32], "beta": 2.5,
         "conditional": True, "flow": "planar", "early_stopping": None, "precision": "bf16"}
    )  # fmt: skip
    assert args == [
        "--dataset", "digits", "--latent-dim", "4", "--beta", "2.5", "--hidden-dims", "64,32",
        "--flow", "planar", "--precision", "bf16", "--conditional",
    ]  # fmt: skip
    from vae.cli import build_parser

    parsed = build_parser().parse_args(["train", "--out", "x", *args])
    assert parsed.latent_dim == 4 and parsed.hidden_dims == (64, 32) and parsed.conditional
    assert parsed.precision == "bf16"


def test_unknown_setting_and_bad_name_are_refused(runs_dir):
    with pytest.raises(RunError, match="unknown training setting"):
        arguments.cli_args({"dataset": "digits", "latent": 3})
    with pytest.raises(RunError, match="not accepted"):
        run_queue.submit(TINY, name="../escape")
    with pytest.raises(ConfigError, match="latent_dim"):
        arguments.validate({**TINY, "latent_dim": 0})


def test_form_defaults_follow_the_data_set():
    digits = arguments.form_defaults("digits")
    points = arguments.form_defaults("pinwheel")
    assert digits["likelihood"] == "bernoulli" and points["likelihood"] == "gaussian"
    assert digits["latent_dim"] == 8 and points["latent_dim"] == 2
    assert set(digits) == set(arguments.form_names())


def test_max_trainings_from_the_environment(monkeypatch):
    monkeypatch.setenv(run_queue.MAX_ENV, "3")
    assert run_queue.max_trainings() == 3
    monkeypatch.setenv(run_queue.MAX_ENV, "zero")
    assert run_queue.max_trainings() == 1


@pytest.mark.slow
def test_tiny_training_runs_to_completion_in_its_own_process(runs_dir):
    run_dir = run_queue.submit(TINY, name="tiny")
    assert (run_dir / store.LAUNCH_FILE).is_file()
    # Below the web server: the supervisor (and what it starts) runs at a lower priority.
    launcher = runs.read_status(run_dir)["launcher_pid"]
    assert os.getpriority(os.PRIO_PROCESS, launcher) >= run_queue.TRAINING_NICE
    wait_for(lambda: state(run_dir) == "completed")
    epochs = runs.read_metrics(run_dir, "epoch")
    assert [r["epoch"] for r in epochs] == [1, 2]
    assert (run_dir / "model.safetensors").is_file() and (run_dir / "summary.json").is_file()
    assert "--dataset digits" in supervisor.log_tail(run_dir)
    # The CLI ran in another process: the status names its pid, not ours.
    assert runs.read_status(run_dir)["pid"] != os.getpid()
    # Continue a finished run to more epochs.
    run_queue.resume(run_dir, epochs=3)
    wait_for(
        lambda: state(run_dir) == "completed" and len(runs.read_metrics(run_dir, "epoch")) == 3
    )
    assert runs.read_metrics(run_dir, "epoch")[-1]["epoch"] == 3


@pytest.mark.slow
def test_queue_respects_the_limit_and_drains_without_a_page(runs_dir, monkeypatch):
    monkeypatch.setenv(run_queue.MAX_ENV, "1")
    dirs = [run_queue.submit({**TINY, "seed": s}, name=f"q{s}") for s in range(3)]
    assert [p.name for p in run_queue.queue()] == ["q1", "q2"]
    most = 0
    deadline = time.time() + 180
    while time.time() < deadline and not all(state(d) == "completed" for d in dirs):
        most = max(most, len(run_queue.active()))
        time.sleep(0.2)  # no dispatch here: the finishing supervisors start the next run
    assert all(state(d) == "completed" for d in dirs), [state(d) for d in dirs]
    assert most == 1
    starts = [runs.read_json(d / runs.STATUS_FILE)["started"] for d in dirs]
    ends = [runs.read_metrics(d, "epoch")[-1] for d in dirs]
    assert starts == sorted(starts) and len(ends) == 3


@pytest.mark.slow
def test_bad_input_fails_with_the_cli_sentence(runs_dir):
    run_dir = run_queue.submit({"dataset": "/nowhere/data.npz", "epochs": 1}, name="bad")
    wait_for(lambda: state(run_dir) == "failed")
    message = runs.read_status(run_dir)["message"]
    assert "does not exist" in message and "\n" not in message


@pytest.mark.slow
def test_killed_training_shows_interrupted_and_resumes(runs_dir):
    run_dir = run_queue.submit({**TINY, "epochs": 400}, name="killed")
    wait_for(lambda: len(runs.read_metrics(run_dir, "epoch")) >= 1)
    pid = runs.read_status(run_dir)["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: state(run_dir) == "interrupted")
    assert run_queue.active() == []
    done = len(runs.read_metrics(run_dir, "epoch"))
    run_queue.resume(run_dir, epochs=done + 2)
    wait_for(lambda: state(run_dir) == "completed", timeout=180)
    assert runs.read_metrics(run_dir, "epoch")[-1]["epoch"] == done + 2


@pytest.mark.slow
def test_stop_checkpoints_and_cancel_takes_a_queued_run_off(runs_dir, monkeypatch):
    monkeypatch.setenv(run_queue.MAX_ENV, "1")
    first = run_queue.submit({**TINY, "epochs": 400}, name="long")
    second = run_queue.submit(TINY, name="waiting")
    run_queue.cancel(second)
    assert state(second) == "stopped" and run_queue.queue() == []
    wait_for(lambda: state(first) == "running" and runs.read_metrics(first, "step"))
    run_queue.cancel(first)
    wait_for(lambda: state(first) == "stopped")
    assert (first / runs.CHECKPOINT_FILE).is_file()
    assert state(second) == "stopped"  # a cancelled run is not started by the freed slot


def test_a_full_queue_refuses_another_run_in_one_sentence(runs_dir, monkeypatch):
    monkeypatch.setenv(run_queue.QUEUE_ENV, "2")
    for i in range(2):
        (runs_dir / f"waiting{i}").mkdir(parents=True)
        runs.write_status(runs_dir / f"waiting{i}", "queued")
    with pytest.raises(RunError, match=r"The queue is full \(2 runs waiting, at most 2\)"):
        run_queue.submit(TINY, name="one-more")
    assert not (runs_dir / "one-more").exists()


def test_tabs_pressing_start_at_once_never_pass_the_queue_cap(runs_dir, monkeypatch):
    # The N = 20 load benchmark queued 9 runs under a cap of 8: two tabs counted at once.
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv(run_queue.QUEUE_ENV, "3")
    monkeypatch.setattr(run_queue, "dispatch", lambda root=None: None)  # nothing starts
    (runs_dir / "waiting").mkdir(parents=True)
    runs.write_status(runs_dir / "waiting", "queued")  # one waits already: room for two more

    def press(i: int) -> bool:
        try:
            run_queue.submit(TINY, name=f"tab{i}")
            return True
        except RunError:
            return False

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(press, range(8)))
    assert accepted == 2
    assert len(run_queue.queue()) == 3
