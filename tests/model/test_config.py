import json

import pytest

from vae import ConfigError, TrainConfig, VAEConfig

BAD_MODEL_VALUES = [
    ("latent_dim", 0, "latent_dim"),
    ("latent_dim", 2.5, "latent_dim"),
    ("beta", -1.0, "beta"),
    ("beta", float("nan"), "beta"),
    ("input_dropout", 1.0, "input_dropout"),
    ("latent_dropout", -0.1, "latent_dropout"),
    ("flow", "glow", "flow"),
    ("flow_length", 0, "flow_length"),
    ("likelihood", "poisson", "likelihood"),
    ("architecture", "transformer", "architecture"),
    ("beta_schedule", "cosine", "beta_schedule"),
    ("free_bits", -0.5, "free_bits"),
    ("free_bits_mode", "dataset", "free_bits_mode"),
    ("gaussian_scale", 0.0, "gaussian_scale"),
    ("hidden_dims", (), "hidden_dims"),
    ("warmup_fraction", 0.0, "warmup_fraction"),
    ("n_cycles", 0, "n_cycles"),
]


@pytest.mark.parametrize(("field", "value", "named"), BAD_MODEL_VALUES)
def test_invalid_model_value_is_refused_naming_the_field(field, value, named):
    with pytest.raises(ConfigError) as info:
        VAEConfig(**{field: value})
    message = str(info.value)
    assert message.startswith(named)
    assert message.count(".") >= 1 and "\n" not in message


def test_conditional_needs_a_class_count():
    with pytest.raises(ConfigError, match="n_classes"):
        VAEConfig(conditional=True)
    assert VAEConfig(conditional=True, n_classes=10).n_classes == 10


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("epochs", 0),
        ("batch_size", 0),
        ("lr", 0.0),
        ("lr", 2.0),
        ("seed", -1),
        ("device", "tpu"),
        ("image_size", 2),
    ],
)
def test_invalid_train_value_is_refused(field, value):
    with pytest.raises(ConfigError, match=field):
        TrainConfig(**{field: value})


def test_json_round_trip(tmp_path):
    config = VAEConfig(
        latent_dim=3,
        beta=4.0,
        flow="iaf",
        flow_length=2,
        conditional=True,
        n_classes=3,
        free_bits=0.1,
        input_dropout=0.15,
        latent_dropout=0.15,
        hidden_dims=(64, 32),
    )
    path = tmp_path / "config.json"
    config.save(path)
    assert VAEConfig.load(path) == config
    assert json.loads(path.read_text())["hidden_dims"] == [64, 32]


def test_unknown_field_in_json_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"latent_dim": 2, "lattent": 3}))
    with pytest.raises(ConfigError, match="lattent"):
        VAEConfig.load(path)


def test_broken_json_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        VAEConfig.load(path)
