"""Shared pieces of the figures: traces of 2-D point sets and the charts' common layout."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

# Up to this many points a map is drawn as SVG, above it with WebGL. A WebGL chart costs
# about a second of the browser's time to set up where the GPU is emulated (headless
# Chromium, virtual machines, many school laptops: the Latent map's two maps of 360
# digits took 2.3 s there), and a page holds only so many WebGL contexts; SVG draws a
# few thousand markers in tens of milliseconds, and from ~10,000 on WebGL is faster.
WEBGL_ABOVE = 3000


def scatter(n_points: int, **trace) -> go.Scatter | go.Scattergl:
    """A 2-D scatter trace of a map of ``n_points`` points: SVG when small, WebGL when large.

    As SVG its markers are drawn only where the axes show them (``marker.maxdisplayed`` at
    least the trace's length: Plotly then draws the points in view, all of them, and draws
    again on zoom or pan). A zoomed view drew every point as an element the browser lays
    out: the Posterior lab's view of one example shows 8 and 33 of the 1,000 grey test means
    it drew.
    """
    if n_points > WEBGL_ABOVE:
        return go.Scattergl(**trace)
    if "markers" in trace.get("mode", "markers") and trace.get("x") is not None:
        trace["marker"] = {
            "maxdisplayed": max(n_points, len(trace["x"])),
            **(trace.get("marker") or {}),
        }
    return go.Scatter(**trace)


def points_trace(xy: np.ndarray, name: str, marker: dict, **extra) -> go.Scatter | go.Scattergl:
    """The points xy (n, 2) as a marker trace; hover is off (background points)."""
    return scatter(
        len(xy), x=xy[:, 0], y=xy[:, 1], mode="markers", marker=marker, name=name,
        hoverinfo="skip", **extra,
    )  # fmt: skip


def curve_trace(xy: np.ndarray, name: str, line: dict, **extra) -> go.Scatter:
    """The closed or open curve xy (n, 2), e.g. an ellipse, as a line trace."""
    return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", line=line, name=name, **extra)


def chart_layout(
    fig: go.Figure, x_title: str, y_title: str, height: int, top: int = 30, **extra
) -> None:
    """The house layout of a chart: both axis titles, thin side margins, ``top`` above."""
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": 40},
        **extra,
    )
