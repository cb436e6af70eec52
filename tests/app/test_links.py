"""Links that reopen a view (vae.app.links): query parameters in, widgets set, the address kept."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_page_interpolate import download, media

from tests.app_helpers import ROOT, TIMEOUT, assert_ok, open_app, plotly_figures
from vae.analysis import latent
from vae.app import compare, links
from vae.runs.catalog import BUNDLED, all_models, dataset_for, load_model, model_info

__all__ = ["media"]  # the fixture, imported for these tests


def open_link(page: str, model: str = "digits-8d", **params: str) -> AppTest:
    """Open ``pages/<page>.py`` as a link ``/<page>?model=MODEL&<params>`` would."""
    return open_app(page, model, params)


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


# --- what each kind of parameter accepts ----------------------------------------------------------


def test_kinds_read_what_they_write_and_refuse_the_rest():
    dim = links.integer(0, 7)
    assert dim.parse("7") == 7 and dim.format(3) == "3"
    for bad in ("8", "-1", "2.5", "x", ""):
        with pytest.raises(ValueError):
            dim.parse(bad)
    assert dim.accepted == "an integer from 0 to 7"

    code = links.numbers(3, -4, 4)
    assert code.parse("0.5,-1.25,3") == (0.5, -1.25, 3.0)
    assert code.format((0.5, -1.0, 3.004)) == "0.5,-1,3"  # two decimals, as the sliders show
    for bad in ("1,2", "1,2,3,4", "1,nan,2", "1,5,2"):
        with pytest.raises(ValueError):
            code.parse(bad)

    span = links.span(-4, 4)
    assert span.parse("-2,2.5") == (-2.0, 2.5)
    with pytest.raises(ValueError):
        span.parse("2,-2")

    path = links.choice(["linear", "slerp"])
    assert path.parse("slerp") == "slerp" and path.accepted == "one of linear or slerp"
    k = links.choice([1, 10, 100])
    assert k.parse("10") == 10 and k.format(100) == "100"
    with pytest.raises(ValueError):
        k.parse("7")

    sets = links.subset({"all-black": "all black", "upside-down": "upside down"})
    assert sets.parse("upside-down,all-black") == ["all black", "upside down"]  # options' order
    assert sets.parse("") == [] and sets.format(["all black"]) == "all-black"
    with pytest.raises(ValueError):
        sets.parse("all-black,nope")
    assert links.subset(["a", "b", "c"], 2).parse("a,b") == ["a", "b"]
    with pytest.raises(ValueError):
        links.subset(["a", "b", "c"], 2).parse("a,b,c")
    assert links.slug("flipped left–right") == "flipped-left-right"
    assert links.slug("inverted (1 − x)") == "inverted-1-x"


# --- Interpolate ----------------------------------------------------------------------------------


def test_an_interpolate_link_reopens_its_settings():
    at = open_link(
        "interpolate", a="7", z="0.5,-1.2,0,2,0,0,0,0.25", path="slerp", steps="6", b="12",
        range="-2,2", cols="5",
    )  # fmt: skip
    assert not warnings(at)
    assert at.number_input(key="interp_index").value == 7
    code = [at.slider(key=f"zslider_digits-8d_{d}").value for d in range(8)]
    assert code == [0.5, -1.2, 0.0, 2.0, 0.0, 0.0, 0.0, 0.25]
    # The picture is decoded from that code: the caption under it spells it out.
    assert any(
        c.value.startswith("code: z0=+0.50, z1=-1.20, z2=+0.00, z3=+2.00") for c in at.caption
    )
    assert at.radio(key="ab_method").value == "slerp"
    assert at.slider(key="ab_steps").value == 6
    assert at.number_input(key="ab_b_index").value == 12
    assert at.slider(key="trav_range").value == (-2.0, 2.0)
    assert at.slider(key="trav_cols").value == 5
    assert at.query_params["steps"] == "6" and at.query_params["model"] == "digits-8d"


def test_a_prior_start_and_b_from_a_link():
    at = open_link("interpolate", a_from="prior", a_seed="5", b_from="prior", b_seed="9")
    assert at.radio(key="interp_source").value == "Prior sample"
    assert at.number_input(key="interp_seed").value == 5
    assert at.radio(key="ab_source").value == "Prior sample"
    assert at.number_input(key="ab_b_seed").value == 9
    z = latent.prior_samples(1, 8, seed=5)[0]
    code = [at.slider(key=f"zslider_digits-8d_{d}").value for d in range(8)]
    assert code == pytest.approx([round(float(v), 2) for v in z])
    assert "z" not in at.query_params  # the sliders show the start code: no need to spell it


def test_an_invalid_parameter_says_so_in_one_sentence_and_keeps_the_default():
    at = open_link("interpolate", steps="99", z="1,2", path="zigzag")
    assert set(warnings(at)) == {
        "Ignored `?steps=99` from the link: steps must be an integer from 3 to 24.",
        "Ignored `?z=1,2` from the link: z must be 8 numbers from -4 to 4 separated by commas.",
        "Ignored `?path=zigzag` from the link: path must be one of linear or slerp.",
    }
    assert at.slider(key="ab_steps").value == 10
    assert at.radio(key="ab_method").value == "linear"
    model = load_model(BUNDLED / "digits-8d")
    z0 = latent.encode_mean(model, dataset_for(model_info(BUNDLED / "digits-8d")).test.x[:1])[0]
    code = [at.slider(key=f"zslider_digits-8d_{d}").value for d in range(8)]
    assert code == pytest.approx([round(float(v), 2) for v in z0.clamp(-4, 4)])
    # The address no longer holds what was ignored, so a copied link is truthful ...
    assert not {"steps", "z", "path"} & set(at.query_params)
    # ... and the warning is said once, not on every run.
    at.slider(key="trav_cols").set_value(6).run()
    assert not warnings(at)


def test_changing_a_widget_changes_the_address():
    at = open_link("interpolate")
    assert set(at.query_params) == {"model"}  # defaults are left out of the link
    at.slider(key="ab_steps").set_value(6).run()
    at.radio(key="ab_method").set_value("slerp").run()
    at.number_input(key="interp_index").set_value(3).run()
    assert_ok(at)
    assert at.query_params["steps"] == "6"
    assert at.query_params["path"] == "slerp"
    assert at.query_params["a"] == "3"
    at.slider(key="zslider_digits-8d_2").set_value(1.5).run()
    assert_ok(at)
    z = [float(v) for v in at.query_params["z"].split(",")]
    assert len(z) == 8 and z[2] == 1.5
    at.button(key="interp_reset").click().run()
    assert "z" not in at.query_params
    at.slider(key="ab_steps").set_value(10).run()  # back to the default: out of the link
    assert "steps" not in at.query_params


def test_one_page_s_parameters_do_not_follow_to_another_page():
    at = open_link("interpolate", steps="6", cols="5")
    at.switch_page("pages/density.py").run()
    assert_ok(at)
    assert dict(at.query_params) == {"model": "digits-8d"}
    at.select_slider(key="dens_k").set_value(10).run()
    assert dict(at.query_params) == {"model": "digits-8d", "k": "10"}


# --- β & objectives -------------------------------------------------------------------------------


def test_a_comparison_link_reopens_its_runs_and_traversal():
    at = open_link(
        "beta_comparison", runs="digits-8d,digits-cured", index="4", cols="5", rows="3",
        range="-2,2",
    )  # fmt: skip
    assert not warnings(at)
    assert at.multiselect(key="cmp_runs").value == ["digits-8d", "digits-cured"]
    assert at.number_input(key="cmp_index").value == 4
    assert at.slider(key="cmp_cols").value == 5
    assert at.slider(key="cmp_rows").value == 3
    assert at.slider(key="cmp_range").value == (-2.0, 2.0)
    assert [s.value for s in at.subheader] == ["digits-8d", "digits-cured"]
    at.multiselect(key="cmp_runs").set_value(["digits-8d", "digits-collapse"]).run()
    assert at.query_params["runs"] == "digits-8d,digits-collapse"


def test_a_comparison_link_with_an_unknown_run_says_so():
    at = open_link("beta_comparison", runs="digits-8d,no-such-run")
    (warning,) = warnings(at)
    assert warning.startswith("Ignored `?runs=digits-8d,no-such-run` from the link: runs must be")
    assert warning.count(". ") == 0 and warning.endswith(".")
    names = [e.name for e in all_models()]
    assert at.multiselect(key="cmp_runs").value == compare.default_runs(names)


def test_the_metrics_table_downloads_as_csv(media):
    runs = ["digits-8d", "digits-collapse"]
    at = open_link("beta_comparison", runs=",".join(runs))
    button = next(b for b in at.get("download_button") if "cmp_csv" in b.id)
    assert "nats per test example" in button.proto.help
    table = pd.read_csv(io.BytesIO(download(at, media, "cmp_csv")))
    shown = at.dataframe[0].value  # the table on the page: "run" holds the titles
    assert list(table.columns) == ["model", *shown.columns[1:]]
    assert list(table.columns[:4]) == ["model", "β", "β_norm", "ELBO"]
    for i, column in enumerate(table.columns):  # each uncertainty beside its score
        if column.endswith(" ±"):
            assert table.columns[i - 1] == column.removesuffix(" ±")
    assert list(table["model"]) == runs
    for name, (_, row) in zip(runs, table.iterrows(), strict=True):
        info = model_info(BUNDLED / name)
        summary = info.summary
        assert row["ELBO"] == pytest.approx(summary["elbo"])
        # Higgins et al.'s β·z/pixels: digits are 8×8, so β = 1 at z = 8 is 0.125.
        latent = {"digits-8d": 8, "digits-collapse": 16}[name]
        assert row["β_norm"] == pytest.approx(row["β"] * latent / 64)
        error = (summary.get("uncertainty") or {}).get("elbo")
        assert pd.isna(row["ELBO ±"]) if error is None else row["ELBO ±"] == pytest.approx(error)


def test_the_csv_keeps_each_uncertainty_beside_its_score():
    table = pd.DataFrame(
        [{"run": "β-VAE, β = 4", "β": 4.0, "MIG": 0.31, "MIG ±": 0.02, "SAP": None}]
    )
    text = compare.metrics_csv(table, ["shapes-beta4"]).decode()
    assert text.splitlines() == ["model,β,MIG,MIG ±,SAP", "shapes-beta4,4.0,0.31,0.02,"]


# --- Density --------------------------------------------------------------------------------------


def test_a_density_link_reopens_its_choices():
    at = open_link("density", k="10", show="5", ood="all-black,upside-down")
    assert not warnings(at)
    assert at.select_slider(key="dens_k").value == 10
    assert at.slider(key="dens_n_show").value == 5
    assert at.multiselect(key="dens_ood_sets").value == ["upside down", "all black"]
    at.run()
    assert dict(at.query_params) == {
        "model": "digits-8d", "k": "10", "show": "5", "ood": "upside-down,all-black",
    }  # fmt: skip


def test_a_density_link_on_two_dimensional_data_and_a_bad_k():
    at = open_link("density", "pinwheel-2d", k="7", extent="2.5", grid="40", samples="400")
    assert warnings(at) == [
        "Ignored `?k=7` from the link: k must be one of 1, 10, 50, 100, 500 or 1000."
    ]
    assert at.select_slider(key="dens_k").value == 100
    assert at.slider(key="dens_extent").value == 2.5
    assert at.select_slider(key="dens_grid").value == 40
    assert at.slider(key="dens_samples").value == 400


# --- the sidebar's Copy link ----------------------------------------------------------------------


def test_every_page_has_a_copy_link_button_that_reads_the_address_when_clicked():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert_ok(at)
    (frame,) = at.sidebar.get("iframe")
    html = frame.proto.srcdoc
    assert "Copy link" in html and "navigator.clipboard.writeText" in html
    assert "window.parent.location.href" in html  # the address at the click, settings included


def test_a_latent_map_link_reopens_its_projection_view_and_colouring():
    at = open_link("latent_map", projection="pca", view="3d", colour="kl-q-z-x-p-z-per-example")
    assert not warnings(at)
    assert at.selectbox(key="map_method").value == "pca"
    assert at.radio(key="map_dims").value == "3-D"
    colour = at.selectbox(key="map_colour").value
    assert colour.startswith("KL"), colour
    at.selectbox(key="map_method").set_value("umap").run()
    assert at.query_params.get("projection") is None, "the default is left out of the link"
    assert at.query_params["view"] == "3d"
    bad = open_link("latent_map", projection="nonsense")
    assert any("Ignored `?projection=nonsense`" in w for w in warnings(bad))


def test_every_page_names_latent_dimensions_one_way():
    """z0 … z{d−1} in every figure's axis titles, trace names and tick labels (issue 27)."""
    import json
    import re

    from tests.app_helpers import plotly_figures

    wrong = re.compile(r"z[₀-₉]|\bz_\{?\d")
    for page, model in (("posterior_lab", "mnist-2d"), ("latent_map", "mnist-2d"),
                        ("interpolate", "mnist-16d"), ("beta_comparison", "shapes-beta4")):  # fmt: skip
        at = open_app(page, model, {"section": "collapse"} if page == "posterior_lab" else None)
        text = json.dumps(plotly_figures(at), ensure_ascii=False)
        assert not wrong.findall(text), (page, sorted(set(wrong.findall(text))))
        if page == "posterior_lab":
            bars = [t for f in plotly_figures(at) for t in f["data"] if t.get("type") == "bar"]
            assert bars and list(bars[0]["x"])[:2] == ["z0", "z1"]


def test_a_class_has_one_colour_on_the_latent_map_and_interpolate():
    from tests.app_helpers import plotly_figures, svg_drawings

    def colours(page: str) -> dict[str, str]:
        at = open_app(page, "mnist-16d")
        found = {}
        for figure in plotly_figures(at):
            for trace in figure["data"]:
                colour = (trace.get("marker") or {}).get("color")
                if isinstance(colour, str) and trace.get("name", "").isdigit():
                    found.setdefault(trace["name"], colour)
        for drawing in svg_drawings(at, "path-map"):  # Interpolate's map: a path of dots a class
            for dots in drawing.iter("{http://www.w3.org/2000/svg}path"):
                name = dots.findtext("{http://www.w3.org/2000/svg}title") or ""
                if name.isdigit():
                    found.setdefault(name, dots.get("stroke"))
        return found

    on_map, on_path = colours("latent_map"), colours("interpolate")
    shared = sorted(set(on_map) & set(on_path))
    assert len(shared) == 10, (on_map, on_path)
    assert all(on_map[c] == on_path[c] for c in shared), (on_map, on_path)


def test_a_posterior_lab_link_opens_its_tab_and_a_tab_changes_the_address():
    from vae.app import posterior_lab

    at = open_link("posterior_lab", "mnist-2d", section="calm")
    assert at.session_state[posterior_lab.SECTION_KEY] == posterior_lab.SECTION_TITLES["calm"]
    figures = plotly_figures(at)  # the noise curves alone: the other tabs do not run
    assert len(figures) == 1 and "pushed by noise" in str(figures[0]["layout"]["title"])
    at.session_state[posterior_lab.SECTION_KEY] = posterior_lab.SECTION_TITLES["posterior"]
    at.run()
    assert "section" not in at.query_params  # the first tab is the default: left out
    at.session_state[posterior_lab.SECTION_KEY] = posterior_lab.SECTION_TITLES["collapse"]
    at.run()
    assert at.query_params["section"] == "collapse"
    bad = open_link("posterior_lab", "mnist-2d", section="everything")
    assert any("?section=everything" in w for w in warnings(bad))
