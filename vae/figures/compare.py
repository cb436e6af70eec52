"""Figures of the β comparison page: KL per dimension, what each dimension holds (SVG) and
the rate–distortion plane (Plotly).

Pure functions of arrays: no model, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from vae import names
from vae.figures import svg

ACTIVE_COLOR = "#1f77b4"
INACTIVE_COLOR = "#c7c7c7"


def kl_bars(kl_per_dim: Sequence[float], active: Sequence[bool] | None = None) -> str:
    """KL of each latent dimension (nats), largest first, inactive dimensions in grey: an SVG
    drawing (a read-only chart, drawn without Plotly's code: figures.svg)."""
    kl = np.asarray(kl_per_dim, dtype=np.float64)
    order = np.argsort(-kl, kind="stable")
    active_arr = np.ones(len(kl), bool) if active is None else np.asarray(active, bool)
    return svg.bar_chart(
        [names.latent(d) for d in order],
        [float(kl[d]) for d in order],
        [ACTIVE_COLOR if active_arr[d] else INACTIVE_COLOR for d in order],
        [
            f"{names.latent(d)}: {kl[d]:.3f} nats{'' if active_arr[d] else ' (inactive)'}"
            for d in order
        ],
        "KL (nats)",
        aria="KL of each latent dimension in nats, largest first",
    )


def rate_distortion(
    names: Sequence[str],
    rate: Sequence[float],
    distortion: Sequence[float],
    betas: Sequence[float | None] | None = None,
) -> go.Figure:
    """One point per run: KL (rate, nats) across, reconstruction error (distortion, nats) up.

    Lines of equal ELBO (rate + distortion = constant) are drawn faintly: a run
    further down-left has the better bound; β moves a run along them.
    """
    rate = np.asarray(rate, dtype=np.float64)
    distortion = np.asarray(distortion, dtype=np.float64)
    labels = [
        n if b is None else f"{n} (β={b:g})"
        for n, b in zip(names, betas if betas is not None else [None] * len(names), strict=True)
    ]
    fig = go.Figure()
    ok = np.isfinite(rate) & np.isfinite(distortion)
    if ok.any():
        lo = float(min(rate[ok].min(), 0.0))
        hi = float(rate[ok].max()) * 1.15 + 1e-6
        for total in np.unique(np.round(rate[ok] + distortion[ok], 1)):
            fig.add_trace(
                go.Scatter(
                    x=[lo, hi],
                    y=[total - lo, total - hi],
                    mode="lines",
                    showlegend=False,
                    line={"color": "#dddddd", "dash": "dot", "width": 1},
                    hoverinfo="skip",
                )  # fmt: skip
            )
    fig.add_trace(
        go.Scatter(
            x=rate[ok],
            y=distortion[ok],
            mode="markers+text",
            name="runs",
            text=[labels[i] for i in np.flatnonzero(ok)],
            # Alternate sides so that runs with close rates do not print over each other.
            textposition=[
                ("top", "bottom")[rank % 2] + (" left", " right")[(rank // 2) % 2]
                for rank in np.argsort(np.argsort(rate[ok]))
            ],
            marker={"size": 13, "color": ACTIVE_COLOR},
            hovertemplate="%{text}<br>KL %{x:.2f} nats<br>reconstruction %{y:.2f} nats<extra></extra>",
        )  # fmt: skip
    )
    fig.update_layout(
        title="Rate–distortion: what each run spends on the code and what it loses",
        height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title="rate: KL(q(z|x) ‖ p(z)) in nats", showlegend=False,
        yaxis_title="distortion: −E log p(x|z) in nats",
    )  # fmt: skip
    if ok.any():
        pad_y = max(float(np.ptp(distortion[ok])) * 0.25, 1.0)
        fig.update_yaxes(
            range=[float(distortion[ok].min()) - pad_y, float(distortion[ok].max()) + pad_y]
        )
        pad_x = max(float(np.ptp(rate[ok])) * 0.25, 1.0)
        fig.update_xaxes(range=[float(rate[ok].min()) - pad_x, float(rate[ok].max()) + pad_x])
    return fig


def factor_heatmap(
    matrix: Sequence[Sequence[float]],
    factor_names: Sequence[str],
    dims: Sequence[int] | None = None,
    factor_of_dim: Sequence[str | None] | None = None,
) -> str:
    """The factor × dimension information matrix: I(z_d; v_k) / H(v_k), one row per factor,
    as an SVG drawing (figures.svg).

    ``dims`` orders the columns (e.g. by KL); each cell's tooltip names the factor its
    dimension holds (``factor_of_dim``), or "inactive".
    """
    m = np.asarray(matrix, dtype=np.float64)
    order = list(range(m.shape[1])) if dims is None else [int(d) for d in dims]
    held = list(factor_of_dim) if factor_of_dim is not None else [None] * m.shape[1]
    columns = [names.latent(d) for d in order]
    tips = [
        [f"{factor} × {names.latent(d)} (holds {held[d] or 'inactive'}): {m[k, d]:.3f} of the "
         "factor's entropy" for d in order]
        for k, factor in enumerate(factor_names)
    ]  # fmt: skip
    return svg.heatmap(
        m[:, order], list(factor_names), columns, tips, scale_title="I/H",
        aria="Information each latent dimension holds about each factor, over the factor's entropy",
    )  # fmt: skip
