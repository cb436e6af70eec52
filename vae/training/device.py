"""Which device computations run on: the one place that decides."""

from __future__ import annotations

import torch

from vae.errors import ConfigError
from vae.model.settings import PRECISIONS


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


def bf16_is_fast(device: torch.device) -> bool:
    """Whether ``device`` does bfloat16 arithmetic natively (not emulated in fp32 units)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return torch.backends.mkldnn.is_available() and (
            torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        )
    return False


def resolve_precision(
    precision: str, device: torch.device, architecture: str
) -> torch.dtype | None:
    """The dtype the encoder and decoder bodies train in; None means plain fp32.

    ``auto`` picks bfloat16 mixed precision for conv networks on hardware with native
    bfloat16 (AVX512-BF16 or AMX CPUs, recent GPUs). Measured training steps/s on 2
    Zen 4 cores: 1.0× at 8×8, 1.3× at 32×32, 1.6× at 28×28, 2.0× at 64×64; never
    slower. MLPs stay in fp32. Heads, flows and the ELBO are always fp32.
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        if device.type == "cpu" and not torch.backends.mkldnn.is_available():
            raise ConfigError("precision 'bf16' needs oneDNN, which this torch lacks; use fp32.")
        if device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise ConfigError("precision 'bf16' is not supported by this GPU; use fp32 or auto.")
        return torch.bfloat16
    if precision == "auto":
        return torch.bfloat16 if architecture == "conv" and bf16_is_fast(device) else None
    raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}.")


def precision_name(dtype: torch.dtype | None) -> str:
    """How a resolved precision is written in config.json and the bench: fp32 or bf16."""
    return "fp32" if dtype is None else "bf16"
