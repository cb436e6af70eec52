"""The Train page in a real browser: bad uploads, a tiny training whose curve grows, Stop."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.browser.pw import (
    SHOTS,
    no_exception,
    screenshot,
    tall_screenshot,
    trace_points,
    wait_idle,
)
from tests.browser.pw import open_app_page as open_page
from vae.runs.store import RECON_DIR

TEST_POINTS = trace_points("train_curves", "test (epochs)")


def set_number(page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.fill(value)
    box.press("Enter")
    wait_idle(page)


def test_before_any_run_the_page_draws_the_panels_a_run_fills(page, app_url):
    open_page(page, app_url, "train")
    no_exception(page)
    if page.get_by_text("No runs yet").count() == 0:
        # Another test's run is watched: its live figure has six panels with their axes.
        page.wait_for_function(
            """() => {
              const el = document.querySelector("[class*='st-key-train_curves'] .js-plotly-plot");
              return el && el.querySelectorAll('.xtick').length > 0 &&
                     el.querySelectorAll('.cartesianlayer .subplot').length >= 6;
            }""",
            timeout=60_000,
        )
        return
    # The six panels as an SVG, drawn without Plotly's code...
    preview = page.locator(".st-key-train_preview_curves svg")
    preview.wait_for(timeout=30_000)
    texts = preview.locator("text").all_text_contents()
    for panel in ("ELBO (nats)", "Active units", "Samples / s", "epoch", "40"):
        assert panel in texts, texts
    box = preview.bounding_box()
    assert box and box["width"] > 500 and box["height"] > 150, box
    # ...which is fetched once the page is drawn, before a person could press Start.
    page.wait_for_function(
        """() => performance.getEntriesByType('resource')
                  .some(r => /\\/PlotlyChart\\.[^/]+\\.js$/.test(r.name))""",
        timeout=30_000,
    )
    tall_screenshot(page, "train_empty")


def test_an_unreadable_upload_says_why(page, app_url, tmp_path, tmp_path_factory):
    open_page(page, app_url, "train")
    no_exception(page)
    page.locator(".st-key-train_source").get_by_text("upload").click()
    wait_idle(page)
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"this is not a zip archive")
    page.locator(".st-key-train_upload input[type='file']").set_input_files(str(bad))
    page.locator("[data-testid='stAlert']").filter(has_text="broken.npz is not").first.wait_for(
        timeout=60_000
    )
    wait_idle(page)
    no_exception(page)
    assert "_uploads" not in page.locator("[data-testid='stAlert']").first.inner_text()
    # A rejected upload is checked before it is kept: nothing of it is left on disk.
    kept = list(tmp_path_factory.getbasetemp().glob("runs*/_uploads/*broken.npz"))
    assert kept == []
    screenshot(page, "train_bad_upload")


IN_VIEW = """(selector) => {
    const box = document.querySelector(selector);
    if (!box) return false;
    const r = box.getBoundingClientRect();
    return r.top > -10 && r.top < window.innerHeight;
}"""


def test_start_a_tiny_training_and_watch_its_curve_grow(page, app_url):
    open_page(page, app_url, "train")
    no_exception(page)
    set_number(page, "train_latent_dim", "3")
    hidden = page.locator(".st-key-train_hidden_dims input")
    hidden.fill("32")
    hidden.press("Enter")
    wait_idle(page)
    set_number(page, "train_epochs", "400")
    set_number(page, "train_batch_size", "16")
    screenshot(page, "train_form")
    page.locator(".st-key-start button").click()
    # The page polls the run folder: the curve appears and grows without any click.
    page.wait_for_function(f"({TEST_POINTS})() >= 1", timeout=120_000)
    # Start was pressed below the form; the page scrolls up to the run it watches (issue 27).
    page.wait_for_function(IN_VIEW, arg=".st-key-train_watch", timeout=20_000)
    first = page.evaluate(TEST_POINTS)
    page.wait_for_function(f"({TEST_POINTS})() >= {first + 3}", timeout=60_000)
    assert page.evaluate(TEST_POINTS) > first
    no_exception(page)
    screenshot(page, "train_live")
    page.locator(".st-key-stop button").click()
    page.get_by_text("· stopped").first.wait_for(timeout=60_000)
    time.sleep(0.5)
    no_exception(page)
    assert page.locator(".st-key-resume button").count() == 1
    screenshot(page, "train_stopped")
    # The reconstructions' slider shows the run's last kept epoch, not the one it had when
    # the tab first drew it (issue 27).
    run_name = page.locator("h3", has_text="· stopped").first.inner_text().split(" · ")[0]
    folder = Path(os.environ["VAE_LAB_BROWSER_RUNS"]) / run_name
    kept = max(int(f.stem.split("_")[1]) for f in (folder / RECON_DIR).glob("epoch_*.png"))
    thumb = page.locator(f".st-key-train_recon_epoch_{kept} [data-testid='stSliderThumbValue']")
    assert int(thumb.inner_text()) == kept
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Streamlit keeps stale copies of an element while a rerun is in flight: the live one only.
    heatmap = page.locator("[class*='st-key-train_kl']:not([data-stale='true'])")
    heatmap.scroll_into_view_if_needed()
    heatmap.screenshot(path=str(SHOTS / "train_kl_heatmap.png"))
    recon = page.locator("[data-testid='stImage']").last
    recon.scroll_into_view_if_needed()
    recon.screenshot(path=str(SHOTS / "train_reconstructions.png"))
    assert page.js_errors == []
