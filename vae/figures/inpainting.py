"""Figures for denoising and inpainting: errors of each restorer, error per inpainting round."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vae.figures.plane import chart_layout

VAE_COLOUR = "#6C4AB6"
BASELINE_COLOUR = "#9E9E9E"
FLOOR_COLOUR = "#D0C4EE"


def error_bars(
    labels: list[str],
    mean: np.ndarray,
    stderr: np.ndarray,
    is_vae: list[bool],
    title: str = "Mean squared error per pixel",
    floor: list[bool] | None = None,
) -> go.Figure:
    """Horizontal bars of mean error ± 2 standard errors, VAE restorers coloured, baselines grey."""
    floor = floor or [False] * len(labels)
    colours = [
        FLOOR_COLOUR if f else (VAE_COLOUR if v else BASELINE_COLOUR)
        for v, f in zip(is_vae, floor, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=np.asarray(mean, dtype=float),
            y=labels,
            orientation="h",
            marker_color=colours,
            error_x={"type": "data", "array": 2 * np.asarray(stderr, dtype=float)},
            text=[f"{m:.4f}" for m in mean],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="MSE per pixel (lower is better)",
        yaxis={"autorange": "reversed"},
        height=80 + 42 * len(labels),
        margin={"l": 10, "r": 60, "t": 50, "b": 40},
        showlegend=False,
    )
    return fig


def rounds_curve(errors: list[float], baseline: float | None = None) -> go.Figure:
    """Error on the missing pixels after each inpainting round (round 0: the mean fill)."""
    fig = go.Figure(
        go.Scatter(
            x=list(range(len(errors))),
            y=errors,
            mode="lines+markers",
            name="iterative inpainting",
            line={"color": VAE_COLOUR},
        )
    )
    if baseline is not None:
        fig.add_hline(
            y=baseline, line_dash="dot", line_color=BASELINE_COLOUR, annotation_text="mean fill"
        )
    chart_layout(
        fig,
        "round K",
        "MSE on missing pixels",
        300,
        top=50,
        title="Error on the missing pixels, round by round",
    )
    return fig
