"""Helpers for browser tests: wait for Streamlit, open a page, pick a model, screenshot."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"


IDLE = (
    "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
    "[data-test-script-state='notRunning']"
)
NO_SKELETON = "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0"


def trace_points(chart_key: str, trace: str) -> str:
    """JavaScript ``(key) => n``: the points drawn in the ``trace`` of the plotly chart keyed ``key``.

    ``key`` defaults to ``chart_key`` (Playwright passes null, not undefined, without an
    argument); keys match by prefix: ``train_curves`` finds ``train_curves_<run>``. -1 while
    no such chart is on the page, 0 while it has no trace named ``trace``.
    """
    return f"""(key) => {{
  key = key || {chart_key!r};
  const el = document.querySelector(`[class*='st-key-${{key}}'] .js-plotly-plot`);
  if (!el || !el.data) return -1;
  // _fullData: the traces as drawn, numpy's base64 arrays already decoded
  const t = (el._fullData || []).find(d => d.name === {trace!r});
  return t ? (t._length ?? t.x.length) : 0;
}}"""


def wait_idle(page, timeout: float = 120_000, settle_ms: int = 600) -> None:
    """Wait until the script run is finished and stays finished for ``settle_ms``.

    The state attribute is how Streamlit's own e2e tests wait; it also reads
    "notRunning" for an instant between a widget change and the rerun it starts
    (and between a run and the rerun the app shell asks for), so one reading is
    not enough on a busy machine.
    """
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_function(NO_SKELETON, timeout=timeout)
    for _ in range(int(timeout // settle_ms)):
        page.wait_for_timeout(settle_ms)
        if page.locator(IDLE).count() == 1 and page.evaluate(NO_SKELETON):
            return
        page.wait_for_selector(IDLE, timeout=timeout)
        page.wait_for_function(NO_SKELETON, timeout=timeout)


def open_section(page, key: str) -> None:
    """Open a page's closed lower section (``shell.lazy_section``) by a click, as a person does."""
    summary = page.locator(f".st-key-{key} summary")
    summary.scroll_into_view_if_needed()
    summary.click()
    wait_idle(page)


def open_app_page(page, app_url: str, path: str = "", model: str | None = None) -> None:
    """Open a page (``path`` as in the URL, e.g. "latent_map") and wait for its script to finish.

    On a fresh server the first run of a page's URL reruns through app.py (see
    ``vae.app.shell``): wait for the shell's model picker before waiting for idle.
    """
    page.goto(f"{app_url}/{path}", timeout=120_000)
    page.wait_for_selector(".st-key-model_name", timeout=120_000)
    wait_idle(page)
    if model is not None:
        choose_model(page, model)


def choose_model(page, title_fragment: str) -> None:
    box = page.locator(".st-key-model_name")
    box.click()
    # Typing filters the list: with 26 models the dropdown draws only the options in view.
    page.keyboard.type(title_fragment)
    page.get_by_role("option", name=title_fragment).first.click()
    wait_idle(page)


def no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']"
    ).first.inner_text()


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def page_height(page) -> int:
    """The page's whole height: Streamlit scrolls inside its own container, not the window."""
    return int(
        page.evaluate(
            'Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
            '[data-testid="stAppScrollToBottomContainer"]\')].map(e => e.scrollHeight), 1000)'
        )
    )


def drag_on_chart(page, chart, tool: str, start=(0.15, 0.15), end=(0.85, 0.85)) -> None:
    """Pick ``tool`` (select, lasso, zoom, pan) in a Plotly chart's toolbar and drag from
    ``start`` to ``end``, fractions of the plot area's width and height."""
    chart.hover()
    chart.locator(f".modebar-btn[data-val='{tool}']").first.click()
    box = chart.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=5)
    page.mouse.up()


def tall_screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its own container, so grow the window to fit."""
    page.set_viewport_size({"width": 1400, "height": min(page_height(page) + 100, 9000)})
    page.wait_for_timeout(800)
    wait_idle(page)
    path = screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path
