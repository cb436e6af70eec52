"""Home fetches the code of Streamlit's charts and widgets for the next page (issue 28)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from vae.app import preload


def test_every_element_chunk_is_found_in_the_installed_streamlit():
    files = preload.chunk_files()
    # streamlit is pinned: each element's chunk is there. A new version that renames them
    # makes preloading do nothing, and this test says which names to update.
    assert [f.split(".")[0] for f in files] == list(preload.ELEMENTS)
    assert all((preload.STATIC_JS / f).is_file() for f in files)


def test_a_folder_without_the_chunks_preloads_nothing(tmp_path):
    (tmp_path / "PlotlyChart.abc123.js").write_text("")
    (tmp_path / "PlotlyChart.abc123.js.map").write_text("")  # not a chunk
    (tmp_path / "PlotlyChartExtra.x.js").write_text("")  # another element's name
    assert preload.chunk_files.__wrapped__(tmp_path) == ("PlotlyChart.abc123.js",)
    assert preload.chunk_files.__wrapped__(tmp_path / "missing") == ()


def test_the_script_imports_each_file_next_to_streamlits_main_module():
    text = preload.script(("PlotlyChart.abc.js", "Slider.def.js"))
    assert text.startswith("<script>") and text.rstrip().endswith("</script>")
    assert '["PlotlyChart.abc.js", "Slider.def.js"]' in text
    assert "new URL(file, main)" in text  # resolved as the frontend's own lazy imports are
    assert "__vaeLabPreload" in text  # once per document


def test_home_draws_the_preloading_script():
    at = AppTest.from_file("../../app.py", default_timeout=120).run()
    assert not at.exception
    bodies = [str(e.proto) for e in at.get("html")]
    assert any("PlotlyChart" in b and "__vaeLabPreload" in b for b in bodies), bodies


def chunk_scripts(at) -> list[str]:
    return [str(e.proto) for e in at.get("html") if "__vaeLabPreload" in str(e.proto)]


def test_a_page_with_charts_fetches_plotly_at_once_and_conditional_does_not():
    """A page opened by its own link is a new document: its charts' code is fetched as its
    run starts, not when the first chart arrives; Home waits, a page without one fetches none."""
    from tests.app_helpers import open_app

    at = open_app("posterior_lab", "digits-flow")
    scripts = chunk_scripts(at)
    assert len(scripts) == 1 and "PlotlyChart" in scripts[0] and "Slider" not in scripts[0]
    assert "const wait = 0;" in scripts[0]
    # Conditional draws no chart; Density and Interpolate (an image model) and β draw SVG ones.
    for page, model in (("conditional", "digits-cvae"), ("density", "digits-8d"),
                        ("interpolate", "digits-8d"), ("beta_comparison", "digits-8d")):  # fmt: skip
        assert chunk_scripts(open_app(page, model)) == [], page
    home = chunk_scripts(AppTest.from_file("../../app.py", default_timeout=120).run())
    assert len(home) == 1 and f"const wait = {preload.DELAY_MS};" in home[0]
