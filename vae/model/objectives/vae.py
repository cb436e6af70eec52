"""The VAE and β-VAE objective: recon + β·KL, with β schedules and free bits.

The loss optimised is

    recon + β_t · KL_fb              (constant, linear, cyclical β)
    recon + β · |KL_fb − C_t|        (controlled capacity, Burgess et al. 2018)

where KL_fb is the KL after free bits, if any (a floor λ per latent dimension).
β = 1 and no free bits is the plain VAE: the loss is exactly −ELBO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vae.model.objectives import register
from vae.model.objectives.base import ForwardPass, Objective

if TYPE_CHECKING:
    import torch

    from vae.model.config import VAEConfig


def free_bits_kl(kl_per_example_dim: torch.Tensor, free_bits: float, mode: str) -> torch.Tensor:
    """The KL to optimise after a floor of ``free_bits`` nats per latent dimension.

    ``kl_per_example_dim`` is (batch, d). Below the floor the clamp has zero
    gradient, so the optimiser stops pushing that dimension's KL towards 0.

    - ``batch`` (Kingma et al. 2016): average each dimension over the batch
      first, then Σ_d max(λ, KL_d).
    - ``example`` (as in CALM): Σ_d clamp(KL_{n,d}, min=λ) for every example, then
      the batch mean.
    """
    if free_bits <= 0:
        return kl_per_example_dim.sum(-1).mean()
    if mode == "batch":
        return kl_per_example_dim.mean(0).clamp(min=free_bits).sum()
    return kl_per_example_dim.clamp(min=free_bits).sum(-1).mean()


def kl_penalty(
    config: VAEConfig,
    kl_per_example_dim: torch.Tensor,
    kl_flow: torch.Tensor | None,
    beta: float,
    capacity: float | None,
) -> torch.Tensor:
    """β·KL_fb, or β·|KL_fb − C| under the capacity schedule, in nats per example."""
    if kl_flow is None:
        kl_opt = free_bits_kl(kl_per_example_dim, config.free_bits, config.free_bits_mode)
    else:
        # A flow's KL does not split by dimension: the floor applies to the whole
        # code (λ·d), batch-averaged or per example as the mode says.
        kl = kl_flow.mean()
        floor = config.free_bits * config.latent_dim
        if floor <= 0:
            kl_opt = kl
        elif config.free_bits_mode == "batch":
            kl_opt = kl.clamp(min=floor)
        else:
            kl_opt = kl_flow.clamp(min=floor).mean()
    if capacity is None:
        return beta * kl_opt
    return beta * (kl_opt - capacity).abs()


@register
class VAEObjective(Objective):
    name = "vae"
    summary = "the ELBO, KL weighted by β (β-VAE), with β schedules and free bits"

    def regularizer(
        self, p: ForwardPass, beta: float, capacity: float | None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return kl_penalty(self.config, p.kl_per_example_dim, p.kl_flow, beta, capacity), {}
