"""Every objective trains through the real trainer and resumes bit-exactly (FactorVAE's D too)."""

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from vae.runs import store as runs
from vae.training.configs import configs_for
from vae.training.train import train

TINY = {
    "dataset": "digits",
    "hidden_dims": (32,),
    "latent_dim": 4,
    "batch_size": 64,
    "epochs": 2,
    "log_every": 1,
}
OWN = {  # each objective's settings, small and fast
    "vae": {},
    "beta-tcvae": {"tc_weight": 4.0},
    "factor-vae": {"factor_gamma": 5.0, "discriminator_hidden": (32, 32)},
    "dip-vae-i": {"dip_i_lambda_od": 5.0},
    "dip-vae-ii": {"dip_ii_lambda_od": 5.0},
}
OWN_TERMS = {
    "vae": set(),
    "beta-tcvae": {"mi", "tc", "dwkl"},
    "factor-vae": {"tc", "discriminator_loss", "discriminator_accuracy"},
    "dip-vae-i": {"dip_penalty"},
    "dip-vae-ii": {"dip_penalty"},
}


def _train(out, name, resume=False, progress=None):
    model_config, train_config, data = configs_for({**TINY, "objective": name, **OWN[name]})
    return train(model_config, train_config, out, resume=resume, data=data, progress=progress)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(OWN))
def test_each_objective_trains_and_resumes_bit_exactly(tmp_path, name):
    full = _train(tmp_path / "full", name)
    steps = runs.read_metrics(full, "step")
    for record in steps:
        assert OWN_TERMS[name] <= set(record), f"{name} logs its own terms"
        # The ELBO and its parts, in nats per example, beside the objective's terms.
        assert record["elbo"] == pytest.approx(-(record["recon"] + record["kl"]), rel=1e-5)
    epochs = runs.read_metrics(full, "epoch")
    assert epochs[-1]["test_elbo"] > epochs[0]["test_elbo"] - 1.0

    def stop_early(record):
        if record["type"] == "step" and record["step"] == 7:
            runs.request_stop(tmp_path / "parted")

    parted = _train(tmp_path / "parted", name, progress=stop_early)
    assert runs.read_status(parted)["state"] == "stopped"
    _train(tmp_path / "parted", name, resume=True)
    assert runs.read_status(parted)["state"] == "completed"
    a = load_file(Path(full) / "checkpoint.safetensors")
    b = load_file(Path(parted) / "checkpoint.safetensors")
    assert set(a) == set(b)
    if name == "factor-vae":
        assert any(k.startswith("extra.objective.discriminator.") for k in a)
        assert any(k.startswith("extra.objective_optim.discriminator.") for k in a)
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"{name}: {different[:3]} differ after resume"
