"""The latent map over training as one plotly animation: the map and the KL heat map.

Plotly plays the frames in the browser (play / pause buttons and an epoch
slider), so a class watches the codes move without a server round trip. Left:
the test examples' codes, one trace per class; right: the KL of each latent
dimension at each epoch, with a line at the frame's epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vae import names
from vae.figures.latent_map import PALETTE
from vae.figures.palette import class_colour
from vae.maps.movie import Movie


def _groups(labels: np.ndarray | None, names: Sequence[str] | None, n: int) -> list[tuple]:
    if labels is None:
        return [("test examples", np.arange(n), PALETTE[0])]
    labels = np.asarray(labels[:n]).astype(np.int64)
    names = list(names) if names else [str(c) for c in range(int(labels.max()) + 1)]
    return [
        (str(name), np.flatnonzero(labels == c), class_colour(c))
        for c, name in enumerate(names)
        if (labels == c).any()
    ]


def movie_figure(
    movie: Movie,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    axis_titles: tuple[str, str] = ("PC 1", "PC 2"),
    frame_ms: int = 400,
) -> go.Figure:
    """The animated figure; its last frame is the final map."""
    n = movie.xy.shape[1]
    groups = _groups(labels, class_names, n)
    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.1,
        subplot_titles=("Codes of the test examples", "KL of each latent dimension (nats)"),
    )  # fmt: skip
    last = movie.xy[-1]
    for name, idx, colour in groups:
        fig.add_scatter(
            x=last[idx, 0], y=last[idx, 1], customdata=idx, mode="markers", name=name,
            marker={"size": 5, "color": colour, "opacity": 0.8},
            hovertemplate="#%{customdata}<extra>%{fullData.name}</extra>", row=1, col=1,
        )  # fmt: skip
    d = movie.kl_per_dim.shape[1] if movie.kl_per_dim.size else 0
    if d:
        fig.add_heatmap(
            z=movie.kl_per_dim.T, x=movie.kl_epochs, y=names.latents(d),
            colorscale="Viridis", zmin=0, colorbar={"title": {"text": "nats"}, "x": 1.0},
            hovertemplate="epoch %{x}, %{y}: %{z:.3f} nats<extra></extra>", row=1, col=2,
        )  # fmt: skip
    # The frame's epoch as a line over the heat map's rows (category names: a number would
    # add rows to the categorical axis).
    span_rows = [names.latent(0), names.latent(max(d - 1, 0))]
    line = {"color": "red", "width": 3}
    fig.add_scatter(
        x=[movie.epochs[-1]] * 2, y=span_rows, mode="lines", line=line, name="this frame",
        showlegend=False, hoverinfo="skip", row=1, col=2,
    )  # fmt: skip
    traces = list(range(len(groups))) + [len(fig.data) - 1]
    frames = []
    for f, epoch in enumerate(movie.epochs):
        xy = movie.xy[f]
        data = [go.Scatter(x=xy[idx, 0], y=xy[idx, 1]) for _, idx, _ in groups]
        data.append(go.Scatter(x=[epoch, epoch], y=span_rows))
        frames.append(go.Frame(data=data, traces=traces, name=str(int(epoch))))
    fig.frames = frames
    span = movie.xy.reshape(-1, 2)
    lo, hi = span.min(axis=0), span.max(axis=0)
    pad = 0.05 * np.maximum(hi - lo, 1e-6)
    fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]], title=axis_titles[0], row=1, col=1)
    fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]], title=axis_titles[1], row=1, col=1)
    last_epoch = int(max(movie.epochs.max(), movie.kl_epochs.max() if d else 0))
    fig.update_xaxes(title="epoch", range=[-0.5, last_epoch + 0.5], row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    play = {"frame": {"duration": frame_ms, "redraw": True}, "fromcurrent": True,
            "transition": {"duration": frame_ms // 2, "easing": "linear"}}  # fmt: skip
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    fig.update_layout(
        height=520,
        margin={"l": 50, "r": 20, "t": 80, "b": 110},
        legend={"orientation": "h", "y": 1.14, "x": 0.0, "yanchor": "bottom"},
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "y": -0.12, "xanchor": "left",
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play]},
                {"label": "Pause", "method": "animate", "args": [[None], pause]},
            ],
        }],
        sliders=[{
            "active": len(frames) - 1, "x": 0.12, "y": -0.08, "len": 0.88,
            "currentvalue": {"prefix": "epoch ", "xanchor": "right"},
            "steps": [
                {"label": fr.name, "method": "animate",
                 "args": [[fr.name], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                      "transition": {"duration": 0}}]}
                for fr in frames
            ],
        }],
    )  # fmt: skip
    return fig
