"""FactorVAE's discriminator (Kim & Mnih 2018): an MLP that tells q(z) from Π_j q(z_j).

Apart from ``factor_vae`` so that the objective registry, which the settings table and the
Train page's form read, is imported without torch (issue 28).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Discriminator(nn.Module):
    """An MLP from z (…, d) to one logit: log q(z) / Π_j q(z_j) at its optimum."""

    def __init__(self, dim: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).squeeze(-1)


def permute_dims(z: torch.Tensor) -> torch.Tensor:
    """Each dimension shuffled independently across the batch: a sample of Π_j q(z_j)."""
    order = torch.argsort(torch.rand(z.shape, device=z.device), dim=0)
    return z.gather(0, order)


def discriminator_loss(d: Discriminator, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Binary cross-entropy of D on z (label 1) and on permuted z (label 0), and its accuracy."""
    real, fake = d(z), d(permute_dims(z))
    loss = 0.5 * (
        F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
        + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    )
    accuracy = 0.5 * ((real > 0).float().mean() + (fake < 0).float().mean())
    return loss, accuracy
