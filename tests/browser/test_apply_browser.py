"""Denoise & inpaint, Density and the Posterior & collapse lab in headless Chromium.

Each test opens its page with a bundled model, waits for its charts to be drawn,
checks there is no exception on the page, changes a control where that matters,
and takes a whole-page screenshot into test-artifacts/screenshots.
"""

from __future__ import annotations

from pw import choose_model, no_exception, tall_screenshot, wait_idle
from pw import open_app_page as open_page


def charts_drawn(page, at_least: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= n",
        arg=at_least,
        timeout=60_000,
    )


def test_denoise_page(page, app_url):
    open_page(page, app_url, "denoise", "Digits, 8-D latent")
    charts_drawn(page, 2)
    no_exception(page)
    assert page.locator("[data-testid='stImage']").count() >= 6
    assert page.get_by_text("less error than the best baseline").count() == 1
    tall_screenshot(page, "denoise")
    # Switch to Gaussian noise: the page reruns and shows the denoising methods instead.
    page.locator(".st-key-dn_kind").click()
    page.get_by_role("option", name="Gaussian noise").click()
    wait_idle(page)
    no_exception(page)
    page.get_by_text("Median 3×3").first.wait_for(timeout=60_000)
    assert page.js_errors == []


def test_density_page_images_and_points(page, app_url):
    open_page(page, app_url, "density", "Digits, 8-D latent")
    # An image model's three charts are read-only SVG drawings: no Plotly chart.
    page.locator(".st-key-dens_roc svg.vae-roc").wait_for(timeout=60_000)
    no_exception(page)
    assert page.locator("svg.vae-histogram").count() == 2
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0
    # The table's headers are painted on a canvas (no text to find); the AppTest
    # reads its columns. Here: the table is drawn and the ROC legend names AUROCs.
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    assert page.locator("svg.vae-roc text.legend", has_text="AUROC").count() >= 1
    # A bar's tooltip says its share and its bin in nats.
    tip = page.locator(".st-key-dens_test_hist rect > title").first.text_content()
    assert tip.startswith("test set: ") and tip.endswith(" nats"), tip
    tall_screenshot(page, "density-digits")
    choose_model(page, "Pinwheel")
    # A 2-D points model: the density map and the samples are Plotly charts.
    page.get_by_text("The map integrates to").wait_for(timeout=120_000)
    charts_drawn(page, 3)
    no_exception(page)
    assert page.get_by_text("The map integrates to").count() == 1
    tall_screenshot(page, "density-pinwheel")
    assert page.js_errors == []


def test_posterior_lab_page(page, app_url):
    open_page(page, app_url, "posterior_lab")
    charts_drawn(page, 2)  # the first tab: two posteriors; the other tabs run when opened
    no_exception(page)
    assert page.get_by_text("gap KL(q ‖ p(z|x))").count() == 2
    # Zoomed on one example, each view shows a few dozen of the 1,000 grey test means (and all
    # of the flow's 600 samples): only those are drawn, not 1,001 and 1,601 SVG markers.
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".map(c => c.querySelectorAll('.point').length)"
    )
    assert len(drawn) == 2 and drawn[0] < 200 and 600 < drawn[1] < 900, drawn
    tall_screenshot(page, "posterior-lab")
    for index, charts, shot in ((1, 3, "posterior-lab-collapse"), (2, 1, "posterior-lab-calm")):
        page.get_by_role("tab").nth(index).click()
        wait_idle(page)
        charts_drawn(page, charts)
        no_exception(page)
        assert "section=" in page.url  # the open tab is in the link
        tall_screenshot(page, shot)
    assert page.get_by_text("accuracy at the posterior scale").count() >= 1
    assert page.js_errors == []
