"""The shell in a real browser: the home page, and a page URL opened on a fresh server."""

import subprocess
import sys
import time
import urllib.request

from conftest import ROOT, _free_port
from pw import no_exception, screenshot, wait_idle


def test_home_page_explains_the_elbo_and_shows_the_model_card(page, app_url):
    page.goto(app_url, timeout=120_000)
    wait_idle(page)
    no_exception(page)
    assert page.locator("[data-testid='stSidebarNav']").count() == 1
    elbo = page.locator("[role='math']")  # the ELBO, its two terms named under their brackets
    assert elbo.count() == 1 and "reconstruction" in elbo.inner_text()
    assert "rate" in elbo.inner_text() and page.locator(".katex").count() == 0
    assert "test ELBO" in page.locator("[data-testid='stSidebar']").inner_text()
    screenshot(page, "home")
    assert not page.js_errors


LOADED = """(names) => names.every(name => performance.getEntriesByType('resource')
    .some(e => e.name.includes('/static/js/' + name + '.')))"""


def test_home_loads_the_charts_code_once_a_person_is_reading(page, app_url):
    page.goto(app_url, timeout=120_000)
    wait_idle(page)
    page.mouse.move(600, 400)  # a person reading: the pointer moves
    page.wait_for_function(LOADED, arg=["PlotlyChart", "Slider", "NumberInput"], timeout=60_000)
    # The next page's chart draws from the code already in the page: no second fetch.
    before = page.evaluate("performance.getEntriesByType('resource').length")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Latent map").first.click()
    page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=120_000)
    fetched = page.evaluate(
        "(n) => performance.getEntriesByType('resource').slice(n).map(e => e.name)", before
    )
    assert not [f for f in fetched if "PlotlyChart." in f], fetched
    no_exception(page)
    assert not page.js_errors


def test_a_page_url_on_a_fresh_server_still_gets_the_shell(browser):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         "--server.address=127.0.0.1", f"--server.port={port}", "--server.fileWatcherType=none",
         "--browser.gatherUsageStats=false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/conditional", timeout=120_000)
        # The first run ends early and reruns through app.py: wait for what it draws.
        page.wait_for_selector(".st-key-model_name", timeout=120_000)
        page.get_by_role("heading", name="Conditional generation").wait_for(timeout=120_000)
        wait_idle(page)
        no_exception(page)
        # The shell ran: the model picker is there and the navigation has its sections.
        assert page.locator(".st-key-model_name").count() == 1
        assert (
            "Posterior & collapse lab" in page.locator("[data-testid='stSidebarNav']").inner_text()
        )
        assert page.get_by_role("heading", name="Conditional generation").count() == 1
        page.close()
    finally:
        proc.terminate()
        proc.wait(15)
