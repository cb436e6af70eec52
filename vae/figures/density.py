"""Figures for log-likelihoods: histograms and ROC curves (SVG), a 2-D density map and model
samples (Plotly)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from vae.figures import svg
from vae.figures.plane import points_trace, scatter

POINT_COLOURS = ["#9E9E9E", "#E4572E", "#3B1F7A"]
PALETTE = ["#6C4AB6", "#E4572E", "#17BEBB", "#FFC914", "#76B041", "#8D6A9F", "#2E86AB", "#C1666B"]


@dataclass(frozen=True)
class Histograms:
    """Log-likelihood histograms: each group's share of examples per bin of ``edges`` (nats)."""

    edges: np.ndarray
    shares: dict[str, np.ndarray]
    y_top: float  # the tallest bar, or where bars are cut
    cut: bool  # bars taller than y_top are cut there
    notes: list[str]  # what the chart says above itself: values beyond the axis, cut bars


def ll_bins(groups: dict[str, np.ndarray], bins: int = 150) -> Histograms:
    """The bins of :func:`ll_histogram`; the first group is the test set.

    The axis spans the test set and at most twice its spread beyond either end: a foreign set
    at −5,000 nats would squeeze the test set into one bar. Values beyond are counted at the
    edge, and a note says how many; bars of another set taller than 2.5 × the test set's
    tallest are cut (a note says so).
    """
    finite = {k: np.asarray(v, dtype=float) for k, v in groups.items()}
    finite = {k: v[np.isfinite(v)] for k, v in finite.items()}
    filled = [v for v in finite.values() if len(v)]
    lo = min((float(v.min()) for v in filled), default=-1.0)
    hi = max((float(v.max()) for v in filled), default=0.0)
    first = next(iter(finite.values()), np.zeros(0))
    if len(first):
        t_lo, t_hi = float(first.min()), float(first.max())
        spread = max(t_hi - t_lo, 1e-3)
        lo, hi = max(lo, t_lo - 2 * spread), min(hi, t_hi + 2 * spread)
    hi = max(hi, lo + 1e-3 * bins)
    edges = np.linspace(lo, hi, bins + 1)
    clipped = sum(int(((v < lo) | (v > hi)).sum()) for v in filled)
    shares = {
        k: np.histogram(np.clip(v, lo, hi), bins=edges)[0] / max(len(v), 1)
        for k, v in finite.items()
    }
    notes = []
    if clipped:
        noun = "value lies" if clipped == 1 else "values lie"
        notes.append(f"{clipped} {noun} beyond the axis, drawn at its edge")
    tops = [float(s.max()) for k, s in shares.items() if len(finite[k])]
    y_top, cut = max(tops, default=1.0) or 1.0, False
    # A set of identical inputs (all black) piles into one bar of share 1 and flattens the
    # test set's bars: the height axis stops at 2.5 × the test set's tallest bar.
    if tops and len(first) and max(tops) > 2.5 * tops[0] > 0:
        y_top, cut = 2.5 * tops[0], True
        notes.append(f"bars up to a share of {max(tops):.2f} are cut at {y_top:.2f}")
    return Histograms(edges, shares, y_top, cut, notes)


def ll_histogram(
    groups: dict[str, np.ndarray], marker: float | None = None, width: int = 480
) -> str:
    """Overlaid histograms of log-likelihood (nats), one per group, the first the test set, as
    an SVG drawing (svg; bins and notes: :func:`ll_bins`). ``marker``: a dashed line at an
    upload's score."""
    h = ll_bins(groups)
    lo, hi = float(h.edges[0]), float(h.edges[-1])
    # the axis stops at the cut, else at the round value above the tallest bar
    y_ticks = svg.ticks_within(0.0, h.y_top, 4) if h.cut else svg.nice_ticks(h.y_top, 4)
    y_hi = h.y_top if h.cut else y_ticks[-1]
    legend_items = [(name, PALETTE[i % len(PALETTE)], False) for i, name in enumerate(h.shares)]
    left = svg.y_margin(y_ticks)
    legend, legend_h = svg.legend(legend_items, left, 0, width - left - 10)
    top = 10 + 17 * len(h.notes)
    height = top + 250 + 44 + legend_h
    frame = svg.Frame(width, height, left, 10, top, 44 + legend_h, lo, hi, 0.0, y_hi)
    parts = [
        svg.svg_open(width, height, "Histograms of log p(x) in nats", "histogram"),
        svg.notes_lines(h.notes, left, 0),
        svg.y_axis(frame, y_ticks, "share of examples"),
        svg.x_axis(frame, svg.ticks_within(lo, hi, 6), "log p(x), nats (higher = more likely)"),
    ]
    for i, (name, shares) in enumerate(h.shares.items()):
        colour, opacity = PALETTE[i % len(PALETTE)], 0.9 if i == 0 else 0.6
        for b in np.flatnonzero(shares):
            x0, x1 = frame.x(h.edges[b]), frame.x(h.edges[b + 1])
            y = frame.y(min(float(shares[b]), h.y_top))
            tip = f"{name}: {shares[b]:.1%} of examples in [{h.edges[b]:.1f}, {h.edges[b + 1]:.1f}) nats"
            parts.append(
                f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 0.6):.1f}" '
                f'height="{frame.y(0.0) - y:.1f}" fill="{colour}" fill-opacity="{opacity}">'
                f"<title>{svg.esc(tip)}</title></rect>"
            )
    if marker is not None and np.isfinite(marker):
        x = frame.x(min(max(float(marker), lo), hi))
        beyond = "" if lo <= marker <= hi else ", beyond the axis"
        parts.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{frame.y(0.0):.1f}" stroke="#000000" '
            f'stroke-width="2" stroke-dasharray="5 4"><title>your input: {marker:.1f} nats{beyond}'
            f'</title></line><text x="{x + 4:.1f}" y="{top + 12:.1f}" class="marker">upload</text>'
        )
    parts.append(f'<g transform="translate(0 {height - legend_h:.1f})">{legend}</g></svg>')
    return "".join(parts)


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], width: int = 480) -> str:
    """ROC curves of log-likelihood as an in-distribution detector, AUROC in the legend, as an
    SVG drawing (svg)."""
    names = ["chance"] + [f"{name} (AUROC {auc:.3f})" for name, (_, _, auc) in curves.items()]
    colours = ["#BBBBBB"] + [PALETTE[(i + 1) % len(PALETTE)] for i in range(len(curves))]
    ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    left = svg.y_margin(ticks)
    legend, legend_h = svg.legend(
        [(n, c, i == 0) for i, (n, c) in enumerate(zip(names, colours, strict=True))],
        left, 0, width - left - 10,
    )  # fmt: skip
    side = width - left - 20  # a square plot: both rates on one scale
    height = 10 + side + 44 + legend_h
    frame = svg.Frame(width, height, left, 20, 10, 44 + legend_h, 0.0, 1.0, 0.0, 1.0)
    parts = [
        svg.svg_open(width, height, "ROC curves of log p(x) against each foreign set", "roc"),
        svg.y_axis(frame, ticks, "test examples accepted (TPR)"),
        svg.x_axis(frame, ticks, "OOD inputs accepted (false-positive rate)"),
        svg.polyline(frame, [0.0, 1.0], [0.0, 1.0], colours[0], "chance: AUROC 0.5", dashed=True),
    ]
    for (fpr, tpr, _), name, colour in zip(curves.values(), names[1:], colours[1:], strict=True):
        parts.append(
            svg.polyline(frame, list(map(float, fpr)), list(map(float, tpr)), colour, name)
        )
    parts.append(f'<g transform="translate(0 {height - legend_h:.1f})">{legend}</g></svg>')
    return "".join(parts)


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
