"""Issue 17 in a real browser: a 3-D map that turns, points as pictures, the map's downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from tests.browser.pw import SHOTS, drag_on_chart, no_exception, screenshot, wait_idle
from tests.browser.pw import open_app_page as open_page

N_TEST = 360  # digits' test split

CAMERA = """() => {
    const plot = document.querySelector('.st-key-map_chart_3d .js-plotly-plot');
    const eye = plot._fullLayout.scene._scene.getCamera().eye;
    return [eye.x, eye.y, eye.z];
}"""


def choose(page, key: str, text: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.scroll_into_view_if_needed()
    box.click()
    box.fill(text)
    page.get_by_role("option", name=text, exact=True).first.click()
    wait_idle(page)


def download(page, key: str, folder: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.locator(f".st-key-{key} button").first.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_a_3d_map_turns_and_the_2d_map_shows_pictures_and_downloads(page, app_url, tmp_path):
    open_page(page, app_url, "latent_map", "Digits, 8-D latent")
    choose(page, "map_method", "PCA")
    page.locator(".st-key-map_dims").get_by_text("3-D").click()
    wait_idle(page)
    no_exception(page)
    cloud = page.locator(".st-key-map_chart_3d .js-plotly-plot")
    cloud.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('.st-key-map_chart_3d .js-plotly-plot')"
        "?._fullLayout?.scene?._scene"
    )
    cloud.scroll_into_view_if_needed()
    before = page.evaluate(CAMERA)
    box = cloud.locator(".gl-container, canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 180, cy + 60, steps=8)
    page.mouse.up()
    page.wait_for_timeout(500)
    after = page.evaluate(CAMERA)
    assert not np.allclose(before, after), (before, after)  # a drag turned the cloud
    assert page.get_by_text("Selection is 2-D only").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".st-key-map_chart_3d").screenshot(path=str(SHOTS / "latent_map_3d.png"))
    # The 3-D map's table has a z column.
    rows = list(csv.DictReader(io.StringIO(download(page, "map_csv", tmp_path).read_text())))
    assert list(rows[0])[:5] == ["index", "x", "y", "z", "label"] and len(rows) == N_TEST

    # Back to 2-D, with the points drawn as their images.
    page.locator(".st-key-map_dims").get_by_text("2-D").click()
    wait_idle(page)
    page.locator(".st-key-map_pictures label").click()
    wait_idle(page)
    no_exception(page)
    chart = page.locator(".st-key-map_chart .js-plotly-plot")
    chart.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.st-key-map_chart svg image').length >= 360"
    )
    assert page.get_by_text("All 360 points drawn as their test images").count() == 1
    page.locator(".st-key-map_chart").screenshot(path=str(SHOTS / "latent_map_pictures.png"))
    # Zoomed in, each picture is big enough to read.
    drag_on_chart(page, chart, "zoom", (0.4, 0.4), (0.6, 0.6))
    page.wait_for_timeout(800)
    side = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.st-key-map_chart svg image')]"
        ".map(i => i.getBoundingClientRect().width))"
    )
    assert side >= 40, side  # pixels on screen
    page.locator(".st-key-map_chart").screenshot(path=str(SHOTS / "latent_map_pictures_zoom.png"))

    # The downloads: the table, the codes and the chart's own PNG.
    table = download(page, "map_csv", tmp_path)
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    # log p(x) when the bundle ships it precomputed, else the one-sample ELBO, named as such
    header = list(rows[0])
    assert header[:5] == ["index", "x", "y", "label", "kl"] and header[6:] == ["selected"]
    assert header[5] in ("log_likelihood", "elbo_one_sample"), header
    assert len(rows) == N_TEST and table.suffix == ".csv"
    codes = np.load(download(page, "map_npy", tmp_path), allow_pickle=False)
    assert codes.dtype == np.float32 and codes.shape == (N_TEST, 8)
    chart.hover()
    with page.expect_download(timeout=60_000) as info:
        chart.locator(".modebar-btn[data-title='Download plot as a PNG']").first.click()
    png = tmp_path / info.value.suggested_filename
    info.value.save_as(png)
    assert png.name == "latent-map-digits-8d-pca-2d.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (SHOTS / "latent_map_camera.png").write_bytes(png.read_bytes())
    screenshot(page, "latent_map_exports")
    no_exception(page)
    assert page.js_errors == []
