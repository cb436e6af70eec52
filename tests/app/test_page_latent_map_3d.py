"""The Latent map in 3-D, with points as pictures, and its downloads, under AppTest."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from tests.app.test_page_interpolate import download, media  # noqa: F401 (a fixture)
from tests.app.test_page_latent_map import array, point_traces, select
from tests.app_helpers import open_page, plotly_figures
from vae.figures import map_pictures
from vae.maps import exports as map_exports
from vae.maps import projection
from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info

N_TEST = 360  # digits' test split


def bundled(name: str):
    path = BUNDLED / name
    model = load_model(path)
    data = dataset_for(model_info(path))
    return path, model, data


def codes_of(name: str, n: int = N_TEST) -> np.ndarray:
    path, model, data = bundled(name)
    return projection.test_codes(path, model, data, n)


def pca_map(at, dims: str = "2-D"):
    at.selectbox(key="map_method").set_value("pca").run()
    at.radio(key="map_dims").set_value(dims).run()
    assert not at.exception, [e.message for e in at.exception]
    return plotly_figures(at)[0]


def positions(fig: dict, axes: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, positions) of the map's points, sorted by id."""
    traces = point_traces(fig)
    ids = np.concatenate([array(t["customdata"]) for t in traces]).astype(int)
    xyz = np.concatenate([np.column_stack([array(t[a]) for a in axes]) for t in traces])
    order = np.argsort(ids)
    return ids[order], xyz[order]


def test_the_3d_map_is_a_scatter3d_of_the_three_principal_components():
    at = open_page("latent_map", "digits-8d")
    fig = pca_map(at, "3-D")
    traces = point_traces(fig)
    assert {t["type"] for t in traces} == {"scatter3d"}
    assert [t["name"] for t in traces] == [str(d) for d in range(10)]  # coloured by class
    ids, xyz = positions(fig, "xyz")
    assert ids.tolist() == list(range(N_TEST))
    expected = projection.project(codes_of("digits-8d"), "pca", components=3)
    np.testing.assert_allclose(xyz, expected, rtol=1e-4, atol=1e-5)
    assert "scene" in fig["layout"]
    assert any("2-D only" in c.value for c in at.caption)
    # The same colourings as in 2-D: a colour scale for the KL.
    option = next(o for o in at.selectbox(key="map_colour").options if o.startswith("KL"))
    at.selectbox(key="map_colour").set_value(option).run()
    trace = plotly_figures(at)[0]["data"][0]
    assert trace["type"] == "scatter3d" and len(array(trace["marker"]["color"])) == N_TEST
    # A click on a point of the cloud chooses it for its nearest neighbours.
    at.session_state["map_chart_3d"] = {
        "selection": {
            "points": [{"customdata": 7, "curve_number": 0, "point_number": 0}],
            "point_indices": [0], "box": [], "lasso": [],
        }
    }  # fmt: skip
    at.run()
    assert at.number_input(key="map_point").value == 7
    at.run()  # in a browser the on_select callback runs first and stars the point at once
    chosen = [t for t in plotly_figures(at)[0]["data"] if t["name"] == "chosen"]
    assert array(chosen[0]["customdata"]).tolist() == [7]


def test_3d_projections_are_cached_apart_from_the_2d_ones():
    key2 = projection.projection_key("umap", 100, {"n_neighbors": 15}, 2)
    key3 = projection.projection_key("umap", 100, {"n_neighbors": 15}, 3)
    assert key3 == {**key2, "components": 3}
    assert "components" not in key2  # the bundled models' precomputed 2-D maps stay valid
    codes = codes_of("digits-8d", 50)
    a = projection.project(codes, "tsne", {"perplexity": 10.0}, components=3)
    assert a.shape == (50, 3) and a.dtype == np.float32


def test_a_3d_map_needs_three_latent_dimensions():
    at = open_page("latent_map", "digits-2d")
    assert at.radio(key="map_dims").disabled
    assert projection.methods_for(3, 3)[0] == "latent"
    with pytest.raises(Exception, match="3 or more"):
        projection.project(np.zeros((10, 2)), "pca", components=3)


def test_points_as_pictures_lays_each_test_image_at_its_point():
    at = open_page("latent_map", "digits-8d")
    fig = pca_map(at)
    assert fig["layout"].get("images", []) == []
    at.toggle(key="map_pictures").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    fig = plotly_figures(at)[0]
    pictures = fig["layout"]["images"]
    assert len(pictures) == N_TEST
    _, xy = positions(fig, "xy")
    np.testing.assert_allclose([[p["x"], p["y"]] for p in pictures], xy, rtol=1e-5, atol=1e-6)
    _, _, data = bundled("digits-8d")
    assert pictures[5]["source"] == map_pictures.thumbnail_uri(data.test.x[5].numpy())
    assert any("All 360 points drawn as their test images" in c.value for c in at.caption)
    # 3-D has no pictures: the toggle is off limits there.
    at.radio(key="map_dims").set_value("3-D").run()
    assert at.toggle(key="map_pictures").disabled
    assert plotly_figures(at)[0]["layout"].get("images", []) == []


def test_more_points_than_pictures_draw_a_seeded_sample():
    rows = map_pictures.picture_sample(2500)
    assert len(rows) == map_pictures.MAX_PICTURES == len(set(rows.tolist()))
    assert rows.tolist() == sorted(rows.tolist()) and rows.max() < 2500
    np.testing.assert_array_equal(rows, map_pictures.picture_sample(2500))
    assert map_pictures.picture_sample(30).tolist() == list(range(30))


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_the_csv_has_a_row_per_point_with_its_position_kl_and_selection(media):  # noqa: F811
    at = open_page("latent_map", "digits-8d")
    pca_map(at)
    at.slider(key="map_n").set_value(100).run()
    select(at, [3, 10, 42])
    rows = read_csv(download(at, media, "map_csv"))
    # log p(x) when it is already cached (the bundle ships it precomputed), else the
    # one-sample ELBO: the column is named for what it holds.
    header = list(rows[0])
    assert header[:5] == ["index", "x", "y", "label", "kl"] and header[6:] == ["selected"]
    assert header[5] in ("log_likelihood", "elbo_one_sample"), header
    assert len(rows) == 100
    assert [int(r["index"]) for r in rows] == list(range(100))
    assert [int(r["index"]) for r in rows if r["selected"] == "1"] == [3, 10, 42]
    path, model, data = bundled("digits-8d")
    assert [r["label"] for r in rows] == [str(int(c)) for c in data.test.y[:100]]
    kl = projection.example_kl(model, data.test.x[:100])
    np.testing.assert_allclose([float(r["kl"]) for r in rows], kl, rtol=1e-4)
    if header[5] == "elbo_one_sample":
        elbo = map_exports.example_elbo(model, data.test.x[:100])
        np.testing.assert_allclose([float(r["elbo_one_sample"]) for r in rows], elbo, rtol=1e-4)
    else:  # an IWAE estimate is at least the one-sample bound on average
        elbo = map_exports.example_elbo(model, data.test.x[:100])
        assert np.mean([float(r["log_likelihood"]) for r in rows]) >= float(np.mean(elbo)) - 0.5
    xy = projection.project(codes_of("digits-8d", 100), "pca")
    np.testing.assert_allclose([[float(r["x"]), float(r["y"])] for r in rows], xy, atol=1e-4)
    # Once the colouring has estimated log p(x), the table gives it, named as what it is.
    option = next(o for o in at.selectbox(key="map_colour").options if o.startswith("log"))
    at.selectbox(key="map_colour").set_value(option).run()
    at.radio(key="map_dims").set_value("3-D").run()
    rows = read_csv(download(at, media, "map_csv"))
    assert list(rows[0]) == ["index", "x", "y", "z", "label", "kl", "log_likelihood", "selected"]
    assert len(rows) == 100


def test_the_npy_is_a_plain_float32_array_of_the_codes(media):  # noqa: F811
    at = open_page("latent_map", "digits-8d")
    pca_map(at)
    at.slider(key="map_n").set_value(120).run()
    codes = np.load(io.BytesIO(download(at, media, "map_npy")), allow_pickle=False)
    assert codes.dtype == np.float32 and codes.shape == (120, 8)
    np.testing.assert_array_equal(codes, codes_of("digits-8d", 120).astype(np.float32))


def test_factor_data_gets_a_column_per_factor():
    table = map_exports.map_table_csv(
        np.arange(3), np.zeros((3, 2)), np.ones(3), -np.ones(3), "log_likelihood",
        selected=[1], labels=["square", "heart", "ellipse"],
        factors={"shape": np.array([0, 2, 1]), "scale": np.array([5, 0, 3])},
    )  # fmt: skip
    rows = read_csv(table)
    assert list(rows[0]) == [
        "index", "x", "y", "label", "shape", "scale", "kl", "log_likelihood", "selected",
    ]  # fmt: skip
    assert [r["scale"] for r in rows] == ["5", "0", "3"]
    assert [r["selected"] for r in rows] == ["0", "1", "0"]


def test_every_map_chart_downloads_a_named_png():
    at = open_page("latent_map", "digits-2d")
    for chart in at.get("plotly_chart")[:2]:  # the map and the decoded manifold
        config = chart.proto.config
        assert '"format": "png"' in config and '"scale": 2' in config, config
        assert '"displaylogo": false' in config
    assert '"filename": "latent-map-digits-2d-latent-2d"' in at.get("plotly_chart")[0].proto.config
    assert any("camera icon" in c.value for c in at.caption)
