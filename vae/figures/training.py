"""Figures of the Train page: learning curves, KL per latent dimension over time, run comparison.

Pure functions of the records in a run's ``metrics.jsonl`` (see ``vae.runs.store``):
``step`` records carry ``epoch`` (fractional), ``elbo``, ``recon``, ``kl``,
``beta``; ``epoch`` records carry ``test_elbo``, ``test_recon``, ``test_kl``,
``kl_per_dim``, ``active_units``, ``beta``, ``capacity``, ``samples_per_s``.
All in nats per example.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vae import names
from vae.figures import svg

TRAIN_COLOR = "#7fa6d9"
BETA_COLOR = "#e07b39"
TEST_COLOR = "#6C4AB6"
# The live figure's layout, which the empty panels' SVG repeats (one place for both).
MARGIN = {"l": 40, "r": 10, "t": 40, "b": 40}
H_SPACING, V_SPACING = 0.07, 0.16
PANELS = (
    ("ELBO (nats)", "elbo", "test_elbo"),
    ("Reconstruction −log p(x|z)", "recon", "test_recon"),
    ("KL(q(z|x) ‖ p(z))", "kl", "test_kl"),
    ("β (and capacity C)", "beta", "beta"),
    ("Active units", None, "active_units"),
    ("Samples / s", None, "samples_per_s"),
)


def latest_by(records: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """One record per value of ``key`` (the last written wins), in increasing order.

    A resumed run repeats the steps after its last checkpoint: the repeat replaces them.
    """
    kept: dict[Any, dict[str, Any]] = {}
    for record in records:
        if key in record:
            kept[record[key]] = record
    return [kept[k] for k in sorted(kept)]


def _column(records: Sequence[dict[str, Any]], key: str) -> np.ndarray:
    return np.array(
        [np.nan if r.get(key) is None else float(r[key]) for r in records], dtype=np.float64
    )


def curves_figure(steps: Sequence[dict[str, Any]], epochs: Sequence[dict[str, Any]]) -> go.Figure:
    """Six panels over epochs: ELBO, reconstruction, KL, β, active units, throughput.

    Training values per logged step as a light line, test values per epoch as dots.
    """
    steps, epochs = latest_by(steps, "step"), latest_by(epochs, "epoch")
    fig = make_subplots(
        rows=2,
        cols=3,
        subplot_titles=[p[0] for p in PANELS],
        horizontal_spacing=H_SPACING,
        vertical_spacing=V_SPACING,
    )
    step_x, epoch_x = _column(steps, "epoch"), _column(epochs, "epoch")
    for i, (_, train_key, test_key) in enumerate(PANELS):
        row, col = divmod(i, 3)
        first = i == 0
        if train_key is not None and steps:
            fig.add_scatter(
                x=step_x, y=_column(steps, train_key), mode="lines", name="train (steps)",
                line={"color": BETA_COLOR if train_key == "beta" else TRAIN_COLOR,
                      "width": 2 if train_key == "beta" else 1.2},
                legendgroup="train", showlegend=first,
                row=row + 1, col=col + 1,
            )  # fmt: skip
        if epochs and test_key is not None and (train_key != "beta" or not steps):
            name = "test (epochs)" if train_key not in (None, "beta") else test_key
            fig.add_scatter(
                x=epoch_x, y=_column(epochs, test_key), mode="lines+markers", name=name,
                line={"color": TEST_COLOR, "width": 2}, marker={"size": 5},
                legendgroup="test", showlegend=first, row=row + 1, col=col + 1,
            )  # fmt: skip
        if train_key == "beta" and epochs and any(r.get("capacity") is not None for r in epochs):
            fig.add_scatter(
                x=epoch_x, y=_column(epochs, "capacity"), mode="lines", name="capacity C (nats)",
                line={"color": BETA_COLOR, "dash": "dot"}, row=row + 1, col=col + 1,
            )  # fmt: skip
    fig.update_xaxes(title_text="epoch", row=2)
    fig.update_layout(
        height=480,
        margin=MARGIN,
        legend={"orientation": "h", "y": -0.18},
        uirevision="curves",  # keep zoom while the run grows
    )
    return fig


def kl_heatmap(epochs: Sequence[dict[str, Any]]) -> go.Figure:
    """KL of each latent dimension (rows) at each epoch (columns), nats.

    A collapsed dimension is a row that fades to zero and stays there.
    """
    epochs = [r for r in latest_by(epochs, "epoch") if r.get("kl_per_dim")]
    fig = go.Figure()
    if epochs:
        z = np.array([r["kl_per_dim"] for r in epochs], dtype=np.float64).T
        fig.add_heatmap(
            z=z,
            x=[r["epoch"] for r in epochs],
            y=names.latents(z.shape[0]),
            colorscale="Viridis",
            zmin=0,
            colorbar={"title": {"text": "nats"}},
            hovertemplate="epoch %{x}, %{y}: %{z:.3f} nats<extra></extra>",
        )
    fig.update_layout(
        title="KL of each latent dimension (test set)",
        xaxis_title="epoch",
        yaxis={"autorange": "reversed"},
        height=max(220, 60 + 22 * (len(epochs[0]["kl_per_dim"]) if epochs else 4)),
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
    )
    return fig


def compare_figure(
    series: dict[str, Sequence[dict[str, Any]]], key: str = "test_elbo", label: str = "test ELBO"
) -> go.Figure:
    """One line per run: ``key`` of its epoch records against the epoch."""
    fig = go.Figure()
    for name, records in series.items():
        records = latest_by(records, "epoch")
        fig.add_scatter(
            x=_column(records, "epoch"), y=_column(records, key), mode="lines+markers", name=name
        )
    fig.update_layout(
        xaxis_title="epoch",
        yaxis_title=label,
        height=360,
        margin={"l": 40, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def empty_curves_svg(epochs: int = 40, width: int = 960, height: int = 440) -> str:
    """The six panels of :func:`curves_figure` without data, as an SVG drawing.

    What the Train page shows before there is a run: the panels' titles and epoch axes, laid
    out as Plotly lays out the live figure (same margins and spacing), drawn by the browser
    without Plotly's 4.7 MB chart code, so that a first visit is not kept waiting for it.
    """
    left, right, top, bottom = MARGIN["l"], MARGIN["r"], MARGIN["t"], MARGIN["b"]
    inner_w, inner_h = width - left - right, height - top - bottom
    h_space, v_space = H_SPACING, V_SPACING
    cell_w, cell_h = (1 - 2 * h_space) / 3, (1 - v_space) / 2
    grid, text = svg.GRID, svg.MUTED
    ticks = [round(epochs * i / 4) for i in range(5)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="The six panels a run\'s live curves fill" '
        f'font-family="sans-serif" font-size="12" fill="{text}">'
    ]
    for i, (title, _, _) in enumerate(PANELS):
        row, col = divmod(i, 3)
        x0 = left + col * (cell_w + h_space) * inner_w
        x1 = x0 + cell_w * inner_w
        y0 = top + row * (cell_h + v_space) * inner_h
        y1 = y0 + cell_h * inner_h
        parts.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{y0 - 10:.1f}" text-anchor="middle" '
            f'font-size="16" fill="{svg.TEXT}">{svg.esc(title)}</text>'
        )
        for tick in ticks:
            x = x0 + (x1 - x0) * tick / epochs
            parts.append(
                f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}" stroke="{grid}"/>'
                f'<text x="{x:.1f}" y="{y1 + 16:.1f}" text-anchor="middle">{tick}</text>'
            )
        parts.append(
            f'<line x1="{x0:.1f}" y1="{y1:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{text}"/>'
        )
        if row == 1:
            parts.append(
                f'<text x="{(x0 + x1) / 2:.1f}" y="{y1 + 34:.1f}" text-anchor="middle" '
                f'font-size="14">epoch</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
