"""Start → the first point drawn → the run shown finished, on the Train page in headless Chromium.

``python -m benchmarks.first_curve_browser [--busy] [--runs N]`` starts
``streamlit run app.py`` on a free port with ``VAE_LAB_RUNS`` set to a fresh
temporary folder, opens ``/train``, waits until the page is idle, presses Start
(digits, the form's defaults) and reports, in seconds from the click:

- ``browser_run_shown``: the live view's heading names the new run;
- ``browser_first_point``: the live curve (``train_curves``) has drawn its first
  point (the step trace, ``train (steps)``, is what appears first);
- ``browser_finished``: the heading shows the run ``completed``;

and beside them the run folder's own marks (``cli_started``, ``config_written``,
``first_point``, ``first_epoch``, ``last_epoch``, ``finished``), read as
``benchmarks.first_curve`` reads them. ``page_first_point_s`` and
``page_finished_s`` (browser − run folder) are the page's share: its polling,
its script runs and the drawing. The click and the marks are taken on one
clock (the browser's ``Date.now()`` and ``time.time()`` on this machine).
As a person reads the form before pressing Start, the click waits until the
standby supervisor the page keeps (``vae.jobs.standby``, torch imported) is ready
(``standby_ready_s`` from the page drawn), then a second more, as
``benchmarks.first_curve`` does; ``--cold`` turns standbys off in the server.
``--busy`` keeps one core busy with a child process throughout; ``--runs N``
starts N runs one after the other on the same server (a fresh tab each) and
reports the median of each mark beside every run's marks. The first run's tab
had no run to show before Start, so its browser loads the table and plotly code
and lays out its first charts after the click (seconds on a loaded machine);
later tabs already show the last run. Prints one JSON object,
kept in ``benchmarks/results/first_curve_browser[_busy][_cold].json``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import PYTHON, ROOT, emit, load_average, machine
from benchmarks.first_curve import watch_run
from benchmarks.load_server import stop_server
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, _free_port
from tests.browser.pw import no_exception, open_app_page, trace_points

# Installed in the page before Start: the click's time, then every 20 ms the first time
# each mark is seen. Date.now() is the wall clock this process reads with time.time().
WATCHER = """() => {
  const marks = {click: null, name: null, shown: null, point: null, done: null, state: null};
  window.__firstCurve = marks;
  const points = POINTS;
  const heading = () => [...document.querySelectorAll("h3")]
      .map(h => h.textContent.trim()).find(t => t.startsWith(marks.name + " · ")) || "";
  document.addEventListener("click", e => {
    if (marks.click === null && e.target.closest(".st-key-start")) marks.click = Date.now();
  }, true);
  const timer = setInterval(() => {
    if (marks.name === null) return;  // set from outside once the run folder appears
    const now = Date.now(), text = heading();
    if (marks.shown === null && text) marks.shown = now;
    if (marks.point === null && points("train_curves_" + marks.name) >= 1) marks.point = now;
    const end = ["completed", "failed", "stopped", "interrupted"].find(s => text.endsWith(s));
    if (marks.done === null && end) { marks.done = now; marks.state = end; clearInterval(timer); }
  }, 20);
}""".replace("POINTS", trace_points("train_curves", "train (steps)"))

MARKS = ["cli_started", "config_written", "first_point", "first_epoch", "last_epoch", "finished"]


@contextlib.contextmanager
def streamlit_server(
    runs: Path, log_path: Path, cold: bool = False, root: Path = ROOT
) -> Iterator[str]:
    """``streamlit run app.py`` of ``root`` on a free port, its runs under ``runs``; yields its
    URL (``root``: another checkout, e.g. a ``git worktree`` of an older commit)."""
    from vae.jobs import standby

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    runs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "VAE_LAB_RUNS": str(runs), "VAE_LAB_WARMUP": "0"}
    env[standby.ENV] = "0" if cold else "1"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                PYTHON, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                "--server.address=127.0.0.1", f"--server.port={port}",
                "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
            ],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the server did not start:\n{log_path.read_text()[-2000:]}")
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        stop_server(proc)


def _new_run(runs: Path, before: set[str], timeout: float = 60) -> Path:
    """The run folder Start created (it has its launch.json), waiting for it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in runs.iterdir():
            if path.name not in before and (path / "launch.json").is_file():
                return path
        time.sleep(0.02)
    raise RuntimeError("pressing Start created no run folder")


def _standby_ready(runs: Path, cold: bool, timeout: float = 60) -> float | None:
    """Seconds until the page's standby supervisor is ready (None with ``cold``), then 1 s more."""
    from vae.jobs import standby

    if cold:
        return None
    began = time.perf_counter()
    while standby.ready(runs) is None and time.perf_counter() - began < timeout:
        time.sleep(0.02)
    ready_s = round(time.perf_counter() - began, 2)
    time.sleep(1.0)
    return ready_s


def one_run(browser, url: str, runs: Path, cold: bool = False) -> dict[str, object]:
    """Open /train in a fresh tab, press Start, and time the page and the run folder."""
    from vae.runs import store as run_store

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        open_app_page(page, url, "train")
        no_exception(page)
        ready_s = _standby_ready(runs, cold)
        page.evaluate(WATCHER)
        before = {p.name for p in runs.iterdir()}
        page.locator(".st-key-start button").click()
        click_ms = page.wait_for_function("window.__firstCurve.click").json_value()
        click = click_ms / 1e3
        run_dir = _new_run(runs, before)
        page.evaluate("name => { window.__firstCurve.name = name; }", run_dir.name)
        launch = run_store.read_json(run_dir / "launch.json", {}) or {}
        epochs = int((launch.get("settings") or {}).get("epochs") or 0)
        folder = watch_run(run_dir, epochs, click, clock=time.time)
        page.wait_for_function("window.__firstCurve.done", timeout=120_000)
        seen = page.evaluate("window.__firstCurve")
        no_exception(page)
    finally:
        context.close()

    def since_click(key: str) -> float | None:
        return None if seen.get(key) is None else round(seen[key] / 1e3 - click, 2)

    marks: dict[str, object] = {
        "browser_run_shown": since_click("shown"),
        "browser_first_point": since_click("point"),
        "browser_finished": since_click("done"),
        "browser_state": seen.get("state"),
        **{k: folder.get(k) for k in MARKS},
        "state": folder.get("state"),
        "epochs": epochs,
        "threads": folder.get("threads"),
        "standby_ready_s": ready_s,
    }
    for page_key, browser_key, folder_key in [
        ("page_first_point_s", "browser_first_point", "first_point"),
        ("page_finished_s", "browser_finished", "finished"),
    ]:
        b, f = marks[browser_key], marks[folder_key]
        marks[page_key] = None if b is None or f is None else round(b - f, 2)
    return marks


def _median(rows: list[dict[str, object]], key: str) -> float | None:
    values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
    return round(statistics.median(values), 2) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--runs", type=int, default=1, help="runs one after the other")
    parser.add_argument("--cold", action="store_true", help="no standby: a fresh supervisor")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    load_before = load_average()
    child = subprocess.Popen([PYTHON, "-c", "while True: pass"]) if args.busy else None
    rows = []
    try:
        if child is not None:
            time.sleep(0.5)
        with (
            tempfile.TemporaryDirectory(prefix="first-curve-browser-") as tmp,
            streamlit_server(Path(tmp) / "runs", Path(tmp) / "streamlit.log", args.cold) as url,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for _ in range(args.runs):
                    rows.append(one_run(browser, url, Path(tmp) / "runs", args.cold))
            finally:
                browser.close()
    finally:
        if child is not None:
            child.kill()
            child.wait()
    from vae.app import train

    keys = [k for k, v in rows[0].items() if isinstance(v, int | float) and k != "epochs"]
    summary = (
        rows[0]
        if len(rows) == 1
        else {**{k: _median(rows, k) for k in keys}, "epochs": rows[0]["epochs"]}
    )
    emit(
        "first_curve_browser" + ("_busy" if args.busy else "") + ("_cold" if args.cold else ""),
        {
            "machine": machine(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load_1min_before": load_before,
            "busy_core": args.busy,
            "standby": not args.cold,
            "poll_s": train.POLL_SECONDS,
            "fast_poll_s": getattr(train, "FAST_POLL_SECONDS", None),
            **summary,
            **({"each_run": rows} if len(rows) > 1 else {}),
        },
    )


if __name__ == "__main__":
    main()
