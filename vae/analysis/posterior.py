"""Looking at q(z|x): the posterior of one example in a 2-D latent, and posterior collapse.

With two latent dimensions everything can be drawn and computed by brute force:

- the encoder's Gaussian q(z|x) = N(μ, diag σ²) as ellipses at 1σ and 2σ, which
  hold 1 − e^{−r²/2} of its mass (39% and 86%);
- for a flow posterior, samples of z_K and the flow's image of those ellipses:
  a flow is a change of variables, so the deformed curves still enclose 39% and
  86% of q_K's mass;
- the *true* posterior p(z|x) ∝ p(x|z) p(z) on a grid, normalised numerically,
  which also gives log p(x) and so the gap log p(x) − ELBO = KL(q ‖ p(z|x)).

For collapse, ``collapse_report`` measures per latent dimension the KL, the
variance of the posterior means over the data (active units) and how much the
decoder's output moves when that coordinate moves.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import torch

from vae.errors import ConfigError
from vae.model.autoencoder import VAE
from vae.model.distributions import log_likelihood
from vae.model.evaluation import (
    ACTIVE_UNIT_THRESHOLD,
    active_units,
    elbo_stats,
    encode_means,
    seeded,
)

log = logging.getLogger(__name__)


def mass_within(n_std: float) -> float:
    """The probability mass of a 2-D Gaussian inside its ``n_std``-σ ellipse: 1 − exp(−r²/2)."""
    return 1.0 - math.exp(-0.5 * n_std**2)


def gaussian_ellipse(
    mean: np.ndarray, std: np.ndarray, n_std: float = 1.0, n_points: int = 120
) -> np.ndarray:
    """Points (n_points, 2) on the ``n_std``-σ ellipse of N(mean, diag std²), closed."""
    t = np.linspace(0.0, 2.0 * np.pi, n_points)
    unit = np.stack([np.cos(t), np.sin(t)], axis=1)
    return np.asarray(mean)[None, :] + n_std * np.asarray(std)[None, :] * unit


def _check_2d(model: VAE) -> None:
    if model.config.latent_dim != 2:
        raise ConfigError(
            f"Drawing q(z|x) needs a 2-D latent; this model has {model.config.latent_dim} dimensions."
        )


@torch.no_grad()
def posterior_2d(
    model: VAE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    n_samples: int = 2000,
    n_stds: tuple[float, ...] = (1.0, 2.0),
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """q(z|x) of one example x (shape (1, *input_shape)) in a 2-D latent.

    Returns ``base_mean`` and ``std`` (the Gaussian before any flow), ``mean``
    (the point the app uses for x), ``samples`` (n, 2) with their ``log_q``,
    and ``contour_<r>`` (m, 2): the r-σ ellipse of the base Gaussian pushed
    through the flow (the ellipse itself without one).
    """
    _check_2d(model)
    model.eval()
    post = model.encode(x, y)
    with seeded(seed):
        z, log_q = post.rsample(n_samples)  # (n, 1, 2), (n, 1)
    out = {
        "base_mean": post.base_mean[0].numpy(),
        "std": post.std[0].numpy(),
        "mean": post.mean[0].numpy(),
        "samples": z[:, 0].numpy(),
        "log_q": log_q[:, 0].numpy(),
        "has_flow": np.array(post.flow is not None),
    }
    for r in n_stds:
        ring = torch.from_numpy(gaussian_ellipse(out["base_mean"], out["std"], r)).float()
        if post.flow is not None:
            ring = post.flow(ring, post.flow_params.expand(ring.shape[0], -1))[0]
        out[f"contour_{r:g}"] = ring.numpy()
    return out


@torch.no_grad()
def log_joint(
    model: VAE, x: torch.Tensor, z: torch.Tensor, y: torch.Tensor | None = None
) -> torch.Tensor:
    """log p(x|z) + log p(z) for one example x (1, ...) at many codes z (m, 2), nats."""
    c = model.condition(y, 1)
    params = model.decoder_params(z[:, None, :], c)  # (m, 1, ...): samples in front
    return log_likelihood(x, params, model.config.likelihood, model.log_scale)[:, 0] + (
        model.prior.log_prob(z)
    )


def true_posterior_grid(
    model: VAE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    n: int = 121,
    extent: float = 4.5,
    around: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """p(z|x) on an n × n grid, by brute force (only possible because z is 2-D).

    First a coarse pass over [−extent, extent]² finds where the posterior's mass is
    (together with ``around``, points that must be in view, e.g. q's samples); the
    fine grid covers that box. Returns ``xs``, ``ys``, ``density`` (n, n, row = y,
    normalised so that Σ density · cell area = 1) and ``log_px`` (nats).
    """
    _check_2d(model)
    model.eval()
    coarse = np.linspace(-extent, extent, 81)
    gx, gy = np.meshgrid(coarse, coarse)
    pts = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1)).float()
    lj = log_joint(model, x, pts, y).double().numpy()
    p = np.exp(lj - lj.max())
    order = np.argsort(p)[::-1]
    keep = order[: int(np.searchsorted(np.cumsum(p[order]) / p.sum(), 0.999)) + 1]
    box = pts.numpy()[keep]
    if around is not None and len(around):
        box = np.concatenate([box, np.asarray(around)])
    lo, hi = box.min(0), box.max(0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * 1.25, 0.15)
    xs = np.linspace(centre[0] - half, centre[0] + half, n)
    ys = np.linspace(centre[1] - half, centre[1] + half, n)
    fx, fy = np.meshgrid(xs, ys)
    fine = torch.from_numpy(np.stack([fx.ravel(), fy.ravel()], 1)).float()
    lj = log_joint(model, x, fine, y).double().numpy()
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    log_px = float(np.logaddexp.reduce(lj) + math.log(area))
    density = np.exp(lj - log_px).reshape(n, n)
    return {"xs": xs, "ys": ys, "density": density, "log_px": np.array(log_px)}


def elbo_gap(
    model: VAE,
    x: torch.Tensor,
    log_px: float,
    y: torch.Tensor | None = None,
    n_samples: int = 4000,
    seed: int = 0,
) -> dict[str, float]:
    """ELBO = E_q[log p(x, z) − log q(z|x)] by Monte Carlo, and its gap to log p(x).

    The gap is KL(q(z|x) ‖ p(z|x)) ≥ 0: how far the encoder's posterior is from
    the true one, in nats. A more flexible q (a flow) can make it smaller.
    """
    model.eval()
    with torch.no_grad(), seeded(seed):
        z, log_q = model.encode(x, y).rsample(n_samples)
        elbo = float((log_joint(model, x, z[:, 0], y) - log_q[:, 0]).mean())
    return {"elbo": elbo, "log_px": float(log_px), "gap": float(log_px) - elbo}


# --- posterior collapse -----------------------------------------------------------------------


@torch.no_grad()
def decoder_sensitivity(
    model: VAE, means: torch.Tensor, y: torch.Tensor | None = None, delta: float = 1.0
) -> np.ndarray:
    """Per latent dimension: the mean absolute change of the decoded output (per pixel)
    when that coordinate of each code moves by ±``delta`` (prior standard deviations).

    A collapsed dimension is one the decoder has learned to ignore: its value is ≈ 0.
    For a text model: the share of greedily decoded tokens that change.
    """
    model.eval()
    base = model.decode(means, y)
    out = []
    for d in range(means.shape[1]):
        shift = torch.zeros_like(means)
        shift[:, d] = delta
        up = model.decode(means + shift, y)
        down = model.decode(means - shift, y)
        if model.is_text:  # token ids: the share of decoded tokens that change
            out.append(0.5 * float((up != base).float().mean() + (down != base).float().mean()))
            continue
        out.append(0.5 * float((up - base).abs().mean() + (down - base).abs().mean()))
    return np.array(out)


def collapse_report(
    model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    """What collapse looks like in numbers, per latent dimension and overall.

    ``kl_per_dim`` (nats per example), ``mean_variance`` (Var_x E_q[z_d]; a unit is
    active above 0.01), ``active`` (bool), ``sensitivity`` (see ``decoder_sensitivity``),
    and the scalars ``elbo``, ``recon``, ``kl``, ``active_units``.
    """
    stats = elbo_stats(model, x, y, seed=seed)
    means = encode_means(model, x, y)
    n_active, variances = active_units(means)
    variance = np.array(variances)
    return {
        "kl_per_dim": np.array(stats["kl_per_dim"]),
        "mean_variance": variance,
        "active": variance > ACTIVE_UNIT_THRESHOLD,
        "sensitivity": decoder_sensitivity(model, means, y),
        "elbo": np.array(stats["elbo"]),
        "recon": np.array(stats["recon"]),
        "kl": np.array(stats["kl"]),
        "active_units": np.array(n_active),
    }


@torch.no_grad()
def reconstructions_and_samples(
    model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, n_samples: int = 16, seed: int = 0
) -> dict[str, np.ndarray]:
    """Reconstructions (decode of the posterior mean) of ``x`` and ``n_samples`` prior samples."""
    model.eval()
    recon = model.reconstruct(x, y)
    with seeded(seed):
        ys = torch.arange(n_samples) % model.config.n_classes if model.config.conditional else None
        samples = model.sample(n_samples, ys)
    return {"recon_images": recon.numpy(), "sample_images": samples.numpy()}
