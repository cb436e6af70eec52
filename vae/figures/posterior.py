"""Figures for the posterior lab: q(z|x) over the prior, and KL / activity per latent dimension."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vae import names
from vae.analysis.posterior import gaussian_ellipse, mass_within
from vae.figures.plane import curve_trace, points_trace

Q_COLOUR = "#E4572E"
PRIOR_COLOUR = "#9E9E9E"
RUN_COLOURS = ["#E4572E", "#6C4AB6", "#17BEBB", "#76B041"]


def posterior_figure(
    post: dict[str, np.ndarray],
    grid: dict[str, np.ndarray] | None = None,
    others: np.ndarray | None = None,
    view: str = "posterior",
    title: str = "",
    n_stds: tuple[float, ...] = (1.0, 2.0),
) -> go.Figure:
    """q(z|x) of one example drawn in the latent plane.

    ``post`` comes from ``vae.analysis.posterior.posterior_2d``; ``grid`` (optional) is the true
    posterior from ``true_posterior_grid``, shown as shading; ``others`` are the
    posterior means of other examples (grey dots). ``view`` "prior" shows the whole
    prior (±3.5), "posterior" zooms on this example.
    """
    fig = go.Figure()
    if grid is not None:
        fig.add_trace(
            go.Contour(
                x=grid["xs"],
                y=grid["ys"],
                z=grid["density"],
                colorscale="Blues",
                contours={"coloring": "heatmap", "showlines": False},
                ncontours=20,
                showscale=False,
                name="true posterior p(z|x)",
                hovertemplate="z=(%{x:.2f}, %{y:.2f})<br>p(z|x)=%{z:.3g}<extra>true posterior</extra>",
            )
        )
    for r in (1.0, 2.0):
        ring = gaussian_ellipse(np.zeros(2), np.ones(2), r)
        fig.add_trace(
            curve_trace(
                ring,
                f"prior p(z), {r:g}σ",
                {"color": PRIOR_COLOUR, "dash": "dot", "width": 1},
                showlegend=r == 1.0,
                hoverinfo="skip",
            )
        )
    if others is not None and len(others):
        fig.add_trace(
            points_trace(
                others,
                "other test examples (means)",
                {"size": 3, "color": "#777777", "opacity": 0.35},
            )
        )
    has_flow = bool(post.get("has_flow", False))
    if has_flow:
        samples = post["samples"][:600]  # as SVG: 1,500 cost 0.3 s of the draw, 600 show the shape
        fig.add_trace(
            points_trace(
                samples,
                "samples of q_K(z|x) (flow)",
                {"size": 3, "color": Q_COLOUR, "opacity": 0.35},
            )
        )
        base = post["base_mean"], post["std"]
        ring = gaussian_ellipse(base[0], base[1], 1.0)
        fig.add_trace(
            curve_trace(
                ring,
                "base Gaussian q₀, 1σ (before the flow)",
                {"color": Q_COLOUR, "dash": "dash", "width": 1},
            )
        )
    for r in n_stds:
        curve = post[f"contour_{r:g}"]
        label = "flow's image of q₀'s" if has_flow else "q(z|x)"
        fig.add_trace(
            curve_trace(
                curve,
                f"{label} {r:g}σ ellipse ({100 * mass_within(r):.0f}% of q)",
                {"color": Q_COLOUR, "width": 3 if r == 1.0 else 1.5},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[post["mean"][0]],
            y=[post["mean"][1]],
            mode="markers",
            marker={"symbol": "x", "size": 10, "color": "black"},
            name="the code used for x",
        )
    )
    if view == "prior" or grid is None:
        lo, hi = np.array([-3.5, -3.5]), np.array([3.5, 3.5])
    else:
        lo = np.array([grid["xs"][0], grid["ys"][0]])
        hi = np.array([grid["xs"][-1], grid["ys"][-1]])
    fig.update_layout(
        title=title,
        xaxis={"range": [lo[0], hi[0]], "title": names.latent(0), "constrain": "domain"},
        yaxis={"range": [lo[1], hi[1]], "title": names.latent(1), "scaleanchor": "x"},
        height=480,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.12, "font": {"size": 11}},
        plot_bgcolor="white",
    )
    return fig


def per_dim_bars(
    runs: dict[str, np.ndarray],
    title: str,
    yaxis: str,
    threshold: float | None = None,
    log_y: bool = False,
) -> go.Figure:
    """Grouped bars of one value per latent dimension for each run, dimensions in their order."""
    fig = go.Figure()
    for i, (name, values) in enumerate(runs.items()):
        fig.add_trace(
            go.Bar(
                x=names.latents(len(values)),
                y=np.asarray(values, dtype=float),
                name=name,
                marker_color=RUN_COLOURS[i % len(RUN_COLOURS)],
            )
        )
    if threshold is not None:
        fig.add_hline(
            y=threshold, line_dash="dot", line_color="black", annotation_text="active above"
        )
    fig.update_layout(
        title=title,
        barmode="group",
        yaxis={"title": yaxis, "type": "log", "dtick": 1} if log_y else {"title": yaxis},
        xaxis_title="latent dimension",
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def noise_curves(curves: dict[str, dict]) -> go.Figure:
    """Token accuracy (%) against the σ of Gaussian noise added to the code, one line per model;
    a diamond marks each model's accuracy at its own posterior scale."""
    fig = go.Figure()
    for i, (name, curve) in enumerate(curves.items()):
        colour = RUN_COLOURS[i % len(RUN_COLOURS)]
        fig.add_trace(go.Scatter(
            x=curve["sigma"], y=[100 * a for a in curve["accuracy"]], mode="lines+markers",
            name=name, line={"color": colour},
        ))  # fmt: skip
        fig.add_trace(go.Scatter(
            x=[curve["posterior_scale"]], y=[100 * curve["accuracy_at_posterior_scale"]],
            mode="markers", marker={"symbol": "diamond", "size": 12, "color": colour},
            name=f"{name}: at its posterior scale", showlegend=False,
            hovertemplate="σ = posterior scale %{x:.3f}<br>accuracy %{y:.2f}%<extra></extra>",
        ))  # fmt: skip
    fig.update_layout(
        title="Token accuracy when the code is pushed by noise: z = μ(x) + σ s ε",
        xaxis_title="σ: noise relative to the codes' spread s over the data (per dimension)",
        yaxis={"title": "tokens decoded right (%)", "range": [0, 101]},
        height=360, margin={"l": 10, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.3},
    )  # fmt: skip
    return fig
