"""The learning rate's decay over the end of a run (``lr_decay``)."""

from __future__ import annotations

import json

import pytest

from vae.training.optim import scheduled_lr


def test_constant_without_decay():
    assert [scheduled_lr(0.002, 0.0, s, 100) for s in (0, 50, 99)] == [0.002] * 3


def test_linear_over_the_last_fraction():
    # 100 steps, decay over the last 30: flat to step 70, then (100 - step) / 30 of the rate.
    assert scheduled_lr(0.003, 0.3, 0, 100) == pytest.approx(0.003)
    assert scheduled_lr(0.003, 0.3, 70, 100) == pytest.approx(0.003)
    assert scheduled_lr(0.003, 0.3, 85, 100) == pytest.approx(0.0015)
    assert scheduled_lr(0.003, 0.3, 99, 100) == pytest.approx(0.0001)  # never zero on a step


def test_a_digits_run_logs_the_decayed_rate(tmp_path):
    from vae.training.configs import configs_for
    from vae.training.train import train

    out = tmp_path / "run"
    model_config, train_config, _ = configs_for(
        {"dataset": "digits", "epochs": 2, "hidden_dims": [32], "latent_dim": 2, "log_every": 1}
    )
    train(model_config, train_config, out)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in records if r["type"] == "step"]
    total = len(steps)
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["lr_decay"] == 0.3  # the digits default
    lrs = [r["lr"] for r in steps]
    for r in steps:
        assert r["lr"] == pytest.approx(scheduled_lr(0.002, 0.3, r["step"] - 1, total))
    assert lrs[0] == 0.002 and lrs[-1] < 0.0002
