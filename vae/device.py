"""Which device computations run on: the one place that decides."""

from __future__ import annotations

import torch

from vae.errors import ConfigError


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; ``cuda`` without a GPU is refused."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                "device 'cuda' was asked for but no CUDA GPU is available; use cpu or auto."
            )
        return torch.device("cuda")
    raise ConfigError(f"device must be one of auto, cpu, cuda, got {name!r}.")
