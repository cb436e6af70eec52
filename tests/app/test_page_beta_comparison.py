"""The β comparison page under AppTest, with the digits models (the shapes ones may be absent)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import torch
from test_page_interpolate import assert_ok, bundled, media, open_app, same_picture, shown_images

from tests.app.test_page_latent_map import array
from tests.app_helpers import plotly_figures, svg_drawings, svg_texts, svg_titles
from vae.analysis import latent
from vae.app import compare
from vae.app.compare import default_runs
from vae.runs.catalog import BUNDLED, model_info

__all__ = ["media"]  # the fixture, imported for these tests

RUNS = ["digits-8d", "digits-collapse", "digits-cured"]


def test_defaults_prefer_the_shapes_models_and_fall_back_to_digits():
    shapes = ["digits-8d", "shapes-beta1", "shapes-beta4", "shapes-beta8", "shapes-tcvae"]
    assert default_runs(shapes) == ["shapes-beta1", "shapes-beta4", "shapes-tcvae"]
    shapes += ["shapes-factorvae", "shapes-dipvae"]
    assert default_runs(shapes) == [
        "shapes-beta1",
        "shapes-beta4",
        "shapes-tcvae",
        "shapes-factorvae",
    ]
    assert default_runs(["digits-2d", *RUNS]) == RUNS
    mnist = ["mnist-16d", "mnist-collapse", "mnist-cured"]
    assert default_runs(["mnist-2d", *mnist, *RUNS]) == mnist  # MNIST before digits
    assert default_runs(["a", "b", "c"]) == ["a", "b"]


def open_compare(runs: list[str] = RUNS, sections: bool = True):
    """The page on ``runs``; with ``sections``, its lower sections opened as a click opens them."""
    at = open_app("beta_comparison", "digits-8d")
    if sections:
        at.session_state[compare.SEEDS_KEY] = at.session_state[compare.RD_KEY] = True
    at.multiselect(key="cmp_runs").set_value(runs).run()
    assert_ok(at)
    return at


def test_the_lower_sections_run_only_when_opened():
    at = open_compare(sections=False)
    closed = len(plotly_figures(at))
    assert not any(c.proto.id.endswith("cmp_rd") for c in at.get("plotly_chart"))
    at.session_state[compare.RD_KEY] = True
    at.run()
    assert_ok(at)
    assert len(plotly_figures(at)) == closed + 1  # the rate-distortion plot


def test_side_by_side_reconstructions_traversals_and_kl_bars(media):
    at = open_compare()
    at.number_input(key="cmp_index").set_value(4).run()
    at.slider(key="cmp_cols").set_value(5).run()
    at.slider(key="cmp_rows").set_value(3).run()
    at.slider(key="cmp_range").set_value((-2.0, 2.0)).run()
    assert_ok(at)
    assert not at.warning, "all three are digits models: no warning"
    images = shown_images(at, media)
    assert len(images) == 2 * len(RUNS)
    values = latent.traversal_values(-2, 2, 5)
    for i, name in enumerate(RUNS):
        model, data = bundled(name)
        x = data.test.x[4:5]
        z = latent.encode_mean(model, x)[0]
        same_picture(images[2 * i], torch.cat([x, latent.decode(model, z)]), ncol=2, target=80)
        order = latent.kl_order(model_info(BUNDLED / name).summary["kl_per_dim"])[:3]
        grid = latent.decode(model, latent.traversal_codes(z, order, values))
        same_picture(images[2 * i + 1], grid, ncol=5, target=48)
    # The KL bars are SVG (no Plotly code on the page until the rate-distortion plot is opened).
    bars = svg_drawings(at, "bars")
    for drawing, name in zip(bars, RUNS, strict=True):
        kl = model_info(BUNDLED / name).summary["kl_per_dim"]
        assert svg_texts(drawing, "x-label") == [f"z{d}" for d in latent.kl_order(kl)]
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    rd = figures[-1]
    points = next(t for t in rd["data"] if t.get("name") == "runs")
    assert len(points["text"]) == 3 and "β=2" in points["text"][1]


def test_metrics_table_reads_the_summaries():
    at = open_compare()
    table = at.dataframe[0].value
    assert list(table["run"]) == [
        model_info(BUNDLED / n).summary and t for n, t in zip(RUNS, table["run"], strict=True)
    ]
    for name, (_, row) in zip(RUNS, table.iterrows(), strict=True):
        summary = model_info(BUNDLED / name).summary
        assert row["ELBO"] == summary["elbo"]
        assert row["active units"] == summary["active_units"]
        assert row["log-likelihood"] == summary["log_likelihood"]
    assert "MIG" not in table.columns  # digits have no ground-truth factors
    assert any("MIG" in c.value for c in at.caption)
    assert at.button(key="cmp_compute").disabled, "nothing applicable is missing"
    at.toggle(key="cmp_quick").set_value(False).run()
    assert_ok(at)


def test_fewer_than_two_runs_and_different_data():
    at = open_compare(["digits-8d"])
    assert any("at least two" in i.value for i in at.info)
    at.multiselect(key="cmp_runs").set_value(["digits-8d", "pinwheel-2d"]).run()
    assert_ok(at)
    assert at.warning and "different data" in at.warning[0].value


def test_missing_metrics_are_computed_on_request(runs_dir, media):
    run = runs_dir / "stripped"
    shutil.copytree(BUNDLED / "digits-8d", run, ignore=shutil.ignore_patterns("cache"))
    summary = json.loads((run / "summary.json").read_text())
    for key in ("log_likelihood", "elbo", "recon", "kl"):
        summary.pop(key)
    (run / "summary.json").write_text(json.dumps(summary))
    at = open_compare(["digits-8d", "stripped"])
    table = at.dataframe[0].value
    assert pd.isna(table["log-likelihood"][1])
    assert not at.button(key="cmp_compute").disabled
    at.button(key="cmp_compute").click().run()
    assert_ok(at)
    table = at.dataframe[0].value
    ll = table["log-likelihood"]
    # the same weights as digits-8d: the quick estimate (k=100, 300 examples) is close to its own
    assert abs(ll[1] - ll[0]) < 1.5
    assert abs(table["ELBO"][1] - table["ELBO"][0]) < 1.0
    assert at.button(key="cmp_compute").disabled
    saved = json.loads((run / "summary.json").read_text())
    assert saved["log_likelihood"] == ll[1], "a user's run keeps what was computed for it"
    # Every computed score says its uncertainty, and the page says how it was obtained.
    spread = table["log-likelihood ±"]
    assert 0 < spread[1] < 1.0, "the score computed here says its ±"
    # The rebuilt bundle was evaluated with uncertainties too, the same estimate.
    assert 0 < spread[0] < 1.0 and abs(spread[1] - spread[0]) < 0.5
    assert any(c.value.startswith("± is one standard deviation") for c in at.caption)


def test_shapes_models_show_what_each_dimension_holds(media):
    """On data with factors: a factors × dimensions heat map per run, and traversal rows named
    by the factor they move (the bundled β = 8 model's dimensions follow x, y and scale)."""
    at = open_compare(["shapes-beta4", "shapes-beta8"])
    heatmaps = svg_drawings(at, "heatmap")
    assert len(heatmaps) == 2
    for drawing in heatmaps:
        assert svg_texts(drawing, "row-label") == [
            "shape",
            "scale",
            "orientation",
            "pos_x",
            "pos_y",
        ]
        cells = [re.search(r": ([0-9.]+) of the factor's entropy$", t) for t in svg_titles(drawing)]
        z = np.array([float(c.group(1)) for c in cells]).reshape(5, 10)  # each cell says its value
        assert z.min() >= 0.0 and z.max() <= 1.0 and z.max() > 0.3
    rows = [c.value for c in at.caption if c.value.startswith("rows, top to bottom")]
    assert len(rows) == 2
    assert all(factor in rows[1] for factor in ("pos_x", "pos_y", "scale")), rows[1]


def test_shapes_scores_come_first_with_their_spread_and_blanks_stay_blank(runs_dir, media):
    """A researcher's table: the disentanglement scores before anything else, "value ± sd" in
    narrow columns; a score known without its ± can still be computed; no cell says "None"."""
    run = runs_dir / "no-spread"
    shutil.copytree(BUNDLED / "shapes-beta4", run, ignore=shutil.ignore_patterns("cache"))
    summary = json.loads((run / "summary.json").read_text())
    summary.pop("uncertainty")
    summary.pop("sap")
    (run / "summary.json").write_text(json.dumps(summary))
    at = open_compare(["shapes-beta4", "no-spread"])
    scores = at.dataframe[0].value  # the scores table comes first
    assert list(scores.columns[:3]) == ["run", "MIG", "DCI disent."]
    mig, sd = (float(v) for v in scores["MIG"][0].split(" ± "))
    bundled_summary = model_info(BUNDLED / "shapes-beta4").summary
    assert mig == round(bundled_summary["mig"], 3)
    assert sd == round(bundled_summary["uncertainty"]["mig"], 3)
    assert " ± " not in scores["MIG"][1] and scores["MIG"][1]  # known, its ± not
    assert scores["SAP"][1] == ""  # unknown: blank
    full = at.dataframe[1].value
    assert not (full.astype(str) == "None").any().any()
    assert not at.button(key="cmp_compute").disabled, "the missing ± can be filled in"
    protocol = [c.value for c in at.caption if c.value.startswith("± is one standard deviation")]
    assert "shapes-beta4: quick protocol, seed 0" in protocol[0]
    assert "intervention votes" in protocol[0] and "'quick': True" not in protocol[0]
    seeds = [c.value for c in at.caption if "other seeds" in c.value or "another seed" in c.value]
    assert seeds, "the seeds section says what it shows or why it is empty"


def test_over_seeds_shows_each_recipe_once_with_every_seed_and_udr(media):
    """Two seeds of one recipe chosen: one column of three seeds, MIG and UDR with their ±."""
    at = open_compare(["shapes-tcvae", "shapes-tcvae-s1", "shapes-beta4"])
    figures = [
        f for f in plotly_figures(at) if any(t.get("name") == "shapes-tcvae" for t in f["data"])
    ]
    assert len(figures) == 1, "the spread over seeds is drawn once"
    traces = figures[0]["data"]
    assert {t["name"] for t in traces} == {"shapes-tcvae"}  # beta4 has no seeds; s1 is tcvae's
    assert len(traces) == 3  # MIG, DCI disentanglement, UDR
    mig = sorted(array(traces[0]["y"]).astype(float).round(3).tolist())
    expected = sorted(
        round(model_info(BUNDLED / n).summary["mig"], 3)
        for n in ("shapes-tcvae", "shapes-tcvae-s1", "shapes-tcvae-s2")
    )
    assert mig == expected
    assert all(e > 0 for e in array(traces[2]["error_y"]["array"]).astype(float))
