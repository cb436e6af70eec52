"""Streamlit glue for choosing and moving codes (Interpolate, Conditional generation, β & objectives).

Choosing a starting code (a test example, an upload, a prior sample), the facts
about each latent dimension, the PCA map of the codes, and one slider per
dimension. The maths lives in ``vae.analysis.latent``; this module only lays it out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from vae.analysis import latent
from vae.app import caching, links, modality, own_input
from vae.app.shell import Selected
from vae.model.evaluation import elbo_stats

log = logging.getLogger(__name__)

OWN = "Your own input"
TYPED = "Your sentence"
SOURCES = ("Test example", OWN, "Prior sample")


# --- facts about a model, cached ---------------------------------------------------------------


def _computed_kl(selected: Selected) -> list[float]:
    test = selected.data.test

    def compute() -> list[float]:
        with st.spinner("Measuring the KL of each dimension…"):
            return list(elbo_stats(selected.model, test.x, test.y)["kl_per_dim"])

    return caching.memo(selected, "kl_per_dim", {}, compute)


def dimensions(selected: Selected) -> latent.Dimensions:
    """KL and activity of each latent dimension: from the summary, or measured on the test split."""
    summary = selected.info.summary
    kl = summary.get("kl_per_dim")
    if not kl or len(kl) != selected.model.config.latent_dim:
        kl = _computed_kl(selected)
    variance = summary.get("posterior_mean_variance")
    if variance is None or len(variance) != len(kl):
        variance = caching.test_means(selected).var(axis=0, ddof=1)
    return latent.dimensions(kl, variance)


@dataclass
class LatentMap:
    projection: latent.Projection
    points: np.ndarray  # (n, 2) projected test means
    labels: np.ndarray | None


def latent_map(selected: Selected, n: int = 2000) -> LatentMap:
    """The test means (at most ``n``) projected to 2-D by PCA, with their labels."""
    means = caching.test_means(selected, n)
    projection = latent.fit_projection(means)
    y = selected.data.test.y
    labels = None if y is None else y[: len(means)].numpy()
    return LatentMap(projection, projection(means), labels)


# --- choosing a code -----------------------------------------------------------------------


@dataclass
class Start:
    """A code to start from, and where it came from."""

    z: torch.Tensor  # (d,)
    x: torch.Tensor | None  # the example itself (C, H, W) when there is one
    y: int | None  # the class given to a conditional model
    description: str
    signature: str  # changes whenever the start changes


def _random_index(key: str, n: int) -> None:
    st.session_state[key] = int(np.random.default_rng().integers(n))


def _new_seed(key: str) -> None:
    st.session_state[key] = int(np.random.default_rng().integers(100_000))


def other_class_index(selected: Selected, start: Start, fallback: int = 1) -> int:
    """The first test example of another class than the start's (a test example's): B's
    default, so that the first A → B path a person sees crosses classes (test examples 0 and 1
    are both zeros in mnist-5k). ``fallback`` without labels or a test-example start."""
    test = selected.data.test
    if test.y is None or not start.signature.startswith("test:"):
        return fallback
    a = int(start.signature.split(":")[1])
    others = (test.y != test.y[a]).nonzero()
    return int(others[0, 0]) if len(others) else fallback


def index_picker(
    label: str, key: str, n: int, default: int = 0, container=None, param: str | None = None
) -> int:
    """A test-set index with a "Random" button beside it (in the link as ``?param=``, if named)."""
    where = container or st
    if param is not None:
        links.bind(param, key, links.integer(0, n - 1), min(default, n - 1), where=where)
    if key not in st.session_state:
        st.session_state[key] = min(default, n - 1)
    left, right = where.columns([3, 1], vertical_alignment="bottom")
    index = left.number_input(label, 0, n - 1, step=1, key=key, help=f"0 to {n - 1}")
    right.button(
        ":material/casino:", key=f"{key}_random", on_click=_random_index, args=(key, n),
        help="A test example at random", width="stretch",
    )  # fmt: skip
    return int(index)


def seed_picker(label: str, key: str, container=None, param: str | None = None) -> int:
    where = container or st
    if param is not None:
        links.bind(param, key, links.integer(0, 99_999), 0, where=where)
    if key not in st.session_state:
        st.session_state[key] = 0
    left, right = where.columns([3, 1], vertical_alignment="bottom")
    seed = left.number_input(label, 0, 99_999, step=1, key=key)
    right.button(
        ":material/casino:", key=f"{key}_new", on_click=_new_seed, args=(key,),
        help="Another seed at random", width="stretch",
    )  # fmt: skip
    return int(seed)


def class_picker(selected: Selected, label: str, key: str, default: int = 0) -> int | None:
    """The class a conditional model is given (None for other models)."""
    if not selected.model.config.conditional:
        return None
    names = selected.data.class_names or [str(c) for c in range(selected.model.config.n_classes)]
    return st.selectbox(
        label, range(len(names)), index=default, format_func=lambda c: names[c], key=key
    )


def test_example(selected: Selected, index: int) -> tuple[torch.Tensor, int | None]:
    test = selected.data.test
    y = None if test.y is None else int(test.y[index])
    return test.x[index], y


# How a link names the start: ?a_from=test&a=7 or ?a_from=prior&a_seed=5 (see start_picker).
SOURCE_TOKENS = {"test": "Test example", "own": OWN, "prior": "Prior sample", "text": TYPED}


def start_picker(selected: Selected, key: str, link: bool = False) -> Start | None:
    """Where the code comes from: a test example (index or random), your own input, the prior.

    Your own input is drawn or uploaded here or on the Latent map (``vae.app.own_input``).
    With ``link``, the choice is in the address: ``a_from`` (test, own or prior), ``a`` (the
    test example) and ``a_seed`` (the prior sample's seed).
    """
    model, test = selected.model, selected.data.test
    seam = modality.of(selected.info)
    own = "draw" in seam.inputs  # own input: drawn or uploaded
    sources = list(SOURCES) if own else ["Test example", "Prior sample"]
    if "text" in seam.inputs:
        sources.insert(1, TYPED)
    if link:
        tokens = {t: s for t, s in SOURCE_TOKENS.items() if s in sources}
        links.bind("a_from", f"{key}_source", links.choice(tokens), sources[0])
    source = st.radio("Start from", sources, horizontal=True, key=f"{key}_source")
    conditional = model.config.conditional
    if source == "Test example":
        index = index_picker("Test example", f"{key}_index", len(test), param="a" if link else None)
        x, label = test_example(selected, index)
        y = None
        if conditional:  # keyed by the example, so a new example starts at its own label
            y = class_picker(
                selected, "Class given to the model", f"{key}_class_{index}", label or 0
            )
        z = latent.encode_mean(model, x[None], None if y is None else torch.tensor([y]))[0]
        name = _class_name(selected, label)
        return Start(z, x, y, f"test example {index}{name}", f"test:{index}:{y}")
    if source == TYPED:
        x = typed_sentence(selected, "Your sentence", f"{key}_typed")
        if x is None:
            return None
        z = latent.encode_mean(model, x[None])[0]
        return Start(z, x, None, "your sentence", f"typed:{seam.render(x[None])[0]}")
    if source == OWN:
        mine = own_input.picker(selected, f"{key}_own")
        if mine is None:
            st.caption("Draw a digit or choose a file to encode it.")
            return None
        y = None if mine.y is None else torch.tensor([mine.y])
        z = latent.encode_mean(model, mine.x[None], y)[0]
        return Start(z, mine.x, mine.y, mine.name, mine.signature)
    seed = seed_picker("Prior sample (seed)", f"{key}_seed", param="a_seed" if link else None)
    y = class_picker(selected, "Class given to the model", f"{key}_class") if conditional else None
    z = latent.prior_samples(1, model.config.latent_dim, seed=seed)[0]
    return Start(z, None, y, f"a prior sample z ~ N(0, I) (seed {seed})", f"prior:{seed}:{y}")


def typed_sentence(
    selected: Selected, label: str, key: str, default: str = "the weather was sunny and warm"
) -> torch.Tensor | None:
    """A sentence typed in a text box as the model's row of token ids (see
    ``own_input.read_typed``); None, with the reason shown, when it cannot be read."""
    return own_input.read_typed(selected, label, key, default)


def _class_name(selected: Selected, label: int | None) -> str:
    names = selected.data.class_names
    if label is None or not names:
        return ""
    return f" (class {names[label]})"


# --- one slider per dimension --------------------------------------------------------------


def slider_key(selected: Selected, d: int) -> str:
    return f"zslider_{selected.entry.name}_{d}"


def slider_limit(z: torch.Tensor) -> float:
    """Sliders run over ±4 (the prior's N(0, 1) almost entirely) or wider for an outlying code."""
    return float(max(4.0, np.ceil(float(z.abs().max()) * 2) / 2))


def sync_sliders(selected: Selected, start: Start, limit: float) -> None:
    """Move every slider to the start code whenever the start changes (or on Reset)."""
    marker = f"zslider_start_{selected.entry.name}"
    if st.session_state.get(marker) == start.signature:
        return
    st.session_state[marker] = start.signature
    reset_sliders(selected, start.z, limit)


def _slider_start(value: torch.Tensor, limit: float) -> float:
    return float(np.clip(round(float(value), 2), -limit, limit))


def reset_sliders(selected: Selected, z: torch.Tensor, limit: float) -> None:
    for d in range(z.shape[0]):
        st.session_state[slider_key(selected, d)] = _slider_start(z[d], limit)


def _code_link(selected: Selected, start: Start, limit: float) -> tuple:
    """The sliders as one parameter, ?z=z0,z1,...: left out while they show the start code."""
    d = start.z.shape[0]
    keys = [slider_key(selected, i) for i in range(d)]
    default = tuple(_slider_start(start.z[i], limit) for i in range(d))
    return keys, links.numbers(d, -limit, limit), default


def link_sliders(selected: Selected, start: Start, limit: float) -> None:
    """A link's ?z= moves the sliders (after ``sync_sliders`` has put them at the start)."""
    links.bind("z", *_code_link(selected, start, limit))


def publish_sliders(selected: Selected, start: Start, limit: float) -> None:
    """The sliders' code into the address (from the fragment that draws them)."""
    links.publish("z", *_code_link(selected, start, limit))


def slider_code(selected: Selected, fallback: torch.Tensor) -> torch.Tensor:
    """The code the sliders show now."""
    values = [
        st.session_state.get(slider_key(selected, d), float(fallback[d]))
        for d in range(fallback.shape[0])
    ]
    return torch.tensor(values, dtype=torch.float32)
