"""Interpolate, β comparison and Conditional generation in headless Chromium.

Each test opens its page, moves a slider with the keyboard (as a person with
a mouse or keys would) and checks that the picture on screen changed, with no
exception on the page; screenshots go to test-artifacts/screenshots.
"""

from __future__ import annotations

from pw import no_exception, tall_screenshot, wait_idle
from pw import open_app_page as open_page


def image_png(page, index: int) -> bytes:
    image = page.locator("[data-testid='stImage'] img").nth(index)
    image.scroll_into_view_if_needed()
    image.wait_for(timeout=120_000)
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0",
        arg=image.element_handle(timeout=120_000),
        timeout=120_000,
    )
    return image.screenshot()


def move_slider(page, key: str, presses: int = 5, direction: str = "ArrowRight") -> None:
    thumb = page.locator(f".st-key-{key} input[type='range']").first
    page.locator(f".st-key-{key}").scroll_into_view_if_needed()
    thumb.focus()
    for _ in range(presses):
        page.keyboard.press(direction)
    page.wait_for_timeout(400)  # the slider sends its value shortly after the last key
    wait_idle(page)


def test_interpolate_slider_changes_the_decoded_image(page, app_url):
    open_page(page, app_url, "interpolate", "Digits, 8-D latent")
    page.get_by_text("decoded from the sliders").first.wait_for()
    no_exception(page)
    before = image_png(page, 1)
    top = page.locator("[class*='st-key-zslider_digits-8d_']").first
    key = next(c for c in top.get_attribute("class").split() if c.startswith("st-key-"))[7:]
    move_slider(page, key, presses=40)
    after = image_png(page, 1)
    assert before != after, "moving the top slider must change the decoded picture"
    no_exception(page)
    assert not page.js_errors, page.js_errors
    tall_screenshot(page, "interpolate")


def test_beta_comparison_traversal_follows_the_columns_slider(page, app_url):
    open_page(page, app_url, "beta_comparison")
    page.locator("[data-testid='stImage']").first.wait_for()
    no_exception(page)
    before = image_png(page, 1)
    move_slider(page, "cmp_cols", presses=2)
    after = image_png(page, 1)
    assert before != after, "more columns make a wider traversal grid"
    no_exception(page)
    assert not page.js_errors, page.js_errors
    tall_screenshot(page, "beta_comparison")


def test_conditional_temperature_changes_the_samples(page, app_url):
    open_page(page, app_url, "conditional", "Digits, conditional VAE")
    page.locator("[data-testid='stImage']").first.wait_for()
    no_exception(page)
    before = image_png(page, 0)
    move_slider(page, "cond_temp", presses=5, direction="ArrowLeft")
    after = image_png(page, 0)
    assert before != after, "a lower temperature gives other samples"
    no_exception(page)
    assert not page.js_errors, page.js_errors
    tall_screenshot(page, "conditional")


def test_conditional_page_with_a_plain_model_points_to_train(page, app_url):
    open_page(page, app_url, "conditional", "Digits, 8-D latent")
    assert page.get_by_text("is not conditional").count() == 1
    assert page.locator("[data-testid='stPageLink']").count() >= 1
    no_exception(page)
    tall_screenshot(page, "conditional_not_conditional")


def test_interpolate_with_a_points_model_draws_the_decoded_point(page, app_url):
    open_page(page, app_url, "interpolate", "Pinwheel points")
    charts = page.locator("[data-testid='stPlotlyChart']")
    charts.first.wait_for()
    assert charts.count() == 3
    assert page.locator("[data-testid='stImage']").count() == 0
    no_exception(page)
    tall_screenshot(page, "interpolate_points")
