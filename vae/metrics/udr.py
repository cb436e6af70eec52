"""Unsupervised Disentanglement Ranking (UDR, Duan et al. 2020): pick a model without factors.

Models trained with different seeds that disentangle tend to agree with each
other up to a permutation and sign of their dimensions, while entangled ones
each mix the factors in their own way. UDR measures that agreement on the same
inputs: for a pair of models (a, b) with codes of shape (n, d),

1. each code dimension is standardised, and dimensions whose KL is at or below
   ``kl_threshold`` nats (inactive) are zeroed and left out;
2. R(i, j) = |Spearman correlation| between dimension i of a and j of b (or the
   |coefficients| of a Lasso regression of b on a, ``correlation="lasso"``);
3. the pair's score is the mean of two "relative strengths", one per direction:
   for each row (column) of R, max² / sum; 1 when every active dimension of a
   matches exactly one of b.

A model's UDR is the median of its scores against every other model, as in
disentanglement_lib's ``udr_sklearn``; its spread is the range of those scores.
"""

from __future__ import annotations

import numpy as np

from vae.metrics._common import check_codes


def relative_strength(matrix: np.ndarray) -> float:
    """Mean over rows and over columns of max² / sum, averaged: 1 for a permutation matrix."""
    if matrix.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        by_column = np.nan_to_num(matrix.max(0) ** 2 / matrix.sum(0))
        by_row = np.nan_to_num(matrix.max(1) ** 2 / matrix.sum(1))
    return float((by_column.mean() + by_row.mean()) / 2)


def correlation_matrix(a: np.ndarray, b: np.ndarray, kind: str = "spearman", seed: int = 0):
    """|R| between the dimensions of two codes of the same inputs: (d_a, d_b)."""
    if kind == "lasso":
        from sklearn.linear_model import Lasso

        return np.abs(Lasso(alpha=0.1, random_state=seed).fit(a, b).coef_).T
    if kind != "spearman":
        raise ValueError(f"correlation must be spearman or lasso, got {kind!r}")
    # Here, not at the top: scipy.stats took 0.68 s of the β page's first visit, which needs
    # no UDR until its "Over seeds" section is opened.
    from scipy.stats import spearmanr

    d = a.shape[1]
    rho = np.atleast_2d(spearmanr(a, b).statistic)  # (d_a + d_b) square, or one number
    if rho.size == 1:
        return np.abs(np.nan_to_num(rho))
    return np.abs(np.nan_to_num(rho[:d, d:]))


def udr(
    codes: list[np.ndarray],
    kl: list[np.ndarray],
    kl_threshold: float = 0.01,
    correlation: str = "spearman",
    seed: int = 0,
) -> dict[str, list]:
    """UDR of each of several models from their codes of the same inputs.

    ``codes[m]`` is (n, d) posterior means of model m, ``kl[m]`` its KL per
    dimension (nats). Returns ``scores`` (one per model, the median of its pair
    scores), ``low``/``high`` (the range of those pair scores) and ``pairs`` (the
    m × m matrix, NaN on the diagonal).
    """
    if len(codes) < 2 or len(codes) != len(kl):
        raise ValueError("UDR needs the codes and the KL per dimension of two or more models")
    codes = [check_codes(c, f"codes of model {m}") for m, c in enumerate(codes)]
    if len({c.shape for c in codes}) != 1:
        raise ValueError("UDR compares codes of the same inputs: every model's must have one shape")
    active = [np.asarray(k) > kl_threshold for k in kl]
    standard = []
    for c, mask in zip(codes, active, strict=True):
        c = c[:, mask]
        std = c.std(0)
        standard.append((c - c.mean(0)) / np.where(std > 0, std, 1.0))
    m = len(codes)
    pairs = np.full((m, m), np.nan)
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            a, b = standard[i], standard[j]
            empty = a.shape[1] == 0 or b.shape[1] == 0  # a model with no active dimension
            pairs[i, j] = (
                0.0 if empty else relative_strength(correlation_matrix(a, b, correlation, seed))
            )
    others = [np.delete(pairs[:, i], i) for i in range(m)]
    return {
        "scores": [float(np.median(o)) for o in others],
        "low": [float(o.min()) for o in others],
        "high": [float(o.max()) for o in others],
        "pairs": pairs.tolist(),
    }
