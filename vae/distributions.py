"""Densities of diagonal Gaussians and their KL divergence, in nats.

One place for these formulas: the objective, the flows, the importance-weighted
likelihood and the posterior plots all call them.
"""

from __future__ import annotations

import math

import torch

LOG_2PI = math.log(2 * math.pi)


def gaussian_kl_per_dim(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, 1)) for every dimension, in nats (same shape as mean).

    Closed form: ½ (μ² + σ² − log σ² − 1).
    """
    return 0.5 * (mean.pow(2) + logvar.exp() - logvar - 1.0)


def log_normal(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, exp(logvar)) summed over the last dimension, in nats."""
    return -0.5 * (LOG_2PI + logvar + (z - mean).pow(2) / logvar.exp()).sum(-1)


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over the last dimension, in nats."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)
