"""The Denoise & inpaint page under AppTest: every control, with bundled models."""

from __future__ import annotations

from app_helpers import open_page, plotly_figures

from vae.analysis.corruption import Corruption
from vae.app import caching
from vae.runs import cache, catalog


def _forget(model: str, corruption: Corruption, rounds: int, steps: int) -> None:
    """Drop a kept test-set measurement, so the page must offer to measure it again."""
    path = catalog.find_bundled(model).path
    params = {**corruption.params(), "rounds": rounds, "steps": steps, "n": 360}
    key = cache.cache_key(path, "restore_benchmark", params)
    (path / cache.CACHE_DIR / f"{key}.npz").unlink(missing_ok=True)
    caching.clear()


def _ok(at):
    assert not at.exception, [e.message for e in at.exception]


def test_default_page_measures_the_vae_against_baselines():
    at = open_page("denoise", "digits-8d")
    figures = plotly_figures(at)
    assert len(figures) == 2  # inpainting rounds, test-set errors
    bars = figures[1]["data"][0]
    assert "Mean fill (baseline)" in bars["y"] and "VAE iterative inpainting" in bars["y"]
    assert any("less error than the best baseline" in m.value for m in at.markdown)
    table = at.dataframe[0].value
    by = dict(zip(table["method"], table["MSE, hidden pixels"], strict=True))
    assert by["VAE iterative inpainting"] < by["Mean fill (baseline)"]
    captions = [c.value for c in at.caption]
    assert any("Magenta marks the hidden pixels" in c for c in captions)


def test_every_control():
    _forget("digits-8d", Corruption("rectangle", top=3, left=2, height=3, width=5), 4, 20)
    _forget("digits-8d", Corruption("salt_pepper", fraction=0.1), 4, 20)
    at = open_page("denoise", "digits-8d")
    at.number_input(key="dn_example").set_value(17).run()
    _ok(at)
    at.slider(key="dn_top").set_value(3).run()
    at.slider(key="dn_left").set_value(2).run()
    at.slider(key="dn_h").set_value(3).run()
    at.slider(key="dn_w").set_value(5).run()
    at.slider(key="dn_rounds").set_value(4).run()
    at.slider(key="dn_steps").set_value(20).run()
    at.number_input(key="dn_seed").set_value(3).run()
    _ok(at)
    # Non-default settings: measured on request, then kept.
    assert at.button(key="dn_measure")
    at.button(key="dn_measure").click().run()
    _ok(at)
    assert len(plotly_figures(at)) == 2
    at.selectbox(key="dn_kind").set_value("missing").run()
    at.slider(key="dn_missing").set_value(0.7).run()
    _ok(at)
    at.selectbox(key="dn_kind").set_value("noise").run()
    at.slider(key="dn_sigma").set_value(0.5).run()
    _ok(at)
    assert any("Noise hides nothing" in c.value for c in at.caption)
    at.selectbox(key="dn_kind").set_value("salt_pepper").run()
    at.slider(key="dn_sp").set_value(0.1).run()
    _ok(at)
    at.button(key="dn_measure").click().run()
    _ok(at)
    bars = plotly_figures(at)[-1]["data"][0]
    assert "Median 3×3 (baseline)" in bars["y"]


def test_a_points_model_is_offered_an_image_model():
    at = open_page("denoise", "pinwheel-2d")
    assert any("needs a model of images" in i.value for i in at.info)
    assert "MNIST, 16-D latent" in at.button(key="use_suggested").label
    assert not at.header  # nothing else is drawn for a model the page cannot use


def test_conditional_model():
    at = open_page("denoise", "digits-cvae")
    _ok(at)
    assert len(plotly_figures(at)) == 2
