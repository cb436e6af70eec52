"""Issue 17, scale, in a real browser: the larger sample draws, and a box selection names splits."""

from __future__ import annotations

from tests.browser.pw import no_exception, screenshot, wait_idle
from tests.browser.pw import open_app_page as open_page
from tests.browser.test_latent_map_browser import box_select


def test_the_larger_sample_draws_and_its_selection_names_test_and_training_examples(page, app_url):
    open_page(page, app_url, "latent_map?model=digits-2d")
    no_exception(page)
    page.locator(".st-key-map_points").get_by_text("a larger sample").click()
    wait_idle(page)
    no_exception(page)
    page.get_by_text("training examples drawn at random").first.wait_for(timeout=60_000)
    chart = page.locator(".st-key-map_chart")
    chart.locator(".js-plotly-plot").wait_for(timeout=60_000)
    box_select(page, chart)
    page.get_by_text("selected examples").first.wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)
    named = page.get_by_text("In order:").first.inner_text()
    assert "test #" in named and "train #" in named
    screenshot(page, "latent_map_large_sample")
    assert page.js_errors == []
