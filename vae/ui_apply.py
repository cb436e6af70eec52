"""Streamlit glue for the Denoise & inpaint, Density and Posterior & collapse lab pages.

Each function here runs one ``vae.restore`` / ``vae.density`` / ``vae.posterior``
computation for the model a page shows, with the caching the page needs:
costly results over a whole test set are kept in memory and on disk
(``vae.cache``, in the model's folder) and show a progress bar the first time;
results for one example are kept in memory only. Arrays handed out are shared
between visitors: never change them in place.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st
import torch

from vae import cache, catalog, density, posterior, restore, ui
from vae.catalog import ModelInfo
from vae.data import image_to_tensor
from vae.errors import VAELabError
from vae.ui import Selected

log = logging.getLogger(__name__)

_MEMO: OrderedDict[tuple, Any] = OrderedDict()
_MEMO_SIZE = 256
MAX_TEST = 1000  # examples a whole-test-set measurement uses at most


def _remember(key: tuple, compute: Callable[[], Any]) -> Any:
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    value = compute()
    _MEMO[key] = value
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return value


def memo(selected: Selected, what: str, params: dict[str, Any], compute: Callable[[], Any]) -> Any:
    """A result for this model and these parameters, kept in memory (small, quick results)."""
    key = (cache.model_fingerprint(selected.path), what, tuple(sorted(params.items())))
    return _remember(key, compute)


def cached(
    selected: Selected,
    what: str,
    params: dict[str, Any],
    compute: Callable[[Callable[[float], None]], dict[str, np.ndarray]],
    label: str,
) -> dict[str, np.ndarray]:
    """Arrays kept in memory and on disk; computed under a progress bar the first time.

    ``compute`` receives a progress callback taking a fraction in [0, 1].
    """
    key = ("disk", cache.cache_key(selected.path, what, params))

    def load_or_compute() -> dict[str, np.ndarray]:
        found = cache.load_arrays(selected.path, what, params)
        if found is not None:
            return found
        with st.status(label, expanded=True) as status:
            bar = st.progress(0.0)
            arrays = compute(lambda f: bar.progress(float(min(max(f, 0.0), 1.0))))
            status.update(label=f"{label} done", state="complete", expanded=False)
        cache.save_arrays(selected.path, what, params, arrays)
        return arrays

    return _remember(key, load_or_compute)


def has_cached(selected: Selected, what: str, params: dict[str, Any]) -> bool:
    key = ("disk", cache.cache_key(selected.path, what, params))
    return key in _MEMO or cache.load_arrays(selected.path, what, params) is not None


# --- models other than the sidebar's ------------------------------------------------------------


def model_choices(ok: Callable[[ModelInfo], bool]) -> list[str]:
    """Names of the models (bundled first, then runs) whose card satisfies ``ok``."""
    names = []
    for entry in ui.entries():
        try:
            info = catalog.model_info(entry.path)
        except VAELabError:
            continue
        if ok(info):
            names.append(entry.name)
    return names


def _info(name: str) -> ModelInfo | None:
    entry = next((e for e in ui.entries() if e.name == name), None)
    return None if entry is None else catalog.model_info(entry.path)


def dataset_of(name: str) -> str | None:
    info = _info(name)
    return None if info is None else info.dataset


def flow_of(name: str) -> str:
    info = _info(name)
    return "none" if info is None else info.flow


def load_named(name: str) -> Selected | None:
    entry = next((e for e in ui.entries() if e.name == name), None)
    if entry is None:
        return None
    try:
        return ui.load(entry)
    except VAELabError as exc:
        ui.report_error(exc)
        return None


def title_of(name: str) -> str:
    entry = next((e for e in ui.entries() if e.name == name), None)
    return entry.label if entry is not None else name


# --- data -----------------------------------------------------------------------------------------


def test_x(selected: Selected, n: int | None = None) -> torch.Tensor:
    """The first ``n`` test inputs (at most ``MAX_TEST``)."""
    x = selected.data.test.x
    return x[: min(n or MAX_TEST, MAX_TEST, x.shape[0])]


def test_y(selected: Selected, n: int | None = None) -> torch.Tensor | None:
    """Labels of the first ``n`` test inputs, for a conditional model (None otherwise)."""
    y = selected.data.test.y
    if y is None or not selected.model.config.conditional:
        return None
    return y[: min(n or MAX_TEST, MAX_TEST, y.shape[0])]


def mean_image(selected: Selected) -> torch.Tensor:
    """The mean training image (the mean fill baseline and the inpainting start)."""
    return memo(selected, "mean_image", {}, lambda: restore.data_mean_image(selected.data))


def upload(selected: Selected, key: str, label: str = "…or upload an image") -> torch.Tensor | None:
    """An uploaded image as a (1, C, H, W) tensor at the model's shape, or None (errors shown)."""
    file = st.file_uploader(label, type=["png", "jpg", "jpeg", "bmp", "gif"], key=key)
    if file is None:
        return None
    try:
        return image_to_tensor(file, tuple(selected.info.input_shape)).unsqueeze(0)
    except VAELabError as exc:
        ui.report_error(exc)
        return None


# --- restore ------------------------------------------------------------------------------------


def restore_benchmark(
    selected: Selected, corruption: restore.Corruption, rounds: int, steps: int
) -> dict[str, np.ndarray]:
    x, y = test_x(selected), test_y(selected)
    params = {**corruption.params(), "rounds": rounds, "steps": steps, "n": int(x.shape[0])}

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return restore.benchmark(
            selected.model,
            x,
            mean_image(selected),
            corruption,
            y,
            rounds=rounds,
            steps=steps,
            progress=progress,
        )

    return cached(
        selected,
        "restore_benchmark",
        params,
        compute,
        f"Restoring {x.shape[0]} test images with every method…",
    )


def restore_benchmark_ready(
    selected: Selected, corruption: restore.Corruption, rounds: int, steps: int
) -> bool:
    """Measure without asking when the result is kept already or the settings are the defaults."""
    _, height, width = selected.info.input_shape
    if corruption == restore.default_corruption(height, width) and (rounds, steps) == (10, 100):
        return True
    n = int(test_x(selected).shape[0])
    params = {**corruption.params(), "rounds": rounds, "steps": steps, "n": n}
    return has_cached(selected, "restore_benchmark", params)


def label_tensor(label: int) -> torch.Tensor:
    return torch.tensor([int(label)], dtype=torch.long)


def restore_row(
    x: torch.Tensor, result: dict[str, Any], methods: list[str]
) -> tuple[torch.Tensor, list[str]]:
    """The original, the corrupted image and each restoration, as RGB images with captions."""
    masks = bool(result["missing"].any())

    def rgb(img: torch.Tensor) -> torch.Tensor:
        return img.expand(-1, 3, -1, -1) if img.shape[1] == 1 else img

    def caption(name: str, err: float, hole: float) -> str:
        return f"{name}\nMSE {err:.4f}" + (f" ({hole:.4f})" if masks else "")

    images = [rgb(x), restore.show_missing(result["x_obs"], result["missing"])]
    captions = ["original", f"corrupted\nMSE {result['mse_corrupted']:.4f}"]
    for m in methods:
        if m == "corrupted":
            continue
        images.append(rgb(result["outputs"][m]))
        captions.append(caption(restore.METHODS[m], result["mse"][m], result["mse_missing"][m]))
    return torch.cat(images), captions


def restore_one(
    selected: Selected,
    x: torch.Tensor,
    y: torch.Tensor | None,
    corruption: restore.Corruption,
    rounds: int,
    steps: int,
    seed: int,
) -> dict[str, Any]:
    """Every restorer on one image (kept in memory per image and setting)."""
    params = {
        **corruption.params(),
        "rounds": rounds,
        "steps": steps,
        "seed": seed,
        "x": hash(x.numpy().tobytes()),
        "y": None if y is None else int(y[0]),
    }
    return memo(
        selected,
        "restore_one",
        params,
        lambda: restore.restore_example(
            selected.model, x, mean_image(selected), corruption, y, rounds, steps, seed
        ),
    )


# --- density ------------------------------------------------------------------------------------


def test_log_likelihood(selected: Selected, k: int) -> np.ndarray:
    x = test_x(selected)

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return {"ll": density.log_likelihoods(selected.model, x, k=k, progress=progress)}

    label = f"Estimating log p(x) of {x.shape[0]} test examples with k = {k}…"
    return cached(selected, "test_ll", {"k": k, "n": int(x.shape[0])}, compute, label)["ll"]


OOD_N = 200


def ood_inputs(selected: Selected) -> dict[str, torch.Tensor]:
    info = selected.info
    return memo(
        selected,
        "ood_inputs",
        {"n": OOD_N},
        lambda: density.ood_sets(
            selected.data.test.x, info.dataset, tuple(info.input_shape), OOD_N
        ),
    )


def ood_log_likelihood(selected: Selected, name: str, k: int) -> np.ndarray:
    x = ood_inputs(selected)[name]

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return {"ll": density.log_likelihoods(selected.model, x, k=k, progress=progress)}

    params = {"k": k, "set": name, "n": OOD_N}
    return cached(selected, "ood_ll", params, compute, f"Estimating log p(x) of “{name}”…")["ll"]


def one_log_likelihood(selected: Selected, x: torch.Tensor, k: int) -> float:
    digest = hash(x.numpy().tobytes())
    return memo(
        selected,
        "one_ll",
        {"k": k, "x": digest},
        lambda: float(density.log_likelihoods(selected.model, x, k=k)[0]),
    )


def density_map(selected: Selected, extent: float, n: int, k: int) -> dict[str, np.ndarray]:
    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return density.density_grid(selected.model, -extent, extent, n, k, progress=progress)

    params = {"extent": extent, "n": n, "k": k}
    label = f"Estimating p(x) at {n * n:,} points of the plane…"
    return cached(selected, "density_map", params, compute, label)


def model_samples(selected: Selected, n: int, seed: int) -> dict[str, np.ndarray]:
    return memo(
        selected,
        "samples_points",
        {"n": n, "seed": seed},
        lambda: density.sample_points(selected.model, n, seed),
    )


# --- posterior lab ------------------------------------------------------------------------------


def example(selected: Selected, index: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Test example ``index`` as a batch of one, with its label for a conditional model."""
    x = selected.data.test.x[index : index + 1]
    y = test_y(selected)
    return x, None if y is None else selected.data.test.y[index : index + 1]


def posterior_view(selected: Selected, index: int, with_truth: bool) -> dict[str, Any]:
    """q(z|x) of test example ``index``, and (optionally) the true posterior and ELBO gap."""

    def compute() -> dict[str, Any]:
        x, y = example(selected, index)
        post = posterior.posterior_2d(selected.model, x, y)
        out: dict[str, Any] = {"post": post, "grid": None, "gap": None}
        if with_truth:
            around = np.concatenate([post["samples"], post["contour_2"]])
            grid = posterior.true_posterior_grid(selected.model, x, y, around=around)
            out["grid"] = grid
            out["gap"] = posterior.elbo_gap(selected.model, x, float(grid["log_px"]), y)
        with torch.no_grad():
            out["recon"] = selected.model.reconstruct(x, y).numpy()
        return out

    return memo(selected, "posterior_view", {"i": index, "truth": with_truth}, compute)


def test_means_2d(selected: Selected) -> np.ndarray:
    """Posterior means of the test set (the grey dots behind one example's posterior)."""
    return ui.test_means(selected, MAX_TEST)


def stack(x: torch.Tensor, other: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Two batches of images one after the other (for a picture of originals over results)."""
    return torch.cat([x, torch.as_tensor(other, dtype=x.dtype)])


def collapse_numbers(selected: Selected) -> dict[str, np.ndarray]:
    x, y = test_x(selected), test_y(selected)

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        out = posterior.collapse_report(selected.model, x, y)
        progress(0.7)
        y8 = None if y is None else y[:8]
        out.update(posterior.reconstructions_and_samples(selected.model, x[:8], y8, 16))
        progress(1.0)
        return out

    return cached(
        selected,
        "collapse_report",
        {"n": int(x.shape[0])},
        compute,
        f"Measuring every latent dimension of {selected.entry.title}…",
    )
