"""The app's shell: the model picker and its card, loading models, errors on the page.

``vae/app/`` is the only package of ``vae`` that imports Streamlit; this module is
what every page shares. Models and data sets are cached with ``st.cache_resource``
(shared by every visitor, so they are never trained or changed in place); results
are cached by ``vae.app.caching``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from vae.app import held, links
from vae.app.card import model_card
from vae.errors import VAELabError
from vae.runs import catalog
from vae.runs.catalog import ModelEntry, ModelInfo

if TYPE_CHECKING:
    from vae.data import Dataset
    from vae.model.autoencoder import VAE

log = logging.getLogger(__name__)

# Set while app.py draws the shell and runs a page, per script thread (one per session).
_shell = threading.local()
_REROUTED_KEY = "_shell_rerouted"


# Page runs in progress across all sessions: the import warm-up waits while any is running.
_runs_lock = threading.Lock()
_runs_now = 0


def pages_busy() -> bool:
    """Whether a page is being run or a browser waits for its page's first run."""
    from vae.app import warm

    return _runs_now > 0 or warm.pages_loading()


@contextlib.contextmanager
def shell_run() -> Iterator[None]:
    """app.py wraps each run in this: a page run inside it is a page of the shell."""
    global _runs_now
    _shell.depth = getattr(_shell, "depth", 0) + 1
    with _runs_lock:
        _runs_now += 1
    try:
        yield
    finally:
        _shell.depth -= 1
        with _runs_lock:
            _runs_now -= 1


def prepare_pages() -> None:
    """What every page but Home and Train (``app.TORCHLESS``) needs before it runs: torch, on
    the server's thread count, and the modules plotly reads without the import lock.

    Home is drawn without torch (its first visit on a fresh server is the first thing a class
    sees, and importing torch took 1.2 s of it); :mod:`vae.app.warm` imports the rest
    in the background after it. plotly's validators look pandas up with ``sys.modules.get``
    (``get_module("pandas", should_load=False)``), which skips the import lock: a session
    building its first figure while another thread was still importing pandas got the
    half-made module ("partially initialized module 'pandas' has no attribute 'Series'"; 5 of
    20 tabs opened at once). An ``import`` here waits on the module's lock until an import in
    progress elsewhere is done, so every page run finds them whole before it builds a figure.
    ``PIL.Image`` is looked up the same way (plotly's image check).
    """
    global _prepared
    figure_modules()
    import torch  # noqa: F401

    if not _prepared:
        from vae import threads

        # The server answers many small requests, often with a training run beside it.
        threads.use(threads.interactive_threads())
        _prepared = True


_prepared = False


def figure_modules() -> None:
    """What plotly reads without the import lock, whole (see :func:`prepare_pages`): a page
    drawn without torch (Train) imports these before its first figure."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import PIL.Image  # noqa: F401


def ensure_shell() -> None:
    """Make a page's URL opened on a freshly started server still go through app.py.

    Streamlit treats an app with a ``pages/`` folder as an old-style multipage app
    until app.py has called ``st.navigation`` once; in that mode a page's URL runs
    the page file alone (no model picker, file names as navigation). Every page
    calls this first: a run that did not come through app.py switches Streamlit to
    ``st.navigation`` (for every session) and reruns this session, which then goes
    through app.py to the page the URL names. It is decided per run and never
    while a module is being imported, so sessions that open at the same moment
    each find their own way (a rerun raised inside an import used to leave other
    sessions a half-imported module).
    """
    if getattr(_shell, "depth", 0) > 0:
        return
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx() is None:
        return  # a bare script run (python pages/x.py): nothing to switch
    PagesManager.uses_pages_directory = False
    # Once per session: a session's later runs go through app.py by themselves (AppTest,
    # which starts every run in the old mode, runs a page alone after that, as it always did).
    if st.session_state.get(_REROUTED_KEY):
        return
    st.session_state[_REROUTED_KEY] = True
    st.rerun()


MODEL_KEY = "model_name"
MODEL_PARAM = "model"  # the query parameter of a link: ?model=NAME
LINK_KEY = "model_from_link"
DEFAULT_MODEL = "mnist-2d"


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
    """Once per server: compile UMAP in the background if numba's cache has none (vae.maps.warmup)."""
    from vae.maps import warmup

    return warmup.start_in_background()


@st.cache_resource(show_spinner=False)
def start_warm_imports() -> bool:
    """Once per server: import what the pages need in a background thread (vae.app.warm)."""
    from vae.app import warm

    warm.start(busy=pages_busy)
    return True


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_model(path: str, fingerprint: str) -> VAE:
    import torch

    torch.set_grad_enabled(True)
    return catalog.load_model(Path(path))


@st.cache_resource(show_spinner="Loading the data set…", max_entries=8)
def _load_data(
    name: str, image_size: int | None, data_dir: str | None, tokens: str | None = None
) -> Dataset:
    from vae.data import load_dataset

    return load_dataset(name, image_size=image_size, data_dir=data_dir, tokens=tokens)


def load(entry: ModelEntry) -> Selected:
    """Model, card facts and data set of one entry (cached)."""
    from vae.runs import cache

    prepare_pages()
    info = catalog.model_info(entry.path)
    model = _load_model(str(entry.path), cache.model_fingerprint(entry.path))
    tokens = (info.config.get("train") or {}).get("tokens")
    data = _load_data(info.dataset, info.image_size, info.data_dir, tokens)
    return Selected(entry, info, model, data)


def entries() -> list[ModelEntry]:
    return catalog.all_models()


def model_picker(load_model: bool = True) -> Selected | None:
    """The sidebar's model choice, shared by every page (rendered once, in app.py).

    ``load_model=False`` (Home) draws the picker and the card from the model's JSON files
    without loading it: the page that uses the model loads it, and says so if it cannot.
    """
    options = entries()
    if not options:
        st.sidebar.warning("No models yet: train one on the Train page.")
        return None
    names = [e.name for e in options]
    default = DEFAULT_MODEL if DEFAULT_MODEL in names else names[0]
    links.leave_other_pages()  # another page's settings do not belong in this page's link
    wrote = _follow_link(names, default)
    if st.session_state.get(MODEL_KEY) not in names:
        st.session_state[MODEL_KEY] = default
        wrote = True
    labels = {e.name: e.label for e in options}
    name = st.sidebar.selectbox(
        "Model",
        names,
        key=MODEL_KEY,
        format_func=labels.get,
        help="★ bundled models; run: your own runs",
        **held.index(MODEL_KEY, names, {MODEL_KEY} if wrote else ()),
    )
    entry = next(e for e in options if e.name == name)
    # The address bar names the model, so a copied link reopens it (?model=NAME).
    if st.query_params.get(MODEL_PARAM) != name:
        st.query_params[MODEL_PARAM] = name
    st.session_state[LINK_KEY] = name
    try:
        selected = load(entry) if load_model else None
        model_card(entry, selected.info if selected else catalog.model_info(entry.path))
    except VAELabError as exc:
        report_error(exc)
        selected = None
    links.copy_link_button()
    return selected


LINK_SHOWN = 80  # characters of a link's unknown model name shown back


def _follow_link(names: list[str], default: str) -> bool:
    """Open the model a link names (``?model=NAME``), once per new name in the address;
    True when it set the picker."""
    requested = st.query_params.get(MODEL_PARAM)
    if not requested or st.session_state.get(LINK_KEY) == requested:
        return False
    st.session_state[LINK_KEY] = requested
    if requested in names:
        st.session_state[MODEL_KEY] = requested
        return True
    # A link is anyone's text: cut it and show it letter for letter (no markdown, no images).
    shown = requested if len(requested) <= LINK_SHOWN else requested[:LINK_SHOWN] + "…"
    message = (
        f"There is no model named “{plain(shown)}” here (a bundled model or one of your runs); "
        f"showing “{default}” instead."
    )
    log.warning("no model named %r in a link; showing %s", shown, default)
    st.sidebar.warning(message)
    st.session_state[MODEL_KEY] = default
    return True


def current() -> Selected | None:
    """The model picked in the sidebar, for a page to use."""
    return load_named(st.session_state.get(MODEL_KEY))


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


def require_current(ok: Callable[[ModelInfo], bool], need: str, suggest: str) -> Selected:
    """The sidebar's model when it has what the page needs; otherwise say so and stop the page."""
    selected = current()
    if not require(selected, ok, need, suggest):
        st.stop()
    return selected


def lazy_section(label: str, key: str, icon: str | None = None, open_first: bool = False) -> Any:
    """A page's lower section behind a collapsed expander: run only while it is open.

    Each chart a first visit draws costs it a share of its time (issue 28: the Latent map's
    five charts); a section a person opens when they want it costs nothing before. A plain
    collapsed expander is no cheaper: its content is sent and drawn, only hidden (Density's
    48 pictures of foreign inputs). The open state is the session's ``st.session_state[key]``,
    so a callback can open it; ``open_first`` opens it on a visit that has no state for it yet
    (the page has something of the person's to show in it). Returns the container, or None
    while it is closed.
    """
    if open_first and key not in st.session_state:
        st.session_state[key] = True
    box = st.expander(label, key=key, icon=icon, on_change="rerun")
    return box if box.open else None


def report_error(exc: Exception) -> None:
    """Show a user's error on the page and in the terminal; the server goes on.

    The message is shown as written: Markdown would turn a run name such as
    ``_uploads`` into italics.
    """
    log.error("%s", exc)
    st.error(plain(str(exc)))


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~$"})


def plain(text: str) -> str:
    """Text that Markdown shows letter for letter (names of runs, files, settings)."""
    return text.translate(_MARKDOWN)


# --- models other than the sidebar's ------------------------------------------------------------


def model_choices(ok: Callable[[ModelInfo], bool]) -> list[str]:
    """Names of the models (bundled first, then runs) whose card satisfies ``ok``."""
    names = []
    for entry in entries():
        try:
            info = catalog.model_info(entry.path)
        except VAELabError:
            continue
        if ok(info):
            names.append(entry.name)
    return names


def _info(name: str) -> ModelInfo | None:
    entry = catalog.find(name)
    return None if entry is None else catalog.model_info(entry.path)


def dataset_of(name: str) -> str | None:
    info = _info(name)
    return None if info is None else info.dataset


def flow_of(name: str) -> str:
    info = _info(name)
    return "none" if info is None else info.flow


def load_named(name: str | None) -> Selected | None:
    """A model by its picker name (errors shown on the page), or None."""
    entry = None if name is None else catalog.find(name)
    if entry is None:
        return None
    try:
        return load(entry)
    except VAELabError as exc:
        report_error(exc)
        return None


def section(title: str, text: str, columns: int | list[float]) -> list[Any]:
    """A page section as every page lays it out: a header, what it shows, a row of controls."""
    st.header(title)
    st.markdown(text)
    return st.columns(columns)


def pick_model(where: Any, label: str, names: list[str], default: str, key: str) -> str:
    """A selectbox of models by name (shown by their titles), starting at ``default``."""
    index = names.index(default) if default in names else 0
    return where.selectbox(label, names, index=index, format_func=title_of, key=key)


def title_of(name: str) -> str:
    entry = catalog.find(name)
    return entry.label if entry is not None else name
