"""Total correlation of the aggregate posterior: how far q(z) is from factorising.

TC(z) = KL(q(z) || Π_d q(z_d)) = E_q(z)[log q(z) − Σ_d log q(z_d)] (Watanabe
1960), in nats; 0 exactly when the dimensions of q(z) are independent. It is
the term β-TCVAE penalises and FactorVAE estimates with a discriminator.

Two estimators, both pure functions of arrays:

- ``total_correlation(means, logvars)``: q(z) is the aggregate posterior,
  the mixture (1/N) Σ_n q(z|x_n) of the N diagonal-Gaussian posteriors given.
  One z_n ~ q(z|x_n) per posterior; log q(z_n) and each log q(z_nd) are the
  exact log-densities of that mixture and of its marginals. This is Chen et
  al. 2018's minibatch-weighted-sampling estimator with the whole set as the
  "minibatch" (no weighting needed), so its only errors are the N samples and
  the mixture's own finite size. O(N² d) in chunks.
- ``gaussian_total_correlation(codes)``: the closed form −½ log det(R) of a
  Gaussian with the correlation matrix R of ``codes`` (e.g. the means alone).
"""

from __future__ import annotations

import math

import numpy as np

from vae.errors import DataError
from vae.metrics._common import check_codes, check_positive

_CHUNK = 128  # samples z_n whose log-densities under all N posteriors are held at once


def _per_sample_tc(means: np.ndarray, logvars: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from scipy.special import logsumexp

    n, d = means.shape
    std = np.exp(0.5 * logvars)
    z = means + std * rng.standard_normal(means.shape)
    inv_var = np.exp(-logvars)
    log_norm = -0.5 * (math.log(2 * math.pi) + logvars)  # (N, d)
    out = np.empty(n)
    for start in range(0, n, _CHUNK):
        zc = z[start : start + _CHUNK, None, :]  # (c, 1, d)
        # log q(z_cd | x_m) for every sample c, posterior m and dimension d: (c, N, d)
        log_q = log_norm[None] - 0.5 * (zc - means[None]) ** 2 * inv_var[None]
        joint = logsumexp(log_q.sum(axis=2), axis=1) - math.log(n)
        marginals = logsumexp(log_q, axis=1) - math.log(n)  # (c, d)
        out[start : start + _CHUNK] = joint - marginals.sum(axis=1)
    return out


def total_correlation(
    means: np.ndarray,
    logvars: np.ndarray,
    *,
    seed: int = 0,
    max_examples: int | None = 5000,
    return_std: bool = False,
) -> float | tuple[float, float]:
    """TC of the aggregate posterior of diagonal-Gaussian posteriors, nats.

    Args:
        means: posterior means, (N, d).
        logvars: posterior log-variances, (N, d).
        seed: seed of the samples z_n ~ q(z|x_n) (and of the subset below).
        max_examples: use at most this many posteriors (a seeded random
            subset) for both the mixture and the samples, to bound the
            O(N² d) cost; None for all.
        return_std: also return the standard error of the estimate: the
            standard deviation of the per-sample terms over √N (the spread
            from the samples, with the mixture held fixed).

    Returns:
        The estimate (≥ 0 up to noise), or (estimate, standard error).
    """
    means = check_codes(means, "means")
    logvars = check_codes(logvars, "logvars")
    if means.shape != logvars.shape:
        raise DataError(
            f"means have shape {means.shape} and logvars {logvars.shape}; pass one of each "
            "per posterior."
        )
    rng = np.random.default_rng(seed)
    if max_examples is not None:
        check_positive(max_examples, "max_examples", minimum=2)
        if means.shape[0] > max_examples:
            rows = np.sort(rng.choice(means.shape[0], size=max_examples, replace=False))
            means, logvars = means[rows], logvars[rows]
    terms = _per_sample_tc(means, logvars, rng)
    value = float(np.mean(terms))
    if not return_std:
        return value
    std = float(np.std(terms, ddof=1) / math.sqrt(len(terms))) if len(terms) > 1 else 0.0
    return value, std


def gaussian_total_correlation(codes: np.ndarray, min_variance: float = 1e-12) -> float:
    """−½ log det(R), R the correlation matrix of ``codes``: the TC of a Gaussian fitted to them.

    Constant dimensions (variance ≤ ``min_variance``) are left out: they are
    independent of everything.
    """
    codes = check_codes(codes)
    keep = codes.var(axis=0) > min_variance
    if keep.sum() < 2:
        return 0.0
    correlation = np.corrcoef(codes[:, keep], rowvar=False)
    sign, log_det = np.linalg.slogdet(correlation)
    return float(-0.5 * log_det) if sign > 0 else math.inf
