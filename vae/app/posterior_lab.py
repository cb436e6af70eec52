"""Streamlit glue of the Posterior & collapse lab: one posterior in 2-D, collapse measured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from vae.analysis import posterior
from vae.app import caching
from vae.app.caching import cached
from vae.app.examples import MAX_TEST, example, test_x, test_y, varied_rows
from vae.app.shell import Selected
from vae.runs import catalog

# The bundled models each section starts on: the MNIST ones, or the digits ones beside a digits model.
TWO_D_DEFAULTS = ("mnist-2d", "digits-2d")
SECTION_KEY = "pl_section"  # the page's open tab (?section= in a link)
SECTION_TITLES = {  # the link's token: the tab's title
    "posterior": ":material/blur_circular: 1 · q(z|x), with and without a flow",
    "collapse": ":material/compress: 2 · Posterior collapse and its cures",
    "calm": ":material/graphic_eq: 3 · A code that survives noise (CALM)",
}
COLLAPSE_PAIRS = {
    "mnist-5k": ("mnist-collapse", "mnist-cured"),
    "digits": ("digits-collapse", "digits-cured"),
    "sentences": ("sentences-collapse", "sentences-cured"),
}


def collapse_pair(current: Selected | None) -> tuple[str, str]:
    """The collapsed and cured bundled models on the current model's data (MNIST otherwise)."""
    dataset = current.info.dataset if current is not None else None
    return COLLAPSE_PAIRS.get(dataset, COLLAPSE_PAIRS["mnist-5k"])


# --- posterior lab ------------------------------------------------------------------------------


def posterior_view(selected: Selected, index: int, with_truth: bool) -> dict[str, Any]:
    """q(z|x) of test example ``index``, and (optionally) the true posterior and ELBO gap.

    Kept on disk (and shipped with the bundled 2-D models for the first example): the true
    posterior is 21,000 decodings, ~0.3 s a model, and the page opens on two models.
    """

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        x, y = example(selected, index)
        post = posterior.posterior_2d(selected.model, x, y)
        out: dict[str, Any] = {"post": post, "grid": None, "gap": None}
        if with_truth:
            around = np.concatenate([post["samples"], post["contour_2"]])
            grid = posterior.true_posterior_grid(selected.model, x, y, around=around)
            out["grid"] = grid
            out["gap"] = posterior.elbo_gap(selected.model, x, float(grid["log_px"]), y)
        with torch.no_grad():
            out["recon"] = selected.model.reconstruct(x, y).numpy()
        return flatten(out)

    arrays = cached(selected, "posterior_view", {"i": index, "truth": with_truth}, compute)
    return unflatten(arrays)


def flatten(view: dict[str, Any]) -> dict[str, np.ndarray]:
    """A posterior view as flat arrays ("post.mean", "gap.elbo", "recon"...) for the disk cache."""
    flat = {}
    for part, value in view.items():
        if isinstance(value, dict):
            flat.update({f"{part}.{k}": np.asarray(v) for k, v in value.items()})
        elif value is not None:
            flat[part] = np.asarray(value)
    return flat


def unflatten(flat: dict[str, np.ndarray]) -> dict[str, Any]:
    """The inverse of :func:`flatten`: parts absent are None; the gap's entries are floats."""
    view: dict[str, Any] = {"post": {}, "grid": None, "gap": None}
    for key, value in flat.items():
        part, _, name = key.partition(".")
        if not name:
            view[part] = value
            continue
        if view.get(part) is None:
            view[part] = {}
        view[part][name] = float(value) if part == "gap" else value
    return view


def test_means_2d(selected: Selected) -> np.ndarray:
    """Posterior means of the test set (the grey dots behind one example's posterior)."""
    return caching.test_means(selected, MAX_TEST)


def collapse_numbers(selected: Selected) -> dict[str, np.ndarray]:
    x, y = test_x(selected), test_y(selected)
    labels = selected.data.test.y
    rows = varied_rows(None if labels is None else labels[: x.shape[0]], 8)

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        out = posterior.collapse_report(selected.model, x, y)
        progress(0.7)
        y8 = None if y is None else y[rows]
        out.update(posterior.reconstructions_and_samples(selected.model, x[rows], y8, 16))
        out["shown_rows"] = np.array(rows)
        progress(1.0)
        return out

    return cached(
        selected,
        "collapse_report",
        {"n": int(x.shape[0]), "shown": tuple(rows)},
        compute,
        f"Measuring every latent dimension of {selected.entry.title}…",
    )


# --- CALM: a code that survives noise -------------------------------------------------------------

CHUNK_MODELS = ("chunks-ae", "chunks-vae", "chunks-calm")


def chunk_curves() -> dict[str, dict[str, Any]]:
    """The bundled chunk autoencoders' token accuracy under noise on z (measured when they were
    built, ``summary.json``'s ``noise_curve``), by title; the models missing are left out."""
    out = {}
    for name in CHUNK_MODELS:
        entry = catalog.find_bundled(name)
        if entry is None:
            continue
        curve = catalog.model_info(entry.path).summary.get("noise_curve")
        if curve:
            out[entry.title] = curve
    return out
