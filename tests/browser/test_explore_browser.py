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


def assert_slider_changes_image(page, key: str, image: int, shot: str, why: str, **move) -> None:
    """Moving the slider ``key`` changes picture number ``image``; no exception, no JS error."""
    no_exception(page)
    before = image_png(page, image)
    move_slider(page, key, **move)
    after = image_png(page, image)
    for _ in range(3):  # on a busy machine the rerun can land after the first idle reading
        if after != before:
            break
        page.wait_for_timeout(2_000)
        wait_idle(page)
        after = image_png(page, image)
    assert before != after, why
    no_exception(page)
    assert not page.js_errors, page.js_errors
    tall_screenshot(page, shot)


def test_interpolate_slider_changes_the_decoded_image(page, app_url):
    open_page(page, app_url, "interpolate", "Digits, 8-D latent")
    page.get_by_text("decoded from the sliders").first.wait_for()
    top = page.locator("[class*='st-key-zslider_digits-8d_']").first
    key = next(c for c in top.get_attribute("class").split() if c.startswith("st-key-"))[7:]
    assert_slider_changes_image(
        page, key, 1, "interpolate", "moving the top slider must change the decoded picture",
        presses=40,
    )  # fmt: skip


def test_beta_comparison_traversal_follows_the_columns_slider(page, app_url):
    open_page(page, app_url, "beta_comparison")
    page.locator("[data-testid='stImage']").first.wait_for()
    assert_slider_changes_image(
        page, "cmp_cols", 1, "beta_comparison", "more columns make a wider traversal grid",
        presses=2,
    )  # fmt: skip


def test_conditional_temperature_changes_the_samples(page, app_url):
    open_page(page, app_url, "conditional", "Digits, conditional VAE")
    page.locator("[data-testid='stImage']").first.wait_for()
    assert_slider_changes_image(
        page, "cond_temp", 0, "conditional", "a lower temperature gives other samples",
        presses=5, direction="ArrowLeft",
    )  # fmt: skip


def test_conditional_page_with_a_plain_model_shows_the_bundled_one(page, app_url):
    open_page(page, app_url, "conditional", "Digits, 8-D latent")
    assert page.get_by_text("is not conditional").count() == 1
    assert page.locator("[data-testid='stPageLink']").count() >= 1
    # The bundled conditional model's samples are on the page at once (issue 27).
    page.get_by_text("1 · Samples of one class").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stImage']").count() >= 1
    no_exception(page)
    tall_screenshot(page, "conditional_not_conditional")


def test_interpolate_with_a_points_model_draws_the_decoded_point(page, app_url):
    open_page(page, app_url, "interpolate", "Pinwheel points")
    charts = page.locator("[data-testid='stPlotlyChart']")
    charts.first.wait_for()
    assert charts.count() == 2  # the live point and the decoded path, in data space
    assert page.locator(".st-key-ab_map svg.vae-path-map").count() == 1  # the latent path
    assert page.locator("[data-testid='stImage']").count() == 0
    no_exception(page)
    tall_screenshot(page, "interpolate_points")


def test_interpolate_opens_on_a_path_between_two_classes(page, app_url):
    # mnist-5k's test examples 0 and 1 are both zeros: B starts at another class (issue 27).
    from vae.runs import catalog

    open_page(page, app_url, "interpolate?model=mnist-2d")
    page.get_by_text("decoded from the sliders").first.wait_for()
    wait_idle(page)
    a = int(page.locator(".st-key-interp_index input").input_value())
    b = int(page.locator(".st-key-ab_b_index input").input_value())
    path = catalog.find_bundled("mnist-2d").path
    labels = catalog.dataset_for(catalog.model_info(path)).test.y
    assert int(labels[a]) != int(labels[b]), (a, b)
    assert page.get_by_text(f"test example {a} (class {int(labels[a])})").count() >= 1
    no_exception(page)
