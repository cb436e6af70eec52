"""Figures of the Interpolate page: the A → B path on a 2-D map of latent space.

Pure functions of arrays: no model, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from vae.figures.palette import class_colour

PATH_COLOR = "#d62728"


def _class_traces(
    points: np.ndarray, labels: np.ndarray | None, class_names: Sequence[str] | None
) -> list[go.Scatter]:
    marker = {"size": 6, "opacity": 0.7}
    if labels is None:
        return [go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name="test examples",
                           marker={**marker, "color": "#7f7f7f"}, hoverinfo="skip")]  # fmt: skip
    traces = []
    for c in np.unique(labels):
        mask = labels == c
        name = (
            class_names[int(c)] if class_names is not None and int(c) < len(class_names) else str(c)
        )
        traces.append(
            go.Scatter(
                x=points[mask, 0],
                y=points[mask, 1],
                mode="markers",
                name=str(name),
                marker={**marker, "color": class_colour(int(c))},  # as on the Latent map
                hoverinfo="name",
            )  # fmt: skip
        )
    return traces


def latent_path(
    points: np.ndarray,
    path: np.ndarray,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    axis_titles: tuple[str, str] = ("1st axis", "2nd axis"),
    title: str = "The path through latent space",
) -> go.Figure:
    """Test codes (coloured by class) with the interpolation path drawn over them, A and B marked.

    ``points`` (n, 2) and ``path`` (steps, 2) are already projected to 2-D.
    """
    points = np.asarray(points, dtype=np.float64)
    path = np.asarray(path, dtype=np.float64)
    fig = go.Figure(_class_traces(points, labels, class_names))
    steps = np.arange(len(path))
    fig.add_trace(
        go.Scatter(
            x=path[:, 0],
            y=path[:, 1],
            mode="lines+markers",
            name="path",
            line={"color": PATH_COLOR, "width": 3},
            marker={"size": 7, "color": PATH_COLOR},
            customdata=steps,
            hovertemplate="frame %{customdata}<extra></extra>",
        )  # fmt: skip
    )
    for i, name in ((0, "A"), (len(path) - 1, "B")):
        fig.add_trace(
            go.Scatter(
                x=[path[i, 0]],
                y=[path[i, 1]],
                mode="markers+text",
                name=name,
                text=[name],
                textposition="top center",
                textfont={"size": 16, "color": "black"},
                marker={
                    "size": 14,
                    "color": PATH_COLOR,
                    "symbol": "diamond",
                    "line": {"width": 2, "color": "white"},
                },
                showlegend=False,
                hoverinfo="name",
            )  # fmt: skip
        )
    fig.update_layout(
        title=title, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title=axis_titles[0], yaxis_title=axis_titles[1],
        legend={"itemsizing": "constant"},
    )  # fmt: skip
    return fig


def points_path(
    data: np.ndarray, path_points: np.ndarray, current: np.ndarray | None = None,
    title: str = "Decoded points in data space",
) -> go.Figure:  # fmt: skip
    """For a model of 2-D points: the data, the decoded path (and the current point) over it."""
    data = np.asarray(data, dtype=np.float64)
    path_points = np.asarray(path_points, dtype=np.float64).reshape(-1, 2)
    fig = go.Figure(
        go.Scatter(x=data[:, 0], y=data[:, 1], mode="markers", name="test data",
                   marker={"size": 4, "color": "#7f7f7f", "opacity": 0.4}, hoverinfo="skip")
    )  # fmt: skip
    if len(path_points):
        fig.add_trace(
            go.Scatter(x=path_points[:, 0], y=path_points[:, 1], mode="lines+markers",
                       name="decoded", line={"color": PATH_COLOR, "width": 3},
                       marker={"size": 7, "color": PATH_COLOR})
        )  # fmt: skip
    if current is not None:
        current = np.asarray(current, dtype=np.float64).reshape(-1, 2)
        fig.add_trace(
            go.Scatter(x=current[:, 0], y=current[:, 1], mode="markers", name="decoded code",
                       marker={"size": 16, "color": "#1f77b4", "symbol": "star"})
        )  # fmt: skip
    fig.update_layout(
        title=title, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title="x₁", yaxis_title="x₂", yaxis={"scaleanchor": "x"},
    )  # fmt: skip
    return fig
