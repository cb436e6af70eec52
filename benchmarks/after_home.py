"""Pages opened by link straight after Home on a freshly started server: the cold worst case.

``python -m benchmarks.after_home [--repeat N] [--against DIR]`` starts ``streamlit run
app.py`` and, in a fresh browser context, opens Home and then, each as soon as the one
before is idle, the Latent map, Interpolate and β & objectives by their links. Nobody reads
Home here, so the server's background import warm-up (``vae.app.warm``, started by Home's
first run) is still running when the Latent map is opened, and the browser has not yet
fetched Plotly's code (Home waits 1.5 s or a pointer move for that): what a teacher who
starts the server and pastes the second link at once waits. ``pages_browser.py`` visits
Home twice and Train before the Latent map. Visits are timed as there (navigation to idle).
``--repeat N``: N fresh servers, medians; ``--against DIR`` alternates servers of another
checkout (A B A B). Prints one JSON object, kept in ``benchmarks/results/after_home*.json``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.common import ROOT, emit, load_average, machine
from benchmarks.first_curve_browser import streamlit_server
from benchmarks.pages_browser import visit
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS

SEQUENCE = [
    ("", "digits-2d"),
    ("latent_map", "digits-2d"),
    ("interpolate", "mnist-16d"),
    ("beta_comparison", "shapes-tcvae"),
]


def one_server(browser, root: Path) -> dict[str, float]:
    runs = Path(tempfile.mkdtemp(prefix="vae-bench-after-home-"))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    times = {}
    with streamlit_server(runs, runs / "server.log", root=root) as url:
        for path, model in SEQUENCE:
            times[path or "home"] = round(visit(page, f"{url}/{path}?model={model}"), 2)
    context.close()
    return times


def summary(servers: list[dict[str, float]], loads: list[float]) -> dict[str, object]:
    return {
        "first_s": {k: round(statistics.median(s[k] for s in servers), 2) for k in servers[0]},
        "each_s": {k: [s[k] for s in servers] for k in servers[0]},
        "load_1min": loads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh servers, medians reported")
    parser.add_argument(
        "--against", type=Path, default=None,
        help="another checkout (a git worktree of an older commit), alternated A B A B",
    )  # fmt: skip
    args = parser.parse_args()
    mine, theirs, my_loads, their_loads = [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.repeat):
            if args.against is not None:
                theirs.append(one_server(browser, args.against.resolve()))
                their_loads.append(load_average())
            mine.append(one_server(browser, ROOT))
            my_loads.append(load_average())
        browser.close()
    emit(
        "after_home" + ("_against" if args.against else ""),
        {
            "machine": machine(),
            "servers": args.repeat,
            **summary(mine, my_loads),
            "against": None
            if args.against is None
            else {"root": str(args.against), **summary(theirs, their_loads)},
        },
    )


if __name__ == "__main__":
    main()
