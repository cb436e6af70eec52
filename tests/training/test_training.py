"""Training runs: files, determinism, exact resume, clean stops, failures, the CLI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from vae.runs import store as runs
from vae.training.configs import configs_for
from vae.training.train import train

FAST = {
    "dataset": "digits",
    "hidden_dims": (32,),
    "latent_dim": 3,
    "batch_size": 64,
    "log_every": 5,
}


def _train(out, resume=False, progress=None, **overrides):
    model_config, train_config, data = configs_for({**FAST, "epochs": 2, **overrides})
    return train(model_config, train_config, out, resume=resume, data=data, progress=progress)


def _weights(run_dir):
    return load_file(Path(run_dir) / "checkpoint.safetensors")


def test_a_run_writes_everything_the_design_promises(tmp_path):
    run = _train(tmp_path / "run")
    for name in (
        "config.json",
        "metrics.jsonl",
        "model.safetensors",
        "checkpoint.safetensors",
        "status",
        "summary.json",
    ):
        assert (run / name).is_file(), name
    assert runs.read_status(run)["state"] == "completed"
    steps, epochs = runs.read_metrics(run, "step"), runs.read_metrics(run, "epoch")
    assert len(epochs) == 2 and len(steps) >= 4
    for key in (
        "train_elbo",
        "test_elbo",
        "test_recon",
        "test_kl",
        "kl_per_dim",
        "beta",
        "lr",
        "samples_per_s",
        "active_units",
    ):
        assert key in epochs[-1], key
    assert len(epochs[-1]["kl_per_dim"]) == 3
    assert epochs[-1]["test_elbo"] == pytest.approx(
        -(epochs[-1]["test_recon"] + epochs[-1]["test_kl"])
    )
    summary = json.loads((run / "summary.json").read_text())
    assert summary["log_likelihood"] >= summary["elbo"] - 0.5
    assert runs.latest_reconstruction(run).name == "epoch_0002.png"


def test_loss_falls_on_a_fixed_seed(tmp_path):
    run = _train(tmp_path / "run", epochs=4)
    epochs = runs.read_metrics(run, "epoch")
    assert epochs[-1]["test_elbo"] > epochs[0]["test_elbo"] + 1.0


def test_same_seed_gives_the_same_weights(tmp_path):
    a, b = _weights(_train(tmp_path / "a")), _weights(_train(tmp_path / "b"))
    c = _weights(_train(tmp_path / "c", seed=1))
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith("model."))
    assert not all(torch.equal(a[k], c[k]) for k in a if k.startswith("model."))


@pytest.mark.parametrize("stop_at_step", [7, 22])  # inside an epoch, and right at its end
def test_resume_after_a_stop_ends_exactly_where_the_uninterrupted_run_ends(tmp_path, stop_at_step):
    full = _train(tmp_path / "full", epochs=3, log_every=1)

    def stop_early(record):
        if record["type"] == "step" and record["step"] == stop_at_step:
            runs.request_stop(tmp_path / "parted")

    parted = _train(tmp_path / "parted", epochs=3, log_every=1, progress=stop_early)
    assert runs.read_status(parted)["state"] == "stopped"
    assert runs.read_status(parted)["step"] == stop_at_step + 1  # the step under way finishes
    _train(tmp_path / "parted", resume=True, epochs=3)
    assert runs.read_status(parted)["state"] == "completed"
    a, b = _weights(full), _weights(parted)
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith(("model.", "optim."))), (
        "weights differ"
    )
    # The map's movie too: the same frames, the same codes.
    from vae.runs import code_history

    (e_full, c_full), (e_parted, c_parted) = code_history.read(full), code_history.read(parted)
    assert e_full.tolist() == e_parted.tolist() == [0, 1, 2, 3]
    assert np.array_equal(c_full, c_parted)


def test_nan_loss_fails_the_run_and_keeps_the_last_good_weights(tmp_path, monkeypatch):
    from vae.model.autoencoder import VAE

    original = VAE.forward
    calls = {"n": 0}

    def poisoned(self, *args, **kwargs):
        terms = original(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] > 30:  # after the first epoch's checkpoint (22 steps)
            terms.loss = terms.loss * float("nan")
        return terms

    monkeypatch.setattr(VAE, "forward", poisoned)
    run = _train(tmp_path / "run", epochs=3)
    status = runs.read_status(run)
    assert status["state"] == "failed" and "nan" in status["message"]
    assert status["epoch"] == 1
    VAE.load(run)  # the last good weights are still there and load


def test_early_stopping_keeps_the_best_weights(tmp_path, monkeypatch):
    import vae.training.loop as training  # the loop's module, where elbo_stats is looked up

    values = iter([-10.0, -12.0, -13.0, -14.0, -15.0])
    real = training.elbo_stats

    def scripted(*args, **kwargs):
        out = real(*args, **kwargs)
        out["elbo"] = next(values)
        return out

    monkeypatch.setattr(training, "elbo_stats", scripted)
    run = _train(tmp_path / "run", epochs=5, early_stopping=2)
    assert len(runs.read_metrics(run, "epoch")) == 3  # best at epoch 1, then two worse ones


def test_existing_run_is_not_overwritten_and_resume_needs_a_run(tmp_path):
    run = _train(tmp_path / "run")
    before = (run / "model.safetensors").read_bytes()
    with pytest.raises(runs.RunError, match="already holds a run"):
        _train(run)
    assert (run / "model.safetensors").read_bytes() == before
    with pytest.raises(runs.RunError, match="no run to resume"):
        _train(tmp_path / "nothing", resume=True)


def _cli(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "vae", *args], capture_output=True, text=True, timeout=300, **kwargs
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--beta", "-1"], "beta"),
        (["--latent-dim", "0"], "latent_dim"),
        (["--input-dropout", "1.5"], "input_dropout"),
        (["--dataset", "no-such-data"], "no-such-data"),
        (["--epochs", "many"], "--epochs"),
        (["--flow", "glow"], "--flow"),
        (["--dataset", "moons", "--conditional"], "conditional"),
        (["--dataset", "moons", "--architecture", "conv"], "conv"),
    ],
)
def test_cli_refuses_bad_input_with_one_line(tmp_path, args, named):
    result = _cli("train", "--out", str(tmp_path / "run"), *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_cli_train_runs_and_evaluate(tmp_path):
    env = {**os.environ, "VAE_LAB_RUNS": str(tmp_path)}
    result = _cli(
        "train",
        "--dataset",
        "digits",
        "--out",
        str(tmp_path / "cli"),
        "--epochs",
        "2",
        "--latent-dim",
        "2",
        "--hidden-dims",
        "32",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2" in result.stderr and "completed" in result.stderr
    listed = json.loads(_cli("runs", "--json", env=env).stdout)
    assert [r["name"] for r in listed] == ["cli"] and listed[0]["state"] == "completed"
    result = _cli("evaluate", str(tmp_path / "cli"), "--json", "--k", "50", env=env)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("elbo", "recon", "kl", "kl_per_dim", "active_units", "log_likelihood", "n_test"):
        assert key in figures, key
    assert figures["n_test"] == 360 and figures["log_likelihood"] >= figures["elbo"] - 0.5
    assert "error:" in _cli("evaluate", str(tmp_path / "cli"), "--k", "0").stderr


@pytest.mark.slow
def test_sigterm_stops_cleanly_and_a_killed_run_shows_interrupted(tmp_path):
    def start(name):
        return subprocess.Popen(
            [sys.executable, "-m", "vae", "train", "--dataset", "digits", "--out", str(tmp_path / name),
             "--epochs", "200", "--hidden-dims", "64", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def wait_for_epoch(name):
        deadline = time.time() + 120
        while time.time() < deadline and not runs.read_metrics(tmp_path / name, "epoch"):
            time.sleep(0.2)

    proc = start("term")
    wait_for_epoch("term")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, proc.stderr.read()
    assert runs.read_status(tmp_path / "term")["state"] == "stopped"

    proc = start("kill")
    wait_for_epoch("kill")
    time.sleep(0.7)
    proc.kill()
    proc.wait(30)
    assert runs.read_status(tmp_path / "kill")["state"] == "interrupted"
    from vae.training.checkpoint import load_checkpoint
    from vae.training.loop import Trainer

    model_config, train_config, data = configs_for({"dataset": "digits", "hidden_dims": (64,)})
    trainer = Trainer(model_config, train_config, tmp_path / "kill", data=data)
    load_checkpoint(tmp_path / "kill" / "checkpoint.safetensors", trainer.model, trainer.optimizer)
    result = _cli("train", "--out", str(tmp_path / "kill"), "--resume", "--epochs", "3", "--quiet")
    assert result.returncode == 0, result.stderr
    assert runs.read_status(tmp_path / "kill")["state"] == "completed"


@pytest.mark.slow
@pytest.mark.distributed
def test_torchrun_trains_with_ddp_and_ranks_end_identical(tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    result = subprocess.run(
        [str(torchrun), "--standalone", "--nproc_per_node=2", "-m", "vae", "train", "--dataset", "digits",
         "--out", str(tmp_path / "ddp"), "--epochs", "2", "--hidden-dims", "32", "--latent-dim", "3", "--quiet"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "ddp" / "summary.json").read_text())
    assert summary["world_size"] == 2
    assert summary["ddp_replica_max_abs_diff"] == 0.0
    assert runs.read_status(tmp_path / "ddp")["state"] == "completed"
    # One run directory, written by rank 0 only: one line per epoch, not two.
    assert len(runs.read_metrics(tmp_path / "ddp", "epoch")) == 2


@pytest.mark.slow
def test_evaluate_a_shapes_run_gives_every_key(tmp_path):
    run = _train(
        tmp_path / "shapes", dataset="shapes", image_size=16, architecture="conv", latent_dim=4,
        epochs=1, epoch_size=1024, batch_size=64, hidden_dims=(32,),
    )  # fmt: skip
    result = _cli("evaluate", str(run), "--json", "--k", "10", "--quick")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    keys = ["elbo", "recon", "kl", "kl_per_dim", "active_units", "log_likelihood", "n_test", "mig",
            "dci_disentanglement", "dci_completeness", "dci_informativeness", "factor_vae_score",
            "beta_vae_score", "sap"]  # fmt: skip
    for key in keys:
        assert key in figures, key
    for key in keys[7:]:
        assert 0.0 <= figures[key] <= 1.0, (key, figures[key])


def test_a_run_records_its_thread_count_and_resume_keeps_it(tmp_path, monkeypatch):
    """The probe chose 1 thread at the start; on resume it would choose 2: the run keeps 1."""
    from vae import threads

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("VAE_LAB_THREADS", raising=False)
    monkeypatch.setattr(threads, "cores", lambda: 2)
    threads.forget_probe()
    monkeypatch.setattr(threads, "probe", lambda n, **kw: {"one": 1.0, "all": 4.0})
    seen: list[int] = []

    def stop_early(record):
        seen.append(torch.get_num_threads())
        if record["type"] == "step" and record["step"] == 3:
            runs.request_stop(tmp_path / "run")

    before = torch.get_num_threads()
    run = _train(tmp_path / "run", epochs=1, log_every=1, progress=stop_early)
    assert runs.read_status(run)["state"] == "stopped"
    assert json.loads((run / "config.json").read_text())["threads"] == 1
    assert set(seen) == {1} and torch.get_num_threads() == before
    threads.forget_probe()
    monkeypatch.setattr(threads, "probe", lambda n, **kw: {"one": 4.0, "all": 1.0})
    assert threads.training_threads() == 2  # what a new run would take now
    seen.clear()
    _train(run, resume=True, epochs=1, progress=lambda record: seen.append(torch.get_num_threads()))
    assert runs.read_status(run)["state"] == "completed"
    assert seen and set(seen) == {1}
    assert json.loads((run / "config.json").read_text())["threads"] == 1
    threads.forget_probe()


def test_the_summary_records_images_seen_and_the_load_beside_the_wall_time(tmp_path):
    run = _train(tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    config = json.loads((run / "config.json").read_text())
    assert summary["images_seen"] == summary["steps"] * config["train"]["batch_size"]
    epochs = runs.read_metrics(run, "epoch")
    loads = [r["load_1min"] for r in epochs]
    assert len(loads) == 2 and all(value >= 0 for value in loads)
    assert summary["load_1min"] == {"mean": sum(loads) / 2, "max": max(loads)}
    assert summary["train_seconds"] > 0


@pytest.mark.slow
def test_train_and_evaluate_the_notes_and_a_zip_of_wavs_from_the_cli(tmp_path):
    import zipfile

    from tests.data.test_sound import wav_file

    run = tmp_path / "notes"
    trained = _cli("train", "--dataset", "notes", "--out", str(run), "--epochs", "1",
                   "--epoch-size", "256", "--latent-dim", "4", "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-2000:]
    result = _cli("evaluate", str(run), "--json", "--k", "5", "--quick")
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert figures["factor_names"] == ["pitch", "tilt", "odd_only", "attack", "decay", "vibrato"]
    assert np.asarray(figures["mi_matrix"]).shape == (6, 4)
    for key in ("mig", "dci_disentanglement", "factor_vae_score", "beta_vae_score", "sap"):
        assert 0.0 <= figures[key] <= 1.0 and key in figures["uncertainty"], key
    archive = tmp_path / "my_sounds.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for label, base in (("low", 150.0), ("high", 700.0)):
            for i in range(6):
                z.writestr(f"{label}/{i}.wav", wav_file(base * (1 + i / 40)))
    own = _cli("train", "--dataset", str(archive), "--out", str(tmp_path / "own"), "--epochs",
               "1", "--latent-dim", "3", "--quiet")  # fmt: skip
    assert own.returncode == 0, own.stderr[-2000:]
    result = _cli("evaluate", str(tmp_path / "own"), "--json", "--k", "5")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["dataset"] == "my_sounds"
