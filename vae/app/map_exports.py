"""The Latent map's downloads: the shown map as CSV and its codes as ``.npy``.

The file contents come from ``vae.maps.exports``; this module gathers the
columns from the page's caches (KL, the log-likelihood when the colouring has
estimated it already, else a one-sample ELBO) and lays out the buttons.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae.app import caching, latent_map
from vae.app.charts import CAMERA_CAPTION
from vae.app.shell import Selected
from vae.maps import exports as map_exports

CSV_KEY = "map_csv"
NPY_KEY = "map_npy"


def likelihood_column(selected: Selected, n: int) -> tuple[np.ndarray, str]:
    """(values in nats, column name): the IWAE log p(x) if computed already, else the ELBO."""
    if latent_map.has_log_likelihood(selected, n):
        return latent_map.log_likelihood(selected, n), "log_likelihood"

    def compute() -> np.ndarray:
        test = selected.data.test
        y = None if test.y is None else test.y[:n]
        return map_exports.example_elbo(selected.model, test.x[:n], y)

    return caching.memo(selected, "example_elbo", {"n": n}, compute), map_exports.ELBO_COLUMN


def table(selected: Selected, positions: np.ndarray) -> bytes:
    """The CSV of the map's first ``len(positions)`` test examples at their ``positions``."""
    n = len(positions)
    data = selected.data
    labels = None
    if data.test.y is not None:
        names = list(data.class_names or [])
        labels = [names[c] if c < len(names) else str(c) for c in data.test.y[:n].tolist()]
    factors = None
    if data.test.factors is not None and data.factor_names:
        factors = {
            name: data.test.factors[:n, j].numpy() for j, name in enumerate(data.factor_names)
        }
    likelihood, column = likelihood_column(selected, n)
    return map_exports.map_table_csv(
        np.arange(n), positions, latent_map.example_kl(selected, n), likelihood, column,
        selected=latent_map.selected_ids(), labels=labels, factors=factors,
    )  # fmt: skip


def buttons(selected: Selected, positions: np.ndarray, method: str) -> None:
    """Two download buttons under the map, and where the map's picture is."""
    n, components = positions.shape
    stem = f"{selected.entry.name}-{method}-{components}d-{n}"
    left, right, note = st.columns([1, 1, 2])
    axes = "x, y, z" if components == 3 else "x, y"
    left.download_button(
        "⬇ Map as CSV", table(selected, positions), file_name=f"{stem}.csv", mime="text/csv",
        key=CSV_KEY, on_click="ignore", width="stretch",
        help=f"One row per shown example: index (in the test split), {axes} on this map, "
        "label (the class) and factor values where the data has them, kl (KL(q(z|x) ‖ p(z)), "
        "nats), log_likelihood (IWAE log p(x), nats) once the colouring has estimated it, "
        f"else {map_exports.ELBO_COLUMN} (the one-sample ELBO, nats, a lower bound), and "
        "selected (1 for the current box or lasso selection).",
    )  # fmt: skip
    codes = latent_map.codes(selected, n)
    right.download_button(
        "⬇ Codes as .npy", map_exports.codes_npy(codes), file_name=f"{stem}-codes.npy",
        mime="application/octet-stream", key=NPY_KEY, on_click="ignore", width="stretch",
        help=f"The posterior means of the {n} shown examples, a float32 array of "
        f"{n} × {codes.shape[1]} (latent units); row i is test example i. "
        "np.load(path) reads it; no pickle.",
    )  # fmt: skip
    note.caption(CAMERA_CAPTION)
