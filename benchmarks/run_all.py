"""Every figure of the performance table, one after another, into ``results/latest.json``.

``python -m benchmarks.run_all [--only NAME ...]`` runs each benchmark in its own
process (so none inherits another's warm caches or thread settings), prints
one JSON object, and writes it to ``benchmarks/results/latest.json`` with the
load average before each figure: numbers taken above a load of ~1.5 on 2 cores
are shared with other work and read slow.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from benchmarks.common import PYTHON, RESULTS, ROOT, load_average, machine

BENCHMARKS = {
    "training": [PYTHON, "-m", "vae", "bench", "--json"],
    "decode": [PYTHON, "-m", "benchmarks.decode"],
    "pages": [PYTHON, "-m", "benchmarks.pages"],
    "server": [PYTHON, "-m", "benchmarks.server"],
    "latent_map": [PYTHON, "-m", "benchmarks.latent_map"],
    "umap_fit": [PYTHON, "-m", "benchmarks.umap_fit"],
    "iwae": [PYTHON, "-m", "benchmarks.iwae"],
    "load": [PYTHON, "-m", "benchmarks.load"],
}


def run(name: str) -> dict[str, object]:
    load = load_average()
    start = time.perf_counter()
    out = subprocess.run(BENCHMARKS[name], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:], "load_1min_before": load}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_1min_before"] = load
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=None)
    args = parser.parse_args()
    names = args.only or list(BENCHMARKS)
    report = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    report.update({name: run(name) for name in names})
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / ("latest.json" if args.only is None else "partial.json")
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
