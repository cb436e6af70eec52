"""Charts in the app: one place for Plotly's toolbar settings, and how an SVG chart is shown.

``png_config`` makes the camera in a chart's toolbar download a sharp PNG
(twice the screen's resolution) under a name that says what it shows; pages
pass it as ``st.plotly_chart(..., config=png_config("latent-map-umap"))``.
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go
import streamlit as st

CAMERA_CAPTION = "The camera icon in a chart's toolbar downloads it as a PNG."


def png_config(filename: str) -> dict[str, Any]:
    """The plotly config of a chart whose camera saves ``<filename>.png`` at twice its size."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", filename).strip("-") or "chart"
    return {
        "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
        "displaylogo": False,
    }


def plotly_chart(fig: go.Figure, filename: str, **kwargs: Any) -> Any:
    """``st.plotly_chart`` with :func:`png_config`; returns what Streamlit returns (a selection)."""
    return st.plotly_chart(fig, config=png_config(filename), **kwargs)


def svg(drawing: str, key: str) -> None:
    """Show a read-only chart drawn as SVG (``vae.figures.svg``) in a container keyed ``key``
    (its CSS class ``st-key-<key>`` finds it, as a Plotly chart's key did)."""
    with st.container(key=key):
        st.markdown(drawing, unsafe_allow_html=True)
