"""Links in a real browser: settings changed in one browser, the copied link opened in another.

Each test changes a page's main settings as a person would (keyboard on sliders, clicks), reads
the address, copies it with the sidebar's "🔗 Copy link" (clipboard permission granted), then
opens that address in a fresh browser context, which shares nothing with the first, and reads
the restored settings back from the page.
"""

from __future__ import annotations

from pw import no_exception, screenshot, tall_screenshot, wait_idle

COPY_FRAME = "iframe[title='Copy a link to this view']"


def new_page(browser, app_url: str):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def open_url(page, url: str) -> None:
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".st-key-model_name", timeout=120_000)
    wait_idle(page)
    no_exception(page)


def press(page, key: str, keys: str, times: int = 1) -> None:
    """Move a slider with the keyboard, one rerun after each key."""
    for _ in range(times):
        page.locator(f".st-key-{key} input[type='range']").first.focus()
        page.keyboard.press(keys)
        wait_idle(page)


def slider_values(page, key: str) -> list[str]:
    thumbs = page.locator(f".st-key-{key} input[type='range']")
    return [thumbs.nth(i).get_attribute("aria-valuetext") or thumbs.nth(i).get_attribute(
        "aria-valuenow") for i in range(thumbs.count())]  # fmt: skip


def number_value(page, key: str) -> str:
    return page.locator(f".st-key-{key} input").input_value()


def checked_radio(page, key: str) -> str:
    return page.locator(f".st-key-{key} label:has(input:checked)").inner_text().strip()


def model_shown(page) -> str:
    return page.locator(".st-key-model_name input").input_value()


def copy_link(page) -> str:
    """Click "Copy link"; return what reached the clipboard (the field shows the same)."""
    frame = page.frame_locator(COPY_FRAME)
    frame.get_by_role("button", name="Copy link").click()
    field = frame.locator("#url")
    field.wait_for(state="visible", timeout=10_000)
    shown = field.input_value()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown, (copied, shown)
    return copied


def reopen(browser, app_url: str, url: str):
    """The link in a new browser context: no cookies, no session, nothing shared."""
    page = new_page(browser, app_url)
    open_url(page, url)
    return page


def test_an_interpolate_link_reopens_the_view_in_another_browser(browser, app_url):
    page = new_page(browser, app_url)
    open_url(page, f"{app_url}/interpolate?model=digits-8d")
    page.locator(".st-key-interp_index input").fill("7")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.locator(".st-key-ab_method").get_by_text("spherical (slerp)").click()
    wait_idle(page)
    press(page, "ab_steps", "ArrowRight", 2)  # 10 → 12 frames
    press(page, "trav_cols", "ArrowLeft", 3)  # 9 → 6 columns
    url = page.url
    for part in ("model=digits-8d", "a=7", "path=slerp", "steps=12", "cols=6"):
        assert part in url, url
    assert copy_link(page) == url
    screenshot(page, "links-interpolate-changed")
    before = page.locator("[data-testid='stCaptionContainer']").filter(has_text="code: z0=")
    code = before.first.inner_text()
    page.context.close()

    again = reopen(browser, app_url, url)
    assert model_shown(again) == "★ Digits, 8-D latent"
    assert number_value(again, "interp_index") == "7"
    assert checked_radio(again, "ab_method") == "spherical (slerp)"
    assert slider_values(again, "ab_steps") == ["12"]
    assert slider_values(again, "trav_cols") == ["6"]
    # The same start, so the same code under the decoded picture.
    shown = again.locator("[data-testid='stCaptionContainer']").filter(has_text="code: z0=")
    assert shown.first.inner_text() == code
    tall_screenshot(again, "links-interpolate-reopened")

    # Another page's link keeps the model and leaves this page's settings behind.
    again.locator("[data-testid='stSidebarNav']").get_by_text("Density").click()
    again.get_by_role("heading", name="Density").first.wait_for(timeout=120_000)
    wait_idle(again)
    assert "model=digits-8d" in again.url and "steps=" not in again.url, again.url
    assert not again.js_errors
    again.context.close()


def test_a_comparison_link_reopens_the_runs_and_traversal(browser, app_url):
    page = new_page(browser, app_url)
    runs = "digits-8d,digits-collapse,digits-cured"
    open_url(page, f"{app_url}/beta_comparison?model=digits-8d&runs={runs}")
    page.locator(".st-key-cmp_runs button[aria-label*='collapse']").click()  # take one run out
    wait_idle(page)
    page.locator(".st-key-cmp_index input").fill("4")
    page.keyboard.press("Enter")
    wait_idle(page)
    press(page, "cmp_cols", "ArrowLeft", 2)  # 7 → 5 columns
    url = page.url
    for part in ("runs=digits-8d%2Cdigits-cured", "index=4", "cols=5"):
        assert part in url.replace(",", "%2C"), url
    assert copy_link(page) == url
    page.context.close()

    again = reopen(browser, app_url, url)
    tags = again.locator(".st-key-cmp_runs [data-tag]").all_inner_texts()
    assert tags == ["★ Digits, 8-D latent", "★ Digits, 16-D, β=2 + free bits & dropout"]
    assert number_value(again, "cmp_index") == "4"
    assert slider_values(again, "cmp_cols") == ["5"]
    headings = again.locator("[data-testid='stMain'] h3").all_inner_texts()
    assert [h for h in headings if h.startswith("digits")] == ["digits-8d", "digits-cured"]
    # The metrics table downloads as CSV.
    csv = again.locator(".st-key-cmp_csv").get_by_role("button", name="Download the table (CSV)")
    assert csv.first.is_visible()
    tall_screenshot(again, "links-comparison-reopened")
    assert not again.js_errors
    again.context.close()


def test_a_density_link_reopens_its_choices(browser, app_url):
    page = new_page(browser, app_url)
    open_url(page, f"{app_url}/density?model=digits-8d")
    press(page, "dens_k", "ArrowLeft")  # k 100 → 50
    press(page, "dens_n_show", "ArrowRight")  # 8 → 9 shown
    url = page.url
    for part in ("model=digits-8d", "k=50", "show=9"):
        assert part in url, url
    assert copy_link(page) == url
    page.context.close()

    again = reopen(browser, app_url, url)
    assert slider_values(again, "dens_k") == ["50"]
    assert slider_values(again, "dens_n_show") == ["9"]
    assert model_shown(again) == "★ Digits, 8-D latent"
    tall_screenshot(again, "links-density-reopened")
    assert not again.js_errors
    again.context.close()


def test_a_link_to_a_missing_model_says_so_and_keeps_the_page_settings(browser, app_url):
    page = new_page(browser, app_url)
    open_url(page, f"{app_url}/interpolate?model=does-not-exist&steps=6&cols=99")
    sidebar = page.locator("[data-testid='stSidebar']")
    warning = sidebar.locator("[data-testid='stAlert']").filter(has_text="does-not-exist")
    text = warning.inner_text()
    assert "no model named “does-not-exist”" in text and text.count(". ") == 0
    assert "MNIST" in model_shown(page)  # the default, mnist-2d
    assert slider_values(page, "ab_steps") == ["6"]
    cols = page.locator("[data-testid='stMain'] [data-testid='stAlert']").filter(has_text="cols")
    assert "Ignored ?cols=99 from the link: cols must be an integer from 3 to 15." in (
        cols.inner_text()
    )
    assert "model=mnist-2d" in page.url and "cols=" not in page.url, page.url
    tall_screenshot(page, "links-missing-model")
    page.context.close()
