"""The app's side of the modality seam (``vae.modalities``): showing and taking examples.

A modality says *what* an example looks like (``display``) and how a person
gives one (``inputs``); this module is the one place that turns those words into
Streamlit elements, so pages never branch on pictures themselves.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st
import torch

from vae.app.pictures import picture
from vae.modalities import for_kind
from vae.modalities.base import Modality
from vae.runs.catalog import ModelInfo

PAIRS_PLAYED = 6  # originals and reconstructions played in a row: 6 × 1.1 s


def of(info: ModelInfo) -> Modality:
    """The modality of a model's data, bound to the model (a text model's vocabulary)."""
    return for_kind(info.kind).bind(info.path)


def show(
    modality: Modality,
    x: torch.Tensor | np.ndarray,
    captions: list[str] | None = None,
    ncol: int | None = None,
    target: int = 96,
) -> None:
    """A batch of examples as the modality displays them, each with its caption (a sound: its
    spectrogram with a player under it)."""
    items = modality.render(x, target=target)
    if modality.shows_pictures:
        sounds = modality.sound(x) if plays(modality) else None
        n = len(items)
        ncol = ncol or n
        for start in range(0, n, ncol):
            cols = st.columns(ncol)
            for i, col in enumerate(cols):
                if start + i < n:
                    caption = captions[start + i] if captions else None
                    col.image(items[start + i], caption=caption)
                    if sounds is not None:
                        col.audio(sounds[start + i], format="audio/wav")
    elif modality.display == "text":
        for i, item in enumerate(items):
            label = f"**{html.escape(captions[i])}** · " if captions else ""
            st.markdown(label + html.escape(str(item)))
    else:  # "numbers"
        table = {modality.noun: items}
        if captions:
            table = {"": captions, **table}
        st.dataframe(pd.DataFrame(table), hide_index=True)


def plays(modality: Modality) -> bool:
    """Whether the modality's examples are sounds, with players beside their spectrograms."""
    return modality.display == "audio"


def play(modality: Modality, x: torch.Tensor, where=st, caption: str | None = None) -> None:
    """One player for one example (x: (1, ...) or (...)), where the modality is sound."""
    if plays(modality):
        if caption:
            where.caption(caption)
        where.audio(modality.sound(x.reshape(1, *x.shape[-3:]))[0], format="audio/wav")


def play_sequence(
    modality: Modality, x: torch.Tensor, where=st, caption: str | None = None
) -> None:
    """One player for a sequence (a walk, a row of a traversal), the sounds one after another."""
    if plays(modality):
        if caption:
            where.caption(caption)
        where.audio(modality.sequence(x), format="audio/wav")


def strip(modality: Modality, x: torch.Tensor, caption: str, target: int = 80) -> None:
    """A sequence of examples (a walk, a path, frames) in one row, with one caption."""
    if modality.shows_pictures:
        st.image(
            picture(x, ncol=x.shape[0], target=target), caption=caption, width="stretch",
            output_format="PNG",
        )  # fmt: skip
        play_sequence(modality, x, caption="played one after the other, left to right")
    else:
        st.caption(caption)
        show(modality, x, [f"{i + 1}" for i in range(x.shape[0])])


def show_pairs(
    modality: Modality, x: torch.Tensor, recon: torch.Tensor, names: list[str] | None = None
) -> None:
    """Originals beside their reconstructions: two picture grids, or one table of both."""
    if modality.shows_pictures:
        ncol = min(len(x), 12)
        left, right = st.columns(2)
        left.image(picture(x, ncol=ncol, target=48), caption="originals", output_format="PNG")
        right.image(
            picture(recon, ncol=ncol, target=48), caption="reconstructions", output_format="PNG"
        )
        if plays(modality):
            n = min(len(x), PAIRS_PLAYED)
            play_sequence(modality, x[:n], left, f"the first {n} originals, one after the other")
            play_sequence(modality, recon[:n], right, f"their {n} reconstructions")
        return
    names = names or [str(i) for i in range(len(x))]
    st.dataframe(
        pd.DataFrame(
            {"example": names, "original": modality.render(x),
             "reconstruction": modality.render(recon)}
        ),
        hide_index=True, width="stretch",
    )  # fmt: skip


def text_grid(modality: Modality, x: torch.Tensor, rows: list[str], columns: list[str]) -> None:
    """Decoded texts laid out as a table: one row per label of ``rows``, one column per value."""
    items = modality.render(x)
    n = len(columns)
    table = pd.DataFrame(
        [items[r * n : (r + 1) * n] for r in range(len(rows))], index=rows, columns=columns
    )
    st.dataframe(table)
