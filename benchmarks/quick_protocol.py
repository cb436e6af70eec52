"""Where the quick disentanglement protocol's time goes, and how fast DCI's estimators are.

    python benchmarks/quick_protocol.py [--model assets/models/shapes-beta4] [--rounds 2]
                                        [--reference] [--whole]

The quick protocol (2,000 training and 1,000 test codes, 300 / 150 intervention
points, 50 bootstrap resamples) of ``vae.metrics.disentanglement``, timed stage
by stage (seconds, the median over ``rounds``, cases alternated A B A B) on 1 and
on 2 threads with the default DCI estimator, and DCI alone with each estimator on
the same codes (``exact_boosting``, the default; ``hist_gradient_boosting``, the
default before; with ``--reference`` also scikit-learn's
``GradientBoostingClassifier``, about 90 s). Each DCI row gives D, C and I so the
agreement is in view beside the time. ``--whole`` adds the wall time of the whole
``python -m vae evaluate MODEL --quick`` command (its IWAE at k = 1,000 included),
of the same at ``--k 100``, and with ``--metrics disentanglement`` alone. The 1-minute load average is
given beside every figure; peak memory is this process's maximum resident set.

Prints one JSON object (results/quick_protocol.json).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PYTHON, emit, load_average, machine  # noqa: E402


def _model_and_data(folder: Path):
    from vae.data import load_dataset
    from vae.runs.catalog import load_model

    train = json.loads((folder / "config.json").read_text())["train"]
    return load_model(folder), load_dataset(train["dataset"], image_size=train.get("image_size"))


def _stages(model, data, threads: int) -> dict[str, float]:
    """Seconds per stage of one quick protocol, from its progress reports."""
    import torch

    from vae.metrics.disentanglement import disentanglement_report
    from vae.model.evaluation import encode_means

    torch.set_num_threads(threads)
    marks: dict[str, float] = {}

    def progress(stage: str, fraction: float) -> None:
        marks.setdefault(stage, time.perf_counter())

    start = time.perf_counter()
    disentanglement_report(
        lambda x: encode_means(model, x).double().numpy(),
        data.ground_truth, 0, quick=True, progress=progress,
    )  # fmt: skip
    end = time.perf_counter()
    names = list(marks)
    times = [marks[n] for n in names] + [end]
    out = {
        name: round(times[i + 1] - times[i], 2) for i, name in enumerate(names) if name != "done"
    }
    out["total"] = round(end - start, 2)
    return out


def _dci_rows(model, data, estimators: list[str], rounds: int) -> list[dict]:
    import numpy as np
    import torch

    from vae.metrics._common import sample_codes
    from vae.metrics.dci import dci
    from vae.model.evaluation import encode_means

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    represent = lambda x: encode_means(model, x).double().numpy()  # noqa: E731
    codes = (*sample_codes(represent, data.ground_truth, 2000, rng),
             *sample_codes(represent, data.ground_truth, 1000, rng))  # fmt: skip
    dci(*codes)  # compiles (or loads) the boosting kernels outside the timing
    seconds: dict[str, list[float]] = {e: [] for e in estimators}
    scores: dict[str, dict] = {}
    for _ in range(rounds):
        for estimator in estimators:
            load = load_average()
            start = time.perf_counter()
            scores[estimator] = dci(*codes, estimator=estimator)
            seconds[estimator].append(time.perf_counter() - start)
            scores[estimator]["load_1min"] = load
    return [
        {"estimator": e, "seconds": round(statistics.median(seconds[e]), 2), "threads": 1,
         **{k: round(v, 4) for k, v in scores[e].items()}}
        for e in estimators
    ]  # fmt: skip


def _whole(folder: Path, extra: list[str]) -> dict:
    load = load_average()
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "vae", "evaluate", str(folder), "--quick", "--json", *extra],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    return {"command": " ".join(["evaluate", "--quick", *extra]),
            "seconds": round(time.perf_counter() - start, 1), "load_1min": load}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assets" / "models" / "shapes-beta4"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--whole", action="store_true")
    args = parser.parse_args()
    folder = Path(args.model)
    model, data = _model_and_data(folder)
    _stages(model, data, 1)  # warm: data set, kernels, caches
    runs: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for threads in (1, 2):
            runs[threads].append({**_stages(model, data, threads), "load_1min": load_average()})
    protocol = {
        f"threads_{t}": {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]}
        for t, rows in runs.items()
    }
    estimators = ["exact_boosting", "hist_gradient_boosting"]
    if args.reference:
        estimators.append("gradient_boosting")
    result = {
        "machine": machine(),
        "model": folder.name,
        "quick_protocol_s": protocol,
        "dci": _dci_rows(model, data, estimators, 1 if args.reference else args.rounds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.whole:
        result["whole_command"] = [
            _whole(folder, []),
            _whole(folder, ["--k", "100"]),
            _whole(folder, ["--metrics", "disentanglement"]),
        ]
    emit("quick_protocol", result)


if __name__ == "__main__":
    main()
