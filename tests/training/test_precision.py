"""Mixed precision in training and the no-gradient fast path of the conv decoder.

bfloat16 may only touch the encoder and decoder bodies while training: the
heads, flows and the ELBO stay fp32, evaluation stays exactly fp32, and a
bf16 run stays deterministic and resumes exactly.
"""

import json

import pytest
import torch
from safetensors.torch import load_file

from vae import VAE, VAEConfig
from vae.bench.speed import run_bench
from vae.errors import ConfigError
from vae.model.config import TrainConfig
from vae.model.evaluation import summarize
from vae.runs import store as runs
from vae.training.configs import configs_for
from vae.training.device import bf16_is_fast, resolve_precision
from vae.training.train import train

CPU = torch.device("cpu")
CONV = VAEConfig(latent_dim=4, architecture="conv", conv_channels=(8, 8))


def test_precision_resolves_per_setting_and_architecture():
    assert resolve_precision("fp32", CPU, "conv") is None
    assert resolve_precision("bf16", CPU, "mlp") is torch.bfloat16
    assert resolve_precision("auto", CPU, "mlp") is None
    expected = torch.bfloat16 if bf16_is_fast(CPU) else None
    assert resolve_precision("auto", CPU, "conv") is expected
    with pytest.raises(ConfigError, match="precision must be one of auto, fp32, bf16"):
        resolve_precision("fp16", CPU, "conv")


def test_train_config_refuses_an_unknown_precision_in_one_sentence():
    with pytest.raises(ConfigError) as info:
        TrainConfig(precision="half")
    assert str(info.value) == "precision must be one of auto, fp32, bf16, got 'half'."


def _pair() -> tuple[VAE, VAE]:
    fp32 = VAE(CONV, (1, 16, 16))
    bf16 = VAE(CONV, (1, 16, 16))
    bf16.load_state_dict(fp32.state_dict())
    bf16.train_dtype = torch.bfloat16
    return fp32, bf16


def test_bf16_changes_training_passes_only_and_keeps_the_elbo_in_fp32():
    fp32, bf16 = _pair()
    x = torch.rand(16, 1, 16, 16).round()
    fp32.eval(), bf16.eval()
    torch.manual_seed(1)
    a = fp32(x)
    torch.manual_seed(1)
    b = bf16(x)
    assert torch.equal(a.loss, b.loss), "evaluation must ignore train_dtype"
    assert torch.equal(fp32.decode(torch.zeros(2, 4)), bf16.decode(torch.zeros(2, 4)))

    fp32.train(), bf16.train()
    torch.manual_seed(2)
    a = fp32(x)
    torch.manual_seed(2)
    b = bf16(x)
    assert b.loss.dtype == torch.float32 and b.kl_per_dim.dtype == torch.float32
    assert not torch.equal(a.loss, b.loss), "bf16 was not used in training"
    assert b.loss.item() == pytest.approx(a.loss.item(), rel=2e-2)
    b.loss.backward()
    for name, p in bf16.named_parameters():
        assert p.grad is not None and p.grad.dtype == torch.float32, name
        assert torch.isfinite(p.grad).all(), name


def test_decoding_without_gradients_takes_the_channels_last_path_and_agrees():
    model = VAE(VAEConfig(latent_dim=4, architecture="conv"), (1, 28, 28)).eval()
    z = torch.randn(2, 5, 4)  # leading sample dimension, as IWAE decodes
    with_grad = model.decoder_params(z, None)
    with torch.inference_mode():
        fast = model.decoder_params(z, None)
    assert fast.shape == (2, 5, 1, 28, 28) and fast.is_contiguous()
    torch.testing.assert_close(fast, with_grad.detach(), atol=1e-5, rtol=1e-5)


FAST_CONV = {
    "dataset": "digits",
    "architecture": "conv",
    "conv_channels": (8,),
    "latent_dim": 3,
    "batch_size": 64,
    "log_every": 1,
    "precision": "bf16",
}


def _train(out, resume=False, progress=None, **overrides):
    model_config, train_config, data = configs_for({**FAST_CONV, "epochs": 2, **overrides})
    return train(model_config, train_config, out, resume=resume, data=data, progress=progress)


def test_a_bf16_conv_run_records_its_precision_and_resumes_exactly(tmp_path):
    full = _train(tmp_path / "full")
    config = json.loads((full / "config.json").read_text())
    assert config["train"]["precision"] == "bf16" and config["precision_used"] == "bf16"

    def stop_early(record):
        if record["type"] == "step" and record["step"] == 5:
            runs.request_stop(tmp_path / "parted")

    parted = _train(tmp_path / "parted", progress=stop_early)
    assert runs.read_status(parted)["state"] == "stopped"
    _train(tmp_path / "parted", resume=True)
    wa = load_file(full / "checkpoint.safetensors")
    wb = load_file(parted / "checkpoint.safetensors")
    assert all(torch.equal(wa[k], wb[k]) for k in wa if k.startswith(("model.", "optim.")))


def test_a_run_from_before_the_setting_resumes_in_fp32(tmp_path):
    run = _train(tmp_path / "run", epochs=1, precision="auto")
    config = json.loads((run / "config.json").read_text())
    del config["train"]["precision"]
    (run / "config.json").write_text(json.dumps(config))
    _train(run, resume=True, epochs=2)
    config = json.loads((run / "config.json").read_text())
    assert config["train"]["precision"] == "fp32" and config["precision_used"] == "fp32"


def test_summary_limits_the_iwae_to_the_first_examples():
    model = VAE(VAEConfig(latent_dim=2, hidden_dims=(16,)), (1, 8, 8)).eval()
    x = torch.rand(30, 1, 8, 8).round()
    part = summarize(model, x, k=5, iwae_examples=10)
    whole = summarize(model, x, k=5)
    assert part["log_likelihood_n"] == 10 and whole["log_likelihood_n"] == 30
    assert part["n_test"] == 30


def test_bench_reports_the_precision_and_the_fp32_rate_beside_the_baseline():
    result = run_bench(seconds=0.15)
    assert result["conv_train_precision"] in ("fp32", "bf16")
    for key in (
        "conv_train_steps_per_s",
        "conv_train_fp32_steps_per_s",
        "conv_plain_loop_steps_per_s",
        "iwae_examples_per_s",  # the real IWAE estimator and the real large-map UMAP
        "umap_points_per_s",
    ):
        assert result[key] > 0 and result["busy_core"][key] > 0, key
        assert result["busy_core"][f"{key}_fraction"] > 0, key
    assert result["iwae_threads"] >= 1 and result["umap_threads"] >= 1
    assert result["conv_over_plain_loop"] == pytest.approx(
        result["conv_train_steps_per_s"] / result["conv_plain_loop_steps_per_s"], rel=0.02
    )
