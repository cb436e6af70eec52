"""VAE Lab's core: variational autoencoders you can train, inspect and evaluate.

``from vae import VAE, VAEConfig, TrainConfig, load_dataset, train``. Nothing in
this package imports Streamlit except ``vae.app``.
"""

from __future__ import annotations

from typing import Any

from vae.errors import CheckpointError, ConfigError, DataError, RunError, VAELabError

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


# OMP_WAIT_POLICY is left to GNU OpenMP's default on purpose. PASSIVE (set before torch
# loads) cured most of the cliff at a forced 2 threads, but cost the quiet machine far more
# than it saved: MLP training -45 %, conv bf16 -34 %, conv fp32 -23 %, IWAE -9 % at 2 threads,
# and the probe then picks 1 thread even when quiet (issue 18; vae.threads avoids the cliff).


def __getattr__(name: str) -> Any:
    # Torch, data and training are imported only when asked: the launcher's supervisor
    # (``python -m vae.launcher``) needs none of them, and importing torch costs it 1-10 s
    # before the training even starts (issue 18).
    if name in ("TrainConfig", "VAEConfig"):
        from vae.model import config

        return getattr(config, name)
    if name in ("VAE", "Posterior"):
        from vae.model import autoencoder as model

        return getattr(model, name)
    if name == "load_dataset":
        from vae.data import load_dataset

        return load_dataset
    if name == "train":
        from vae.training.train import train

        return train
    raise AttributeError(f"module 'vae' has no attribute {name!r}")
