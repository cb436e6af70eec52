"""The objective: the ELBO, its two parts, and the loss actually optimised.

Reduction, the one convention used everywhere: each term is **summed over data
dimensions (pixels) and latent dimensions, then averaged over the batch**, so
every figure is in nats per example.

    ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) = −(recon + kl)

``recon`` is the reconstruction error −E_q[log p(x|z)] (one sample of z), and
``kl`` is closed form for a Gaussian posterior and the Monte Carlo estimate
log q_K(z_K|x) − log p(z_K) for a flow. The loss optimised is

    recon + β_t · KL_fb              (constant, linear, cyclical β)
    recon + β · |KL_fb − C_t|        (controlled capacity, Burgess et al. 2018)

where KL_fb is the KL after free bits, if any (a floor λ per latent dimension).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from vae.config import VAEConfig
from vae.distributions import LOG_2PI


@dataclass
class ELBOTerms:
    """One batch's objective; every scalar is in nats per example."""

    loss: torch.Tensor  # what the optimiser minimises
    elbo: torch.Tensor
    recon: torch.Tensor  # −E_q[log p(x|z)]
    kl: torch.Tensor
    kl_per_dim: torch.Tensor  # (latent_dim,), batch mean; for a flow: of the base Gaussian q₀
    beta: float
    capacity: float | None = None

    def as_floats(self) -> dict[str, float]:
        out = {
            "loss": self.loss.item(),
            "elbo": self.elbo.item(),
            "recon": self.recon.item(),
            "kl": self.kl.item(),
            "beta": float(self.beta),
        }
        if self.capacity is not None:
            out["capacity"] = float(self.capacity)
        return out


# --- likelihoods: log p(x|z) summed over data dimensions -------------------------------


def log_likelihood(
    x: torch.Tensor, params: torch.Tensor, likelihood: str, log_scale: torch.Tensor | None
) -> torch.Tensor:
    """log p(x|z) per example (summed over all data dimensions), in nats.

    ``params`` are logits for a Bernoulli and means for a Gaussian; both may carry
    extra leading sample dimensions in front of x's batch dimension.
    """
    n_data = x.dim() - 1
    dims = tuple(range(-n_data, 0))
    if likelihood == "bernoulli":
        x = x.expand_as(params)
        return -F.binary_cross_entropy_with_logits(params, x, reduction="none").sum(dims)
    if log_scale is None:
        raise ValueError("a Gaussian likelihood needs a log scale")
    return -0.5 * (LOG_2PI + 2 * log_scale + (x - params).pow(2) * torch.exp(-2 * log_scale)).sum(
        dims
    )


# --- β schedules: tiny pure functions of the training step -----------------------------


def beta_schedule(config: VAEConfig, step: int, total_steps: int) -> tuple[float, float | None]:
    """The KL weight β_t and the capacity C_t (nats, or None) at ``step`` of ``total_steps``.

    - constant: β.
    - linear: β rising linearly from 0 over the first ``warmup_fraction`` of training.
    - cyclical (Fu et al. 2019): training split into ``n_cycles``; in each, β rises
      linearly over the first ``cycle_ratio`` of the cycle and then stays at β.
    - capacity (Burgess et al. 2018): β fixed (the γ of the paper), C_t rising
      linearly from 0 to ``capacity_max`` over the first ``capacity_fraction``.
    """
    total = max(total_steps, 1)
    progress = min(max(step, 0) / total, 1.0)
    kind = config.beta_schedule
    if kind == "constant":
        return config.beta, None
    if kind == "linear":
        return config.beta * min(1.0, progress / config.warmup_fraction), None
    if kind == "cyclical":
        period = 1.0 / config.n_cycles
        tau = (progress % period) / period if progress < 1.0 else 1.0
        return config.beta * min(1.0, tau / config.cycle_ratio), None
    if kind == "capacity":
        return config.beta, config.capacity_max * min(1.0, progress / config.capacity_fraction)
    raise ValueError(f"unknown beta schedule {kind!r}")


# --- free bits ---------------------------------------------------------------------------


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


def elbo_terms(
    config: VAEConfig,
    x: torch.Tensor,
    x_params: torch.Tensor,
    log_scale: torch.Tensor | None,
    kl_per_example_dim: torch.Tensor,
    kl_flow: torch.Tensor | None,
    beta: float,
    capacity: float | None,
) -> ELBOTerms:
    """Assemble the ELBO, its parts and the loss from one forward pass.

    ``kl_per_example_dim`` (batch, d) is the closed-form KL of the Gaussian
    posterior (the base q₀ for a flow). ``kl_flow`` (batch,) is the Monte Carlo
    KL estimate of a flow posterior, or None.
    """
    recon = -log_likelihood(x, x_params, config.likelihood, log_scale).mean()
    if kl_flow is None:
        kl = kl_per_example_dim.sum(-1).mean()
        kl_opt = free_bits_kl(kl_per_example_dim, config.free_bits, config.free_bits_mode)
    else:
        kl = kl_flow.mean()
        # A flow's KL does not split by dimension: the floor applies to the whole
        # code (λ·d), batch-averaged or per example as the mode says.
        floor = config.free_bits * config.latent_dim
        if floor <= 0:
            kl_opt = kl
        elif config.free_bits_mode == "batch":
            kl_opt = kl.clamp(min=floor)
        else:
            kl_opt = kl_flow.clamp(min=floor).mean()
    if capacity is None:
        loss = recon + beta * kl_opt
    else:
        loss = recon + beta * (kl_opt - capacity).abs()
    return ELBOTerms(
        loss=loss,
        elbo=-(recon + kl),
        recon=recon,
        kl=kl,
        kl_per_dim=kl_per_example_dim.mean(0).detach(),
        beta=beta,
        capacity=capacity,
    )
