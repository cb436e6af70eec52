"""The Latent map page under AppTest: the map, its controls, the selection, the manifold."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image

from tests.app_helpers import open_page, plotly_figures
from vae.images import grid, upscale
from vae.maps import projection
from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info

N_TEST = 360  # digits' test split


def array(value) -> np.ndarray:
    """A plotly JSON array: a list, or numpy's typed array encoded as {"dtype", "bdata"}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(s) for s in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    return np.asarray(value)


def map_charts(at) -> list[dict]:
    """The map's and the manifold's figures (the attribute vectors' charts left out)."""
    charts = zip(at.get("plotly_chart"), plotly_figures(at), strict=True)
    return [
        fig
        for chart, fig in charts
        if not chart.proto.id.count("attr_") and not chart.proto.id.count("movie")
    ]


def map_figure(at) -> dict:
    return plotly_figures(at)[0]


def point_traces(fig: dict) -> list[dict]:
    overlays = ("selected", "chosen", "decode here", "your input", "decoded spot", "decoded path")
    return [t for t in fig["data"] if t.get("name") not in overlays]


def test_one_point_per_encoded_example_with_global_ids():
    at = open_page("latent_map", "digits-8d")
    fig = map_figure(at)
    traces = point_traces(fig)
    # 360 points are drawn as SVG (no WebGL context to set up); a large sample uses WebGL.
    assert all(t["type"] == "scatter" for t in traces)
    assert [t["name"] for t in traces] == [str(d) for d in range(10)]  # coloured by class
    ids = np.concatenate([array(t["customdata"]) for t in traces])
    assert sorted(ids.tolist()) == list(range(N_TEST))
    # The points are the precomputed UMAP of the posterior means, example by example.
    xy = np.concatenate([np.column_stack([array(t["x"]), array(t["y"])]) for t in traces])[
        np.argsort(ids)
    ]
    path = BUNDLED / "digits-8d"
    model = load_model(path)
    codes = projection.test_codes(path, model, dataset_for(model_info(path)), N_TEST)
    np.testing.assert_allclose(xy, projection.cached_projection(path, codes, "umap"), rtol=1e-5)


def test_every_control_changes_without_an_exception():
    at = open_page("latent_map", "digits-8d")
    at.selectbox(key="map_method").set_value("pca").run()
    at.slider(key="map_n").set_value(100).run()
    assert sum(len(array(t["x"])) for t in point_traces(map_figure(at))) == 100
    for option in at.selectbox(key="map_colour").options:
        at.selectbox(key="map_colour").set_value(option).run()
        assert not at.exception, (option, [e.message for e in at.exception])
    fig = map_figure(at)  # the last option: no colour, one trace of every point
    assert len(point_traces(fig)) == 1 and len(array(fig["data"][0]["x"])) == 100
    at.selectbox(key="map_method").set_value("tsne").run()
    at.slider(key="map_perplexity").set_value(10.0).run()
    at.selectbox(key="map_method").set_value("umap").run()
    at.slider(key="map_neighbors").set_value(5).run()
    at.slider(key="map_min_dist").set_value(0.3).run()
    at.number_input(key="map_point").set_value(7).run()
    at.slider(key="map_k").set_value(3).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error


def test_kl_colouring_is_each_examples_kl():
    at = open_page("latent_map", "digits-8d")
    at.selectbox(key="map_method").set_value("pca").run()
    option = next(o for o in at.selectbox(key="map_colour").options if o.startswith("KL"))
    at.selectbox(key="map_colour").set_value(option).run()
    trace = map_figure(at)["data"][0]
    colour, ids = array(trace["marker"]["color"]), array(trace["customdata"])
    path = BUNDLED / "digits-8d"
    x = dataset_for(model_info(path)).test.x
    expected = projection.example_kl(load_model(path), x[torch.from_numpy(ids.astype(np.int64))])
    np.testing.assert_allclose(colour, expected, rtol=1e-4)


def select(at, ids: list[int], box: bool = True) -> None:
    at.session_state["map_chart"] = {
        "selection": {
            "points": [{"customdata": i, "point_index": 0, "curve_number": 0} for i in ids],
            "point_indices": list(range(len(ids))),
            "box": [{"x": [0, 1], "y": [0, 1]}] if box else [],
            "lasso": [],
        }
    }
    at.run()


def gallery(at) -> list[str]:
    """Captions of the selection's gallery (the page shows other pictures too)."""
    captions = [c for image in at.get("image") for c in image.captions]
    return [c for c in captions if c in ("originals", "reconstructions")]


def test_a_selection_shows_originals_and_reconstructions_and_survives_recolouring():
    at = open_page("latent_map", "digits-8d")
    assert gallery(at) == []
    select(at, [3, 10, 42])
    assert not at.exception
    assert any("3 selected examples" in m.value for m in at.markdown)
    assert gallery(at) == ["originals", "reconstructions"]
    at.run()  # in a browser the on_select callback runs first and rings the points at once
    overlay = [t for t in map_figure(at)["data"] if t["name"] == "selected"]
    assert sorted(array(overlay[0]["customdata"]).tolist()) == [3, 10, 42]
    # Recolour: the figure changes, the chart's own selection is gone, ours stays.
    at.session_state["map_chart"] = {
        "selection": {"points": [], "point_indices": [], "box": [], "lasso": []}
    }
    option = next(o for o in at.selectbox(key="map_colour").options if o.startswith("KL"))
    at.selectbox(key="map_colour").set_value(option).run()
    assert any("3 selected examples" in m.value for m in at.markdown)
    at.button(key="map_clear").click().run()
    assert not any("selected examples" in m.value for m in at.markdown)


def test_clicking_a_point_shows_its_nearest_neighbours():
    at = open_page("latent_map", "digits-8d")
    at.slider(key="map_k").set_value(4).run()
    select(at, [5], box=False)
    assert at.number_input(key="map_point").value == 5
    path = BUNDLED / "digits-8d"
    model = load_model(path)
    codes = projection.test_codes(path, model, dataset_for(model_info(path)), N_TEST)
    order, _ = projection.nearest_neighbours(codes, 5, 4)
    text = " ".join(str(i.proto) for i in at.get("image"))
    assert "#5 (chosen)" in text
    for i in order:
        assert f"#{i} " in text


def png(source: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))


@pytest.mark.parametrize("span_kind", ["codes", "prior ±3σ"])
def test_the_manifold_is_the_decoded_grid(span_kind):
    at = open_page("latent_map", "digits-2d")
    at.slider(key="manifold_steps").set_value(6).run()
    at.radio(key="manifold_span").set_value(span_kind).run()
    fig = plotly_figures(at)[1]
    image = fig["layout"]["images"][0]
    path = BUNDLED / "digits-2d"
    model = load_model(path)
    codes = projection.test_codes(path, model, dataset_for(model_info(path)), N_TEST)
    if span_kind == "codes":
        lo, hi = codes.min(0), codes.max(0)
        pad = (hi - lo) * 0.05
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = np.array([-3.0, -3.0]), np.array([3.0, 3.0])
    z1 = np.linspace(lo[0], hi[0], 6)
    z2 = np.linspace(hi[1], lo[1], 6)
    z = torch.tensor([[a, b] for b in z2 for a in z1], dtype=torch.float32)
    with torch.no_grad():
        expected = upscale(grid(model.decode(z), ncol=6, pad=1, pad_value=110), 4)
    shown = png(image["source"])
    assert shown.shape[:2] == expected.shape[:2]
    assert np.abs(shown.astype(int) - expected[..., 0].astype(int)).max() <= 1
    # Tile centres sit on their codes: 8-pixel tiles, 1-pixel gaps, 6 tiles per side.
    per_pixel = (hi[0] - lo[0]) / 5 / 9
    assert image["x"] == pytest.approx(lo[0] - 5 * per_pixel, rel=1e-4)
    assert image["sizex"] == pytest.approx(55 * per_pixel, rel=1e-4)
    overlay = sum(len(array(t["x"])) for t in fig["data"])
    assert overlay == N_TEST
    at.toggle(key="manifold_overlay").set_value(False).run()
    assert plotly_figures(at)[1]["data"] == []


def test_conditional_manifold_decodes_under_the_chosen_class():
    at = open_page("latent_map", "digits-cvae")
    assert len(map_charts(at)) == 1  # a 4-D latent: no manifold
    at = open_page("latent_map", "digits-flow")
    assert len(map_charts(at)) == 2
    assert at.selectbox(key="map_method").value == "latent"


def test_point_data_shows_a_table_for_a_selection():
    at = open_page("latent_map", "pinwheel-2d")
    assert len(map_charts(at)) == 1  # points, not images: no manifold
    select(at, [0, 1, 2, 3])
    assert not at.exception
    assert len(at.dataframe) >= 1


def test_a_warm_rerun_computes_nothing(monkeypatch):
    """What makes a slider feel instant: a rerun reads every map from the cache. (Its time is
    measured in benchmarks/, never asserted here.)"""
    at = open_page("latent_map", "digits-8d")
    at.run()

    def recomputed(*args, **kwargs):
        raise AssertionError("a warm rerun recomputed a map or re-encoded the test set")

    monkeypatch.setattr(projection, "project", recomputed)
    monkeypatch.setattr("vae.app.caching.encode_means", recomputed)
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_the_lower_sections_run_only_when_opened():
    """A first visit draws the map and the manifold; attribute vectors and the map over training
    wait, closed, until they are opened (each chart costs a first visit in the browser)."""
    from vae.app import attributes, map_history

    at = open_page("latent_map", "digits-2d")
    assert not at.exception, [e.message for e in at.exception]
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert len(keys) == 2  # the map and the decoded manifold
    assert [e.label for e in at.expander][-2:] == [
        attributes.SECTION_TITLE,
        map_history.SECTION_TITLE,
    ]
    assert at.session_state[attributes.SECTION_KEY] is False
    at.session_state[map_history.SECTION_KEY] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    movie = [f for f in plotly_figures(at) if f.get("frames")]
    assert len(movie) == 1 and len(movie[0]["frames"]) >= 2
    assert len(plotly_figures(at)) == 3


def test_a_selection_kept_as_a_group_opens_attribute_vectors():
    from vae.app import attributes

    at = open_page("latent_map", "digits-8d")
    select(at, [3, 10, 42])
    assert at.session_state[attributes.SECTION_KEY] is False
    at.button(key="map_to_A").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state[attributes.SECTION_KEY] is True
    assert at.session_state[attributes.GROUP_KEYS["A"]] == [3, 10, 42]
    assert at.radio(key="attr_way").value == attributes.BY_SELECTION
