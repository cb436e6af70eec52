"""The run-folder type: every file of a run folder, config.json read in one place."""

from __future__ import annotations

import json
import os
import subprocess

from vae.runs import catalog
from vae.runs import store as runs
from vae.runs.processes import group_alive, launch_alive, process_alive, process_start
from vae.runs.store import RunConfig, RunDir


def test_a_run_dir_names_every_file_of_a_run_folder(tmp_path):
    run = RunDir(tmp_path / "r")
    names = {
        run.config_file: "config.json",
        run.metrics_file: "metrics.jsonl",
        run.weights_file: "model.safetensors",
        run.checkpoint_file: "checkpoint.safetensors",
        run.status_file: "status",
        run.summary_file: "summary.json",
        run.recon_dir: "reconstructions",
        run.stop_file: "stop",
        run.launch_file: "launch.json",
        run.log_file: "train.log",
        run.cache_dir: "cache",
    }
    for path, name in names.items():
        assert path == tmp_path / "r" / name
    assert run.reconstruction_file(3).name == "epoch_0003.png"


def test_config_json_is_read_in_one_place(tmp_path):
    run = RunDir(tmp_path)
    assert run.config() is None and RunConfig({}).dataset_name == "?"
    run.write_config(
        model={"latent_dim": 4},
        input_shape=(1, 8, 8),
        train={"dataset": "digits", "epochs": 3, "image_size": None},
        dataset={"name": "digits", "class_names": ["0", "1"]},
        precision_used="bf16",
    )
    config = run.config()
    assert config.model == {"latent_dim": 4} and config.input_shape == (1, 8, 8)
    assert config.dataset_name == "digits" and config.epochs == 3
    assert config.dataset["class_names"] == ["0", "1"] and config.precision_used == "bf16"
    assert json.loads(run.config_file.read_text())["format"] == runs.CONFIG_FORMAT
    run.config_file.write_text("{half")
    assert run.config() is None


def test_the_weights_fingerprint_follows_the_content(tmp_path):
    a, b = RunDir(tmp_path / "a"), RunDir(tmp_path / "b")
    assert a.fingerprint() is None
    for run in (a, b):
        run.path.mkdir()
        run.weights_file.write_bytes(b"same weights")
    assert a.fingerprint() == b.fingerprint()
    b.weights_file.write_bytes(b"other weights, other size")
    assert a.fingerprint() != b.fingerprint()


def test_trim_keeps_what_the_checkpoint_covers(tmp_path):
    run = RunDir(tmp_path)
    for step in (5, 10, 11, 15):
        run.append_metrics({"type": "step", "step": step})
    run.append_metrics({"type": "epoch", "epoch": 1, "step": 11})
    assert run.trim_metrics(11) == 1
    assert [r["step"] for r in run.metrics()] == [5, 10, 11, 11]
    assert run.trim_metrics(11) == 0


def test_process_identity_uses_the_start_time():
    me = os.getpid()
    assert process_alive(me) and process_alive(me, process_start(me))
    assert not process_alive(me, process_start(me) + 1)
    assert not process_alive(None) and not launch_alive(0) and not group_alive(-1)
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert process_alive(child.pid, process_start(child.pid))
    finally:
        child.kill()
        child.wait()


def test_find_looks_up_bundled_models_then_runs(runs_dir):
    bundled = catalog.bundled_models()[0]
    assert catalog.find(bundled.name) == bundled
    assert catalog.find("no-such-model") is None
    mine = RunDir(runs_dir / "mine")
    mine.path.mkdir(parents=True)
    mine.write_status("completed")
    mine.weights_file.write_bytes(b"weights")
    assert catalog.find("mine").source == "run"


def test_kept_uploads_live_under_a_quota_and_the_ones_runs_use_stay(tmp_path, monkeypatch):
    import io
    import json
    import os

    import numpy as np

    from vae.runs import uploads

    def npz(seed: int) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, x=np.random.default_rng(seed).random((40, 3)))
        return buffer.getvalue()

    root = tmp_path / "runs"
    first = uploads.store_upload("a.npz", npz(0), root)
    (root / "trained").mkdir()
    (root / "trained" / "config.json").write_text(json.dumps({"train": {"dataset": str(first)}}))
    second = uploads.store_upload("b.npz", npz(1), root)
    os.utime(first, (1, 1))  # the oldest
    os.utime(second, (2, 2))
    monkeypatch.setattr(uploads, "UPLOAD_QUOTA_BYTES", first.stat().st_size * 2 + 10)
    third = uploads.store_upload("c.npz", npz(2), root)
    # Over the quota: the oldest upload no run uses goes; the one a run was trained on stays.
    assert first.exists() and not second.exists() and third.exists()
