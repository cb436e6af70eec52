"""Which factor each latent dimension holds: the matrix behind MIG and DCI, for the comparison page.

From the model's ``summary.json`` when ``evaluate`` wrote it there (``mi_matrix``,
``factor_names``, ``factor_of_dim``), otherwise measured here on a seeded sample
of the ground truth and kept in memory and on disk (``vae.app.caching``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from vae.app import caching
from vae.app.shell import Selected
from vae.metrics.factor_view import active_dims, factor_of_dim, mi_matrix
from vae.model.evaluation import encode_means

SAMPLE = 5000  # factor draws rendered and encoded when the summary has no matrix


@dataclass
class FactorView:
    matrix: np.ndarray  # (n_factors, latent_dim), I(z_d; v_k) / H(v_k)
    factor_names: list[str]
    factor_of_dim: list[str | None]
    source: str  # where the numbers come from, for the caption

    def row_label(self, d: int) -> str:
        """A traversal row's name: the dimension, the factor it moves and how much of that
        factor's entropy it holds, e.g. "z5: pos_x (I/H 0.73)"."""
        held = self.factor_of_dim[d]
        if held is None:
            return f"z{d}"
        share = float(self.matrix[self.factor_names.index(held), d])
        return f"z{d}: {held} (I/H {share:.2f})"


def factor_view(selected: Selected, measure: bool = True) -> FactorView | None:
    """The factor × dimension view of a model whose data has ground-truth factors, else None
    (also None without ``measure`` where neither the summary nor the cache holds it)."""
    truth = selected.data.ground_truth
    if truth is None:
        return None
    summary = selected.info.summary
    d = selected.model.config.latent_dim
    matrix = summary.get("mi_matrix")
    if matrix is not None and len(matrix) and len(matrix[0]) == d:
        names = [str(n) for n in summary.get("factor_names") or range(len(matrix))]
        held = summary.get("factor_of_dim") or [None] * d
        return FactorView(np.asarray(matrix), names, list(held), "the model's full evaluation")

    def compute(progress: Any) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(0)
        factors = np.asarray(truth.sample_factors(SAMPLE, rng), dtype=np.int64)
        codes = []
        for start in range(0, SAMPLE, 500):
            x = truth.observe(factors[start : start + 500])
            codes.append(encode_means(selected.model, x).numpy())
            progress((start + 500) / SAMPLE)
        codes = np.concatenate(codes)
        return {"matrix": mi_matrix(codes, factors), "active": active_dims(codes)}

    params = {"n": SAMPLE, "seed": 0}
    if not measure and not caching.has_cached(selected, "factor_view", params):
        return None
    if caching.has_cached(selected, "factor_view", params):
        found = caching.cached(selected, "factor_view", params, compute)
    else:
        with st.spinner(f"Measuring what each dimension holds on {SAMPLE:,} rendered examples…"):
            found = caching.cached(selected, "factor_view", params, compute)
    names = [str(n) for n in truth.factor_names]
    held = factor_of_dim(found["matrix"], found["active"], names)
    return FactorView(found["matrix"], names, held, f"{SAMPLE:,} seeded factor draws")
