"""The Latent map page in a real browser: the map draws, a box selection shows the gallery."""

from __future__ import annotations

from tests.browser.pw import SHOTS, choose_model, drag_on_chart, no_exception, screenshot, wait_idle
from tests.browser.pw import open_app_page as open_page


def box_select(page, chart) -> None:
    drag_on_chart(page, chart, "select")


def test_box_select_shows_the_gallery_and_the_manifold(page, app_url):
    open_page(page, app_url, "latent_map")
    no_exception(page)
    chart = page.locator(".st-key-map_chart")
    chart.locator(".js-plotly-plot").wait_for(timeout=60_000)
    assert page.locator(".st-key-manifold_chart .js-plotly-plot").count() == 1  # digits-2d
    box_select(page, chart)
    page.get_by_text("selected examples").first.wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)
    assert page.get_by_text("reconstructions", exact=True).count() >= 1
    assert page.locator("[data-testid='stImage']").count() >= 2
    screenshot(page, "latent_map_selection")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".st-key-manifold_chart").screenshot(path=str(SHOTS / "latent_map_manifold.png"))
    # The selection survives recolouring.
    colour = page.locator(".st-key-map_colour input")
    colour.scroll_into_view_if_needed()
    colour.click()
    colour.fill("KL")
    page.get_by_role("option", name="KL(q(z|x) ‖ p(z)) per example").click()
    wait_idle(page)
    assert page.get_by_text("selected examples").count() >= 1
    no_exception(page)
    assert page.js_errors == []


def test_an_8d_model_draws_its_umap(page, app_url):
    open_page(page, app_url, "latent_map")
    choose_model(page, "Digits, 8-D latent")
    page.locator(".st-key-map_chart .js-plotly-plot").wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)
    assert page.locator(".st-key-manifold_chart").count() == 0
    assert page.locator(".st-key-map_chart .scatterlayer, .st-key-map_chart canvas").count() >= 1
    screenshot(page, "latent_map_8d")
