"""The Density page under AppTest: images with OOD detection, and a 2-D point cloud."""

from __future__ import annotations

import re

import pytest
from app_helpers import open_page, plotly_figures, svg_drawings, svg_texts


def _ok(at):
    assert not at.exception, [e.message for e in at.exception]


def test_image_model_histogram_extremes_and_ood():
    at = open_page("density", "digits-8d")
    table = at.dataframe[0].value
    auroc = dict(zip(table["input set"], table["AUROC vs test set"], strict=True))
    assert auroc["uniform noise"] > 0.95  # its own test data against noise: far above chance
    assert auroc["inverted (1 − x)"] > 0.95
    assert set(auroc) >= {"flipped left–right", "upside down", "all black", "other data: shapes"}
    # Read-only charts, drawn as SVG: no Plotly chart (and none of its code) on the page.
    assert not plotly_figures(at)
    test_hist, ood_hist = svg_drawings(at, "histogram")
    assert svg_texts(test_hist, "legend") == ["test set"]
    assert svg_texts(ood_hist, "legend") == ["test set", *auroc]
    (roc,) = svg_drawings(at, "roc")
    roc_names = svg_texts(roc, "legend")
    assert roc_names[0] == "chance"
    assert f"uniform noise (AUROC {auroc['uniform noise']:.3f})" in roc_names
    subheaders = [s.value for s in at.subheader]
    assert "Least likely test examples" in subheaders and "Most likely test examples" in subheaders


def test_the_foreign_inputs_are_drawn_only_when_their_section_is_opened():
    at = open_page("density", "digits-8d")
    captions = [c.value for c in at.caption]
    sets = list(at.dataframe[0].value["input set"])
    assert not at.session_state["dens_ood_inputs"]
    assert not any(name in captions for name in sets)  # folded: none of its pictures sent
    before = sum(len(e.proto.imgs) for e in at.get("image"))
    at.session_state["dens_ood_inputs"] = True  # what opening the expander does
    at.run()
    _ok(at)
    captions = [c.value for c in at.caption]
    assert all(name in captions for name in sets)
    # Eight of each set, as one picture element each or one list of eight.
    drawn = sum(len(e.proto.imgs) for e in at.get("image")) - before
    assert drawn == 8 * len(sets), drawn


def test_every_control_on_an_image_model():
    at = open_page("density", "digits-8d")
    at.select_slider(key="dens_k").set_value(10).run()
    _ok(at)
    at.slider(key="dens_n_show").set_value(4).run()
    at.multiselect(key="dens_ood_sets").set_value(["uniform noise", "upside down"]).run()
    _ok(at)
    table = at.dataframe[0].value
    assert list(table["input set"]) == ["uniform noise", "upside down"]
    at.multiselect(key="dens_ood_sets").set_value([]).run()
    _ok(at)


def test_points_model_density_map_and_samples():
    at = open_page("density", "pinwheel-2d")
    caption = next(c.value for c in at.caption if "integrates to" in c.value)
    total = float(re.search(r"integrates to ([0-9.]+)", caption).group(1))
    assert 0.9 < total < 1.1
    figures = plotly_figures(at)
    assert any(t["type"] == "heatmap" for f in figures for t in f["data"])
    at.slider(key="dens_extent").set_value(3.0).run()
    at.select_slider(key="dens_grid").set_value(40).run()
    at.slider(key="dens_samples").set_value(400).run()
    _ok(at)
    names = [t["name"] for f in plotly_figures(at) for t in f["data"] if "name" in t]
    assert "samples x ~ p(x|z)" in names and "8 least likely" in names


def test_conditional_model_is_scored_without_labels():
    at = open_page("density", "digits-cvae")
    _ok(at)
    auroc = dict(
        zip(
            at.dataframe[0].value["input set"],
            at.dataframe[0].value["AUROC vs test set"],
            strict=True,
        )
    )
    assert auroc["uniform noise"] > 0.95


def test_a_far_foreign_set_does_not_squeeze_the_test_set_into_a_spike():
    import numpy as np

    from vae.figures.density import ll_bins

    test = np.random.default_rng(0).normal(-100, 10, 500)
    far = np.full(200, -5000.0)
    h = ll_bins({"test set": test, "uniform noise": far})
    assert h.edges[0] >= test.min() - 2 * np.ptp(test) - 1e-9  # not −5,000
    assert len(h.edges) - 1 > 100  # the test set spans many bars
    assert np.count_nonzero(h.shares["test set"]) > 30
    assert "200 values lie beyond the axis, drawn at its edge" in h.notes
    assert h.shares["uniform noise"][0] == 1.0  # all of them, in the edge's bar


def test_a_set_of_identical_inputs_does_not_flatten_the_test_set():
    import numpy as np

    from vae.figures.density import ll_bins, ll_histogram

    test = np.random.default_rng(0).normal(-100, 10, 500)
    black = np.full(100, -94.0)  # one bar of share 1
    h = ll_bins({"test set": test, "all black": black})
    test_top = np.histogram(test, bins=h.edges)[0].max() / len(test)
    assert h.cut and h.y_top == pytest.approx(2.5 * test_top)
    assert "bars up to a share of 1.00 are cut at" in h.notes[-1]
    assert "bars up to a share of 1.00 are cut" in ll_histogram(
        {"test set": test, "all black": black}
    )
    # Without such a set, the height axis reaches the tallest bar.
    plain = ll_bins({"test set": test, "other": test - 30})
    assert not plain.cut and not plain.notes
    assert plain.y_top == pytest.approx(max(s.max() for s in plain.shares.values()))
