"""Each page's first and second visit in headless Chromium, on a freshly started server.

``python -m benchmarks.pages_browser [--busy] [--repeat N]`` starts ``streamlit run
app.py`` (runs in a fresh temporary folder), waits for its health check and
then opens, in one Chromium tab, Home and every page with the bundled model it
is shown with (``?model=`` in the address, as a shared link does). A visit is
timed from ``page.goto`` to the page idle: the script not running, no skeleton
left and every Plotly chart on it drawn (its SVG exists). Each page is visited
twice in a row: the first visit is the first time the server runs that page
(its model, data and caches loaded on demand), the second is what the next
student to open it waits. ``home_after_health_s`` is the first tab's time from
the health check. ``--busy`` keeps one core busy with a child process
throughout; ``--repeat N`` repeats the whole sequence on N fresh servers and
reports each visit's median; ``--against DIR`` alternates with servers of another
checkout (A B A B) and reports both. Bar: every first visit ≤ 2 s quiet and ≤ 3 s with
one core busy. Prints one JSON object, kept in
``benchmarks/results/pages_browser[_busy][_against].json``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from benchmarks.common import PYTHON, ROOT, emit, load_average, machine
from benchmarks.first_curve_browser import streamlit_server
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS

# (url path, bundled model): the models the pages are shown with in the README.
PAGES = [
    ("", "digits-2d"),
    ("train", "digits-2d"),
    ("latent_map", "digits-2d"),
    ("interpolate", "mnist-16d"),
    ("beta_comparison", "shapes-tcvae"),
    ("conditional", "digits-cvae"),
    ("posterior_lab", "digits-flow"),
    ("denoise", "digits-8d"),
    ("density", "digits-8d"),
]

IDLE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector("[data-testid='stSkeleton']")) return false;
    if (!document.querySelector("[data-testid='stMain'] h1")) return false;
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
    return charts.every(c => c.querySelector('.main-svg'));
}"""


def visit(page: Page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(IDLE, timeout=180_000, polling=20)
    return time.perf_counter() - start


def one_server(root: Path = ROOT) -> dict[str, object]:
    runs = Path(tempfile.mkdtemp(prefix="vae-bench-pages-"))
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        with streamlit_server(runs, runs / "server.log", root=root) as url:
            for i, (path, model) in enumerate(PAGES):
                address = f"{url}/{path}?model={model}"
                load = load_average()
                first = visit(page, address)
                second = visit(page, address)
                errors = page.locator("[data-testid='stException']").count()
                rows.append(
                    {
                        "page": path or "home",
                        "model": model,
                        "first_s": round(first, 2),
                        "second_s": round(second, 2),
                        "exceptions": errors,
                        "load_1min": load,
                    }
                )
                if i == 0:
                    rows[0]["after_health"] = True  # timed from the health check's answer
        browser.close()
    return {"visits": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--repeat", type=int, default=1, help="fresh servers, medians reported")
    parser.add_argument(
        "--against", type=Path, default=None,
        help="another checkout (a git worktree of an older commit): its servers alternate with "
        "this one's, A B A B, and both are reported",
    )  # fmt: skip
    args = parser.parse_args()
    child = subprocess.Popen([PYTHON, "-c", "while True: pass"]) if args.busy else None
    try:
        servers, others = [], []
        for _ in range(args.repeat):
            if args.against is not None:
                others.append(one_server(args.against.resolve())["visits"])
            servers.append(one_server()["visits"])
    finally:
        if child is not None:
            child.kill()
    against = None if args.against is None else {"root": str(args.against), "visits": _rows(others)}
    rows = _rows(servers)
    emit(
        "pages_browser" + ("_busy" if args.busy else "") + ("_against" if against else ""),
        {
            "machine": machine(),
            "busy_core": args.busy,
            "servers": args.repeat,
            "home_after_health_s": rows[0]["first_s"],
            "visits": rows,
            "worst_first_s": max(r["first_s"] for r in rows),
            "worst_second_s": max(r["second_s"] for r in rows),
            "against": against,
        },
    )


def _rows(servers: list[list[dict]]) -> list[dict]:
    """Each page's median over the servers, with every server's first visit beside it."""
    rows = []
    for i, (path, model) in enumerate(PAGES):
        each = [s[i] for s in servers]
        rows.append(
            {
                "page": path or "home",
                "model": model,
                "first_s": round(statistics.median(r["first_s"] for r in each), 2),
                "second_s": round(statistics.median(r["second_s"] for r in each), 2),
                "first_each_s": [r["first_s"] for r in each],
                "exceptions": sum(r["exceptions"] for r in each),
                "load_1min": [r["load_1min"] for r in each],
            }
        )
    return rows


if __name__ == "__main__":
    main()
