"""The Latent map's "over training" section: the map as a movie beside the KL heat map."""

from __future__ import annotations

import streamlit as st

from vae import names
from vae.app import caching
from vae.app.shell import Selected
from vae.figures.map_movie import movie_figure
from vae.maps import movie as map_movie
from vae.runs import code_history

# The Latent map's section (shell.lazy_section): its title and the key of its open state.
SECTION_TITLE = "**The map over training**: the codes as a movie, epoch by epoch, beside their KL"
SECTION_KEY = "movie_section"


def movie(selected: Selected, method: str) -> map_movie.Movie | None:
    """The run's movie under ``method`` (memory cached per weights), or None without history."""

    def compute() -> map_movie.Movie | None:
        found = code_history.read(selected.path)
        if found is None:
            return None
        final = caching.test_means(selected, found[1].shape[1])
        return map_movie.load(selected.path, final, method)

    return caching.memo(selected, "map_movie", {"method": method}, compute)


def section(selected: Selected) -> None:
    info, data = selected.info, selected.data
    methods = map_movie.methods_for(info.latent_dim)
    if st.session_state.get("movie_method") not in methods:
        st.session_state["movie_method"] = methods[0]
    method = methods[0]
    if len(methods) > 1:
        method = st.radio(
            "Projection", methods, format_func=map_movie.METHODS.get, horizontal=True,
            key="movie_method",
        )  # fmt: skip
    found = movie(selected, method)
    if found is None:
        st.info(
            "This model has no codes kept over training (it was trained before VAE Lab kept "
            "them). Any run trained now keeps them: train one on the Train page to see its movie."
        )
        return
    n, frames = found.xy.shape[1], len(found.epochs)
    first = int(found.epochs[0])
    start = (
        "epoch 0 is the untrained network"
        if first == 0
        else f"from epoch {first} on: the run kept no codes before"
    )
    st.markdown(
        f"The codes of the first {n:,} test examples after each of {frames} kept epochs "
        f"({start}), drawn through **one** projection fitted on the "
        "final codes, so each point moves rather than jumps and the last frame is the final "
        "map. Press ▶ Play or drag the epoch slider; beside it the KL of each latent dimension "
        "(nats, test set), with a line at the frame's epoch: a row that fades to zero is a "
        "dimension that collapsed. UMAP and t-SNE are not offered here: they would be fitted "
        "anew for each frame and the points would jump."
    )
    labels = data.test.y.numpy() if data.test.y is not None else None
    axes = (names.latent(0), names.latent(1)) if method == "latent" else ("PC 1", "PC 2")
    # Built once per model and projection (~0.2 s of plotly's frames); Streamlit only reads it.
    fig = caching.memo(
        selected, "map_movie_figure", {"method": method},
        lambda: movie_figure(found, labels, data.class_names, axes),
    )  # fmt: skip
    st.plotly_chart(
        fig, key="movie_chart", width="stretch",
        config={"displaylogo": False,
                "toImageButtonOptions": {"format": "png", "filename": "latent-map-over-training"}},
    )  # fmt: skip
