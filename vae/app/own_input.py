"""A person's own input: drawn on a canvas or uploaded, shown as the model sees and answers it.

The canvas is ``streamlit-drawable-canvas`` (Fabric.js, a Streamlit components-v2
component): light strokes on a dark ground, like MNIST. Either way the picture is
brought to the model's input by ``vae.analysis.own_input`` and kept in session state per
model (never on disk), so the Latent map and Interpolate pages share it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from vae.analysis import latent, own_input
from vae.analysis.density import percentile_of
from vae.app import caching, modality, shell
from vae.app.pictures import picture
from vae.app.shell import Selected
from vae.data import sounds
from vae.errors import VAELabError
from vae.modalities.text import MAX_TYPED_CHARS
from vae.model.evaluation import encode_means, iwae_log_likelihood

log = logging.getLogger(__name__)

CANVAS_SIDE = 224
UNUSUAL_BELOW = 5.0  # percent of the test set: a log-likelihood lower than this is unusual
LL_K = 100  # importance samples, as the test set's cached log-likelihoods (vae.maps.projection)
MAX_TRAIN = 5000  # training examples searched for neighbours
SOURCES = ("Draw", "Upload")
HEARD = ("Record", "Upload a WAV")


@dataclass
class OwnInput:
    """The input as the model takes it, the class a conditional model is given, where it came from."""

    x: torch.Tensor  # (C, H, W) in [0, 1], or a row of token ids
    y: int | None
    name: str
    signature: str


def state_key(selected: Selected) -> str:
    return f"own_input_{selected.entry.name}"


def stored(selected: Selected) -> OwnInput | None:
    """The last input this session gave this model (on any page), or None."""
    return st.session_state.get(state_key(selected))


def forget(selected: Selected) -> None:
    st.session_state[state_key(selected)] = None


def _keep(selected: Selected, own: OwnInput) -> OwnInput:
    st.session_state[state_key(selected)] = own
    return own


def picker(selected: Selected, key: str) -> OwnInput | None:
    """Draw or upload; returns the newest input (or the one kept from before), errors shown."""
    info = selected.info
    kind = modality.of(info)
    if "text" in kind.inputs:
        return _typed(selected, key)
    if "microphone" in kind.inputs:
        return _heard(selected, key)
    if "draw" not in kind.inputs:
        st.info(f"Your own input needs a model you can draw for; this one models {kind.plural}.")
        return None
    framing = own_input.framing_for(info.dataset, tuple(info.input_shape))
    if framing is None:
        how = f"resized to the model's {tuple(info.input_shape)}"
    elif framing.max_width is not None:
        how = (
            f"cropped to its ink, scaled to the full height of a {framing.frame}×{framing.frame} "
            f"frame (at most {framing.max_width} columns wide) and centred, as `{info.dataset}` "
            "was made"
        )
    else:
        how = (
            f"cropped to its ink, scaled into a {framing.box}×{framing.box} box and centred by "
            f"its mass in a {framing.frame}×{framing.frame} frame, as `{info.dataset}` was made"
        )
    source = st.radio("Your input", SOURCES, horizontal=True, key=f"{key}_source", help=how)
    y = None
    if selected.model.config.conditional:
        names = selected.data.class_names or [
            str(c) for c in range(selected.model.config.n_classes)
        ]
        y = st.selectbox(
            "Class given to the model", range(len(names)), format_func=names.__getitem__,
            key=f"{key}_class",
        )  # fmt: skip
    try:
        if source == "Draw":
            new = _drawn(selected, key, y)
        else:
            new = _uploaded(selected, key, y)
    except VAELabError as exc:
        shell.report_error(exc)
        return stored(selected)
    st.caption(f"Brought to the model's input {how}.")
    if new is not None:
        return _keep(selected, new)
    kept = stored(selected)
    if kept is not None:
        # The canvas and the uploader start empty on every page: say what is in use.
        st.caption(f"In use: {kept.name}, given earlier (draw or upload to replace it):")
        st.image(picture(kept.x[None], ncol=1, target=96))
    return kept


def _drawn(selected: Selected, key: str, y: int | None) -> OwnInput | None:
    from streamlit_drawable_canvas import st_canvas

    # The canvas's toolbar floats above its top edge: leave it room.
    st.markdown("<div style='height: 2.4rem'></div>", unsafe_allow_html=True)
    result = st_canvas(
        stroke_width=18, stroke_color="#ffffff", background_color="#000000",
        height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw",
        return_image_data=True, key=f"{key}_canvas",
    )  # fmt: skip
    st.caption(
        "Draw with the mouse: light ink on dark, like the data. The toolbar above the "
        "canvas undoes or clears."
    )
    objects = (result.json_data or {}).get("objects") or []
    if not objects:
        return None
    rgba = result.image_data
    if rgba is None:
        return None
    return from_drawing(selected, rgba, y)


def from_drawing(selected: Selected, rgba: np.ndarray, y: int | None = None) -> OwnInput:
    """A drawing (H, W, 4) RGBA as this model's input."""
    x = own_input.from_drawing(rgba, selected.info.dataset, tuple(selected.info.input_shape))
    digest = hashlib.sha256(np.ascontiguousarray(x.numpy()).tobytes()).hexdigest()[:12]
    return OwnInput(x, y, "your drawing", f"drawing:{digest}:{y}")


def read_typed(selected: Selected, label: str, key: str, default: str) -> torch.Tensor | None:
    """A sentence typed in a text box, as the model's row of token ids (None, with the reason
    shown, when it cannot be read); words the model does not know, and a cut, are named."""
    kind = modality.of(selected.info)
    length = selected.model.input_shape[0]
    text = st.text_input(label, default, key=key, max_chars=MAX_TYPED_CHARS)
    try:
        x = kind.read([text], length)[0]
    except VAELabError as exc:
        shell.report_error(exc)
        return None
    unknown = kind.unknown_words(text)
    if unknown:
        st.caption("Read as <unk> (not in the model's vocabulary): "
                   + ", ".join(shell.plain(w) for w in unknown[:10]))  # fmt: skip
    if len(text.split()) >= length:
        st.caption(f"Cut to the model's {length - 1} tokens.")
    return x


def _typed(selected: Selected, key: str) -> OwnInput | None:
    """A typed sentence kept as this model's own input."""
    x = read_typed(selected, "Your sentence", f"{key}_text", "the children played in the garden")
    if x is None:
        return stored(selected)
    digest = hashlib.sha256(x.numpy().tobytes()).hexdigest()[:12]
    return _keep(selected, OwnInput(x, None, "your sentence", f"text:{digest}"))


def _heard(selected: Selected, key: str) -> OwnInput | None:
    """A sound recorded with the microphone (16 kHz) or uploaded as a ``.wav``, framed as the
    model's data was made (``vae.data.sounds``)."""
    source = st.radio("Your sound", HEARD, horizontal=True, key=f"{key}_source")
    if source == HEARD[0]:
        file = st.audio_input("Record up to a few seconds", sample_rate=16_000, key=f"{key}_mic")
    else:
        file = st.file_uploader("A sound (.wav, PCM)", type=["wav"], key=f"{key}_wav")
    st.caption(
        "Brought to the model's input as its data was made: mono, 16 kHz, one second from just "
        "before the onset, peak scaled to 0.5, as a 64-band log-frequency spectrogram."
    )
    if file is None:
        return stored(selected)
    data = file.getvalue()
    name = "your recording" if source == HEARD[0] else f"your sound “{file.name}”"
    try:
        x = sounds.sound_to_tensor(data, name[0].upper() + name[1:])
    except VAELabError as exc:
        shell.report_error(exc)
        return stored(selected)
    digest = hashlib.sha256(data).hexdigest()[:12]
    return _keep(selected, OwnInput(x, None, name, f"sound:{digest}"))


def _uploaded(selected: Selected, key: str, y: int | None) -> OwnInput | None:
    file = st.file_uploader(
        "An image (PNG, JPEG, BMP, GIF)", type=["png", "jpg", "jpeg", "bmp", "gif"],
        key=f"{key}_upload",
    )  # fmt: skip
    if file is None:
        return None
    data = file.getvalue()
    x = own_input.from_upload(data, selected.info.dataset, tuple(selected.info.input_shape))
    digest = hashlib.sha256(data).hexdigest()[:12]
    return OwnInput(x, y, f"your image “{file.name}”", f"upload:{digest}:{y}")


# --- what the model says about it -------------------------------------------------------------


@dataclass
class Answer:
    z: torch.Tensor  # (d,) posterior mean
    reconstruction: torch.Tensor  # (C, H, W) = model.decode(z)
    log_likelihood: float  # nats, IWAE with LL_K samples
    percentile: float  # of the test set's log-likelihoods at or below it
    neighbours: np.ndarray  # training-example indices, nearest first
    distances: np.ndarray  # their latent distances

    @property
    def typical(self) -> bool:
        return self.percentile >= UNUSUAL_BELOW


def _y(own: OwnInput) -> torch.Tensor | None:
    return None if own.y is None else torch.tensor([own.y])


def train_indices(selected: Selected) -> torch.Tensor:
    """At most MAX_TRAIN training examples, evenly spread over the split (some are ordered)."""
    n = len(selected.data.train)
    return torch.linspace(0, n - 1, min(n, MAX_TRAIN)).round().long().unique()


def train_means(selected: Selected) -> np.ndarray:
    """Posterior means of the ``train_indices`` examples (memory and disk cached)."""
    idx = train_indices(selected)

    def compute(progress) -> dict[str, np.ndarray]:
        batch = selected.data.train.get(idx)
        return {"means": encode_means(selected.model, batch.x, batch.y).numpy()}

    params = {"n": len(idx), "of": len(selected.data.train)}
    return caching.cached(selected, "train_means_spread", params, compute)["means"]


def answer(selected: Selected, own: OwnInput, reference_ll: np.ndarray, k: int = 8) -> Answer:
    """Code, reconstruction, log-likelihood against ``reference_ll`` and nearest training codes."""
    model = selected.model
    z = latent.encode_mean(model, own.x[None], _y(own))[0]
    reconstruction = latent.decode(model, z[None], _y(own))[0]
    ll = float(iwae_log_likelihood(model, own.x[None], _y(own), k=LL_K)[0])
    codes = train_means(selected)
    distance = np.linalg.norm(codes - z.numpy()[None], axis=1)
    order = np.argsort(distance, kind="stable")[:k]
    neighbours = train_indices(selected).numpy()[order]
    return Answer(
        z, reconstruction, ll, percentile_of(ll, reference_ll), neighbours, distance[order]
    )


def show(selected: Selected, own: OwnInput, found: Answer) -> None:
    """The input as the model sees it, its reconstruction, how likely it is, its neighbours."""
    kind = modality.of(selected.info)
    seen, recon, facts = st.columns([1, 1, 2])
    if kind.display == "text":
        seen.markdown("**as the model reads it:** " + shell.plain(kind.render(own.x[None])[0]))
        recon.markdown("**reconstruction** (greedy decoding of the mean of q(z|x)): "
                       + shell.plain(kind.render(found.reconstruction[None])[0]))  # fmt: skip
    else:
        seen.image(
            picture(own.x[None], target=112), caption="as the model sees it", output_format="PNG"
        )
        recon.image(
            picture(found.reconstruction[None], target=112),
            caption="reconstruction: decode(mean of q(z|x))", output_format="PNG",
        )  # fmt: skip
        modality.play(kind, own.x, seen)
        modality.play(kind, found.reconstruction, recon)
    verdict = "typical" if found.typical else "unusual"
    facts.markdown(
        f"**log p(x) ≈ {found.log_likelihood:.1f} nats**: {verdict} — "
        f"{found.percentile:.0f} % of the test examples are less likely "
        f"(IWAE, k={LL_K}; below {UNUSUAL_BELOW:.0f} % counts as unusual)."
    )
    facts.caption("code: " + ", ".join(f"{float(v):+.2f}" for v in found.z))
    st.markdown("**Nearest training examples** (by distance between posterior means)")
    batch = selected.data.train.get(torch.as_tensor(found.neighbours, dtype=torch.long))
    names = selected.data.class_names
    captions = [
        f"d={d:.2f}" + ("" if batch.y is None or not names else f" · {names[int(c)]}")
        for d, c in zip(
            found.distances, batch.y if batch.y is not None else found.neighbours, strict=True
        )
    ]
    modality.show(modality.of(selected.info), batch.x, captions, ncol=len(captions), target=56)
