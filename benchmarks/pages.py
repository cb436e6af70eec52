"""Each page's script run under AppTest, warm (model, data and caches loaded), median.

``python -m benchmarks.pages [--runs 7]`` prints one JSON object. Every page is
opened with the bundled model it is meant for, run once to warm the caches
(the cold run is reported too), then rerun ``--runs`` times; a rerun is what a
person's widget change costs at most (a page rerun in full). Bar: median ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from streamlit.testing.v1 import AppTest

from benchmarks.common import ROOT, emit_rows
from vae.app.shell import MODEL_KEY

# (page file or None for Home, the bundled model it is shown with)
PAGES = [
    (None, "digits-2d"),
    ("train", "digits-2d"),
    ("latent_map", "digits-2d"),
    ("interpolate", "digits-8d"),
    ("beta_comparison", "digits-8d"),
    ("conditional", "digits-cvae"),
    ("posterior_lab", "digits-flow"),
    ("denoise", "digits-8d"),
    ("density", "digits-8d"),
    ("density", "pinwheel-2d"),
]


def time_page(page: str | None, model: str, runs: int) -> dict[str, object]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state[MODEL_KEY] = model
    start = time.perf_counter()
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py")
        at.run()
    cold = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    errors = [e.message for e in at.exception]
    return {
        "page": page or "home",
        "model": model,
        "cold_s": round(cold, 3),
        "warm_median_s": round(statistics.median(times), 3),
        "warm_max_s": round(max(times), 3),
        "exceptions": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", nargs="*", default=None, help="page files (home for Home)")
    args = parser.parse_args()
    wanted = [(p, m) for p, m in PAGES if args.pages is None or (p or "home") in args.pages]
    results = [time_page(p, m, args.runs) for p, m in wanted]
    emit_rows("pages", "pages", results, "worst_warm_median_s", of="warm_median_s")


if __name__ == "__main__":
    main()
