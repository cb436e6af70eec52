"""Streamlit glue shared by every page: the model picker, its card, caching, images, errors.

The only module of ``vae`` (with ``vae/ui_*.py``) that imports Streamlit. Models and
data sets are cached with ``st.cache_resource`` (shared by every visitor, so they
are never trained or changed in place); arrays are cached in memory here and on
disk by ``vae.cache``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from vae import cache, catalog, threads
from vae.catalog import ModelEntry, ModelInfo
from vae.data import Dataset
from vae.errors import VAELabError
from vae.evaluation import encode_means
from vae.images import display_scale, grid, upscale
from vae.model import VAE

log = logging.getLogger("vae.ui")


def _run_the_app_shell_first() -> None:
    """Make a page's URL opened on a freshly started server still go through app.py.

    Streamlit treats an app with a ``pages/`` folder as an old-style multipage app
    until app.py has called ``st.navigation`` once; in that mode a page's URL runs
    the page file alone (no model picker, file names as navigation). Every page
    imports this module, so the first page run in that mode switches Streamlit to
    ``st.navigation`` and reruns: app.py then draws the shell and runs the page the
    URL names.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


_run_the_app_shell_first()
# The server answers many small requests, often with a training run busy beside it: see vae.threads.
threads.use(threads.interactive_threads())

MODEL_KEY = "model_name"
DEFAULT_MODEL = "digits-2d"


@dataclass
class Selected:
    """The model chosen in the sidebar, with everything a page needs about it."""

    entry: ModelEntry
    info: ModelInfo
    model: VAE
    data: Dataset

    @property
    def path(self) -> Path:
        return self.entry.path


@st.cache_resource(show_spinner=False)
def start_umap_warm_up() -> bool:
    """Once per server: compile UMAP in the background if numba's cache has none (vae.warmup)."""
    from vae import warmup

    return warmup.start_in_background()


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_model(path: str, mtime: float) -> VAE:
    torch.set_grad_enabled(True)
    return catalog.load_model(Path(path))


@st.cache_resource(show_spinner="Loading the data set…", max_entries=8)
def _load_data(name: str, image_size: int | None, data_dir: str | None) -> Dataset:
    from vae.data import load_dataset

    return load_dataset(name, image_size=image_size, data_dir=data_dir)


def load(entry: ModelEntry) -> Selected:
    """Model, card facts and data set of one entry (cached)."""
    info = catalog.model_info(entry.path)
    mtime = (entry.path / "model.safetensors").stat().st_mtime
    model = _load_model(str(entry.path), mtime)
    data = _load_data(info.dataset, info.image_size, info.data_dir)
    return Selected(entry, info, model, data)


def entries() -> list[ModelEntry]:
    return catalog.all_models()


def model_picker() -> Selected | None:
    """The sidebar's model choice, shared by every page (rendered once, in app.py)."""
    options = entries()
    if not options:
        st.sidebar.warning("No models yet: train one on the Train page.")
        return None
    names = [e.name for e in options]
    if st.session_state.get(MODEL_KEY) not in names:
        st.session_state[MODEL_KEY] = DEFAULT_MODEL if DEFAULT_MODEL in names else names[0]
    labels = {e.name: e.label for e in options}
    name = st.sidebar.selectbox(
        "Model",
        names,
        key=MODEL_KEY,
        format_func=labels.get,
        help="★ bundled models; run: your own runs",
    )
    entry = next(e for e in options if e.name == name)
    try:
        selected = load(entry)
    except VAELabError as exc:
        report_error(exc)
        return None
    model_card(selected)
    return selected


def current() -> Selected | None:
    """The model picked in the sidebar, for a page to use."""
    name = st.session_state.get(MODEL_KEY)
    entry = next((e for e in entries() if e.name == name), None)
    if entry is None:
        return None
    try:
        return load(entry)
    except VAELabError as exc:
        report_error(exc)
        return None


def switch_to(name: str) -> None:
    st.session_state[MODEL_KEY] = name


def require(
    selected: Selected | None,
    ok: Callable[[ModelInfo], bool],
    need: str,
    suggest: str | None = None,
) -> bool:
    """Say what the page needs when the chosen model lacks it, offering a bundled model that fits."""
    if selected is not None and ok(selected.info):
        return True
    st.info(f"This page needs {need}.")
    entry = catalog.find_bundled(suggest) if suggest else None
    if entry is not None:
        st.button(
            f"Use the bundled model “{entry.title}”",
            on_click=switch_to,
            args=(entry.name,),
            key="use_suggested",
        )
    return False


def model_card(selected: Selected) -> None:
    info, model = selected.info, selected.model
    cfg = model.config
    summary = info.summary
    lines = [
        f"**{selected.entry.title}**",
        f"data: `{info.dataset}` {tuple(info.input_shape)} · {cfg.architecture} · z={cfg.latent_dim}",
        f"β={cfg.beta:g} ({cfg.beta_schedule}) · flow: {cfg.flow}"
        + (f"×{cfg.flow_length}" if cfg.has_flow else "")
        + (f" · conditional ({cfg.n_classes} classes)" if cfg.conditional else ""),
    ]
    extras = []
    if cfg.free_bits:
        extras.append(f"free bits {cfg.free_bits:g} ({cfg.free_bits_mode})")
    if cfg.input_dropout or cfg.latent_dropout:
        extras.append(f"dropout x {cfg.input_dropout:g} / z {cfg.latent_dropout:g}")
    if extras:
        lines.append(" · ".join(extras))
    if "elbo" in summary:
        lines.append(
            f"test ELBO **{summary['elbo']:.2f}** nats · active units **{summary.get('active_units', '?')}**"
            f"/{cfg.latent_dim}"
        )
    if selected.entry.description:
        lines.append(selected.entry.description)
    st.sidebar.markdown("  \n".join(lines))


def report_error(exc: Exception) -> None:
    """Show a user's error on the page and in the terminal; the server goes on."""
    log.error("%s", exc)
    st.error(str(exc))


# --- arrays ----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def _test_means(path: str, mtime: float, n: int) -> np.ndarray:
    selected = load(next(e for e in entries() if str(e.path) == path))
    return test_means_uncached(selected, n)


def test_means_uncached(selected: Selected, n: int) -> np.ndarray:
    def compute() -> dict[str, np.ndarray]:
        test = selected.data.test
        y = test.y if selected.model.config.conditional else None
        x = test.x[:n]
        means = encode_means(selected.model, x, None if y is None else y[:n])
        return {"means": means.numpy()}

    return cache.cached_arrays(selected.path, "test_means", {"n": n}, compute)["means"]


def test_means(selected: Selected, n: int | None = None) -> np.ndarray:
    """Posterior means of the first ``n`` test examples (memory and disk cached)."""
    n = len(selected.data.test) if n is None else min(n, len(selected.data.test))
    mtime = (selected.path / "model.safetensors").stat().st_mtime
    return _test_means(str(selected.path), mtime, n)


# --- images ----------------------------------------------------------------------------------


def picture(
    images: torch.Tensor | np.ndarray, ncol: int | None = None, target: int = 96
) -> np.ndarray:
    """A uint8 picture of (n, C, H, W) images, enlarged so small images stay legible."""
    arr = grid(images, ncol=ncol)
    h = images.shape[-2]
    return upscale(arr, display_scale(h, target))


def show_images(
    images: torch.Tensor | np.ndarray,
    captions: list[str] | None = None,
    ncol: int | None = None,
    target: int = 96,
) -> None:
    """One st.image per image, in columns, each with its caption."""
    n = images.shape[0]
    ncol = ncol or n
    for start in range(0, n, ncol):
        cols = st.columns(ncol)
        for i, col in enumerate(cols):
            if start + i >= n:
                break
            caption = captions[start + i] if captions else None
            col.image(picture(images[start + i : start + i + 1], target=target), caption=caption)
