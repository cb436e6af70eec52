"""The Train page's empty panels (an SVG) lie where the live Plotly figure draws its panels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from vae.figures.training import PANELS, curves_figure, empty_curves_svg

SVG = "{http://www.w3.org/2000/svg}"


def parsed(epochs: int = 40) -> ET.Element:
    return ET.fromstring(empty_curves_svg(epochs))  # well-formed XML, or this raises


def test_each_panel_has_its_title_and_epoch_ticks():
    texts = [t.text for t in parsed().iter(f"{SVG}text")]
    titles = [p[0] for p in PANELS]
    assert [t for t in texts if t in titles] == titles  # in the figure's order, escaped once
    assert texts.count("0") == texts.count("40") == texts.count("20") == 6
    assert texts.count("epoch") == 3  # under each panel of the bottom row, as in the figure


@pytest.mark.parametrize("epochs", [40, 100])
def test_the_panels_sit_on_the_plotly_figures_axis_domains(epochs):
    """Tick 0 and the last tick of panel i are the left and right ends of Plotly's x-axis
    domain i (same margins and spacing): the preview and the live view line up."""
    root = parsed(epochs)
    width = float(root.get("viewBox").split()[2])
    layout = curves_figure([], []).layout
    left, right = layout.margin.l, layout.margin.r
    lines = [e for e in root.iter(f"{SVG}line") if e.get("x1") == e.get("x2")]  # gridlines
    xs = sorted({round(float(e.get("x1")), 1) for e in lines})
    for i in range(len(PANELS)):
        axis = layout[f"xaxis{'' if i == 0 else i + 1}"]
        lo, hi = (left + d * (width - left - right) for d in axis.domain)
        assert any(abs(x - lo) < 0.2 for x in xs) and any(abs(x - hi) < 0.2 for x in xs), i
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.isdigit()]
    assert ticks[:5] == [str(round(epochs * k / 4)) for k in range(5)]
