"""The real server in real Chromium: time to a drawn home page, and peak memory over every page.

``python -m benchmarks.server`` prints one JSON object:

- ``home_drawn_s``: from launching ``streamlit run app.py`` to the home page fully drawn in
  headless Chromium (script idle, no skeleton, the title and the model card shown).
  Bar ≤ 8 s.
- ``peak_rss_mb``: the server's peak resident memory (``VmHWM``) after visiting every page
  with its bundled model, each until it is drawn. Bar ≤ 1.5 GB.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from benchmarks.common import PYTHON, ROOT, emit, machine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
# (url path, model, a text the drawn page shows)
PAGES = [
    ("train", "digits-2d", "Train"),
    ("latent_map", "digits-2d", "Latent map"),
    ("interpolate", "digits-8d", "Interpolate"),
    ("beta_comparison", "digits-8d", "comparison"),
    ("conditional", "digits-cvae", "Conditional"),
    ("posterior_lab", "digits-flow", "Posterior"),
    ("denoise", "digits-8d", "Denoise"),
    ("density", "digits-8d", "Density"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_drawn(page: Page, text: str, timeout_ms: int = 120_000) -> None:
    """Until the script is idle, no skeleton is left and ``text`` is on the page."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector("[data-testid='stApp']");
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelectorAll("[data-testid='stSkeleton']").length === 0;
        }""",
        timeout=timeout_ms,
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VAE_LAB_RUNS": tempfile.mkdtemp(prefix="vae-bench-runs-")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        server = subprocess.Popen(
            [
                PYTHON, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                "--server.address=127.0.0.1", f"--server.port={port}",
                "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.05)
            health_s = time.perf_counter() - start
            page.goto(url)
            wait_drawn(page, "Where to start")
            page.get_by_text("test ELBO").first.wait_for()
            home_s = time.perf_counter() - start
            after_home = rss_mb(server.pid)
            visits = []
            for path, model, text in PAGES:
                t0 = time.perf_counter()
                page.goto(f"{url}/{path}")
                wait_drawn(page, text)
                if page.get_by_role("combobox").count():  # choose the page's model in the sidebar
                    _choose_model(page, model)
                    wait_drawn(page, text)
                visits.append(
                    {"page": path, "model": model, "drawn_s": round(time.perf_counter() - t0, 2)}
                )
            peak = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(20)
            browser.close()
    emit(
        "server",
        {
            "machine": machine(),
            "health_s": round(health_s, 2),
            "home_drawn_s": round(home_s, 2),
            "rss_after_home_mb": round(after_home, 1),
            "visits": visits,
            "peak_rss_mb": round(peak, 1),
        },
    )


def _choose_model(page: Page, model: str) -> None:
    """Pick ``model`` in the sidebar's selectbox (labels carry the model's title, not its name)."""
    from vae.runs.catalog import find_bundled

    entry = find_bundled(model)
    if entry is None:
        return
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    current = box.inner_text()
    if entry.title in current:
        return
    box.click()
    page.get_by_role("option").filter(has_text=entry.title).first.click()
    page.wait_for_timeout(300)


if __name__ == "__main__":
    main()
