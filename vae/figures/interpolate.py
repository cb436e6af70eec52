"""Figures of the Interpolate page: the A → B path on a 2-D map of latent space (SVG), and
for a model of 2-D points the decoded path in data space (Plotly).

Pure functions of arrays: no model, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from vae.figures import svg
from vae.figures.palette import class_colour

PATH_COLOR = "#d62728"


def latent_path(
    points: np.ndarray,
    path: np.ndarray,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    axis_titles: tuple[str, str] = ("1st axis", "2nd axis"),
    title: str = "The path through latent space",
    width: int = 960,
) -> str:
    """Test codes (coloured by class) with the interpolation path drawn over them, A and B
    marked, as an SVG drawing (figures.svg): a class's name and a frame's number on hover.

    ``points`` (n, 2) and ``path`` (steps, 2) are already projected to 2-D.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    path = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    both = np.concatenate([points, path]) if len(points) else path
    x_lo, x_hi = svg.padded(float(both[:, 0].min()), float(both[:, 0].max()))
    y_lo, y_hi = svg.padded(float(both[:, 1].min()), float(both[:, 1].max()))
    groups = _classes(labels, class_names, len(points))
    y_ticks = svg.ticks_within(y_lo, y_hi, 6)
    left = svg.y_margin(y_ticks)
    items = [(name, colour, False) for name, colour, _ in groups] + [("path", PATH_COLOR, False)]
    legend, legend_h = svg.legend(items, left, 0, width - left - 10)
    height = 30 + 330 + 44 + legend_h
    frame = svg.Frame(width, height, left, 10, 30, 44 + legend_h, x_lo, x_hi, y_lo, y_hi)
    parts = [
        svg.svg_open(width, height, title, "path-map"),
        f'<text x="{left:.1f}" y="18" font-size="15">{svg.esc(title)}</text>',
        svg.y_axis(frame, y_ticks, axis_titles[1]),
        svg.x_axis(frame, svg.ticks_within(x_lo, x_hi, 8), axis_titles[0]),
    ]
    for name, colour, mask in groups:
        parts.append(svg.dots(frame, points[mask, 0], points[mask, 1], colour, name))
    parts.append(svg.polyline(frame, path[:, 0], path[:, 1], PATH_COLOR, "path", width=3))
    for i, (x, y) in enumerate(path):
        parts.append(
            f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="4" fill="{PATH_COLOR}" '
            f'class="frame"><title>frame {i}</title></circle>'
        )
    for i, name in ((0, "A"), (len(path) - 1, "B")):
        x, y = frame.x(path[i, 0]), frame.y(path[i, 1])
        parts.append(
            f'<path d="M{x:.1f} {y - 8:.1f}L{x + 8:.1f} {y:.1f}L{x:.1f} {y + 8:.1f}L{x - 8:.1f} '
            f'{y:.1f}Z" fill="{PATH_COLOR}" stroke="#ffffff" stroke-width="2"><title>{name}'
            f'</title></path><text x="{x:.1f}" y="{y - 12:.1f}" text-anchor="middle" '
            f'font-size="16" font-weight="bold" class="end">{name}</text>'
        )
    parts.append(f'<g transform="translate(0 {height - legend_h:.1f})">{legend}</g></svg>')
    return "".join(parts)


def _classes(
    labels: np.ndarray | None, class_names: Sequence[str] | None, n: int
) -> list[tuple[str, str, np.ndarray]]:
    """(name, colour, mask) of each class among the points, in label order (as on the Latent
    map); one grey group when there are no labels."""
    if labels is None:
        return [("test examples", "#7f7f7f", np.ones(n, bool))]
    groups = []
    for c in np.unique(labels):
        named = class_names is not None and int(c) < len(class_names)
        groups.append((str(class_names[int(c)] if named else c), class_colour(int(c)), labels == c))
    return groups


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
