"""The model: shapes, dropout, the conditional decoder, storage and its errors."""

import json

import pytest
import torch

from vae import VAE, CheckpointError, ConfigError, VAEConfig

SHAPES = [
    ("mlp", (1, 8, 8)),
    ("conv", (1, 8, 8)),
    ("conv", (1, 28, 28)),
    ("conv", (1, 32, 32)),
    ("conv", (1, 64, 64)),
    ("conv", (3, 32, 32)),
    ("mlp", (2,)),
]


@pytest.mark.parametrize(("architecture", "shape"), SHAPES)
def test_networks_fit_every_data_shape(architecture, shape):
    likelihood = "gaussian" if len(shape) == 1 else "bernoulli"
    model = VAE(VAEConfig(latent_dim=3, architecture=architecture, likelihood=likelihood), shape)
    x = torch.rand(4, *shape)
    posterior = model.encode(x)
    assert posterior.mean.shape == (4, 3) and posterior.logvar.shape == (4, 3)
    assert model.decode(posterior.mean).shape == x.shape
    assert model.sample(5).shape == (5, *shape)
    assert model.reconstruct(x).shape == x.shape
    terms = model(x)
    terms.loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_bernoulli_decodes_to_pixels_in_unit_interval():
    model = VAE(VAEConfig(latent_dim=2, hidden_dims=(16,)), (1, 8, 8))
    out = model.decode(torch.randn(10, 2) * 10)
    assert out.min() >= 0 and out.max() <= 1


def test_conv_refuses_vectors():
    with pytest.raises(ConfigError, match="conv"):
        VAE(VAEConfig(architecture="conv"), (2,))


def test_dropout_changes_training_outputs_and_never_evaluation_outputs():
    config = VAEConfig(latent_dim=4, hidden_dims=(32,), input_dropout=0.5, latent_dropout=0.5)
    plain = VAEConfig(latent_dim=4, hidden_dims=(32,))
    model, reference = VAE(config, (1, 8, 8)), VAE(plain, (1, 8, 8))
    reference.load_state_dict(model.state_dict())
    x = torch.rand(16, 1, 8, 8)

    def run(m):
        torch.manual_seed(7)
        return m(x).loss.detach()

    model.train(), reference.train()
    assert not torch.allclose(run(model), run(reference))
    model.eval(), reference.eval()
    torch.testing.assert_close(run(model), run(reference))
    torch.testing.assert_close(model.reconstruct(x), reference.reconstruct(x))


def test_conditional_model_decodes_the_same_z_differently_per_label():
    config = VAEConfig(latent_dim=2, hidden_dims=(32,), conditional=True, n_classes=3)
    model = VAE(config, (1, 8, 8))
    z = torch.randn(1, 2).expand(3, 2)
    images = model.decode(z, torch.tensor([0, 1, 2]))
    assert not torch.allclose(images[0], images[1]) and not torch.allclose(images[1], images[2])
    assert torch.allclose(model.decode(z[:1], 1), images[1:2])
    with pytest.raises(ConfigError, match="y"):
        model.decode(z)
    with pytest.raises(ConfigError, match="class indices"):
        model.decode(z[:1], 3)


@pytest.mark.parametrize("flow", ["none", "planar", "radial", "iaf"])
def test_save_then_load_gives_identical_outputs(tmp_path, flow):
    config = VAEConfig(
        latent_dim=3,
        hidden_dims=(16,),
        flow=flow,
        flow_length=2,
        likelihood="gaussian",
        conditional=True,
        n_classes=2,
    )
    model = VAE(config, (2,)).eval()
    model.save(tmp_path)
    loaded = VAE.load(tmp_path)
    assert loaded.config == config and loaded.input_shape == (2,)
    x, y = torch.randn(5, 2), torch.tensor([0, 1, 0, 1, 1])
    torch.testing.assert_close(loaded.encode(x, y).mean, model.encode(x, y).mean)
    torch.testing.assert_close(
        loaded.decode(torch.ones(5, 3), y), model.decode(torch.ones(5, 3), y)
    )


def test_save_keeps_other_entries_of_config_json(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"train": {"epochs": 3}}))
    VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), (1, 8, 8)).save(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["train"] == {"epochs": 3} and saved["model"]["latent_dim"] == 2


@pytest.fixture
def saved(tmp_path):
    VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), (1, 8, 8)).save(tmp_path)
    return tmp_path


def _one_line_error(directory):
    with pytest.raises(CheckpointError) as info:
        VAE.load(directory)
    message = str(info.value)
    assert "\n" not in message and str(directory) in message
    return message


def test_truncated_weights_give_one_clear_error(saved):
    weights = saved / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    assert "corrupt or truncated" in _one_line_error(saved)


def test_garbage_weights_give_one_clear_error(saved):
    (saved / "model.safetensors").write_bytes(b"\x80\x04not a safetensors file at all")
    assert "corrupt or truncated" in _one_line_error(saved)


def test_mismatched_config_gives_one_clear_error(saved):
    config = json.loads((saved / "config.json").read_text())
    config["model"]["latent_dim"] = 5
    (saved / "config.json").write_text(json.dumps(config))
    assert "does not match" in _one_line_error(saved)


def test_missing_or_invalid_config_gives_one_clear_error(saved):
    (saved / "config.json").write_text('{"model": {"latent_dim": -1}, "input_shape": [1, 8, 8]}')
    assert "latent_dim" in _one_line_error(saved)
    (saved / "config.json").unlink()
    assert "config.json" in _one_line_error(saved)


def test_missing_folder_gives_one_clear_error(tmp_path):
    assert "not a folder" in _one_line_error(tmp_path / "nowhere")
