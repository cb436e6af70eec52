"""Training checkpoints: weights, optimiser, RNG and position in one safetensors file.

Everything a resumed run needs to continue exactly where it stopped. Tensors go
in the safetensors body, the rest (counters, the optimiser's hyper-parameters)
in its JSON metadata. Written atomically: a process killed while saving leaves
the previous checkpoint whole.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from vae.errors import CheckpointError
from vae.io import atomic_write_bytes


def save_checkpoint(
    path: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    tensors: dict[str, torch.Tensor],
    state: dict[str, Any],
) -> None:
    body: dict[str, torch.Tensor] = {}
    for name, value in model.state_dict().items():
        body[f"model.{name}"] = value.detach().cpu().contiguous()
    opt = optimizer.state_dict()
    for index, slots in opt["state"].items():
        for key, value in slots.items():
            body[f"optim.{index}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    for name, value in tensors.items():
        body[f"extra.{name}"] = value.detach().cpu().contiguous()
    metadata = {"state": json.dumps(state), "param_groups": json.dumps(opt["param_groups"])}
    # The folder must exist: a run deleted while training is not recreated.
    atomic_write_bytes(path, save_safetensors(body, metadata=metadata), parents=False)


def load_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Restore model and optimiser in place; return the extra tensors and the state."""
    try:
        data = path.read_bytes()
        body = load_safetensors(data)
        header_len = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_len]).get("__metadata__", {})
        state = json.loads(metadata["state"])
        param_groups = json.loads(metadata["param_groups"])
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist; there is nothing to resume.") from None
    except Exception as exc:  # damaged files raise a variety of errors
        raise CheckpointError(
            f"{path} is corrupt or truncated and cannot be resumed ({exc})."
        ) from None
    device = next(model.parameters()).device
    model_state = {k[len("model.") :]: v for k, v in body.items() if k.startswith("model.")}
    try:
        model.load_state_dict(model_state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise CheckpointError(
            f"{path} does not match the run's model configuration ({first})."
        ) from None
    opt_state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in body.items():
        if key.startswith("optim."):
            _, index, slot = key.split(".", 2)
            opt_state.setdefault(int(index), {})[slot] = value
    optimizer.load_state_dict({"state": opt_state, "param_groups": param_groups})
    for slots in optimizer.state.values():
        for slot, value in slots.items():
            if slot != "step":
                slots[slot] = value.to(device)
    extra = {k[len("extra.") :]: v for k, v in body.items() if k.startswith("extra.")}
    return extra, state
