"""A class opens the link at once: concurrent first views on a freshly started server (issue 13, 1).

Each case starts a server of its own (the bug only shows on a server that no session
has warmed yet), opens several browser contexts whose navigations start at the same
moment (asyncio, one Chromium), and requires every tab to show the page's title and
the sidebar's model picker, with no exception and no "This app has encountered an
error". The waits are for content; a tab that shows neither the page nor an error
within the timeout is reported as blank.

``VAE_LAB_TEST_APP_ROOT=/tmp/old13`` runs the same cases against another checkout
(e.g. ``git worktree add /tmp/old13 050c422``, the commit before the fix, where
they fail).
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT
from pw import SHOTS

from benchmarks.load import DRAWN

APP_ROOT = Path(os.environ.get("VAE_LAB_TEST_APP_ROOT") or ROOT)
TIMEOUT_MS = 120_000  # a fresh server imports torch and loads a model first: slow on 2 busy cores
# Twenty first views share two cores (and CI runs another test beside them): 93 s in all on a
# quiet machine, so each tab gets longer.
CLASS_TIMEOUT_MS = 300_000
# The issue asks for three fresh servers; CI starts one (each costs 1.5-3 minutes here).
CLASS_SERVERS = int(os.environ.get("VAE_LAB_CLASS_SERVERS", "1"))
SETTLE_MS = 600

# What a tab shows: "error", "drawn" (idle, nothing stale, the shell's navigation, the
# picker and the title there), or null (not yet); shared with the load benchmark. A page
# run without the shell shows Streamlit's file-name navigation ("app", "train", ...).
OUTCOME = DRAWN


# Counts the script runs a tab sees after its connection dropped (installed before a restart).
WATCH_RECONNECT = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    window.__vaeDropped = false;
    window.__vaeRunsAfterDrop = 0;
    new MutationObserver(() => {
        if (app.dataset.testConnectionState !== "CONNECTED") window.__vaeDropped = true;
        else if (window.__vaeDropped && app.dataset.testScriptState === "running")
            window.__vaeRunsAfterDrop += 1;
    }).observe(app, {attributes: true});
}"""


PICKER = "[data-testid='stSidebar'] .st-key-model_name [data-testid='stSelectbox']"
RECONNECTED = """() => window.__vaeDropped
    && document.querySelector("[data-testid='stApp']").dataset.testConnectionState === "CONNECTED"
"""
RAN_AFTER_DROP = "() => window.__vaeRunsAfterDrop > 0"


def _in_thread(coro_fn, *args):
    """Run an asyncio coroutine in a thread of its own: the sync Playwright fixtures of the
    other browser tests may hold this thread's event loop."""
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro_fn(*args))
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target, name="concurrent-sessions")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


async def _outcome(page, title: str, timeout: int = TIMEOUT_MS) -> dict[str, str]:
    """Wait until the tab shows an error, or the page drawn and still drawn after a settle."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        while True:
            handle = await page.wait_for_function(OUTCOME, arg=[title, None], timeout=timeout)
            state = await handle.json_value()
            if state == "error":
                break
            await page.wait_for_timeout(SETTLE_MS)  # a rerun may follow (the shell asks for one)
            if await page.evaluate(OUTCOME, [title, None]) == "drawn":
                state = "drawn"
                break
    except PlaywrightTimeout:  # neither the page nor an error
        state = "blank"
    detail = ""
    if state != "drawn":
        exc_box = page.locator("[data-testid='stException']")
        detail = (await exc_box.first.inner_text()) if await exc_box.count() else ""
        detail = detail or (await page.locator("body").inner_text())[:300]
    return {"state": state, "detail": detail.strip()}


async def _new_tabs(browser, n: int) -> list:
    pages = []
    for _ in range(n):
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        pages.append(await context.new_page())
    return pages


async def _open_at_once(url: str, path: str, title: str, n: int, name: str) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = await _new_tabs(browser, n)

            async def visit(page) -> dict[str, str]:
                await page.goto(f"{url}/{path}", timeout=TIMEOUT_MS)
                return await _outcome(page, title)

            results = await asyncio.gather(*(visit(pg) for pg in pages))
            await _screenshots(pages, results, name)
            return list(results)
        finally:
            await browser.close()


async def _open_mixed(url: str, tabs: list[tuple[str, str]], name: str) -> list[dict]:
    """One context per (path, title), every navigation started at the same moment."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = await _new_tabs(browser, len(tabs))

            async def visit(page, path, title) -> dict[str, str]:
                await page.goto(f"{url}/{path}", timeout=CLASS_TIMEOUT_MS, wait_until="commit")
                return await _outcome(page, title, CLASS_TIMEOUT_MS)

            runs = (visit(page, *tab) for page, tab in zip(pages, tabs, strict=True))
            results = await asyncio.gather(*runs)
            await _screenshots(pages, results, name)
            return list(results)
        finally:
            await browser.close()


async def _restart_with_tabs_open(server, tabs: list[tuple[str, str]], name: str) -> dict:
    """Open tabs, restart the server under them, use them at once, then reload them at once."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = await _new_tabs(browser, len(tabs))

            async def each(step):
                runs = (step(page, *tab) for page, tab in zip(pages, tabs, strict=True))
                return list(await asyncio.gather(*runs))

            async def visit(page, path, title):
                await page.goto(f"{server.url}/{path}", timeout=TIMEOUT_MS)
                return await _outcome(page, title)

            async def use(page, path, title):
                # An idle tab reconnects by itself but shows what it had until it is used:
                # pick another model, which reruns the page on the new server.
                await page.wait_for_function(RECONNECTED, timeout=TIMEOUT_MS, polling=100)
                await page.locator(PICKER).click()
                await page.keyboard.press("ArrowDown")
                await page.keyboard.press("Enter")
                await page.wait_for_function(RAN_AFTER_DROP, timeout=TIMEOUT_MS, polling=100)
                return await _outcome(page, title)

            async def reload(page, path, title):
                await page.reload(timeout=TIMEOUT_MS)
                return await _outcome(page, title)

            # One after the other: the first views before the restart are not the case here.
            steps = {
                "before": [await visit(page, *tab) for page, tab in zip(pages, tabs, strict=True)]
            }
            if any(r["state"] != "drawn" for r in steps["before"]):
                return steps
            for page in pages:
                await page.evaluate(WATCH_RECONNECT)
            await asyncio.to_thread(server.restart)  # the tabs stay open, their sockets drop
            for step, action in (("used", use), ("reloaded", reload)):
                steps[step] = await each(action)
                await _screenshots(pages, steps[step], f"{name}-{step}")
            return steps
        finally:
            await browser.close()


async def _screenshots(pages, results, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, (page, result) in enumerate(zip(pages, results, strict=True)):
        if i == 0 or result["state"] != "drawn":  # one look at a good tab, every bad one
            await page.screenshot(path=str(SHOTS / f"{name}-{i}-{result['state']}.png"))


def _report(results: list[dict], server) -> str:
    lines = [f"tab {i}: {r['state']} {r['detail'][:200]!r}" for i, r in enumerate(results)]
    return "\n".join(lines) + f"\n--- server log ({server.root}) ---\n" + server.log_tail()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "title", "tabs"),
    [("train", "Train a VAE", 2), ("interpolate", "Interpolate", 5)],
)
def test_tabs_opened_at_once_on_a_fresh_server_all_show_the_page(fresh_server, path, title, tabs):
    server = fresh_server(APP_ROOT)
    results = _in_thread(_open_at_once, server.url, path, title, tabs, f"concurrent-{path}")
    assert [r["state"] for r in results] == ["drawn"] * tabs, _report(results, server)


@pytest.mark.browser
def test_tabs_left_open_across_a_server_restart_show_their_pages_again(fresh_server):
    """Two tabs (opened one after the other) stay open while the server restarts; both are
    used at the same moment, then reloaded at the same moment."""
    server = fresh_server(APP_ROOT)
    tabs = [("train", "Train a VAE"), ("interpolate", "Interpolate")]
    steps = _in_thread(_restart_with_tabs_open, server, tabs, "restart")
    for step in ("before", "used", "reloaded"):
        results = steps.get(step, [{"state": "not reached", "detail": ""}] * len(tabs))
        assert [r["state"] for r in results] == ["drawn"] * len(tabs), (
            step,
            _report(results, server),
        )


EVERY_PAGE = [
    ("", "VAE Lab"), ("train", "Train a VAE"), ("latent_map", "Latent map"),
    ("interpolate", "Interpolate"), ("beta_comparison", "β & objectives"),
    ("conditional", "Conditional generation"), ("posterior_lab", "Posterior & collapse lab"),
    ("denoise", "Denoise & inpaint"), ("density", "Density"),
]  # fmt: skip


@pytest.mark.browser
@pytest.mark.parametrize("server_number", range(1, CLASS_SERVERS + 1))
def test_a_class_of_twenty_opening_every_page_at_once_all_see_their_page(
    fresh_server, server_number
):
    """Issue 24: 20 tabs over every page, navigations started together on a fresh server; before
    the shell imported pandas under its import lock, 12-15 of 20 drew (plotly read pandas
    half-imported). 20 of 20 on each fresh server (``VAE_LAB_CLASS_SERVERS=3`` for three)."""
    server = fresh_server(APP_ROOT)
    tabs = [EVERY_PAGE[i % len(EVERY_PAGE)] for i in range(20)]
    results = _in_thread(_open_mixed, server.url, tabs, f"class-{server_number}")
    assert [r["state"] for r in results] == ["drawn"] * 20, _report(results, server)
