"""Figures for log-likelihoods: histograms, ROC curves, a 2-D density map, model samples."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vae.figures.plane import chart_layout, points_trace, scatter

POINT_COLOURS = ["#9E9E9E", "#E4572E", "#3B1F7A"]
PALETTE = ["#6C4AB6", "#E4572E", "#17BEBB", "#FFC914", "#76B041", "#8D6A9F", "#2E86AB", "#C1666B"]


def ll_histogram(groups: dict[str, np.ndarray], marker: float | None = None) -> go.Figure:
    """Overlaid histograms of log-likelihood (nats), one per group; the first is the test set.

    The axis spans the test set and at most twice its spread beyond either end: a foreign set
    at −5,000 nats would squeeze the test set into one bar. Values beyond are drawn at the
    edge, and the title says how many; bars of another set taller than 2.5 × the test set's
    tallest are cut (the title says so). ``marker`` draws a vertical line (an upload's score).
    """
    finite = [v[np.isfinite(v)] for v in groups.values() if len(v)]
    lo = min((float(v.min()) for v in finite if len(v)), default=-1.0)
    hi = max((float(v.max()) for v in finite if len(v)), default=0.0)
    if finite and len(finite[0]):
        t_lo, t_hi = float(finite[0].min()), float(finite[0].max())
        spread = max(t_hi - t_lo, 1e-3)
        lo, hi = max(lo, t_lo - 2 * spread), min(hi, t_hi + 2 * spread)
    clipped = sum(int(((v < lo) | (v > hi)).sum()) for v in finite)
    size = max((hi - lo) / 150, 1e-3)
    fig = go.Figure()
    for i, (name, values) in enumerate(groups.items()):
        fig.add_trace(
            go.Histogram(
                x=np.clip(np.asarray(values, dtype=float), lo, hi),
                name=name,
                xbins={"start": lo, "end": hi + size, "size": size},
                histnorm="probability",
                opacity=0.9 if i == 0 else 0.6,
                marker_color=PALETTE[i % len(PALETTE)],
            )
        )
    if marker is not None and np.isfinite(marker):
        fig.add_vline(x=marker, line_dash="dash", line_color="black", annotation_text="upload")
    chart_layout(
        fig,
        "log p(x), nats (higher = more likely)",
        "share of examples",
        360,
        barmode="overlay",
        legend={"orientation": "h", "y": -0.25},
    )
    notes = []
    if clipped:
        noun = "value lies" if clipped == 1 else "values lie"
        notes.append(f"{clipped} {noun} beyond the axis, drawn at its edge")
    # A set of identical inputs (all black) piles into one bar of share 1 and flattens the
    # test set's bars: the height axis stops at 2.5 × the test set's tallest bar.
    edges = np.arange(lo, hi + 2 * size, size)
    tops = [
        np.histogram(np.clip(v, lo, hi), bins=edges)[0].max() / len(v) for v in finite if len(v)
    ]
    if tops and max(tops) > 2.5 * tops[0] > 0:
        fig.update_yaxes(range=[0, 2.5 * tops[0]])
        notes.append(f"bars up to a share of {max(tops):.2f} are cut at {2.5 * tops[0]:.2f}")
    if notes:  # one line each: the chart is half the page wide
        fig.update_layout(
            title={"text": "<br>".join(notes), "font": {"size": 13}},
            margin={"t": 22 + 18 * len(notes)},
        )
    return fig


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray, float]]) -> go.Figure:
    """ROC curves of log-likelihood as an in-distribution detector, AUROC in the legend."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line={"dash": "dot", "color": "#BBBBBB"},
            name="chance",
        )
    )
    for i, (name, (fpr, tpr, auc)) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=fpr,
                y=tpr,
                mode="lines",
                name=f"{name} (AUROC {auc:.3f})",
                line={"color": PALETTE[(i + 1) % len(PALETTE)]},
            )
        )
    chart_layout(
        fig,
        "OOD inputs accepted (false-positive rate)",
        "test examples accepted (true-positive rate)",
        420,
        xaxis={"range": [0, 1], "constrain": "domain"},
        yaxis={"range": [0, 1.02], "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def density_map(
    xs: np.ndarray,
    ys: np.ndarray,
    log_p: np.ndarray,
    points: np.ndarray | None = None,
    floor: float = -8.0,
    title: str = "Learned density p(x)",
) -> go.Figure:
    """A heat map of p(x) over the plane (log colour scale below ``floor`` is clipped)."""
    z = np.maximum(np.asarray(log_p, dtype=float), floor)
    fig = go.Figure(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            colorscale="Viridis",
            colorbar={"title": "log p(x)"},
            hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>log p=%{z:.2f}<extra></extra>",
        )
    )
    if points is not None:
        fig.add_trace(
            points_trace(points, "test data", {"size": 2, "color": "white", "opacity": 0.5})
        )
    _square(fig, xs, ys, title)
    return fig


def points_figure(
    traces: dict[str, np.ndarray],
    lo: float,
    hi: float,
    title: str = "",
    colour: np.ndarray | None = None,
    colour_title: str = "",
    ringed: np.ndarray | None = None,
    ringed_name: str = "",
) -> go.Figure:
    """Scatter plots of 2-D point sets on a square plane; the first may be coloured by a value.

    ``ringed`` points are drawn last as open red circles (e.g. the least likely ones).
    """
    fig = go.Figure()
    for i, (name, pts) in enumerate(traces.items()):
        marker: dict = {"size": 3, "color": POINT_COLOURS[i % len(POINT_COLOURS)], "opacity": 0.6}
        if i == 0 and colour is not None:
            marker = {
                "size": 4,
                "color": colour,
                "colorscale": "Viridis",
                "colorbar": {"title": colour_title},
            }
        fig.add_trace(
            scatter(len(pts), x=pts[:, 0], y=pts[:, 1], mode="markers", marker=marker, name=name)
        )
    if ringed is not None and len(ringed):
        fig.add_trace(
            go.Scatter(
                x=ringed[:, 0],
                y=ringed[:, 1],
                mode="markers",
                marker={
                    "symbol": "circle-open",
                    "size": 12,
                    "color": "#E4572E",
                    "line": {"width": 2},
                },
                name=ringed_name,
            )
        )
    axis = np.array([lo, hi])
    _square(fig, axis, axis, title)
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return fig


def _square(fig: go.Figure, xs: np.ndarray, ys: np.ndarray, title: str) -> None:
    fig.update_layout(
        title=title,
        xaxis={"range": [float(xs[0]), float(xs[-1])], "constrain": "domain"},
        yaxis={"range": [float(ys[0]), float(ys[-1])], "scaleanchor": "x"},
        height=440,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
    )
