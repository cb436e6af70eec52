"""Training under ``torchrun``: the process group, agreement between ranks, replica checks.

With one process (the usual case) every function here is a no-op or the identity.
"""

from __future__ import annotations

import gc
import os

import torch
import torch.distributed as dist


def rank_and_world() -> tuple[int, int]:
    """(rank, world size); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def rank_device(world: int, requested: str) -> torch.device | None:
    """The GPU of this rank under torchrun on GPUs, else None (resolve the device as usual)."""
    if world > 1 and torch.cuda.is_available() and requested != "cpu":
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return None


def wrap(model: torch.nn.Module, world: int, device: torch.device) -> torch.nn.Module:
    """The network the loop calls: the model itself, or DistributedDataParallel over it."""
    if world == 1:
        return model
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)


def agree(
    stop: bool, failed: bool, *, main: bool, world: int, device: torch.device
) -> tuple[bool, bool]:
    """Every rank must stop or fail together: rank 0's stop and anyone's NaN decide."""
    if world == 1:
        return stop, failed
    flags = torch.tensor([float(stop and main), float(failed)], device=device)
    dist.all_reduce(flags)
    return bool(flags[0] > 0), bool(flags[1] > 0)


def replica_difference(model: torch.nn.Module, world: int, device: torch.device) -> float | None:
    """Under DDP, the largest difference between any rank's weights and rank 0's (should be 0)."""
    if world == 1:
        return None
    worst = torch.zeros((), device=device)
    for p in model.parameters():
        reference = p.detach().clone()
        dist.broadcast(reference, src=0)
        worst = torch.maximum(worst, (p.detach() - reference).abs().max())
    dist.all_reduce(worst, op=dist.ReduceOp.MAX)
    return float(worst)


def barrier(world: int) -> None:
    if world > 1:
        dist.barrier()


def shut_down(world: int) -> None:
    """End the process group (after :func:`barrier` and after dropping the DDP wrapper).

    A gloo worker left alive at interpreter exit (DDP's reducer) aborts the process.
    """
    if world > 1:
        gc.collect()
        dist.destroy_process_group()
