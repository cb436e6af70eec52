"""Attribute vectors on the Latent map page: two groups, their direction, a walk, analogies.

The maths is ``vae.analysis.attributes``. Groups come from classes, a factor's values, or
the map's box/lasso selection (kept as test ids in session state); named
vectors are saved as JSON beside the model's cache and offered for reuse.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from vae.analysis import attributes, latent
from vae.app import caching, modality, own_input, shell
from vae.app.charts import png_config
from vae.app.controls import index_picker
from vae.app.shell import Selected
from vae.data.base import labels_of
from vae.errors import VAELabError
from vae.figures.attributes import loadings_figure, probe_figure

GROUP_KEYS = {"A": "attr_group_a_ids", "B": "attr_group_b_ids"}
BY_CLASS, BY_FACTOR, BY_SELECTION, SAVED = "class", "a factor's value", "map selection", "saved"
SAVED_MESSAGE_KEY = "attr_saved_message"
# The Latent map's section (shell.lazy_section): its title and the key of its open state.
SECTION_TITLE = "**Attribute vectors**: walk codes from one group towards another, and analogies"
SECTION_KEY = "attr_section"


def keep_selection_as(group: str, ids: list[int]) -> None:
    """on_click of the map's "selection → group A/B" buttons: the group kept, and the section
    opened on groups from map selections, where the person sees what the button did."""
    st.session_state[GROUP_KEYS[group]] = list(ids)
    st.session_state[SECTION_KEY] = True
    st.session_state["attr_way"] = BY_SELECTION


def _ways(selected: Selected) -> list[str]:
    data = selected.data
    ways = [BY_CLASS] if data.has_labels else []
    ways += [BY_FACTOR] if data.factor_names else []
    ways.append(BY_SELECTION)
    if attributes.load_vectors(selected.path):
        ways.append(SAVED)
    return ways


def choose_vector(selected: Selected, codes: np.ndarray) -> attributes.AttributeVector | None:
    """The groups (or a saved vector) the person picks, and the vector between them."""
    data, n = selected.data, len(codes)
    way = st.radio("Groups by", _ways(selected), horizontal=True, key="attr_way")
    if way == SAVED:
        saved = {v.name: v for v in attributes.load_vectors(selected.path)}
        name = st.selectbox("Saved vector", list(saved), key="attr_saved")
        return saved[name]
    if way == BY_CLASS:
        names = list(data.class_names or [])
        labels = data.test.y[:n].numpy()
        left, right = st.columns(2)
        a = left.selectbox(
            "Group A: class",
            range(len(names)),
            0,
            format_func=names.__getitem__,
            key="attr_class_a",
        )
        b = right.selectbox(
            "Group B: class",
            range(len(names)),
            1,
            format_func=names.__getitem__,
            key="attr_class_b",
        )
        ids_a, ids_b = np.flatnonzero(labels == a), np.flatnonzero(labels == b)
        source, target = f"class {names[a]}", f"class {names[b]}"
    elif way == BY_FACTOR:
        factor_names = list(data.factor_names or [])
        j = st.selectbox(
            "Factor",
            range(len(factor_names)),
            format_func=factor_names.__getitem__,
            key="attr_factor",
        )
        size = (data.factor_sizes or [2])[j]
        values = data.test.factors[:n, j].numpy()
        left, right = st.columns(2)
        lo_a, hi_a = left.slider(
            "Group A: values", 0, size - 1, (0, max(0, size // 3 - 1)), key="attr_fa"
        )
        lo_b, hi_b = right.slider(
            "Group B: values",
            0,
            size - 1,
            (min(size - 1, size - size // 3), size - 1),
            key="attr_fb",
        )
        ids_a = np.flatnonzero((values >= lo_a) & (values <= hi_a))
        ids_b = np.flatnonzero((values >= lo_b) & (values <= hi_b))
        name = factor_names[j]
        source, target = f"{name} {lo_a}–{hi_a}", f"{name} {lo_b}–{hi_b}"
    else:
        ids_a = np.array(
            [i for i in st.session_state.get(GROUP_KEYS["A"]) or [] if i < n], dtype=int
        )
        ids_b = np.array(
            [i for i in st.session_state.get(GROUP_KEYS["B"]) or [] if i < n], dtype=int
        )
        st.caption(
            f"Group A: {len(ids_a)} examples, group B: {len(ids_b)} (select on the map, then "
            "press “Selection → group A” or “→ group B” beside the gallery)."
        )
        source, target = "selection A", "selection B"
    try:
        return attributes.attribute_vector(codes[ids_a], codes[ids_b], source=source, target=target)
    except VAELabError as exc:
        shell.report_error(exc)
        return None


def show_loadings(vector: attributes.AttributeVector) -> None:
    share = attributes.loadings(vector.array)
    top = np.argsort(share)[::-1][:3]
    st.plotly_chart(
        loadings_figure(vector.array, share), key="attr_loadings", width="stretch",
        config=png_config("attribute-vector-loadings"),
    )  # fmt: skip
    st.caption(
        f"‖v‖ = {np.linalg.norm(vector.array):.2f}; it loads most on "
        + ", ".join(f"z{d} ({share[d] * 100:.0f} %)" for d in top)
        + ". A clean attribute would sit on one dimension; most spread over several."
    )


def probe(selected: Selected) -> attributes.Probe | None:
    """A class probe fitted to the training codes (None for data without labels)."""
    if not selected.data.has_labels:
        return None

    def fit() -> attributes.Probe:
        codes = own_input.train_means(selected)
        labels = labels_of(selected.data.train, own_input.train_indices(selected)).numpy()
        return attributes.fit_probe(codes, labels)

    return caching.memo(selected, "class_probe", {"n": own_input.MAX_TRAIN}, fit)


def start_code(selected: Selected, codes: np.ndarray) -> tuple[np.ndarray, str, int | None]:
    """The code to walk from (a test example, or your own input), its name and its class."""
    mine = own_input.stored(selected)
    options = ["a test example"] + (["your own input"] if mine is not None else [])
    source = st.radio("Walk from", options, horizontal=True, key="attr_start")
    if source == "your own input":
        y = None if mine.y is None else torch.tensor([mine.y])
        return latent.encode_mean(selected.model, mine.x[None], y)[0].numpy(), mine.name, mine.y
    index = index_picker("Test example to walk from", "attr_start_index", len(codes))
    return codes[index], f"test example {index}", _label(selected, index)


def _label(selected: Selected, index: int) -> int | None:
    """The class a conditional model decodes a test example's code under (None otherwise)."""
    y = selected.data.test.y
    return int(y[index]) if selected.model.config.conditional and y is not None else None


def show_walk(selected: Selected, codes: np.ndarray, vector: attributes.AttributeVector) -> None:
    z, name, y = start_code(selected, codes)
    reach = st.slider(
        "How far along v (α; 1 adds the whole vector)", -2.0, 3.0, 1.0, step=0.1, key="attr_alpha"
    )
    steps = 9
    alphas = np.linspace(0.0, reach, steps)
    walked = attributes.walk(z, vector.array, alphas)
    frames = latent.decode(selected.model, torch.as_tensor(walked, dtype=torch.float32), y)
    modality.strip(
        modality.of(selected.info), frames,
        f"{name} + α·v for α from 0 to {reach:g} ({vector.source} → {vector.target})",
    )  # fmt: skip
    found = probe(selected)
    if found is None:
        st.caption("Probes need class labels; this data set has none.")
        return
    probabilities = found.probabilities(walked)
    names = list(selected.data.class_names or [str(c) for c in found.classes])
    st.plotly_chart(
        probe_figure(alphas, probabilities, [names[int(c)] for c in found.classes]),
        key="attr_probe", width="stretch", config=png_config("attribute-vector-class-probe"),
    )  # fmt: skip
    st.caption(
        f"A logistic-regression probe of the class from the code (training accuracy "
        f"{found.accuracy * 100:.0f} %): how each class's probability answers the walk. Classes "
        "other than the two groups' move too: directions in a VAE are rarely clean."
    )


def show_analogy(selected: Selected, codes: np.ndarray) -> None:
    st.markdown("**Analogy a − b + c**: c moved by what makes a differ from b.")
    cols = st.columns(3)
    picks = [
        index_picker(f"{name}: test example", f"attr_analogy_{name}", len(codes), default, cols[i])
        for i, (name, default) in enumerate((("a", 0), ("b", 1), ("c", 2)))
    ]
    result = attributes.analogy(*(codes[i] for i in picks))
    x = selected.data.test.get(torch.as_tensor(picks, dtype=torch.long)).x
    result_code = torch.as_tensor(result[None], dtype=torch.float32)
    decoded = latent.decode(selected.model, result_code, _label(selected, picks[2]))
    modality.strip(
        modality.of(selected.info), torch.cat([x, decoded]), "a, b, c and the decoded a − b + c",
        target=96,
    )  # fmt: skip


def _save(selected: Selected, vector: attributes.AttributeVector) -> None:
    """on_click of Save: runs before the page, so the saved vector is listed at once."""
    name = st.session_state.get("attr_name") or vector.name
    try:
        kept = attributes.AttributeVector(**{**vector.__dict__, "name": name})
        attributes.save_vector(selected.path, kept)
    except (VAELabError, OSError) as exc:
        st.session_state[SAVED_MESSAGE_KEY] = ("error", str(exc))
    else:
        st.session_state[SAVED_MESSAGE_KEY] = (
            "success",
            f"Saved “{name.strip()}”: it is offered under *Saved vector* for this model from now on.",
        )


def save_box(selected: Selected, vector: attributes.AttributeVector) -> None:
    if st.session_state.get("attr_name_of") != vector.name:  # new groups: offer their name
        st.session_state["attr_name_of"] = vector.name
        st.session_state["attr_name"] = vector.name
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.text_input("Name this vector to keep it", key="attr_name")
    right.button(
        "Save", key="attr_save", icon=":material/save:", on_click=_save, args=(selected, vector)
    )
    message = st.session_state.pop(SAVED_MESSAGE_KEY, None)
    if message is not None:
        kind, text = message
        (st.error if kind == "error" else st.success)(text)
