"""The factor × dimension view: which factor each latent dimension holds.

MIG and DCI summarise a matrix of how much each code dimension tells about
each factor into one number; this module returns the matrix itself, for a heat
map, and names the factor each active dimension is most informative about.
The information is MIG's: per-dimension equal-width histograms (20 bins, as
disentanglement_lib), discrete mutual information in nats, each factor's row
divided by the factor's entropy so that 1 means "this dimension determines
the factor".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vae.metrics._common import Sample, check_pair, check_positive
from vae.metrics.mig import discrete_entropy, discrete_mutual_info, discretize

# The active-units threshold of ``vae.model.evaluation.ACTIVE_UNIT_THRESHOLD`` (Burda
# et al. 2015): a dimension whose mean varies less than this over the data is
# inactive. Repeated here so that the metrics never import the model.
ACTIVE_THRESHOLD = 0.01


def mi_matrix(codes: np.ndarray, factors: np.ndarray, n_bins: int = 20) -> np.ndarray:
    """I(z_d; v_k) / H(v_k) for every factor k (row) and code dimension d (column).

    Args:
        codes: posterior means, float array (n_examples, n_code_dims).
        factors: ground-truth factor codes, int array (n_examples, n_factors).
        n_bins: equal-width bins per code dimension; default 20 as MIG.

    Returns:
        float array (n_factors, n_code_dims) in [0, 1]; a row of zeros for a
        factor that takes a single value in the sample (it has no entropy).
    """
    codes, factors = check_pair(codes, factors)
    check_positive(n_bins, "n_bins", minimum=2)
    information = discrete_mutual_info(discretize(codes, n_bins), factors).T
    entropy = discrete_entropy(factors)
    matrix = np.zeros_like(information)
    varying = entropy > 0
    matrix[varying] = information[varying] / entropy[varying, None]
    return np.clip(matrix, 0.0, 1.0)


def active_dims(codes: np.ndarray, threshold: float = ACTIVE_THRESHOLD) -> np.ndarray:
    """Boolean per code dimension: does its value vary over the codes (variance > threshold)?"""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.shape[0] < 2:
        return np.zeros(codes.shape[1], dtype=bool)
    return np.var(codes, axis=0, ddof=1) > threshold


def factor_of_dim(
    matrix: np.ndarray, active: np.ndarray, names: Sequence[str] | None = None
) -> list[Any]:
    """Per code dimension, the factor it is most informative about, or None.

    Args:
        matrix: ``mi_matrix``'s (n_factors, n_code_dims) array.
        active: boolean per dimension; an inactive dimension gets None.
        names: factor names; default their indices.

    Returns:
        One entry per dimension: the name (or index) of the factor of the
        largest entry of its column, None for an inactive dimension or one
        that tells nothing about any factor.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    labels = list(names) if names is not None else list(range(matrix.shape[0]))
    out: list[Any] = []
    for d in range(matrix.shape[1]):
        column = matrix[:, d]
        if not active[d] or column.max(initial=0.0) <= 0:
            out.append(None)
        else:
            out.append(labels[int(np.argmax(column))])
    return out


def factor_view_of_sample(sample: Sample, sizes: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The registry's hook: ``mi_matrix``, ``factor_names`` and ``factor_of_dim`` of the sample."""
    matrix = mi_matrix(sample.codes_train, sample.factors_train)
    names = [
        str(n) for n in getattr(sample.ground_truth, "factor_names", None) or range(len(matrix))
    ]
    return {
        "mi_matrix": matrix.tolist(),
        "factor_names": names,
        "factor_of_dim": factor_of_dim(matrix, active_dims(sample.codes_train), names),
    }
