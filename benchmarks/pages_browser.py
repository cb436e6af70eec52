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
checkout (A B A B) and reports both. ``--sidebar`` opens the pages as a class does after the
link: Home by its link, then each page by a click in the sidebar (the page's model chosen in
Home's picker first, untimed, so the page still loads it itself), timed from the click to
idle; the second visit is Home again, then the page. The browser keeps its loaded code
between pages there, which a new link does not. ``--read S``: a person spends S seconds on
each page before the next click or link (default 0, back to back: the worst case for
what Home and the server do in the background). Bar: every first visit ≤ 2 s quiet and ≤ 3 s with
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


# The sidebar's title of each page (app.py).
TITLES = {
    "": "Home", "train": "Train", "latent_map": "Latent map", "interpolate": "Interpolate",
    "beta_comparison": "β & objectives", "conditional": "Conditional generation",
    "posterior_lab": "Posterior & collapse lab", "denoise": "Denoise & inpaint",
    "density": "Density",
}  # fmt: skip
# Idle, and the main area's title is not the one before the click (the new page is drawn).
NEW_PAGE_IDLE = (
    "([before]) => (" + IDLE + ")() && document.querySelector("
    "\"[data-testid='stMain'] h1\").innerText !== before"
)


def visit(page: Page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(IDLE, timeout=180_000, polling=20)
    return time.perf_counter() - start


def click_visit(page: Page, path: str) -> float:
    """Open a page by its link in the sidebar; seconds from the click to the page idle."""
    before = page.locator("[data-testid='stMain'] h1").first.inner_text()
    link = page.locator("[data-testid='stSidebarNavLink']", has_text=TITLES[path]).first
    start = time.perf_counter()
    link.click()
    page.wait_for_function(NEW_PAGE_IDLE, arg=[before], timeout=180_000, polling=20)
    return time.perf_counter() - start


def choose_model(page: Page, name: str) -> None:
    """Pick a bundled model in the sidebar (on Home, which loads no model)."""
    from vae.runs import catalog

    entry = catalog.find_bundled(name)
    page.locator(".st-key-model_name").click()
    page.keyboard.type(entry.title)
    page.get_by_role("option", name=entry.label).first.click()
    page.wait_for_function(IDLE, timeout=180_000, polling=20)


def sidebar_visits(page: Page, path: str, model: str, read: float = 0.0) -> tuple[float, float]:
    """A page's first and second visit by sidebar clicks, each from Home (read ``read`` s)."""
    if page.locator("[data-testid='stMain'] h1").first.inner_text() != "VAE Lab":
        click_visit(page, "")
    choose_model(page, model)
    page.wait_for_timeout(read * 1e3)
    first = click_visit(page, path)
    page.wait_for_timeout(read * 1e3)
    click_visit(page, "")
    page.wait_for_timeout(read * 1e3)
    return first, click_visit(page, path)


def one_server(root: Path = ROOT, sidebar: bool = False, read: float = 0.0) -> dict[str, object]:
    runs = Path(tempfile.mkdtemp(prefix="vae-bench-pages-"))
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        with streamlit_server(runs, runs / "server.log", root=root) as url:
            for i, (path, model) in enumerate(PAGES):
                address = f"{url}/{path}?model={model}"
                load = load_average()
                if sidebar and i > 0:
                    first, second = sidebar_visits(page, path, model, read)
                else:
                    first = visit(page, address)
                    page.wait_for_timeout(read * 1e3)
                    second = visit(page, address)
                page.wait_for_timeout(read * 1e3)
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
    parser.add_argument("--sidebar", action="store_true", help="pages by sidebar clicks")
    parser.add_argument(
        "--read", type=float, default=0.0,
        help="seconds a person spends on each page before the next click or link (default 0: "
        "back to back, the worst case)",
    )  # fmt: skip
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
                others.append(one_server(args.against.resolve(), args.sidebar, args.read)["visits"])
            servers.append(one_server(sidebar=args.sidebar, read=args.read)["visits"])
    finally:
        if child is not None:
            child.kill()
    against = None if args.against is None else {"root": str(args.against), "visits": _rows(others)}
    rows = _rows(servers)
    emit(
        "pages_browser"
        + ("_sidebar" if args.sidebar else "")
        + ("_read" if args.read else "")
        + ("_busy" if args.busy else "")
        + ("_against" if against else ""),
        {
            "machine": machine(),
            "busy_core": args.busy,
            "navigation": "sidebar clicks" if args.sidebar else "links (page.goto)",
            "read_s": args.read,
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
