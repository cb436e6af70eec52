"""A class opens the link at once: N sessions on a freshly started server (issue 13).

``python -m benchmarks.load [--sessions 1 5 10 20] [--quick]`` prints one JSON object
(and keeps it in ``results/load.json``). For each N it starts a fresh server, opens N
browser sessions at the same moment (one headless Chromium, a context each), and each
session, as a student would:

1. opens Home (the link),
2. clicks Interpolate in the sidebar,
3. moves the first latent slider (the page's fragment reruns),
4. clicks Latent map in the sidebar,
5. clicks Train in the sidebar and presses Start with the form's defaults (issue 24): the
   server's queue takes at most ``VAE_LAB_MAX_QUEUED`` waiting runs, so some presses are
   refused in a sentence, which is an outcome, not an error.

Reported per N:

- ``errors``: actions that showed an exception or "This app has encountered an error";
  ``blank_pages``: actions after which neither the page nor an error showed within the
  timeout; ``server_exceptions``: script runs that ended in an uncaught exception.
- ``browser_ms``: per action, from the click (or the navigation) to the page drawn in the
  browser (p50/p95). The browser shares the 2 cores with the server, so this includes
  a starved renderer.
- ``server_ms`` / ``server_cpu_ms``: the server's own script-run time per action, measured
  inside the server: wall time and the script thread's CPU time of every run that served
  the action (a page opened through the shell is a run that reruns, counted together).
  Wall minus CPU is time spent waiting (for the GIL held by other sessions' runs, or for
  a core). A slider move is a fragment rerun, which never passes through app.py, so the
  timing is taken where Streamlit runs every script and fragment: the server is started
  by :func:`serve`, which wraps Streamlit's ``exec_func_with_error_handling`` (the span
  Streamlit itself reports as a run's ``exec_time``) and logs one ``SCRIPT_RUN`` line
  per run. Nothing in the app changes.
- ``peak_rss_mb``: the server's ``VmHWM`` after the N sessions; ``load_1min_before``.
- ``start``: how the Start presses ended (``started``, ``refused`` with the sentences shown)
  and ``queue``: the runs folder's runs by state right after the sessions (the queue's
  length is its ``queued``); the runs are then cancelled, so nothing outlives the benchmark.

``--browser-nice 10`` starts the tabs' Chromium at niceness 10: the 20 renderers here share
the server's 2 cores (load ~27), where a class's browsers run on the students' laptops;
a slider move's wall time then measures the server rather than the tabs. Both are reported.

Targets at N = 20: 0 errors, 0 blank pages, server time of a slider move p95 ≤ 100 ms,
peak memory ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.common import emit, load_average, machine, percentile
from benchmarks.load_server import (
    RUN_TAG,
    cancel_all,
    queue_states,
    server_runs,
    start_server,
    stop_server,
)

SESSIONS = [1, 5, 10, 20]
QUICK = [1, 3]
TIMEOUT_MS = 240_000  # per action; 20 tabs share 2 cores with the server: see --timeout
# action -> (page, kind) of the script runs that serve it
ACTIONS = {
    "open_home": ("home", "full"),
    "open_interpolate": ("interpolate", "full"),
    "move_slider": ("interpolate", "fragment"),
    "open_latent_map": ("latent_map", "full"),
    "press_start": ("train", "full"),
}
TARGETS = {"errors": 0, "blank_pages": 0, "slider_server_p95_ms": 100, "peak_rss_mb": 1536}


# --- the sessions, in the browser ------------------------------------------------------------

# "error", "drawn" (idle, nothing stale, the shell's navigation, picker and title), or null.
DRAWN = """([title, needs]) => {
    const text = document.body ? document.body.innerText : "";
    if (document.querySelector("[data-testid='stException']")
        || text.includes("This app has encountered an error")) return "error";
    const app = document.querySelector("[data-testid='stApp']");
    const idle = app && app.dataset.testConnectionState === "CONNECTED"
        && app.dataset.testScriptState === "notRunning"
        && document.querySelectorAll("[data-stale='true']").length === 0;
    const nav = document.querySelector("[data-testid='stSidebarNav']");
    const picker = document.querySelector(
        "[data-testid='stSidebar'] .st-key-model_name [data-testid='stSelectbox']");
    const heading = [...document.querySelectorAll("h1")].some(h => h.innerText.includes(title));
    const content = !needs || document.querySelector(needs) !== null;
    const shell = nav && nav.innerText.includes("Home");
    return idle && shell && picker && heading && content ? "drawn" : null;
}"""
CODE_CAPTION = "[...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]" \
    ".map(e => e.innerText).find(t => t.startsWith('code:')) || ''"  # fmt: skip
SLIDER = "[data-testid='stSlider'] input[type='range']"  # the thumb's (hidden) input
# The focused element, for the report of a lost slider move: its tag, type and test id.
FOCUSED = """() => { const e = document.activeElement; if (!e) return 'nothing';
    const box = e.closest('[data-testid]');
    return `${e.tagName.toLowerCase()} ${e.type || ''} in ${box ? box.dataset.testid : 'no test id'}`; }"""
# After Start: "started", "refused: <the sentence shown>", or null while the page reruns.
START_OUTCOME = """() => {
    const alerts = [...document.querySelectorAll("[data-testid='stAlert']")]
        .filter(e => !e.closest("[data-stale='true']")).map(e => e.innerText.trim());
    if (alerts.some(t => t.startsWith("Started"))) return "started";
    const refused = alerts.find(t => /queue|at once|one press|Not started/i.test(t));
    return refused ? "refused: " + refused.slice(0, 200) : null;
}"""


async def _drawn(page, title: str, needs: str | None = None, settle_ms: int = 500):
    """Wait for the page drawn (and still drawn ``settle_ms`` later) or an error.

    Returns the state ("drawn", "error" or "blank": neither within the timeout) and the
    ``perf_counter`` time it was first seen (the settle is not part of the latency).
    """
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + TIMEOUT_MS / 1e3
    try:
        while True:
            left = max(1.0, (deadline - time.monotonic()) * 1e3)
            handle = await page.wait_for_function(DRAWN, arg=[title, needs], timeout=left)
            seen = time.perf_counter()
            if await handle.json_value() == "error":
                return "error", seen
            await page.wait_for_timeout(settle_ms)
            if await page.evaluate(DRAWN, [title, needs]) == "drawn":
                return "drawn", seen
    except PlaywrightTimeout:
        return "blank", time.perf_counter()


async def _session(browser, url: str) -> list[dict[str, object]]:
    """One student: Home, Interpolate, a slider move, Latent map. One record per action."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    records: list[dict[str, object]] = []

    async def act(name: str, start_action, title: str, needs: str | None = None) -> bool:
        t0 = time.perf_counter()
        try:
            await start_action()
            state, seen = await _drawn(page, title, needs)
        except Exception as exc:  # a click that found nothing to click, a crashed tab
            state, seen = "error", time.perf_counter()
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        else:
            detail = ""
            if state == "error":
                box = page.locator("[data-testid='stException']")
                detail = (await box.first.inner_text()) if await box.count() else "error text"
        ms = (seen - t0) * 1e3
        records.append({"action": name, "state": state, "ms": round(ms, 1), "detail": detail})
        return state == "drawn"

    def nav(label: str):
        link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)
        return lambda: link.click(timeout=TIMEOUT_MS)  # Playwright's 30 s is short for 30 tabs

    async def move_slider() -> None:
        before = await page.evaluate(CODE_CAPTION)
        thumb = page.locator(SLIDER).first
        await thumb.focus(timeout=TIMEOUT_MS)  # Playwright's 30 s default is short for 20 tabs
        await thumb.press("ArrowRight", timeout=TIMEOUT_MS)
        try:
            await page.wait_for_function(
                f"(before) => ({CODE_CAPTION}) !== before", arg=before, timeout=TIMEOUT_MS
            )
        except Exception as exc:  # what the page shows, for the report: a lost move or a slow one
            now = await page.evaluate(CODE_CAPTION)
            value = await thumb.input_value(timeout=5_000)
            focused = await page.evaluate(FOCUSED)
            raise RuntimeError(
                f"the code caption did not change after ArrowRight: the first slider shows "
                f"{value}; caption {now[:60]!r}, before {before[:60]!r}; focus on {focused}"
            ) from exc

    outcome: dict[str, str] = {}

    async def press_start() -> None:
        await nav("Train")()
        state, _ = await _drawn(page, "Train a VAE", ".st-key-start button")
        if state != "drawn":
            raise RuntimeError(f"the Train page was {state}")
        await page.locator(".st-key-start button").click(timeout=TIMEOUT_MS)
        found = await page.wait_for_function(START_OUTCOME, timeout=TIMEOUT_MS)
        outcome["start"] = await found.json_value()

    try:
        ok = await act(
            "open_home", lambda: page.goto(url, timeout=TIMEOUT_MS), "VAE Lab", "[role='math']"
        )
        ok = ok and await act("open_interpolate", nav("Interpolate"), "Interpolate", SLIDER)
        ok = ok and await act("move_slider", move_slider, "Interpolate", SLIDER)
        ok = ok and await act(
            "open_latent_map", nav("Latent map"), "Latent map", "[data-testid='stPlotlyChart']"
        )
        ok = ok and await act("press_start", press_start, "Train a VAE", ".st-key-start button")
    finally:
        await context.close()
    if outcome:
        records[-1]["start"] = outcome["start"]
    return records


BROWSER_NICE = 0  # --browser-nice


def _chromium(folder: Path) -> str:
    """Chromium, or a wrapper that starts it at niceness ``BROWSER_NICE`` (its children too)."""
    from benchmarks.server import CHROMIUM

    if not BROWSER_NICE:
        return CHROMIUM
    wrapper = folder / "chromium-nice"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {BROWSER_NICE} "{CHROMIUM}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


async def _sessions_at_once(url: str, n: int) -> list[list[dict[str, object]]]:
    from playwright.async_api import async_playwright

    from benchmarks.server import CHROMIUM_ARGS

    async with async_playwright() as p:
        folder = Path(tempfile.mkdtemp(prefix="vae-bench-chromium-"))
        browser = await p.chromium.launch(executable_path=_chromium(folder), args=CHROMIUM_ARGS)
        try:
            return list(await asyncio.gather(*(_session(browser, url) for _ in range(n))))
        finally:
            await browser.close()


# --- one N, and the report -------------------------------------------------------------------


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
    }


def measure(n: int, log_dir: Path) -> dict[str, object]:
    """N sessions at once on a server of their own (started here, stopped at the end)."""
    from benchmarks.server import peak_rss_mb, rss_mb

    load = load_average()
    log_path = log_dir / f"server-{n}.log"
    runs_root = log_dir / f"runs-{n}"
    start = time.perf_counter()
    proc, url = start_server(log_path, runs_root)
    try:
        sessions = asyncio.run(_sessions_at_once(url, n))
        peak, rss = peak_rss_mb(proc.pid), rss_mb(proc.pid)
        queue = queue_states(runs_root)
    finally:
        stop_server(proc)
        cancel_all(runs_root)
    wall = time.perf_counter() - start
    log_text = log_path.read_text(errors="replace")
    runs = server_runs(log_text)
    if not runs:
        raise RuntimeError(f"the server logged no {RUN_TAG} lines: {log_text[-2000:]}")

    records = [r for s in sessions for r in s]
    browser_ms = {a: _stats([r["ms"] for r in records if r["action"] == a and r["state"] == "drawn"])
                  for a in ACTIONS}  # fmt: skip
    # The server's time per action: every run of the action's (page, kind) in one session, summed.
    per_action: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for r in runs:
        acc = per_action[(r["session"], r["page"], r["kind"])]
        acc[0] += r["ms"]
        acc[1] += r["cpu_ms"]
        acc[2] += 1
    server_ms, server_cpu_ms, runs_per_action = {}, {}, {}
    for action, (pg, kind) in ACTIONS.items():
        accs = [v for (_, p, k), v in per_action.items() if (p, k) == (pg, kind)]
        server_ms[action] = _stats([a[0] for a in accs])
        server_cpu_ms[action] = _stats([a[1] for a in accs])
        runs_per_action[action] = sum(a[2] for a in accs)
    fragment_runs = [r for r in runs if r["kind"] == "fragment" and r["page"] == "interpolate"]
    starts = [
        str(r.get("start")) for r in records if r["action"] == "press_start" and r.get("start")
    ]
    refusals = sorted({s.removeprefix("refused: ") for s in starts if s.startswith("refused")})
    return {
        "sessions": n,
        "load_1min_before": load,
        "errors": sum(r["state"] == "error" for r in records),
        "blank_pages": sum(r["state"] == "blank" for r in records),
        "actions_done": sum(r["state"] == "drawn" for r in records),
        "actions_expected": n * len(ACTIONS),
        "problems": [r for r in records if r["state"] != "drawn"][:10],
        "server_exceptions": sum(r["outcome"] == "exception" for r in runs),
        "log_errors": sum("Traceback" in line for line in log_text.splitlines()),
        "browser_ms": browser_ms,
        "server_ms": server_ms,
        "server_cpu_ms": server_cpu_ms,
        "server_runs": {**runs_per_action, "all": len(runs)},
        "slider_run_ms": _stats([r["ms"] for r in fragment_runs]),
        "start": {
            "started": starts.count("started"),
            "refused": sum(s.startswith("refused") for s in starts),
            "sentences": refusals,
        },
        "queue": queue,
        "peak_rss_mb": round(peak, 1),
        "rss_end_mb": round(rss, 1),
        "wall_s": round(wall, 1),
    }


def main() -> None:
    global TIMEOUT_MS, BROWSER_NICE  # --timeout sets the module's limit for every wait
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", nargs="+", type=int, default=None, help="the Ns to run")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK} only")
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT_MS / 1e3,
        help="seconds an action may take before its page counts as blank",
    )  # fmt: skip
    parser.add_argument(
        "--browser-nice", type=int, default=0,
        help="start the N tabs' Chromium at this niceness: in a class the browsers run on the "
        "students' laptops, not on the server's cores (default 0: they compete with it)",
    )  # fmt: skip
    args = parser.parse_args()
    TIMEOUT_MS = args.timeout * 1e3
    BROWSER_NICE = args.browser_nice
    ns = args.sessions or (QUICK if args.quick else SESSIONS)
    log_dir = Path(tempfile.mkdtemp(prefix="vae-bench-load-"))
    results = [measure(n, log_dir) for n in ns]
    last = results[-1]
    emit(
        "load" + (f"_browser_nice{BROWSER_NICE}" if BROWSER_NICE else ""),
        {
            "machine": machine(),
            "actions": list(ACTIONS),
            "targets_at_20": TARGETS,
            "blank_after_s": TIMEOUT_MS / 1e3,
            "browser_nice": BROWSER_NICE,
            "meets_targets_at": {
                "sessions": last["sessions"],
                "errors": last["errors"] <= TARGETS["errors"],
                "blank_pages": last["blank_pages"] <= TARGETS["blank_pages"],
                "slider_server_p95": last["server_ms"]["move_slider"].get("p95", float("inf"))
                <= TARGETS["slider_server_p95_ms"],
                "peak_rss": last["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
            },
            "runs": results,
            "server_logs": str(log_dir),
        },
    )


if __name__ == "__main__":
    main()
