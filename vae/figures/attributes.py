"""Figures of attribute vectors: where a direction loads, and how a probe answers a walk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from vae import names
from vae.figures.palette import class_colour


def loadings_figure(direction: np.ndarray, share: np.ndarray) -> go.Figure:
    """One bar per latent dimension: the vector's component, coloured by its share of ‖v‖²."""
    d = len(direction)
    fig = go.Figure(
        go.Bar(
            x=names.latents(d), y=np.asarray(direction, dtype=float),
            marker={"color": np.asarray(share, dtype=float), "colorscale": "Blues", "cmin": 0, "cmax": 1},
            text=[f"{s * 100:.0f} %" for s in share], textposition="outside",
            hovertemplate="%{x}: %{y:+.2f} (%{text} of ‖v‖²)<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        height=260, margin={"l": 40, "r": 10, "t": 30, "b": 30},
        title={"text": "v = mean(B) − mean(A), per dimension", "font": {"size": 13}},
        yaxis_title="component",
    )  # fmt: skip
    return fig


def probe_figure(alphas: np.ndarray, probabilities: np.ndarray, names: Sequence[str]) -> go.Figure:
    """One line per class: the probe's probability along the walk z + α v."""
    fig = go.Figure()
    for c, name in enumerate(names):
        fig.add_scatter(
            x=np.asarray(alphas, dtype=float), y=probabilities[:, c], mode="lines+markers",
            name=str(name), line={"color": class_colour(c)},
            hovertemplate=f"class {name}: p=%{{y:.2f}} at α=%{{x:.1f}}<extra></extra>",
        )  # fmt: skip
    fig.update_layout(
        height=300, margin={"l": 40, "r": 10, "t": 30, "b": 40},
        title={"text": "the class probe along the walk", "font": {"size": 13}},
        xaxis_title="α", yaxis={"title": "p(class | z)", "range": [0, 1.02]},
    )  # fmt: skip
    return fig
