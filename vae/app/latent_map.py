"""Streamlit glue of the Latent map page: cached arrays, the selection, the gallery.

Arrays come from ``vae.maps.projection`` (cached on disk per model, data and
parameters) and are kept in memory here, keyed by the model's folder and the
modification time of its weights, so a run that trains on gets fresh maps.
The selection lives in session state as global ids (indices in the test split),
so it survives recolouring, a new projection and reruns.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import streamlit as st
import torch

from vae.app import caching, modality
from vae.app.shell import Selected
from vae.figures import map_pictures
from vae.images import grid
from vae.maps import projection
from vae.maps.manifold import decode_manifold
from vae.runs import cache

log = logging.getLogger(__name__)

CHART_KEY = "map_chart"
CHART_3D_KEY = "map_chart_3d"
SELECTED_KEY = "map_selected_ids"
POINT_KEY = "map_point"
MODEL_KEY = "map_model"
LAST_EVENT_KEY = "map_last_event"
SPOT_KEY = "map_spot"  # the last empty spot clicked, (x, y) on the map
SPOT_FROM_KEY = "map_spot_from"  # the one clicked before it
NONE = "nothing"
CLASS = "class"
KL = "KL(q(z|x) ‖ p(z)) per example"
LOG_LIKELIHOOD = "log-likelihood (IWAE)"
FACTOR_PREFIX = "factor: "
MAX_GALLERY = 48


# --- arrays, kept in memory (vae.app.caching) and on disk (vae.maps.projection) -------------------


def codes(selected: Selected, n: int) -> np.ndarray:
    """Posterior means (n, d) of the first ``n`` test examples."""
    return caching.test_means(selected, n)


def _on_disk(selected: Selected, what: str, params: dict[str, Any]) -> bool:
    return cache.load_arrays(selected.path, what, params) is not None


def project(
    selected: Selected, n: int, method: str, params: dict[str, Any], components: int = 2
) -> np.ndarray:
    """The map (n, components) of the first ``n`` codes, showing progress when it is computed."""
    params = projection.check_params(method, params, n)
    projection.check_components(components, selected.info.latent_dim)
    key = projection.projection_key(method, n, params, components)

    def compute() -> np.ndarray:
        return projection.cached_projection(
            selected.path, codes(selected, n), method, params, components=components
        )

    if (
        method == "latent"
        or caching.is_memo(selected, "projection", key)
        or _on_disk(selected, "projection", key)
    ):
        return caching.memo(selected, "projection", key, compute)
    name = f"{components}-D {projection.METHODS[method]}"
    with st.status(f"Computing the {name} map of {n} codes…", expanded=False) as status:
        if method == "umap":
            st.write(
                "The first UMAP after installing compiles itself (about 20 s on 2 cores); "
                "numba keeps the result, so later maps take a few seconds."
            )
        xy = caching.memo(selected, "projection", key, compute)
        status.update(label=f"{name} map of {n} codes ready", state="complete")
    return xy


def picture_sources(selected: Selected, n: int) -> tuple[np.ndarray, list[str]]:
    """(rows, PNG data URIs) of the first ``n`` test images drawn as pictures on the map."""

    def compute() -> tuple[np.ndarray, list[str]]:
        rows = map_pictures.picture_sample(n)
        images = selected.data.test.x[:n][torch.as_tensor(rows)].numpy()
        return rows, [map_pictures.thumbnail_uri(image) for image in images]

    return caching.memo(
        selected, "map_pictures", {"n": n, "limit": map_pictures.MAX_PICTURES}, compute
    )


def pictures_caption(n: int) -> str:
    limit = map_pictures.MAX_PICTURES
    if n <= limit:
        return f"All {n:,} points drawn as their test images; zoom in (scroll or box-zoom) to read them."
    return (
        f"{limit:,} of the {n:,} points, a random sample (seed 0), drawn as their test images; "
        "the others stay dots. Zoom in (scroll or box-zoom) to read them."
    )


def example_kl(selected: Selected, n: int) -> np.ndarray:
    return caching.memo(
        selected,
        "example_kl",
        {"n": n},
        lambda: projection.cached_example_kl(selected.path, selected.model, selected.data, n),
    )


def has_log_likelihood(selected: Selected, n: int, k: int = projection.DEFAULT_K) -> bool:
    """Whether the IWAE log p(x) of the first ``n`` examples is computed already."""
    params = {"n": n, "k": k}
    return caching.is_memo(selected, "example_ll", params) or _on_disk(
        selected, "example_ll", params
    )


def log_likelihood(selected: Selected, n: int, k: int = projection.DEFAULT_K) -> np.ndarray:
    """IWAE log p(x) of the first ``n`` test examples, with a progress bar when computed."""
    params = {"n": n, "k": k}

    def compute() -> np.ndarray:
        if _on_disk(selected, "example_ll", params):
            return projection.cached_log_likelihood(
                selected.path, selected.model, selected.data, n, k
            )
        bar = st.progress(0.0, text=f"Estimating log p(x) of {n} examples with k={k}…")
        values = projection.cached_log_likelihood(
            selected.path, selected.model, selected.data, n, k, progress=bar.progress
        )
        bar.empty()
        return values

    return caching.memo(selected, "example_ll", params, compute)


# --- colours ---------------------------------------------------------------------------------


def colour_options(selected: Selected) -> list[str]:
    data = selected.data
    options = [CLASS] if data.has_labels else []
    options += [FACTOR_PREFIX + f for f in data.factor_names or []]
    return [*options, KL, LOG_LIKELIHOOD, NONE]


def colour_values(
    selected: Selected, n: int, option: str
) -> tuple[np.ndarray | None, list[str] | None, str]:
    """(values, category names or None, label) for colouring the first ``n`` examples."""
    test = selected.data.test
    if option == CLASS and test.y is not None:
        return test.y[:n].numpy(), list(selected.data.class_names or []), "class"
    if option.startswith(FACTOR_PREFIX) and test.factors is not None:
        name = option[len(FACTOR_PREFIX) :]
        j = (selected.data.factor_names or []).index(name)
        values = test.factors[:n, j].numpy()
        size = (selected.data.factor_sizes or [0])[j]
        if size <= 10:
            return values, [f"{name}={v}" for v in range(size)], name
        return values.astype(np.float64), None, name
    if option == KL:
        return example_kl(selected, n), None, "KL (nats)"
    if option == LOG_LIKELIHOOD:
        return log_likelihood(selected, n), None, "log p(x) (nats)"
    return None, None, ""


# --- the selection ---------------------------------------------------------------------------


def reset_if_model_changed(selected: Selected) -> None:
    """A selection names examples of one model's test set: start afresh on another model."""
    if st.session_state.get(MODEL_KEY) != selected.entry.name:
        st.session_state[MODEL_KEY] = selected.entry.name
        st.session_state[SELECTED_KEY] = []
        st.session_state[POINT_KEY] = None
        st.session_state[SPOT_KEY] = None
        st.session_state[SPOT_FROM_KEY] = None


def on_map_select() -> None:
    """Keep the ids of a box or lasso selection, or the clicked point, in session state.

    An empty event (the figure changed, or a double click) keeps the last selection:
    the Clear button is the way to drop it.
    """
    event = st.session_state.get(CHART_KEY)
    apply_selection(event)


def on_map_3d_select() -> None:
    """A click on a point of the 3-D map chooses it (plotly has no box or lasso in 3-D)."""
    apply_selection(st.session_state.get(CHART_3D_KEY))


def _event_ids(event: Any) -> tuple[list[int], bool, tuple[float, float] | None]:
    """The global ids in a chart selection event, whether it was a box or lasso, and the spot.

    The spot is where a click on empty space landed: the grid point of
    ``vae.figures.map_overlays.add_spot_layer`` (a negative id) picked alone.
    """
    event = event or {}
    selection = event.get("selection", {}) if hasattr(event, "get") else {}
    points = selection.get("points", []) or []
    region = bool(selection.get("box") or selection.get("lasso"))
    ids = list(dict.fromkeys(int(p["customdata"]) for p in points if "customdata" in p))
    examples = [i for i in ids if i >= 0]
    spot = None
    if not examples and not region:
        grid = [p for p in points if int(p.get("customdata", 0)) < 0 and "x" in p and "y" in p]
        if grid:
            spot = (round(float(grid[0]["x"]), 6), round(float(grid[0]["y"]), 6))
    return examples, region, spot


def apply_selection(event: Any) -> None:
    """Store a chart selection event's ids (see :func:`on_map_select`) once per event.

    Empty events and the event already handled (or cleared) are ignored. A click
    on an empty spot keeps that spot (and the one before, the start of a path).
    """
    ids, region, spot = _event_ids(event)
    signature = [ids, region, spot]
    if (not ids and spot is None) or st.session_state.get(LAST_EVENT_KEY) == signature:
        return
    st.session_state[LAST_EVENT_KEY] = signature
    if spot is not None:
        st.session_state[SPOT_FROM_KEY] = st.session_state.get(SPOT_KEY)
        st.session_state[SPOT_KEY] = spot
    elif region or len(ids) > 1:
        st.session_state[SELECTED_KEY] = ids
    else:
        st.session_state[POINT_KEY] = ids[0]


def clear_selection() -> None:
    key = CHART_3D_KEY if st.session_state.get(CHART_3D_KEY) else CHART_KEY
    ids, region, spot = _event_ids(st.session_state.get(key))
    st.session_state[LAST_EVENT_KEY] = [ids, region, spot]  # the chart still reports it: ignore it
    st.session_state[SELECTED_KEY] = []
    st.session_state[POINT_KEY] = None


def selected_ids() -> list[int]:
    return list(st.session_state.get(SELECTED_KEY) or [])


# --- what the selection shows ----------------------------------------------------------------


def show_gallery(selected: Selected, ids: list[int]) -> None:
    """The selected originals beside their reconstructions."""
    shown = ids[:MAX_GALLERY]
    x, recon = projection.reconstruct_examples(selected.model, selected.data, shown)
    more = f" (the first {len(shown)} of {len(ids)})" if len(ids) > len(shown) else ""
    st.markdown(f"**{len(ids)} selected examples**{more}: originals and reconstructions")
    modality.show_pairs(modality.of(selected.info), x, recon, [f"#{i}" for i in shown])


def show_neighbours(selected: Selected, all_codes: np.ndarray, point: int, k: int) -> None:
    """The chosen example and its ``k`` nearest neighbours in latent space."""
    order, distance = projection.nearest_neighbours(all_codes, point, k)
    ids = [point, *order.tolist()]
    captions = [f"#{point} (chosen)"] + [
        f"#{i} · d={d:.2f}" for i, d in zip(order.tolist(), distance, strict=True)
    ]
    x, _ = projection.reconstruct_examples(selected.model, selected.data, ids)
    modality.show(modality.of(selected.info), x, captions, ncol=min(len(ids), 9), target=64)


# --- the decoded manifold --------------------------------------------------------------------


MANIFOLD_PAD = 1  # pixels of grey between tiles, so neighbouring digits do not merge


def padded_extent(
    span: tuple[float, float, float, float], steps: int, width: int, height: int
) -> tuple[float, float, float, float]:
    """The outer edges in latent units of a tiled picture whose tile centres sit on the grid codes.

    Tile j's centre is at pixel pad + j (w + pad) + w/2; the picture is steps (w + pad) + pad wide.
    """
    pad = MANIFOLD_PAD
    out = []
    for lo, hi, size in ((span[0], span[1], width), (span[2], span[3], height)):
        per_pixel = (hi - lo) / max(steps - 1, 1) / (size + pad)
        first = pad + size / 2
        total = steps * (size + pad) + pad
        out += [lo - first * per_pixel, lo + (total - first) * per_pixel]
    return (out[0], out[1], out[2], out[3])


def manifold(
    selected: Selected, span: tuple[float, float, float, float], steps: int, y: int | None
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """(grid codes, tiled uint8 picture, its extent) of the decoded latent plane."""
    span = tuple(round(float(v), 6) for v in span)

    def compute() -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
        m = decode_manifold(selected.model, span, steps, y)
        picture = grid(m.images, ncol=steps, pad=MANIFOLD_PAD, pad_value=110)
        return m.codes, picture, padded_extent(span, steps, m.images.shape[-1], m.images.shape[-2])

    return caching.memo(selected, "manifold", {"span": span, "steps": steps, "y": y}, compute)


def clamp_state(key: str, lo: float, hi: float) -> None:
    """Keep a widget's remembered value inside its (model-dependent) range."""
    value = st.session_state.get(key)
    if value is not None and not lo <= value <= hi:
        st.session_state[key] = min(max(value, lo), hi)
