"""Log-likelihoods on binarised images, the figure the literature reports for MNIST.

A Bernoulli p(x|z) evaluated on grey levels in [0, 1] is not a normalised density
(it sums to 1 over binary images only), so the grey-level ``log_likelihood`` of an
image model cannot be set beside published figures. Those are measured on binary
images: here every test pixel is drawn once as x_b ~ Bernoulli(x), with a fixed
seed, so the binarised test set is the same on every machine and in every call
(the "stochastic binarisation" of Salakhutdinov & Murray 2008, as in Burda et al.
2015). The IWAE estimate on that set is ``log_likelihood_binarized``, nats per
example.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from vae.data import Dataset
from vae.errors import ConfigError
from vae.model.autoencoder import VAE
from vae.model.evaluation import iwae_log_likelihood

BINARIZE_SEED = 0  # fixed: one binarised test set, whatever the evaluation's seed


def binarize(x: torch.Tensor, seed: int = BINARIZE_SEED) -> torch.Tensor:
    """Each pixel of ``x`` (in [0, 1]) drawn once as 0 or 1 with that probability, seeded."""
    generator = torch.Generator().manual_seed(seed)
    return torch.bernoulli(x.detach().float().cpu().clamp(0.0, 1.0), generator=generator)


def binarized_log_likelihood(
    model: VAE,
    data: Dataset,
    *,
    k: int,
    n: int,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> tuple[dict[str, float | int], float]:
    """IWAE log p(x) on the first ``n`` test images, binarised: (figures, standard error).

    Refused with a ``ConfigError`` for models that are not Bernoulli models of images.
    """
    if not data.is_image or model.config.likelihood != "bernoulli":
        raise ConfigError(
            f"binarize applies to Bernoulli models of images, and this one models "
            f"{data.kind} data with a {model.config.likelihood} likelihood."
        )
    test = data.test
    n = min(n, len(test))
    x = binarize(test.x[:n])
    y = test.y[:n] if model.config.conditional and test.y is not None else None
    ll = iwae_log_likelihood(model, x, y, k=k, seed=seed, progress=progress)
    error = float(ll.std() / math.sqrt(n)) if n > 1 else 0.0
    figures = {
        "log_likelihood_binarized": float(ll.mean()),
        "log_likelihood_binarized_n": n,
        "log_likelihood_binarized_k": k,
    }
    return figures, error
