"""VAE Lab's core: variational autoencoders you can train, inspect and evaluate.

``from vae import VAE, VAEConfig, TrainConfig, load_dataset, train``. Nothing in
this package imports Streamlit except ``vae.app``.
"""

from __future__ import annotations

from typing import Any

from vae.config import TrainConfig, VAEConfig
from vae.errors import CheckpointError, ConfigError, DataError, RunError, VAELabError
from vae.model import VAE, Posterior

__all__ = [
    "VAE",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "Posterior",
    "RunError",
    "TrainConfig",
    "VAEConfig",
    "VAELabError",
    "load_dataset",
    "train",
]


def __getattr__(name: str) -> Any:
    # Data and training pull in scikit-learn and friends: import them only when asked.
    if name == "load_dataset":
        from vae.data import load_dataset

        return load_dataset
    if name == "train":
        from vae.training import train

        return train
    raise AttributeError(f"module 'vae' has no attribute {name!r}")
