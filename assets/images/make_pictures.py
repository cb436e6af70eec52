"""The README's six pictures, taken from the running app in headless Chromium.

``python assets/images/make_pictures.py [NAME ...]`` starts ``streamlit run app.py`` on a
free port (runs in a temporary folder), opens each page as a person would and writes
``assets/images/NAME.png`` (all six without arguments). Needs Playwright and Debian's
``chromium`` (``bash .ci/run`` installs both). Each picture is scaled to the width the
README shows it at.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from benchmarks.first_curve_browser import streamlit_server  # noqa: E402
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.pw import drag_on_chart, open_app_page, page_height, trace_points, wait_idle  # noqa: E402

OUT = ROOT / "assets" / "images"
WIDTH = {"train_live": 900}  # the rest: 1000


def save(shot: Path, name: str) -> None:
    image = Image.open(shot).convert("RGB")
    width = WIDTH.get(name, 1000)
    image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.save(OUT / f"{name}.png", optimize=True)
    print(OUT / f"{name}.png", image.size)


def train_live(page: Page, url: str, tmp: Path) -> None:
    open_app_page(page, url, "train?model=digits-2d")
    for key, value in (("train_latent_dim", "3"), ("train_epochs", "400")):
        box = page.locator(f".st-key-{key} input")
        box.fill(value)
        box.press("Enter")
        wait_idle(page)
    page.locator(".st-key-start button").click()
    points = trace_points("train_curves", "test (epochs)")
    page.wait_for_function(f"({points})() >= 20", timeout=300_000)  # the page scrolled to it
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp / "shot.png"))
    page.locator(".st-key-stop button").click()
    page.get_by_text("· stopped").first.wait_for(timeout=60_000)
    save(tmp / "shot.png", "train_live")


def latent_map_selection(page: Page, url: str, tmp: Path) -> None:
    open_app_page(page, url, "latent_map?model=digits-2d")
    wait_idle(page)
    chart = page.locator(".st-key-map_chart")
    drag_on_chart(page, chart, "select", (0.15, 0.2), (0.55, 0.6))
    page.get_by_text("selected examples").first.wait_for(timeout=60_000)
    wait_idle(page)
    # The map and, below it, the gallery of the selected originals and reconstructions.
    page.set_viewport_size({"width": 1400, "height": 1500})
    page.wait_for_timeout(800)
    main = page.locator("[data-testid='stMainBlockContainer']").first.bounding_box()
    top = chart.bounding_box()["y"]
    gallery = page.get_by_text("selected examples").first.bounding_box()
    bottom = gallery["y"] + 330
    clip = {"x": main["x"], "y": top - 10, "width": main["width"], "height": bottom - top}
    page.screenshot(path=str(tmp / "shot.png"), clip=clip, full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    save(tmp / "shot.png", "latent_map_selection")


def tall(page: Page, url: str, path: str, name: str, tmp: Path, until: str | None = None) -> None:
    """The page's main column from the top down to the heading ``until`` (the whole page if None)."""
    open_app_page(page, url, path)
    wait_idle(page)
    page.set_viewport_size({"width": 1400, "height": min(page_height(page) + 100, 9000)})
    page.wait_for_timeout(1500)
    wait_idle(page)
    main = page.locator("[data-testid='stMainBlockContainer']").first.bounding_box()
    bottom = main["y"] + main["height"]
    if until is not None:
        bottom = page.get_by_role("heading", name=until).first.bounding_box()["y"] - 10
    clip = {"x": main["x"], "y": main["y"], "width": main["width"], "height": bottom - main["y"]}
    page.screenshot(path=str(tmp / "shot.png"), clip=clip)
    page.set_viewport_size({"width": 1400, "height": 1000})
    save(tmp / "shot.png", name)


def main(names: list[str]) -> None:
    runs = Path(tempfile.mkdtemp(prefix="vae-pictures-"))
    with sync_playwright() as pw, streamlit_server(runs, runs / "server.log") as url:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        takes = {
            "train_live": lambda: train_live(page, url, runs),
            "latent_map_selection": lambda: latent_map_selection(page, url, runs),
            "interpolate": lambda: tall(
                page, url, "interpolate?model=mnist-2d", "interpolate", runs
            ),
            "posterior_lab": lambda: tall(
                page,
                url,
                "posterior_lab?model=mnist-2d",
                "posterior_lab",
                runs,
                until="2 · Posterior collapse and its cures",
            ),  # fmt: skip
            "latent_map_manifold": lambda: _chart(page, url, runs),
            "objectives": lambda: tall(
                page,
                url,
                "beta_comparison?model=shapes-tcvae&runs=shapes-beta4,shapes-tcvae",
                "objectives",
                runs,
                until="Metrics",
            ),  # fmt: skip
        }
        for name in names or list(takes):
            takes[name]()
        browser.close()


def _chart(page: Page, url: str, tmp: Path) -> None:
    open_app_page(page, url, "latent_map?model=mnist-2d")
    wait_idle(page)
    element = page.locator(".st-key-manifold_chart").first
    element.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    element.screenshot(path=str(tmp / "shot.png"))
    save(tmp / "shot.png", "latent_map_manifold")


if __name__ == "__main__":
    main(sys.argv[1:])
