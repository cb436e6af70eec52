"""FactorVAE (Kim & Mnih 2018): the ELBO minus γ times a discriminator's estimate of TC.

A discriminator D learns to tell samples z ~ q(z) from samples of the product of
its marginals Π_j q(z_j), drawn by permuting each dimension independently across
the batch. At its optimum, its logit is the log density ratio

    logit D(z) = log q(z) − log Π_j q(z_j),

so TC = KL(q(z) ‖ Π_j q(z_j)) ≈ mean logit D(z) over the batch. The VAE's loss
is recon + β·KL + γ·TC (β = 1 in the paper); D has its own Adam optimiser and is
trained after each VAE step on the batch's detached codes. D and its optimiser
are part of the training checkpoint, never of the model's weights file.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from vae.model.objectives import register
from vae.model.objectives.base import ELBOTerms, ForwardPass
from vae.model.objectives.vae import VAEObjective
from vae.model.setting import Setting

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vae.model.config import VAEConfig


@register
class FactorVAE(VAEObjective):
    name = "factor-vae"
    summary = "FactorVAE: a discriminator on permuted codes estimates the total correlation"
    # Kim & Mnih 2018 (dSprites): the plain KL (β = 1), and Adam at 1e-4 for the VAE as for D.
    defaults = {"beta": 1.0, "beta_schedule": "constant", "lr": 1e-4}
    settings = (
        Setting("factor_gamma", float, 10.0, "FactorVAE: weight γ of the discriminator's total "
                "correlation estimate", low=0, high=1000, objective="factor-vae",
                group="Objective", label="TC weight γ", step=1.0),
        Setting("discriminator_lr", float, 1e-4, "FactorVAE: Adam learning rate of the "
                "discriminator", low=0, high=1, low_open=True, objective="factor-vae",
                group="Objective", label="Discriminator learning rate", step=1e-5,
                accepts="a number in (0, 1]"),
        Setting("discriminator_hidden", tuple, (1000,) * 6, "FactorVAE: hidden layer "
                "sizes of the discriminator MLP, comma separated (the paper's: 6 of 1000)",
                high=4096, objective="factor-vae", group="Objective", label="Discriminator hidden sizes"),
    )  # fmt: skip

    def __init__(self, config: VAEConfig, n_train: int | None = None) -> None:
        from vae.model.objectives.discriminator import Discriminator

        super().__init__(config, n_train)
        hidden = tuple(int(h) for h in self.setting("discriminator_hidden"))
        self.discriminator = Discriminator(config.latent_dim, hidden)

    @functools.cached_property
    def optimizer(self) -> torch.optim.Optimizer:
        """Kim & Mnih's Adam for the discriminator, made when training first asks for it.

        A model loaded to be looked at never trains it, and torch's first optimizer
        imports its compiler stack (sympy and dynamo: about a second of a page's first visit).
        """
        import torch

        return torch.optim.Adam(
            self.discriminator.parameters(), lr=self.setting("discriminator_lr"), betas=(0.5, 0.9)
        )

    def modules(self) -> dict[str, nn.Module]:
        return {"discriminator": self.discriminator}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"discriminator": self.optimizer}

    def regularizer(
        self, p: ForwardPass, beta: float, capacity: float | None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        kl, _ = super().regularizer(p, beta, capacity)
        self.discriminator.to(p.z.device)  # a no-op once it is there
        tc = self.discriminator(p.z).mean()
        return kl + self.setting("factor_gamma") * tc, {"tc": tc}

    def step(self, terms: ELBOTerms) -> dict[str, float]:
        """One Adam step of the discriminator on the batch's codes; its loss and accuracy."""
        from vae.model.objectives.discriminator import discriminator_loss

        if terms.z is None:
            return {}
        loss, accuracy = discriminator_loss(self.discriminator, terms.z)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        out = {"discriminator_loss": loss.detach(), "discriminator_accuracy": accuracy}
        terms.extra.update(out)
        return {k: float(v) for k, v in out.items()}
