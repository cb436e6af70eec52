"""Densities in nats: diagonal Gaussians, their KL divergence, and the likelihoods p(x|z).

One place for these formulas: the objectives, the prior, the flows, the
importance-weighted likelihood and the posterior plots all call them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

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


def log_likelihood(
    x: torch.Tensor, params: torch.Tensor, likelihood: str, log_scale: torch.Tensor | None
) -> torch.Tensor:
    """log p(x|z) per example (summed over all data dimensions), in nats.

    ``params`` are logits for a Bernoulli and means for a Gaussian; both may carry
    extra leading sample dimensions in front of x's batch dimension. For text
    (``categorical``), x holds token ids (n, T) and params logits (..., n, T, V):
    log p(x|z) = Σ_t log softmax(logits_t)[x_t] over the real tokens (``<eos>``
    included, ``<pad>`` (id 0) left out).
    """
    if likelihood == "categorical":
        return categorical_log_likelihood(x, params)
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


def categorical_log_likelihood(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Σ_t log p(x_t) of token ids x (n, T) under logits (..., n, T, V), skipping id 0 (padding)."""
    log_p = F.log_softmax(logits.float(), dim=-1)
    ids = x.expand(log_p.shape[:-1])
    picked = log_p.gather(-1, ids.unsqueeze(-1)).squeeze(-1)
    return (picked * (ids != 0)).sum(-1)
