"""Figures of the Latent map page: the scatter of codes (2-D or 3-D) and the decoded manifold.

Pure functions of arrays. Every point carries its example's global id (its index
in the test split, or in a larger sample: ``vae.maps.large``) in ``customdata``, because a selection reports indices per
trace and a map coloured by class has one trace per class.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from vae import names
from vae.figures.palette import CLASSES, class_colour
from vae.figures.plane import scatter
from vae.images import png_bytes, upscale

PALETTE = CLASSES  # the lab's class colours (vae.figures.palette)
SELECTED_NAME = "selected"
CHOSEN_NAME = "chosen"


def _rows_of(ids: np.ndarray, wanted: Sequence[int]) -> np.ndarray:
    """The rows of ``ids`` that hold the ``wanted`` global ids (vectorised: 100,000 points)."""
    wanted = np.asarray(list(wanted), dtype=np.int64)
    if not len(wanted):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.isin(ids, wanted))


def _point_traces(
    coords: np.ndarray,
    ids: np.ndarray,
    color: np.ndarray | None,
    categories: Sequence[str] | None,
    color_label: str,
    size: int,
    text: Sequence[str] | None = None,
) -> list[dict]:
    """The points' traces as dicts of (x, y[, z]) and style, for a 2-D or a 3-D scatter.

    ``text``: what hovering each point says about its example (the modality's ``hover``).
    """
    axes = "xyz"[: coords.shape[1]]
    words = None if text is None else np.asarray(text, dtype=object)
    shown = "" if words is None else " %{text}"
    hover = f"#%{{customdata}}{shown}<extra>%{{fullData.name}}</extra>"

    def at(mask) -> dict:
        out = {a: coords[mask, i] for i, a in enumerate(axes)} | {"customdata": ids[mask]}
        return out if words is None else out | {"text": words[mask]}

    if color is None:
        every = np.ones(len(ids), dtype=bool)
        marker = {"size": size, "color": PALETTE[0], "opacity": 0.8}
        return [at(every) | {"name": "test examples", "marker": marker, "hovertemplate": hover}]
    if categories is not None:
        codes = np.asarray(color).astype(np.int64)
        traces = []
        for c, name in enumerate(categories):
            mask = codes == c
            if mask.any():
                marker = {"size": size, "color": class_colour(c), "opacity": 0.85}
                traces.append(
                    at(mask) | {"name": str(name), "marker": marker, "hovertemplate": hover}
                )
        return traces
    values = np.asarray(color, dtype=np.float64)
    marker = {
        "size": size, "color": values, "colorscale": "Viridis", "showscale": True,
        "colorbar": {"title": {"text": color_label}}, "opacity": 0.85,
    }  # fmt: skip
    every = np.ones(len(ids), dtype=bool)
    # The hover reads the value from the marker's colour array: no per-point text strings,
    # which for 100,000 points cost more than the rest of the figure.
    return [
        at(every) | {
            "name": color_label, "marker": marker,
            "hovertemplate": f"#%{{customdata}}{shown} {color_label} %{{marker.color:.2f}}"
            "<extra></extra>",
        }
    ]  # fmt: skip


def scatter_map(
    xy: np.ndarray,
    ids: np.ndarray,
    color: np.ndarray | None = None,
    categories: Sequence[str] | None = None,
    color_label: str = "",
    selected: Sequence[int] = (),
    chosen: int | None = None,
    axis_titles: tuple[str, str] = ("", ""),
    title: str = "",
    marker_size: int = 6,
    hover_text: Sequence[str] | None = None,
) -> go.Figure:
    """The codes as points: one trace per category (SVG or WebGL by count, plane.scatter), or one with a colour scale.

    ``color`` holds integer category codes when ``categories`` names them, else numbers
    (None: one colour). Selected examples get a ring, the chosen one a star; those
    overlay traces carry the same ids, so a selection over them names the same examples.
    """
    xy = np.asarray(xy, dtype=np.float32)
    ids = np.asarray(ids, dtype=np.int64)
    fig = go.Figure()
    hover = "#%{customdata}<extra>%{fullData.name}</extra>"
    for trace in _point_traces(xy, ids, color, categories, color_label, marker_size, hover_text):
        fig.add_trace(scatter(len(xy), mode="markers", **trace))
    rows = _rows_of(ids, selected)
    if len(rows):
        fig.add_scatter(
            x=xy[rows, 0], y=xy[rows, 1], customdata=ids[rows], mode="markers", name=SELECTED_NAME,
            marker={"size": 11, "color": "rgba(0,0,0,0)", "line": {"width": 1.5, "color": "#111"}},
            hovertemplate=hover,
        )  # fmt: skip
    if chosen is not None and len(_rows_of(ids, [chosen])):
        r = int(_rows_of(ids, [chosen])[0])
        fig.add_scatter(
            x=xy[[r], 0], y=xy[[r], 1], customdata=ids[[r]], mode="markers", name=CHOSEN_NAME,
            marker={"size": 16, "symbol": "star", "color": "#ffcc00", "line": {"width": 1, "color": "#111"}},
            hovertemplate=hover,
        )  # fmt: skip
    fig.update_layout(
        title=title,
        dragmode="lasso",
        height=560,
        xaxis_title=axis_titles[0],
        yaxis_title=axis_titles[1],
        margin={"l": 40, "r": 10, "t": 40 if title else 10, "b": 40},
        legend={"itemsizing": "constant"},
    )
    return fig


def scatter_map_3d(
    xyz: np.ndarray,
    ids: np.ndarray,
    color: np.ndarray | None = None,
    categories: Sequence[str] | None = None,
    color_label: str = "",
    selected: Sequence[int] = (),
    chosen: int | None = None,
    axis_titles: tuple[str, str, str] = ("", "", ""),
) -> go.Figure:
    """The codes as a rotatable cloud (Scatter3d), coloured and hovered as :func:`scatter_map`.

    Plotly has no box or lasso in 3-D: a selection made on the 2-D map is ringed here.
    """
    xyz = np.asarray(xyz, dtype=np.float32)
    ids = np.asarray(ids, dtype=np.int64)
    fig = go.Figure()
    hover = "#%{customdata}<extra>%{fullData.name}</extra>"
    for trace in _point_traces(xyz, ids, color, categories, color_label, size=3):
        fig.add_scatter3d(mode="markers", **trace)
    rows = _rows_of(ids, selected)
    if len(rows):
        fig.add_scatter3d(
            x=xyz[rows, 0], y=xyz[rows, 1], z=xyz[rows, 2], customdata=ids[rows], mode="markers",
            name=SELECTED_NAME, hovertemplate=hover,
            marker={"size": 6, "symbol": "circle-open", "color": "#111", "line": {"width": 1}},
        )  # fmt: skip
    if chosen is not None and len(_rows_of(ids, [chosen])):
        r = int(_rows_of(ids, [chosen])[0])
        fig.add_scatter3d(
            x=xyz[[r], 0], y=xyz[[r], 1], z=xyz[[r], 2], customdata=ids[[r]], mode="markers",
            name=CHOSEN_NAME, hovertemplate=hover,
            marker={"size": 9, "symbol": "diamond", "color": "#ffcc00", "line": {"width": 1, "color": "#111"}},
        )  # fmt: skip
    titles = {f"{a}axis": {"title": {"text": t}} for a, t in zip("xyz", axis_titles, strict=True)}
    fig.update_layout(
        height=640,
        scene={**titles, "dragmode": "turntable", "aspectmode": "cube"},
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend={"itemsizing": "constant"},
    )
    return fig


def picture_uri(picture: np.ndarray) -> str:
    """A uint8 (H, W, C) picture as a PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(picture)).decode("ascii")


def manifold_figure(
    picture: np.ndarray,
    extent: tuple[float, float, float, float],
    codes: np.ndarray | None = None,
    color: np.ndarray | None = None,
    categories: Sequence[str] | None = None,
    scale: int = 4,
    ids: np.ndarray | None = None,
) -> go.Figure:
    """The decoded grid as a picture laid on the latent plane, with the data's codes on top.

    ``picture`` is the tiled uint8 grid; ``extent`` its outer edges
    (z₁ left, z₁ right, z₂ bottom, z₂ top), so each tile sits centred on its code.
    """
    x0, x1, y0, y1 = extent
    fig = go.Figure()
    fig.add_layout_image(
        source=picture_uri(upscale(picture, scale)), xref="x", yref="y", x=x0, y=y1,
        sizex=x1 - x0, sizey=y1 - y0, sizing="stretch", layer="below", opacity=1.0,
    )  # fmt: skip
    if codes is not None and len(codes):
        codes = np.asarray(codes, dtype=np.float32)
        custom = np.arange(len(codes)) if ids is None else np.asarray(ids)
        if color is not None and categories is not None:
            labels = np.asarray(color).astype(np.int64)
            for c, name in enumerate(categories):
                mask = labels == c
                if mask.any():
                    fig.add_trace(scatter(
                        len(codes),
                        x=codes[mask, 0], y=codes[mask, 1], customdata=custom[mask], mode="markers",
                        name=str(name), hovertemplate="#%{customdata}<extra>%{fullData.name}</extra>",
                        marker={"size": 5, "color": class_colour(c), "opacity": 0.7,
                                "line": {"width": 0.5, "color": "white"}},
                    ))  # fmt: skip
        else:
            fig.add_trace(scatter(
                len(codes),
                x=codes[:, 0], y=codes[:, 1], customdata=custom, mode="markers", name="codes",
                marker={"size": 5, "color": PALETTE[0], "opacity": 0.7},
                hovertemplate="#%{customdata}<extra></extra>",
            ))  # fmt: skip
    fig.update_xaxes(range=[x0, x1], title_text=names.latent(0), showgrid=False, zeroline=False)
    fig.update_yaxes(
        range=[y0, y1], title_text=names.latent(1), showgrid=False, zeroline=False, scaleanchor="x"
    )
    fig.update_layout(
        height=620, margin={"l": 40, "r": 10, "t": 10, "b": 40}, legend={"itemsizing": "constant"}
    )
    return fig
