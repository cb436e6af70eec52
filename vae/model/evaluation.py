"""Evaluating a trained model: the ELBO and its parts, KL per dimension, active units, IWAE.

All functions take a model and tensors and return plain numbers (nats per
example unless said otherwise). Everything uses the posterior *mean* unless it
says otherwise. Random draws come from their own seeded generator state, so an
evaluation never disturbs the training stream and gives the same figure twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from vae.model import text_evaluation
from vae.model.autoencoder import VAE

ACTIVE_UNIT_THRESHOLD = 0.01  # Burda et al. 2015: Cov_x E_q[z_d] above this is "active"


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with its own seeded RNG, leaving the caller's RNG state untouched."""
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


@torch.inference_mode()
def encode_means(
    model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 512
) -> torch.Tensor:
    """Posterior means of every example, (n, latent_dim), on the CPU."""
    model.eval()
    out = []
    for s in _batches(x.shape[0], batch_size):
        xb = x[s].to(model.device)
        yb = None if y is None else y[s]
        out.append(model.encode(xb, yb if model.config.conditional else None).mean.cpu())
    return torch.cat(out) if out else torch.zeros(0, model.config.latent_dim)


@torch.inference_mode()
def elbo_stats(
    model: VAE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    batch_size: int = 512,
    seed: int = 0,
) -> dict[str, float | list[float]]:
    """ELBO, reconstruction error and KL (nats per example) and the KL of each dimension.

    One posterior sample per example, as in training, but in evaluation mode (no
    dropout) and with a fixed seed.
    """
    model.eval()
    n = x.shape[0]
    totals = {"elbo": 0.0, "recon": 0.0, "kl": 0.0}
    kl_dims = torch.zeros(model.config.latent_dim, dtype=torch.float64)
    with seeded(seed):
        for s in _batches(n, batch_size):
            xb = x[s].to(model.device)
            yb = None if y is None or not model.config.conditional else y[s]
            terms = model(xb, yb)
            m = xb.shape[0]
            for key in totals:
                totals[key] += getattr(terms, key).item() * m
            kl_dims += terms.kl_per_dim.double().cpu() * m
    result: dict[str, float | list[float]] = {k: v / max(n, 1) for k, v in totals.items()}
    result["kl_per_dim"] = (kl_dims / max(n, 1)).tolist()
    return result


def active_units(
    means: torch.Tensor, threshold: float = ACTIVE_UNIT_THRESHOLD
) -> tuple[int, list[float]]:
    """Number of dimensions whose posterior mean varies over the data: Var_x E_q[z_d] > threshold.

    Returns the count and the variance of every dimension.
    """
    if means.shape[0] < 2:
        return 0, [0.0] * means.shape[1]
    variance = means.double().var(dim=0, unbiased=True)
    return int((variance > threshold).sum()), variance.tolist()


@torch.inference_mode()
def iwae_log_likelihood(
    model: VAE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    k: int = 1000,
    seed: int = 0,
    max_weights: int = 2_000_000,
    progress: Callable[[float], None] | None = None,
) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) for every example (Burda et al. 2015), nats.

    log p(x) ≈ log (1/k) Σ_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x). A lower bound that
    tightens as k grows. Computed in chunks of examples and of samples, so that
    memory stays bounded whatever k is: at most ``max_weights`` decoded images
    are alive at once (examples × samples).
    """
    model.eval()
    n = x.shape[0]
    per_chunk = max(1, max_weights // max(1, model.decoded_size))  # examples decoded at once
    k_chunk = min(k, per_chunk)
    ex_chunk = max(1, per_chunk // k_chunk)
    out = torch.empty(n, dtype=torch.float64)
    done = 0
    with seeded(seed):
        for s in _batches(n, ex_chunk):
            xb = x[s].to(model.device)
            yb = None if y is None or not model.config.conditional else y[s]
            parts = []
            for start in range(0, k, k_chunk):
                kk = min(k_chunk, k - start)
                parts.append(model.log_importance_weights(xb, yb, kk).double().cpu())
            log_w = torch.cat(parts, dim=1)
            out[s] = torch.logsumexp(log_w, dim=1) - math.log(k)
            done += xb.shape[0]
            if progress is not None:
                progress(done / n)
    return out


def bits_per_dim(log_likelihood_nats: float, n_dims: int) -> float:
    """Negative log-likelihood in bits per data dimension (lower is better)."""
    return -log_likelihood_nats / (n_dims * math.log(2))


def summarize(
    model: VAE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    k: int = 100,
    seed: int = 0,
    iwae_examples: int | None = None,
) -> dict[str, object]:
    """The figures a model card shows: ELBO parts, KL per dim, active units, IWAE (k samples).

    ``iwae_examples`` limits the IWAE estimate to the first examples of ``x`` (test
    splits are stored in a seeded random order, so that is a random subset).
    """
    stats = elbo_stats(model, x, y, seed=seed)
    means = encode_means(model, x, y)
    n_active, variances = active_units(means)
    out: dict[str, object] = dict(stats)
    out["active_units"] = n_active
    out["posterior_mean_variance"] = variances
    out["n_test"] = int(x.shape[0])
    if k > 0:
        m = x.shape[0] if iwae_examples is None else min(iwae_examples, x.shape[0])
        ll = iwae_log_likelihood(model, x[:m], None if y is None else y[:m], k=k, seed=seed)
        out["log_likelihood"] = float(ll.mean())
        out["log_likelihood_k"] = k
        out["log_likelihood_n"] = m
        out["bits_per_dim"] = bits_per_dim(float(ll.mean()), math.prod(model.input_shape))
        if model.is_text:
            out.update(text_evaluation.per_token(-ll, x[:m]))
    if model.is_text:
        _, base, logvars = encode_posteriors(model, x, y)
        out["mutual_information"] = text_evaluation.mutual_information(base, logvars, seed)
    return out


@torch.inference_mode()
def encode_posteriors(
    model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 512
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Posterior means, base-Gaussian means and log-variances of every example, on the CPU.

    For a model without a flow the first two are the same; with a flow the
    mean is the flow's image of the base mean and (base mean, log-variance)
    describe the base Gaussian q₀(z|x).
    """
    model.eval()
    means, base, logvars = [], [], []
    for s in _batches(x.shape[0], batch_size):
        posterior = model.encode(x[s].to(model.device), None if y is None else y[s])
        means.append(posterior.mean.cpu())
        base.append(posterior.base_mean.cpu())
        logvars.append(posterior.logvar.cpu())
    if not means:
        empty = torch.zeros(0, model.config.latent_dim)
        return empty, empty, empty
    return torch.cat(means), torch.cat(base), torch.cat(logvars)


@torch.inference_mode()
def elbo_standard_errors(
    model: VAE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    batch_size: int = 512,
    seed: int = 1,
    max_examples: int = 1000,
) -> dict[str, float]:
    """Standard errors over the examples of the ELBO, reconstruction and KL estimates.

    One more pass over (the first ``max_examples`` of) ``x`` with its own
    seed: per example a one-sample ELBO (``log_importance_weights`` with
    k = 1) and the closed-form KL of the (base) Gaussian posterior;
    recon = KL − ELBO. Each standard error is the standard deviation over
    those examples divided by √n, n the size of all of ``x`` (the figures it
    qualifies are means over all of it; test splits are stored shuffled).
    """
    model.eval()
    elbo, kl = [], []
    with seeded(seed):
        for s in _batches(min(x.shape[0], max_examples), batch_size):
            xb = x[s].to(model.device)
            yb = None if y is None or not model.config.conditional else y[s]
            elbo.append(model.log_importance_weights(xb, yb, 1)[:, 0].double().cpu())
            posterior = model.encode(xb, yb)
            kl_dims = model.prior.kl_per_dim(posterior.base_mean, posterior.logvar)
            kl.append(kl_dims.sum(-1).double().cpu())
    if not elbo or x.shape[0] < 2:
        return {"elbo": 0.0, "recon": 0.0, "kl": 0.0}
    per = {"elbo": torch.cat(elbo), "kl": torch.cat(kl)}
    per["recon"] = per["kl"] - per["elbo"]
    n = math.sqrt(x.shape[0])
    return {key: float(per[key].std() / n) for key in ("elbo", "recon", "kl")}
