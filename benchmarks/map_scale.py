"""The Latent map at 100,000 points: encoding, UMAP of 70,000 codes, recolouring and selection.

``python -m benchmarks.map_scale [--only encode umap page]`` prints one JSON object
and writes ``benchmarks/results/map_scale.json``. Every figure carries the
1-minute load average taken just before it and the thread counts it ran with.

- ``encode``: the 100,000-point sample of ``shapes`` (5,000 test images, then
  95,000 drawn from the grid with seed 0) encoded by ``shapes-beta1`` with the
  web server's one torch thread, as the page does under its progress bar.
- ``umap``: ``vae.maps.projection.project(codes, "umap")`` of the first 70,000 and of
  all 100,000 codes (``vae.maps.umap_fast``: k-d tree neighbours, PCA start, its
  epochs), numba's kernels compiled beforehand (the server's warm-up does that);
  the neighbour search alone; PCA of 100,000; trustworthiness@15 (scikit-learn)
  on a seeded 5,000-point subsample. t-SNE is refused above
  ``projection.TSNE_MAX_N`` points.
- ``page``: the Latent map under AppTest with the 100,000-point sample on a PCA
  map: the script run (server side) of recolouring to each option and of a
  1,000-point selection (gallery drawn), median of 3, and the figure's size.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="map-scale-cache-"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.common import ROOT, emit, load_average, machine  # noqa: E402

log = logging.getLogger("benchmarks.map_scale")
MODEL = "shapes-beta1"
UMAP_N = 70_000


def _model():
    from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info

    path = BUNDLED / MODEL
    return path, load_model(path), dataset_for(model_info(path))


def encode(points: int) -> tuple[dict, dict[str, np.ndarray]]:
    from vae.app import large_map as glue
    from vae.maps import large as large_map
    from vae.runs import cache

    path, model, data = _model()
    torch.set_num_threads(1)  # the web server's count (vae.threads)
    sample = large_map.make_sample(data, points, seed=glue.SEED)
    load = load_average()
    start = time.perf_counter()
    arrays = large_map.encode_sample(model, data, sample)
    seconds = time.perf_counter() - start
    # Where the page looks for it, so the page figures below read it from disk.
    cache.save_arrays(path, "sample_codes", {"size": len(sample), "seed": glue.SEED}, arrays)
    figure = {
        "n": len(sample), "seconds": round(seconds, 1),
        "per_second": round(len(sample) / seconds), "torch_threads": 1, "load_1min": load,
    }  # fmt: skip
    return figure, arrays


def _timed(fn):
    load = load_average()
    start = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - start, 2), load


def umap(codes: np.ndarray) -> dict:
    import numba

    from vae.maps import projection, umap_fast, umap_loader

    umap_loader.import_umap()
    umap_fast.umap_large(codes[:2000], n_epochs=5)  # compile (or load) numba's kernels
    out: dict = {
        "torch_threads": torch.get_num_threads(), "numba_threads": numba.get_num_threads(),
        "layout_threads": 1, "epochs": umap_fast.LARGE_EPOCHS,
        "note": "the layout's SGD is umap-learn's single-threaded kernel (seeded); "
        "the k-d tree query runs on every core",
    }  # fmt: skip
    z = codes[: min(UMAP_N, len(codes) * 7 // 10)].astype(np.float64)
    _, out["knn_70k_s"], out["knn_70k_load_1min"] = _timed(lambda: umap_fast.knn(z, 15))
    xy, out["umap_70k_s"], out["umap_70k_load_1min"] = _timed(lambda: projection.project(z, "umap"))
    out["trustworthiness_70k"] = round(umap_fast.trustworthiness(z, xy), 4)
    few = z[: umap_fast.LARGE_N + 5000]
    again = projection.project(few, "umap")
    out["reproducible_25k"] = bool(np.array_equal(again, projection.project(few, "umap")))
    full = codes.astype(np.float64)
    xy, out["umap_100k_s"], out["umap_100k_load_1min"] = _timed(
        lambda: projection.project(full, "umap")
    )
    out["trustworthiness_100k"] = round(umap_fast.trustworthiness(full, xy), 4)
    _, out["pca_100k_s"], out["pca_100k_load_1min"] = _timed(
        lambda: projection.project(full, "pca")
    )
    out["tsne"] = f"refused above {projection.TSNE_MAX_N:,} points (minutes on 2 cores)"
    return out


def page() -> dict:
    from streamlit.testing.v1 import AppTest

    from tests.app.test_page_latent_map import array, point_traces, select
    from vae.app import large_map as glue
    from vae.app.shell import MODEL_KEY

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state[MODEL_KEY] = MODEL
    at.run()
    at.switch_page("pages/latent_map.py").run()
    at.selectbox(key="map_method").set_value("pca").run()
    _, first_s, first_load = _timed(
        lambda: at.radio(key=glue.POINTS_KEY).set_value(glue.SAMPLE).run()
    )
    points = sum(len(array(t["customdata"])) for t in point_traces(_figure(at)))
    recolour = {}
    for option in at.selectbox(key="map_colour").options:
        at.selectbox(key="map_colour").set_value(option).run()  # first: fills the memo
        times, load = [], load_average()
        for other in (option, option, option):
            at.selectbox(key="map_colour").set_value(other)
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        recolour[option] = {"median_s": round(statistics.median(times), 3), "load_1min": load}
    times, load = [], load_average()
    for attempt in range(3):  # a new selection each time: the page ignores a repeated event
        ids = np.random.default_rng(attempt).choice(points, size=1000, replace=False).tolist()
        start = time.perf_counter()
        select(at, ids)
        times.append(time.perf_counter() - start)
    shown = [m.value for m in at.markdown if "selected examples" in m.value]
    errors = [e.message for e in at.exception] + [e.value for e in at.error]
    return {
        "points_on_map": points, "first_sample_map_s": first_s, "first_load_1min": first_load,
        "recolour": recolour, "worst_recolour_s": max(r["median_s"] for r in recolour.values()),
        "selection_1000_s": round(statistics.median(times), 3), "selection_load_1min": load,
        "figure_json_mb": round(len(at.get("plotly_chart")[0].proto.spec) / 1e6, 1),
        "gallery": shown, "torch_threads": torch.get_num_threads(), "exceptions": errors,
    }  # fmt: skip


def _figure(at) -> dict:
    import json

    return json.loads(at.get("plotly_chart")[0].proto.spec)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=("encode", "umap", "page"))
    parser.add_argument("--points", type=int, default=100_000, help="fewer for a quick try")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    stages = set(args.only or ("encode", "umap", "page"))
    result: dict = {"machine": machine(), "model": MODEL}
    figure, arrays = encode(args.points)
    if "encode" in stages:
        result["encode_100k"] = figure
    if "umap" in stages:
        result["umap"] = umap(arrays["means"])
        log.info("umap: %s", result["umap"])
    if "page" in stages:
        result["page_100k"] = page()
    emit("map_scale", result)


if __name__ == "__main__":
    sys.exit(main())
