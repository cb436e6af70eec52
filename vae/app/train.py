"""Streamlit glue of the Train page: the form's state, uploads, and the live view of a run.

Training never happens here: ``vae.launcher`` starts ``python -m vae train`` in
its own process and this module only reads the run directory. Widget keys start
with ``train_``; the form is filled with the chosen data set's defaults whenever
the data set changes.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st
from PIL import Image

from vae.app import data_facts, preload
from vae.app.data_facts import DataFacts
from vae.figures.training import curves_figure, empty_curves_svg, kl_heatmap
from vae.runs import store as runs

if TYPE_CHECKING:
    from vae.data import Dataset

log = logging.getLogger(__name__)

WATCH_KEY = "train_watch"
WATCH_NEXT_KEY = "train_watch_next"  # the run to watch from the next page run on
CONFIRM_KEY = "train_confirm_delete"
STARTED_KEY = "train_started_here"  # {"name": the run this session started, "since": time}
POLL_SECONDS = 1.5  # the run list, and the live view once a run's curves have points
FAST_POLL_SECONDS = 0.4  # the live view of a run this session just started, until its first point
FAST_POLL_LIMIT_S = 60.0  # ... at most this long after it left the queue
SWITCH_DELAY_S = FAST_POLL_SECONDS / 2  # the poll after the one that drew the first point switches


def dataset(name_or_path: str, image_size: int | None = None) -> Dataset:
    """A data set (at ``image_size`` if given), loaded once per server (shared, never changed).

    Built-in sets share a cache of 8; uploaded ones a cache of 2, so that a class's uploads
    (each up to 2²⁶ values, 256 MiB) cannot pile up in the server's memory."""
    if name_or_path in data_facts.descriptions():
        return _builtin(name_or_path, image_size)
    return _uploaded(name_or_path, image_size)


@st.cache_resource(show_spinner="Loading the data set…", max_entries=8)
def _builtin(name: str, image_size: int | None) -> Dataset:
    from vae.data import load_dataset  # torch: only once a data set is loaded

    return load_dataset(name, image_size=image_size)


UPLOADED_CACHE = 2


@st.cache_resource(show_spinner="Loading the data set…", max_entries=UPLOADED_CACHE)
def _uploaded(path: str, image_size: int | None) -> Dataset:
    from vae.data import load_dataset

    return load_dataset(path, image_size=image_size)


def facts(name_or_path: str, image_size: int | None = None) -> DataFacts:
    """What the page shows of a data set, with the form's defaults (``image_size``: resized,
    without them): a built-in's at its own size as precomputed (no torch), any other loaded."""
    known = data_facts.stored(name_or_path)
    if known is not None and image_size in (None, known.native_size):
        return known
    return _loaded_facts(name_or_path, image_size)


@st.cache_resource(show_spinner=False, max_entries=32)
def _loaded_facts(name_or_path: str, image_size: int | None) -> DataFacts:
    data = dataset(name_or_path, image_size)
    return data_facts.of(name_or_path, data, with_defaults=image_size is None)


# --- the live view ---------------------------------------------------------------------------


def is_active(state: str) -> bool:
    return state in runs.ACTIVE_STATES


def run_activity(infos: list[runs.RunInfo] | None = None) -> dict[str, bool]:
    """Each run by name and whether it is active: a change is what the whole page reruns for.

    A run going from queued to running needs no full rerun (its heading and the list
    follow by themselves); a run appearing, going or ending changes the buttons and
    whether the page polls at all.
    """
    return {i.name: is_active(i.state) for i in (runs.list_runs() if infos is None else infos)}


def any_active(infos: list[runs.RunInfo]) -> bool:
    return any(is_active(i.state) for i in infos)


PRESS_KEY = "train_last_start"
PRESS_WINDOW_S = 3.0


def pressed_again(settings: dict[str, Any]) -> bool:
    """True for a Start with the same settings within ``PRESS_WINDOW_S`` of this session's last
    one (a double click, or a click while the first is being submitted): one press, one run."""
    signature = json.dumps(settings, sort_keys=True, default=str)
    last = st.session_state.get(PRESS_KEY)
    now = time.monotonic()
    if last is not None and last[0] == signature and now - last[1] < PRESS_WINDOW_S:
        return True
    st.session_state[PRESS_KEY] = (signature, now)
    return False


MINE_KEY = "train_mine"
PER_SESSION_ENV = "VAE_LAB_MAX_PER_SESSION"


def over_session_cap() -> str | None:
    """Why this session may not start another run now (None if it may): at most
    ``$VAE_LAB_MAX_PER_SESSION`` (default 2) of its runs queued or training at once, so that one
    student cannot hold a class's queue."""
    try:
        cap = max(1, int(os.environ.get(PER_SESSION_ENV, "2")))
    except ValueError:
        cap = 2
    mine = st.session_state.get(MINE_KEY, [])
    root = runs.runs_root()
    busy = [n for n in mine
            if runs.read_status(root / n).get("state") in ("queued", "running", "stopping")]  # fmt: skip
    if len(busy) >= cap:
        return (f"This tab already has {len(busy)} runs queued or training ({', '.join(busy)}); "
                f"up to {cap} at once are accepted, so wait for one to finish or stop one.")  # fmt: skip
    return None


CLASS_MODE_ENV = "VAE_LAB_CLASS_MODE"


def may_control(name: str) -> bool:
    """Whether this tab may stop, resume or delete run ``name``: always, unless the server runs
    in class mode (``VAE_LAB_CLASS_MODE=1``, the teacher's setting for a shared server), where a
    tab controls only the runs it started."""
    if os.environ.get(CLASS_MODE_ENV, "0") in ("", "0"):
        return True
    return name in st.session_state.get(MINE_KEY, [])


def started_here(name: str) -> None:
    """Remember that this session pressed Start for ``name``: its live view polls fast, and it
    counts towards the session's cap."""
    st.session_state[STARTED_KEY] = {"name": name, "since": None}
    st.session_state[MINE_KEY] = [*st.session_state.get(MINE_KEY, []), name][-20:]


def has_points(run_dir: Path) -> bool:
    """Whether the run's curves have anything to draw (a step or an epoch record)."""
    return any(r.get("type") in ("step", "epoch") for r in runs.read_metrics(run_dir))


def watch_poll(info: runs.RunInfo, queue: list[Path], polling: bool) -> float | None:
    """How often the live view of ``info`` polls (None: not at all, nothing is active).

    Fast while a run this session started is starting and its curves are still empty,
    so its first point shows soon after it is written; every other view (other tabs,
    queued runs, a run with points) polls at ``POLL_SECONDS``: many open tabs cost no
    more, and no tab redraws the charts more often than that.
    """
    if not polling:
        return None
    started = st.session_state.get(STARTED_KEY)
    if not started or started.get("name") != info.name:
        return POLL_SECONDS
    if is_active(info.state) and info.path in queue:
        return POLL_SECONDS  # waiting for a slot: nothing will come soon
    now = time.time()
    if started.get("since") is None:
        started["since"] = now  # it left the queue: the limit counts from here
    if not is_active(info.state):
        st.session_state.pop(STARTED_KEY, None)  # it ended: the page reruns in full anyway
        return POLL_SECONDS
    if now - started["since"] < FAST_POLL_LIMIT_S and not has_points(info.path):
        return FAST_POLL_SECONDS
    # The first point is in (or it took too long). Going back to the list's pace takes a
    # full rerun: at the next poll, not in the one that draws the first point.
    started.setdefault("until", now + SWITCH_DELAY_S)
    if now < started["until"]:
        return FAST_POLL_SECONDS
    st.session_state.pop(STARTED_KEY, None)  # never fast again for this run
    return POLL_SECONDS


def state_label(info: runs.RunInfo, queue: list[Path]) -> str:
    """The state as a person reads it: queue position, starting, stopping."""
    if info.state == "queued":
        if info.path in queue:
            return f"queued (#{queue.index(info.path) + 1})"
        return "starting"
    if info.state == "running" and runs.stop_requested(info.path):
        return "stopping"
    return info.state


def run_table(infos: list[runs.RunInfo], queue: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for i in infos:
        rows.append(
            {
                "run": i.name,
                "state": state_label(i, queue),
                "data": Path(i.dataset).name,
                "epoch": f"{i.epoch}/{i.epochs}" if i.epochs else "",
                "z": i.latent_dim,
                "β": i.beta,
                "flow": i.flow,
                "test ELBO": None if i.test_elbo is None else round(i.test_elbo, 2),
                "active units": i.active_units,
                "note": i.message,
            }
        )
    return rows


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def show_progress(run_dir: Path) -> None:
    """Progress bar and the key figures of a run: epoch, ELBO, active units, speed, time left."""
    status = runs.read_status(run_dir)
    epochs = runs.read_metrics(run_dir, "epoch")
    last = epochs[-1] if epochs else {}
    step, total = int(status.get("step", 0) or 0), int(status.get("total_steps", 0) or 0)
    if total:
        st.progress(min(step / total, 1.0), text=f"step {step} of {total}")
    cols = st.columns(5)
    launch = runs.read_json(run_dir / runs.LAUNCH_FILE, {}) or {}
    planned = status.get("epochs") or (launch.get("settings") or {}).get("epochs") or "?"
    cols[0].metric("Epoch", f"{last.get('epoch', 0)}/{planned}")
    elbo = last.get("test_elbo")
    cols[1].metric("Test ELBO (nats)", "–" if elbo is None else f"{elbo:.2f}")
    latent = len(last.get("kl_per_dim") or []) or "?"
    cols[2].metric("Active units", f"{last.get('active_units', '–')}/{latent}")
    speed = last.get("samples_per_s")
    config = runs.RunDir(run_dir).config()
    precision = config.precision_used if config is not None else "fp32"
    cols[3].metric(
        "Samples/s",
        "–" if speed is None else f"{speed:,.0f}",
        help="bfloat16 mixed precision in the encoder and decoder (evaluation in fp32)"
        if precision == "bf16"
        else "fp32 arithmetic",
    )
    eta = status.get("eta_s", last.get("eta_s"))
    if status.get("state") == "running" and eta is not None and status.get("updated"):
        eta = max(0.0, eta - (time.time() - float(status["updated"])))
    cols[4].metric("Time left", duration(eta) if is_active(status.get("state", "")) else "–")


def show_charts(run_dir: Path) -> None:
    steps = runs.read_metrics(run_dir, "step")
    epochs = runs.read_metrics(run_dir, "epoch")
    if not steps and not epochs:
        st.caption("The curves appear here after the first logged steps.")
    # Drawn empty too: the same chart then only takes its points when they come.
    st.plotly_chart(
        curves_figure(steps, epochs), key=f"train_curves_{run_dir.name}", width="stretch"
    )
    if epochs:
        st.plotly_chart(kl_heatmap(epochs), key=f"train_kl_{run_dir.name}", width="stretch")


def show_empty_charts() -> None:
    """The six panels a run's live curves fill, before there is a run.

    Shows what will be watched, drawn as an SVG (``empty_curves_svg``): a first visit by
    link drew them with Plotly, and waited for its 4.7 MB chunk to be fetched and compiled
    (Train was the slowest first visit, 2.9 s, issue 28). The page fetches Plotly's code once
    it is drawn (:func:`preload_after_drawn`), while the person sets up the run: on a fresh
    tab, fetching it only after Start took 1.5–3.5 s before the first point could be drawn
    (``benchmarks/first_curve_browser.py``).
    """
    with st.container(key="train_preview_curves"):
        st.markdown(empty_curves_svg(), unsafe_allow_html=True)
    st.caption(
        "What a run's live view draws here: the ELBO and its two parts (reconstruction and "
        "KL, nats per example), β, active units and throughput, training steps as a line "
        "and test epochs as dots."
    )


def preload_after_drawn() -> None:
    """The last element of a Train page without runs: it fetches the charts' and widgets' code
    at once, after everything above it is drawn (see :func:`show_empty_charts`)."""
    preload.preload_elements(delay_ms=0)


def scroll_to_watch() -> None:
    """Bring the watched run's live view into sight: after Start, the form below it is in view
    and the curves would appear out of sight above (our own script, no user text in it)."""
    # Again a few times over 8 s, as the rest of the page is redrawn above and below it (one
    # smooth scroll at once was undone by a redraw on a busy machine), unless the person
    # scrolls or clicks meanwhile.
    st.html(
        "<script>(() => { let moved = false; const stop = () => { moved = true; };"
        " ['wheel', 'touchstart', 'keydown', 'mousedown'].forEach("
        "e => window.addEventListener(e, stop, {once: true, capture: true}));"
        " [0, 300, 800, 1500, 3000, 5000, 8000].forEach(t => setTimeout(() => {"
        f" const box = document.querySelector('.st-key-{WATCH_KEY}');"
        " if (!moved && box) box.scrollIntoView({block: 'start'}); }, t)); })();</script>",
        unsafe_allow_javascript=True,
    )


RECON_KEY = "train_recon_epoch"  # + the newest epoch while following, + "_pinned" once moved
RECON_PINNED_KEY = "train_recon_pinned"  # (run name, epoch) the person chose, or None


def _pin_epoch(key: str, run: str, latest: int) -> None:
    value = st.session_state.get(key)
    st.session_state[RECON_PINNED_KEY] = None if value == latest else (run, value)


def show_reconstructions(run_dir: Path) -> None:
    """The run's fixed test examples (top) and their reconstructions, at a chosen epoch."""
    from vae.images import upscale  # imports torch: not on a first view without runs

    files = sorted((run_dir / runs.RECON_DIR).glob("epoch_*.png"))
    if not files:
        return
    epochs = [int(f.stem.split("_")[1]) for f in files]
    latest = epochs[-1]
    pinned = st.session_state.get(RECON_PINNED_KEY)
    chosen = pinned[1] if pinned and pinned[0] == run_dir.name and pinned[1] in epochs else None
    if len(epochs) > 1:
        # While it follows the run, the slider is a new widget for each newest epoch (its key
        # names it), made at that epoch: a value kept in the browser from an earlier run of the
        # page cannot hold it back (a key shared across epochs stayed at 8 of 104 in Chromium).
        # Once the person moves it, it stays where they put it until they move it to the end.
        key = f"{RECON_KEY}_{latest}" if chosen is None else f"{RECON_KEY}_pinned"
        epoch = st.select_slider(
            "Reconstructions at epoch", epochs, value=latest if chosen is None else chosen,
            key=key, on_change=_pin_epoch, args=(key, run_dir.name, latest),
        )  # fmt: skip
    else:
        epoch = epochs[0]
    picture = np.asarray(Image.open(files[epochs.index(epoch)]))
    st.image(
        upscale(picture, max(1, 560 // max(picture.shape[1], 1))),
        caption=f"epoch {epoch}: fixed test examples (top) and their reconstructions (bottom)",
        output_format="PNG",
    )
