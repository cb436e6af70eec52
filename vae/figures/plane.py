"""Shared pieces of the figures: traces of 2-D point sets and the charts' common layout."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def points_trace(xy: np.ndarray, name: str, marker: dict, **extra) -> go.Scattergl:
    """The points xy (n, 2) as a WebGL marker trace; hover is off (background points)."""
    return go.Scattergl(
        x=xy[:, 0], y=xy[:, 1], mode="markers", marker=marker, name=name, hoverinfo="skip", **extra
    )


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
