"""The shared point traces of the charts (vae.figures.plane)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vae.figures.plane import WEBGL_ABOVE, points_trace, scatter
from vae.figures.posterior import posterior_figure


def test_svg_markers_are_drawn_only_where_the_axes_show_them_and_never_thinned():
    # One class of a 100-point map: at most its own 30 points are in view, all of them drawn.
    x = np.arange(30.0)
    trace = scatter(100, x=x, y=x, mode="markers", marker={"size": 4, "color": "red"})
    assert isinstance(trace, go.Scatter)
    assert trace.marker.maxdisplayed == 100 and trace.marker.size == 4
    assert trace.marker.color == "red"
    assert points_trace(np.zeros((7, 2)), "a", {"size": 3}).marker.maxdisplayed == 7
    # A trace longer than the map it is counted in is still drawn whole.
    assert scatter(5, x=x, y=x, mode="markers").marker.maxdisplayed == 30
    # A caller's own limit stands; lines have no markers to limit.
    assert scatter(30, x=x, y=x, marker={"maxdisplayed": 1}).marker.maxdisplayed == 1
    assert scatter(30, x=x, y=x, mode="lines").marker.maxdisplayed is None


def test_webgl_maps_keep_their_own_drawing():
    n = WEBGL_ABOVE + 1
    trace = scatter(n, x=np.zeros(n), y=np.zeros(n), mode="markers", marker={"size": 2})
    assert isinstance(trace, go.Scattergl)  # which has no maxdisplayed to set


def test_the_posteriors_grey_test_means_are_limited_to_the_view():
    ring = np.stack([np.cos(np.linspace(0, 6.3, 50)), np.sin(np.linspace(0, 6.3, 50))], 1)
    post = {"mean": np.zeros(2), "contour_1": ring, "contour_2": 2 * ring}
    others = np.random.default_rng(0).normal(size=(1000, 2)) * 3
    fig = posterior_figure(post, others=others)
    grey = next(t for t in fig.data if t.name == "other test examples (means)")
    assert grey.marker.maxdisplayed == 1000 and grey.marker.opacity == 0.35
