"""What the Latent map draws over its points: your input, clickable empty space, decoded spots.

Pure functions on a plotly figure from ``vae.figures.latent_map.scatter_map``.
A click in a plotly chart only reports points, so :func:`add_spot_layer` lays
an invisible grid of points over the whole map: a click on an empty region
selects the nearest grid point, whose (x, y) is the spot clicked. Grid points
carry negative ids (−1 − their index), so they never pass for test examples.
Streamlit 1.67 reports a click only while the chart's drag mode is pan or zoom
(in lasso or box mode plotly's click-to-select never reaches the script), so
the layer sets pan: box and lasso are a click away in the chart's toolbar.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

OWN_NAME = "your input"
SPOT_LAYER_NAME = "decode here"
SPOT_NAME = "decoded spot"
PATH_NAME = "decoded path"


# 28 × 28 grid points: a spot every ~20 px of a 560-px map. Plotly finds the point under a
# click from the trace's data, not from its SVG, so the layer draws one of its points
# (``marker.maxdisplayed``): drawn, 28 × 28 invisible points cost ~0.2 s of the Latent map's
# first draw in headless Chromium (40 × 40 cost 0.45 s of 0.7 s for the whole map).
SPOT_STEPS = 28


def spot_grid(xy: np.ndarray, steps: int = SPOT_STEPS, margin: float = 0.05) -> np.ndarray:
    """A ``steps`` × ``steps`` grid (steps², 2) over the box of the map, with a margin."""
    xy = np.asarray(xy, dtype=np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 1e-3)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], steps)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], steps)
    return np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)


def add_spot_layer(fig: go.Figure, grid: np.ndarray) -> go.Figure:
    """Invisible points everywhere: a click where no code is picks the nearest of them."""
    invisible = {"size": 14, "color": "rgba(0,0,0,0)", "opacity": 0, "maxdisplayed": 1}
    layer = go.Scatter(
        x=grid[:, 0], y=grid[:, 1], customdata=-1 - np.arange(len(grid)), mode="markers",
        name=SPOT_LAYER_NAME, showlegend=False, hoverinfo="none", marker=invisible,
        selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
    )  # fmt: skip
    fig.add_trace(layer)
    fig.update_layout(dragmode="pan")
    return fig


def add_own_point(fig: go.Figure, xy: np.ndarray, label: str = OWN_NAME) -> go.Figure:
    """Your input as a large marked cross among the test codes."""
    fig.add_scatter(
        x=[float(xy[0])], y=[float(xy[1])], mode="markers+text", name=label,
        text=[label], textposition="top center",
        marker={"size": 20, "symbol": "x", "color": "#e6194b", "line": {"width": 2, "color": "#111"}},
        hovertemplate=f"{label}<extra></extra>",
    )  # fmt: skip
    return fig


def add_spot(fig: go.Figure, xy: np.ndarray) -> go.Figure:
    fig.add_scatter(
        x=[float(xy[0])], y=[float(xy[1])], mode="markers", name=SPOT_NAME,
        marker={"size": 16, "symbol": "diamond-open", "color": "#111", "line": {"width": 3}},
        hovertemplate="decoded spot<extra></extra>",
    )  # fmt: skip
    return fig


def add_path(fig: go.Figure, path: np.ndarray) -> go.Figure:
    fig.add_scatter(
        x=path[:, 0], y=path[:, 1], mode="lines+markers", name=PATH_NAME,
        line={"color": "#111", "width": 2, "dash": "dot"}, marker={"size": 6, "color": "#111"},
        hoverinfo="skip",
    )  # fmt: skip
    return fig
