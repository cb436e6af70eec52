"""DIP-VAE-I and -II (Kumar et al. 2018): push the aggregate posterior's covariance to I.

Beside the ELBO (β·KL, as in the β-VAE objective) the loss penalises a
covariance matrix C of the codes, estimated on the batch:

    λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)²

- DIP-VAE-I: C = Cov_x[μ(x)], the covariance of the posterior means;
- DIP-VAE-II: C = Cov_x[μ(x)] + E_x[diag σ²(x)], the covariance of q(z) itself.

Both are 0 when C is the identity, i.e. when the codes are decorrelated with
unit variance, matching the prior N(0, I).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vae.model.objectives import register
from vae.model.objectives.base import ForwardPass
from vae.model.objectives.vae import VAEObjective
from vae.model.setting import Setting

if TYPE_CHECKING:
    import torch


def covariance(x: torch.Tensor) -> torch.Tensor:
    """The batch covariance (d, d) of rows x (B, d), normalised by B (a batch statistic)."""
    centred = x - x.mean(0, keepdim=True)
    return centred.T @ centred / x.shape[0]


def dip_penalty(cov: torch.Tensor, lambda_od: float, lambda_d: float) -> torch.Tensor:
    """λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)²."""
    diagonal = cov.diagonal()
    off = cov - diagonal.diag()
    return lambda_od * off.pow(2).sum() + lambda_d * (diagonal - 1).pow(2).sum()


def dip_settings(variant: str, lambda_d: float, paper_d: str) -> tuple[Setting, Setting]:
    """The weights (λ_od, λ_d) of DIP-VAE-``variant`` ("I" or "II"); λ_od defaults to 10."""
    objective, prefix = f"dip-vae-{variant.lower()}", f"DIP-VAE-{variant}: weight"
    common = {"low": 0, "high": 10_000, "objective": objective, "group": "Objective", "step": 1.0}
    return (
        Setting(f"dip_{variant.lower()}_lambda_od", float, 10.0,
                f"{prefix} λ_od of the off-diagonal covariance penalty",
                label="Off-diagonal weight λ_od", **common),
        Setting(f"dip_{variant.lower()}_lambda_d", float, lambda_d,
                f"{prefix} λ_d of the diagonal penalty (the paper: {paper_d})",
                label="Diagonal weight λ_d", **common),
    )  # fmt: skip


@register
class DIPVAEI(VAEObjective):
    # Kumar et al. 2018: the ELBO (KL weight 1) plus the covariance penalty, whatever the data.
    defaults = {"beta": 1.0, "beta_schedule": "constant"}
    name = "dip-vae-i"
    summary = "DIP-VAE-I: the covariance of the posterior means pushed to the identity"
    supports_flow = False
    settings = dip_settings("I", lambda_d=100.0, paper_d="10·λ_od")

    def code_covariance(self, p: ForwardPass) -> torch.Tensor:
        return covariance(p.base_mean)

    def regularizer(
        self, p: ForwardPass, beta: float, capacity: float | None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        kl, _ = super().regularizer(p, beta, capacity)
        lambda_od, lambda_d = (self.setting(s.name) for s in self.settings)
        penalty = dip_penalty(self.code_covariance(p), lambda_od, lambda_d)
        return kl + penalty, {"dip_penalty": penalty}


@register
class DIPVAEII(DIPVAEI):
    name = "dip-vae-ii"
    summary = "DIP-VAE-II: the covariance of the aggregate posterior q(z) pushed to the identity"
    settings = dip_settings("II", lambda_d=10.0, paper_d="λ_od")

    def code_covariance(self, p: ForwardPass) -> torch.Tensor:
        return covariance(p.base_mean) + p.logvar.exp().mean(0).diag()
