"""β schedules: tiny pure functions of the training step."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vae.model.config import VAEConfig


def cycle_position(step: int, total_steps: int, n_cycles: int) -> tuple[int, int]:
    """(steps into the current cycle, that cycle's length), in integers.

    Training's ``total_steps`` are split into ``n_cycles`` cycles; cycle c starts
    at step ⌊c·T/n⌋. Integers keep every start exact: a floating-point modulo put
    some starts one step late.
    """
    cycle = ((step + 1) * n_cycles - 1) // total_steps  # the last c with ⌊c·T/n⌋ ≤ step
    start = cycle * total_steps // n_cycles
    end = (cycle + 1) * total_steps // n_cycles
    return step - start, max(end - start, 1)


def beta_schedule(config: VAEConfig, step: int, total_steps: int) -> tuple[float, float | None]:
    """The KL weight β_t and the capacity C_t (nats, or None) at ``step`` of ``total_steps``.

    - constant: β.
    - linear: β rising linearly from 0 over the first ``warmup_fraction`` of training.
    - cyclical (Fu et al. 2019): training split into ``n_cycles``; in each, β rises
      linearly from exactly 0 at the cycle's first step over the first
      ``cycle_ratio`` of the cycle and then stays at β.
    - capacity (Burgess et al. 2018): β fixed (the γ of the paper), C_t rising
      linearly from 0 to ``capacity_max`` over the first ``capacity_fraction``.
    """
    total = max(total_steps, 1)
    step = max(step, 0)
    progress = min(step / total, 1.0)
    kind = config.beta_schedule
    if kind == "constant":
        return config.beta, None
    if kind == "linear":
        return config.beta * min(1.0, progress / config.warmup_fraction), None
    if kind == "cyclical":
        if step >= total:
            return config.beta, None
        offset, length = cycle_position(step, total, config.n_cycles)
        return config.beta * min(1.0, offset / length / config.cycle_ratio), None
    if kind == "capacity":
        return config.beta, config.capacity_max * min(1.0, progress / config.capacity_fraction)
    raise ValueError(f"unknown beta schedule {kind!r}")
