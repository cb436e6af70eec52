"""Latent map: every test example as a point at its posterior mean, projected to 2-D or 3-D."""

from __future__ import annotations

import numpy as np
import streamlit as st

from vae import names as dim_names
from vae.analysis import latent
from vae.analysis.own_input import framing_for
from vae.app import (
    attributes,
    charts,
    large_map,
    latent_map,
    links,
    map_decode,
    map_exports,
    map_history,
    modality,
    own_input,
    shell,
)
from vae.errors import VAELabError
from vae.figures import map_overlays, map_pictures
from vae.figures.latent_map import manifold_figure, scatter_map, scatter_map_3d
from vae.maps import inverse as map_inverse
from vae.maps import manifold, projection

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

selected = shell.current()
st.title("Latent map")
if not shell.require(selected, lambda info: info.latent_dim >= 1, "a trained model", "mnist-16d"):
    st.stop()
info, data = selected.info, selected.data
kind = modality.of(info)
latent_dim = info.latent_dim
n_test = len(data.test)
latent_map.reset_if_model_changed(selected)
st.caption(
    f"Each point is one of the first test examples of `{info.dataset}`, placed at the mean of "
    f"its posterior q(z|x) in the {latent_dim}-D latent space and projected to 2-D (or 3-D). Pick the box "
    "or lasso in the chart's toolbar and drag to see the examples there beside their "
    "reconstructions; click a point to see its nearest neighbours in latent space, or an empty "
    "spot to decode a code for it."
)


def own_input_section() -> None:
    """Draw or upload an input: how the model sees it, answers it, and where it lands."""
    typed, heard = "text" in kind.inputs, "microphone" in kind.inputs
    title = (
        "✏️ Your own sentence" if typed
        else "🎙️ Your own sound: record or upload" if heard
        else "✏️ Your own input: draw or upload"
    )  # fmt: skip
    # Folded until used, so the map itself is in view on arrival (issue 27), and drawn only
    # when opened (its canvas and uploader cost every visit otherwise, issue 28).
    box = shell.lazy_section(
        title, key="map_own_open", open_first=own_input.stored(selected) is not None
    )
    if box is None:
        return
    with box:
        picked, answered = st.columns([1, 2], gap="large")
        with picked:
            mine = own_input.picker(selected, "map_own")
        if mine is None:
            # Digit data sets frame a drawing as their digits were made; others take any picture.
            digits = framing_for(info.dataset, tuple(info.input_shape)) is not None
            drawing = "Draw a digit" if digits else "Draw a picture"
            ask = (
                "Type a sentence" if typed
                else "Record a sound (or upload a .wav)" if heard
                else f"{drawing} (or upload a picture)"
            )  # fmt: skip
            answered.info(ask + " to see where it lands on the map.")
            return
        with answered:
            reference = latent_map.log_likelihood(selected, projection.default_n(n_test))
            own_input.show(selected, mine, own_input.answer(selected, mine, reference))
            st.button(
                "Forget my input", key="map_own_forget", on_click=own_input.forget, args=(selected,)
            )


@st.fragment
def map_view() -> None:
    large = large_map.offered(selected) and st.radio(
        "Points", [large_map.TEST_SPLIT, large_map.SAMPLE], horizontal=True,
        key=large_map.POINTS_KEY,
        help=f"The test split ({n_test:,} examples), or the test examples followed by a random "
        f"sample of the training split: {large_map.size(selected):,} points, encoded once "
        "and kept on disk.",
    ) == large_map.SAMPLE  # fmt: skip
    c_method, c_dims, c_n, c_p1, c_p2, c_colour = st.columns([1.2, 0.8, 1.2, 1, 1, 1.4])
    can_3d = latent_dim >= 3
    links.bind("view", "map_dims", links.choice({"2d": "2-D", "3d": "3-D"}), "2-D")  # ?view=3d
    dims = c_dims.radio(
        "Map", ["2-D", "3-D"], horizontal=True, key="map_dims", disabled=not can_3d,
        help="A flat map with box and lasso, or a rotatable 3-D cloud (drag to turn it)."
        if can_3d else f"A 3-D map needs 3 or more latent dimensions; this model has {latent_dim}.",
    )  # fmt: skip
    components = 3 if dims == "3-D" and can_3d else 2
    methods = projection.methods_for(latent_dim, components)
    links.bind("projection", "map_method", links.choice(methods), methods[0])  # ?projection=pca
    top = large_map.size(selected) if large else n_test
    default_n = top if large else projection.default_n(n_test)
    step = 1000 if top >= 20_000 else max(1, min(10, top // 20))
    lo_n = min(step if step == 1000 else 20, top)
    n_key = "map_n_sample" if large else "map_n"
    latent_map.clamp_state(n_key, lo_n, top)
    method = c_method.selectbox(
        "Projection", methods, format_func=projection.METHODS.get, key="map_method"
    )
    n = c_n.slider(
        "Examples" if large else "Test examples", lo_n, top, default_n, step=step, key=n_key
    )
    params: dict = {}
    if method == "umap":
        latent_map.clamp_state("map_neighbors", 2, min(100, n - 1))
        params["n_neighbors"] = c_p1.slider(
            "UMAP neighbours", 2, min(100, n - 1), min(15, n - 1), key="map_neighbors",
            help="Small: local detail; large: the global layout.",
        )  # fmt: skip
        params["min_dist"] = c_p2.slider(
            "UMAP min. distance", 0.0, 0.99, 0.1, step=0.01, key="map_min_dist",
            help="How tightly points may pack together.",
        )  # fmt: skip
    elif method == "tsne":
        top = float(max(2, min(100, n - 1)))
        latent_map.clamp_state("map_perplexity", 2.0, top)
        params["perplexity"] = c_p1.slider(
            "t-SNE perplexity", 2.0, top, min(30.0, top), step=1.0, key="map_perplexity",
            help="Roughly the number of neighbours each point keeps close.",
        )  # fmt: skip
    options = (large_map if large else latent_map).colour_options(selected)
    colours = links.choice({links.slug(o): o for o in options})
    links.bind("colour", "map_colour", colours, options[0])  # ?colour=kl-q-z-x-p-z-per-example
    colour = c_colour.selectbox("Colour by", options, key="map_colour")
    pictures = kind.shows_pictures and not large and st.toggle(
        "Points as pictures", key="map_pictures", disabled=components == 3,
        help="Each point drawn as its own test image (up to "
        f"{map_pictures.MAX_PICTURES:,}); zoom in to read them. 2-D maps only.",
    )  # fmt: skip
    glue = large_map if large else latent_map
    try:
        xy = glue.project(selected, n, method, params, components)
        values, categories, label = glue.colour_values(selected, n, colour)
    except VAELabError as exc:
        shell.report_error(exc)
        return
    ids = np.arange(n)
    if (st.session_state.get(latent_map.POINT_KEY) or 0) >= n:
        st.session_state[latent_map.POINT_KEY] = None
    chosen = st.session_state.get(latent_map.POINT_KEY)
    names = tuple(dim_names.latents(3)) if method == "latent" else None
    axes = names or tuple(f"{projection.METHODS[method]} {i}" for i in (1, 2, 3))
    codes = glue.codes(selected, n)
    merged = projection.check_params(method, params, n)
    stem = f"latent-map-{selected.entry.name}-{method}-{components}d"
    if components == 3:
        fig = scatter_map_3d(
            xy, ids, values, categories, label, selected=latent_map.selected_ids(),
            chosen=chosen, axis_titles=axes,
        )  # fmt: skip
        event = charts.plotly_chart(
            fig, stem, key=latent_map.CHART_3D_KEY, on_select=latent_map.on_map_3d_select,
            selection_mode="points", width="stretch",
        )  # fmt: skip
        st.caption(
            "Drag to turn the cloud, scroll to zoom; hover a point for its number. Selection is "
            "2-D only (a 3-D chart sends no box, lasso or click to the page): type an example's "
            "number below for its nearest neighbours, or switch to 2-D to select a group; a 2-D "
            "selection stays ringed here."
        )
        spot = before = None
    else:
        fig = scatter_map(
            xy, ids, values, categories, label, selected=latent_map.selected_ids(),
            chosen=chosen, axis_titles=axes[:2], marker_size=4 if pictures else 6,
            hover_text=None if large else kind.hover(data.test.x[ids]),
        )  # fmt: skip
        view = [method, n, sorted(merged.items())]
        spot, before = map_decode.spots(view) if not large else (None, None)
        if not large:
            map_overlays.add_spot_layer(fig, map_overlays.spot_grid(xy))
        if pictures:
            rows, sources = latent_map.picture_sources(selected, n)
            map_pictures.add_pictures(fig, xy[rows], sources)
        mine = None if large else own_input.stored(selected)
        if mine is not None:
            z = latent.encode_mean(
                selected.model, mine.x[None], None if mine.y is None else [mine.y]
            )
            landed = map_inverse.place(codes, xy, method, z.numpy())[0]
            map_overlays.add_own_point(fig, landed)
            st.caption(f"✖ {mine.name}, {map_inverse.PLACEMENT[method]}.")
        if spot is not None:
            map_overlays.add_spot(fig, spot)
        event = charts.plotly_chart(
            fig, stem, key=latent_map.CHART_KEY, on_select=latent_map.on_map_select,
            selection_mode=("points", "box", "lasso"), width="stretch",
        )  # fmt: skip
        if pictures:
            st.caption(latent_map.pictures_caption(n))

    # The callback has done this already in a browser; not in AppTest.
    latent_map.apply_selection(event)
    if large:
        st.caption(large_map.caption(selected, n) + " Downloads, pictures and decoding a spot "
                   "work on the test split.")  # fmt: skip
    else:
        map_exports.buttons(selected, xy, method)
    if components == 2 and not large:
        spot, before = map_decode.spots(view)
    picked = [i for i in latent_map.selected_ids() if i < n]
    left, right = st.columns([3, 1])
    if picked:
        with left:
            glue.show_gallery(selected, picked)
        right.button("Clear selection", key="map_clear", on_click=latent_map.clear_selection)
        for group in () if large else ("A", "B"):  # attribute vectors use test codes
            right.button(
                f"Selection → group {group}", key=f"map_to_{group}",
                on_click=attributes.keep_selection_as, args=(group, picked),
                help="Keep these examples as a group of an attribute vector (below).",
            )  # fmt: skip
    else:
        left.info("Select points with the box or lasso tool to see them here.")

    st.subheader("Nearest neighbours in latent space")
    c_point, c_k = st.columns(2)
    point = c_point.number_input(
        "Example (click a point, or type its number)", min_value=0, max_value=n - 1,
        value=None, step=1, key=latent_map.POINT_KEY, placeholder="none chosen",
    )  # fmt: skip
    k = c_k.slider("Neighbours", 1, min(24, n - 1), min(8, n - 1), key="map_k")
    if point is not None:
        glue.show_neighbours(selected, codes, int(point), k)
    if spot is not None:
        labels = data.test.y[:n].numpy() if data.test.y is not None else None
        map_decode.show_spot(selected, method, merged, codes, xy, spot, before, labels)
    else:
        st.caption("Click an empty spot of the map to decode a code for it.")


def attribute_vectors() -> None:
    st.markdown(
        "Two groups of codes and the difference of their means, v = mean(B) − mean(A): adding "
        "v to a code of A should make it look like B. Walk any code along v and watch the "
        "images, and a probe of every class, answer."
    )
    codes = latent_map.codes(selected, projection.default_n(n_test))
    vector = attributes.choose_vector(selected, codes)
    if vector is None:
        return
    attributes.show_loadings(vector)
    attributes.show_walk(selected, codes, vector)
    attributes.save_box(selected, vector)
    attributes.show_analogy(selected, codes)


@st.fragment
def decoded_manifold() -> None:
    st.subheader("The decoded manifold")
    st.caption(
        "A grid of codes over the latent plane, each decoded to the mean of p(x|z); the test "
        "examples' codes are drawn on top. Smooth changes between neighbouring tiles are what a "
        "VAE's KL term buys."
    )
    c_steps, c_span, c_overlay, c_class = st.columns(4)
    steps = c_steps.slider("Tiles per side", 5, 30, 15, key="manifold_steps")
    span_kind = c_span.radio(
        "Extent", ["codes", "prior ±3σ"], horizontal=True, key="manifold_span",
        help="The box that holds the test codes, or ±3 standard deviations of p(z).",
    )  # fmt: skip
    overlay = c_overlay.toggle("Show the codes", value=True, key="manifold_overlay")
    y = None
    if info.conditional:
        names = list(data.class_names or [])
        y = c_class.selectbox(
            "Decode as class", range(len(names)), format_func=names.__getitem__,
            key="manifold_class",
        )  # fmt: skip
    n = projection.default_n(n_test)
    codes = latent_map.codes(selected, n)
    span = manifold.manifold_span(codes) if span_kind == "codes" else (-3.0, 3.0, -3.0, 3.0)
    _, picture, extent = latent_map.manifold(selected, span, steps, y)
    labels = data.test.y[:n].numpy() if data.test.y is not None else None
    fig = manifold_figure(
        picture, extent, codes if overlay else None, labels, data.class_names, ids=list(range(n))
    )
    charts.plotly_chart(
        fig, f"decoded-manifold-{selected.entry.name}", key="manifold_chart", width="stretch"
    )


if {"draw", "text", "microphone"} & set(kind.inputs):
    own_input_section()
map_view()
if latent_dim == 2 and kind.shows_pictures:
    decoded_manifold()
elif latent_dim == 2:
    st.caption(f"The decoded manifold is drawn for images; this model decodes to {kind.plural}.")
# Below the map, opened when wanted: their charts and probe cost a first visit ~0.5 s (issue 28).
box = shell.lazy_section(attributes.SECTION_TITLE, attributes.SECTION_KEY, ":material/call_made:")
if box is not None:
    with box:
        attribute_vectors()
box = shell.lazy_section(map_history.SECTION_TITLE, map_history.SECTION_KEY, ":material/movie:")
if box is not None:
    with box:
        map_history.section(selected)
