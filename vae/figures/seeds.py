"""The spread over seeds: each recipe's scores, one point per seed with its ±, side by side."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots


def seed_spread(
    recipes: Sequence[str],
    scores: dict[str, Sequence[Sequence[tuple[int, float | None, float | None]]]],
) -> go.Figure:
    """One panel per score (``scores[title][r]`` = (seed, value, ±) of recipe ``r``'s seeds).

    Each recipe is one column of points, jittered by seed so that equal values stay apart;
    a bar is one standard deviation of that model's own evaluation.
    """
    titles = list(scores)
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.08)
    for c, title in enumerate(titles, start=1):
        for r, recipe in enumerate(recipes):
            points = [(s, v, e) for s, v, e in scores[title][r] if v is not None]
            if not points:
                continue
            n = len(points)
            fig.add_trace(
                go.Scatter(
                    x=[r + (i - (n - 1) / 2) * 0.12 for i in range(n)],
                    y=[v for _, v, _ in points],
                    error_y={
                        "type": "data",
                        "array": [e or 0.0 for _, _, e in points],
                        "visible": True,
                    },
                    mode="markers",
                    marker={"size": 10},
                    name=recipe,
                    legendgroup=recipe,
                    showlegend=c == 1,
                    text=[f"seed {s}" for s, _, _ in points],
                    hovertemplate=f"{recipe}<br>%{{text}}: %{{y:.3f}}<extra>{title}</extra>",
                ),  # fmt: skip
                row=1,
                col=c,
            )
        fig.update_xaxes(tickvals=list(range(len(recipes))), ticktext=list(recipes), row=1, col=c)
        fig.update_yaxes(rangemode="tozero", row=1, col=c)
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
