"""The configs a data set implies: its defaults, then a person's settings, checked once.

Used by ``vae.training.train.train`` and the loop (``vae.training.loop``), by the CLI and by the
launcher's form defaults (``vae.jobs.arguments``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from vae.data import Dataset, load_dataset
from vae.errors import ConfigError
from vae.model import objectives
from vae.model.config import TrainConfig, VAEConfig


def configs_for(
    overrides: dict[str, Any], data: Dataset | None = None
) -> tuple[VAEConfig, TrainConfig, Dataset]:
    """Model and training configs for a data set: its defaults, the objective's, then ``overrides``.

    ``overrides`` uses the CLI's names (``latent_dim``, ``beta``, ``epochs``, ...)
    and must name the data set as ``dataset``. The one place where defaults meet.
    """
    name = overrides.get("dataset", "digits")
    if data is None:
        data = load_dataset(
            name, image_size=overrides.get("image_size"), data_dir=overrides.get("data_dir"),
            tokens=overrides.get("tokens"),
        )  # fmt: skip
    objective = overrides.get("objective") or data.defaults.get("objective") or "vae"
    merged = {
        "architecture": data.default_architecture,
        "likelihood": data.likelihood,
        **data.defaults,
        **objectives.get(objective).defaults,  # what its paper fixes, over the data set's
        **overrides,
    }
    if merged.get("conditional") and merged.get("n_classes") is None:
        if not data.has_labels:
            raise ConfigError(
                f"conditional needs a data set with class labels, and {data.name} has none."
            )
        merged["n_classes"] = data.n_classes
    model_fields = {f.name for f in fields(VAEConfig)}
    train_fields = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(merged) - model_fields - train_fields)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(unknown)}; see python -m vae train --help."
        )
    model_config = VAEConfig(**{k: v for k, v in merged.items() if k in model_fields})
    train_config = TrainConfig(**{k: v for k, v in merged.items() if k in train_fields})
    return prepare_config(model_config, data), train_config, data


def prepare_config(model_config: VAEConfig, data: Dataset) -> VAEConfig:
    """Fill what the data decides (the class count of a conditional model, the vocabulary size of
    a text model); refuse misfits."""
    text = model_config.likelihood == "categorical" or model_config.architecture in ("gru", "chunk")
    if text != (data.kind == "text"):
        raise ConfigError(
            f"{data.name} holds {data.kind} data and the model is set for "
            f"{'text' if text else 'non-text data'} (architecture {model_config.architecture}, "
            f"likelihood {model_config.likelihood}); text takes gru or chunk with categorical."
        )
    if text and model_config.vocab_size != len(data.vocabulary):
        model_config = VAEConfig.from_dict(
            {**model_config.to_dict(), "vocab_size": len(data.vocabulary)}
        )
    if model_config.conditional:
        if not data.has_labels:
            raise ConfigError(
                f"conditional needs a data set with class labels, and {data.name} has none."
            )
        if model_config.n_classes not in (None, data.n_classes):
            raise ConfigError(
                f"n_classes is {model_config.n_classes} but {data.name} has {data.n_classes} classes."
            )
        return VAEConfig.from_dict({**model_config.to_dict(), "n_classes": data.n_classes})
    if model_config.architecture == "conv" and not data.is_image:
        raise ConfigError(
            f"architecture 'conv' needs images, and {data.name} holds vectors; use mlp."
        )
    return model_config
