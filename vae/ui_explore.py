"""Streamlit glue for the exploring pages (Interpolate, β comparison, Conditional generation).

Choosing a starting code, the facts about each latent dimension, the 2-D map,
decoded pictures and their downloads. The maths lives in ``vae.latent``; this
module only lays it out and caches it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

from vae import latent, ui
from vae.errors import VAELabError
from vae.evaluation import elbo_stats
from vae.images import gif_bytes, png_bytes

log = logging.getLogger(__name__)

SOURCES = ("Test example", "Upload an image", "Prior sample")


# --- facts about a model, cached ---------------------------------------------------------------


def _mtime(selected: ui.Selected) -> float:
    return (selected.path / "model.safetensors").stat().st_mtime


@st.cache_data(show_spinner="Measuring the KL of each dimension…", max_entries=32)
def _computed_kl(path: str, mtime: float) -> list[float]:
    selected = next(ui.load(e) for e in ui.entries() if str(e.path) == path)
    test = selected.data.test
    y = test.y if selected.model.config.conditional else None
    return list(elbo_stats(selected.model, test.x, y)["kl_per_dim"])


def dimensions(selected: ui.Selected) -> latent.Dimensions:
    """KL and activity of each latent dimension: from the summary, or measured on the test split."""
    summary = selected.info.summary
    kl = summary.get("kl_per_dim")
    if not kl or len(kl) != selected.model.config.latent_dim:
        kl = _computed_kl(str(selected.path), _mtime(selected))
    variance = summary.get("posterior_mean_variance")
    if variance is None or len(variance) != len(kl):
        variance = ui.test_means(selected).var(axis=0, ddof=1)
    return latent.dimensions(kl, variance)


@dataclass
class LatentMap:
    projection: latent.Projection
    points: np.ndarray  # (n, 2) projected test means
    labels: np.ndarray | None


def latent_map(selected: ui.Selected, n: int = 2000) -> LatentMap:
    """The test means (at most ``n``) projected to 2-D by PCA, with their labels."""
    means = ui.test_means(selected, n)
    projection = latent.fit_projection(means)
    y = selected.data.test.y
    labels = None if y is None else y[: len(means)].numpy()
    return LatentMap(projection, projection(means), labels)


# --- pictures ------------------------------------------------------------------------------


def picture(images: torch.Tensor, ncol: int | None = None, target: int = 96) -> np.ndarray:
    return ui.picture(images, ncol=ncol, target=target)


def side_by_side(images: list[torch.Tensor], target: int = 96) -> np.ndarray:
    """Single images (C, H, W) in one row."""
    return ui.picture(torch.stack(images), ncol=len(images), target=target)


def downloads(
    name: str,
    strip: np.ndarray,
    frames: list[np.ndarray] | None,
    key: str,
    duration_ms: int = 120,
) -> None:
    """A PNG of the picture and, with frames, an animated GIF, side by side."""
    left, right = st.columns(2)
    left.download_button(
        "Download PNG", png_bytes(strip), file_name=f"{name}.png", mime="image/png",
        key=f"{key}_png", icon=":material/image:", width="stretch",
    )  # fmt: skip
    if frames:
        right.download_button(
            "Download GIF", gif_bytes(frames, duration_ms=duration_ms), file_name=f"{name}.gif",
            mime="image/gif", key=f"{key}_gif", icon=":material/animation:",
            width="stretch",
        )  # fmt: skip


def frames_of(images: torch.Tensor, target: int = 96) -> list[np.ndarray]:
    """One enlarged uint8 picture per image, for a GIF."""
    return [ui.picture(images[i : i + 1], target=target) for i in range(images.shape[0])]


# --- choosing a code -----------------------------------------------------------------------


@dataclass
class Start:
    """A code to start from, and where it came from."""

    z: torch.Tensor  # (d,)
    x: torch.Tensor | None  # the example itself (C, H, W) when there is one
    y: int | None  # the class given to a conditional model
    description: str
    signature: str  # changes whenever the start changes


def _random_index(key: str, n: int) -> None:
    st.session_state[key] = int(np.random.default_rng().integers(n))


def _new_seed(key: str) -> None:
    st.session_state[key] = int(np.random.default_rng().integers(100_000))


def index_picker(label: str, key: str, n: int, default: int = 0, container=None) -> int:
    """A test-set index with a "Random" button beside it."""
    where = container or st
    if key not in st.session_state:
        st.session_state[key] = min(default, n - 1)
    left, right = where.columns([3, 1], vertical_alignment="bottom")
    index = left.number_input(label, 0, n - 1, step=1, key=key, help=f"0 to {n - 1}")
    right.button(
        ":material/casino:", key=f"{key}_random", on_click=_random_index, args=(key, n),
        help="A test example at random", width="stretch",
    )  # fmt: skip
    return int(index)


def seed_picker(label: str, key: str, container=None) -> int:
    where = container or st
    if key not in st.session_state:
        st.session_state[key] = 0
    left, right = where.columns([3, 1], vertical_alignment="bottom")
    seed = left.number_input(label, 0, 99_999, step=1, key=key)
    right.button(
        ":material/casino:", key=f"{key}_new", on_click=_new_seed, args=(key,),
        help="Another seed at random", width="stretch",
    )  # fmt: skip
    return int(seed)


def class_picker(selected: ui.Selected, label: str, key: str, default: int = 0) -> int | None:
    """The class a conditional model is given (None for other models)."""
    if not selected.model.config.conditional:
        return None
    names = selected.data.class_names or [str(c) for c in range(selected.model.config.n_classes)]
    return st.selectbox(
        label, range(len(names)), index=default, format_func=lambda c: names[c], key=key
    )


def test_example(selected: ui.Selected, index: int) -> tuple[torch.Tensor, int | None]:
    test = selected.data.test
    y = None if test.y is None else int(test.y[index])
    return test.x[index], y


def start_picker(selected: ui.Selected, key: str) -> Start | None:
    """Where the code comes from: a test example (index or random), an uploaded image, the prior."""
    model, test = selected.model, selected.data.test
    sources = list(SOURCES) if selected.info.is_image else ["Test example", "Prior sample"]
    source = st.radio("Start from", sources, horizontal=True, key=f"{key}_source")
    conditional = model.config.conditional
    if source == "Test example":
        index = index_picker("Test example", f"{key}_index", len(test))
        x, label = test_example(selected, index)
        y = None
        if conditional:  # keyed by the example, so a new example starts at its own label
            y = class_picker(
                selected, "Class given to the model", f"{key}_class_{index}", label or 0
            )
        z = latent.encode_mean(model, x[None], None if y is None else torch.tensor([y]))[0]
        name = _class_name(selected, label)
        return Start(z, x, y, f"test example {index}{name}", f"test:{index}:{y}")
    if source == "Upload an image":
        file = st.file_uploader(
            "An image (PNG, JPEG, BMP, GIF)", type=["png", "jpg", "jpeg", "bmp", "gif"],
            key=f"{key}_upload",
            help=f"Converted to the model's {tuple(selected.info.input_shape)} (cropped to its "
            "aspect ratio and resized).",
        )  # fmt: skip
        y = (
            class_picker(selected, "Class given to the model", f"{key}_class")
            if conditional
            else None
        )
        if file is None:
            st.caption("Choose a file to encode it.")
            return None
        data = file.getvalue()
        try:
            x = latent_image(data, selected)
        except VAELabError as exc:
            ui.report_error(exc)
            return None
        z = latent.encode_mean(model, x[None], None if y is None else torch.tensor([y]))[0]
        digest = hashlib.sha256(data).hexdigest()[:12]
        return Start(z, x, y, f"your image “{file.name}”", f"upload:{digest}:{y}")
    seed = seed_picker("Prior sample (seed)", f"{key}_seed")
    y = class_picker(selected, "Class given to the model", f"{key}_class") if conditional else None
    z = latent.prior_samples(1, model.config.latent_dim, seed=seed)[0]
    return Start(z, None, y, f"a prior sample z ~ N(0, I) (seed {seed})", f"prior:{seed}:{y}")


def latent_image(data: bytes, selected: ui.Selected) -> torch.Tensor:
    from vae.data import image_to_tensor

    return image_to_tensor(data, tuple(selected.info.input_shape))


def _class_name(selected: ui.Selected, label: int | None) -> str:
    names = selected.data.class_names
    if label is None or not names:
        return ""
    return f" (class {names[label]})"


# --- one slider per dimension --------------------------------------------------------------


def slider_key(selected: ui.Selected, d: int) -> str:
    return f"zslider_{selected.entry.name}_{d}"


def slider_limit(z: torch.Tensor) -> float:
    """Sliders run over ±4 (the prior's N(0, 1) almost entirely) or wider for an outlying code."""
    return float(max(4.0, np.ceil(float(z.abs().max()) * 2) / 2))


def sync_sliders(selected: ui.Selected, start: Start, limit: float) -> None:
    """Move every slider to the start code whenever the start changes (or on Reset)."""
    marker = f"zslider_start_{selected.entry.name}"
    if st.session_state.get(marker) == start.signature:
        return
    st.session_state[marker] = start.signature
    reset_sliders(selected, start.z, limit)


def reset_sliders(selected: ui.Selected, z: torch.Tensor, limit: float) -> None:
    for d in range(z.shape[0]):
        st.session_state[slider_key(selected, d)] = float(
            np.clip(round(float(z[d]), 2), -limit, limit)
        )


def slider_code(selected: ui.Selected, fallback: torch.Tensor) -> torch.Tensor:
    """The code the sliders show now."""
    values = [
        st.session_state.get(slider_key(selected, d), float(fallback[d]))
        for d in range(fallback.shape[0])
    ]
    return torch.tensor(values, dtype=torch.float32)


# --- comparing runs ------------------------------------------------------------------------

SHAPES_DEFAULT = ("shapes-beta1", "shapes-beta4", "shapes-beta8")
DIGITS_DEFAULT = ("digits-8d", "digits-collapse", "digits-cured")

# (summary key, column title) of the metrics table, in the order a reader meets them.
METRICS = (
    ("elbo", "ELBO"),
    ("recon", "reconstruction"),
    ("kl", "KL"),
    ("log_likelihood", "log-likelihood"),
    ("active_units", "active units"),
    ("mig", "MIG"),
    ("dci_disentanglement", "DCI disent."),
    ("dci_completeness", "DCI compl."),
    ("dci_informativeness", "DCI inform."),
    ("factor_vae_score", "FactorVAE"),
    ("beta_vae_score", "β-VAE score"),
    ("sap", "SAP"),
)
GROUP_OF = {
    "elbo": "elbo", "recon": "elbo", "kl": "elbo", "active_units": "elbo",
    "log_likelihood": "likelihood",
    **{key: "disentanglement" for key, _ in METRICS[5:]},
}  # fmt: skip
COMPUTED_KEY = "cmp_computed"


def default_runs(names: list[str]) -> list[str]:
    """The bundled shapes β-VAEs when they are installed, else three digits models."""
    for group in (SHAPES_DEFAULT, DIGITS_DEFAULT):
        present = [n for n in group if n in names]
        if len(present) >= 2:
            return present
    return names[:2]


def data_signature(selected: ui.Selected) -> tuple:
    info = selected.info
    return (info.dataset, info.image_size, info.data_dir, tuple(info.input_shape))


def _run_key(selected: ui.Selected) -> str:
    return f"{selected.path}:{_mtime(selected)}"


def run_metrics(selected: ui.Selected) -> dict:
    """The run's summary, overlaid with whatever was computed on this page."""
    computed = st.session_state.get(COMPUTED_KEY, {}).get(_run_key(selected), {})
    return {**selected.info.summary, **computed}


def missing_groups(selected: ui.Selected) -> list[str]:
    """Metric groups the table lacks for this run (disentanglement only where there are factors)."""
    have = run_metrics(selected)
    groups = []
    for key, group in GROUP_OF.items():
        if group == "disentanglement" and selected.data.ground_truth is None:
            continue
        if have.get(key) is None and group not in groups:
            groups.append(group)
    return groups


def metrics_table(runs: list[ui.Selected]) -> list[dict]:
    """One row per run: its name, β, and every metric (None where unknown or not applicable)."""
    rows = []
    for selected in runs:
        have = run_metrics(selected)
        row = {"run": selected.entry.title, "β": float(selected.model.config.beta)}
        for key, title in METRICS:
            value = have.get(key)
            row[title] = None if value is None else float(value)
        rows.append(row)
    return rows


def metrics_frame(runs: list[ui.Selected]) -> tuple[pd.DataFrame, list[str]]:
    """The metrics table, without the disentanglement columns when no run's data has factors.

    Returns the table and the titles of the columns left out.
    """
    table = pd.DataFrame(metrics_table(runs))
    if any(r.data.ground_truth is not None for r in runs):
        return table, []
    absent = [title for key, title in METRICS if GROUP_OF[key] == "disentanglement"]
    return table.drop(columns=absent), absent


def metric_columns(table: pd.DataFrame) -> dict:
    """Column formats: counts as integers, the rest with a precision that suits them."""
    config = {"run": st.column_config.TextColumn("run", width="medium")}
    for column in table.columns[1:]:
        fmt = (
            "%d"
            if column == "active units"
            else "%.2f"
            if column in ("ELBO", "reconstruction", "KL", "log-likelihood")
            else "%.3f"
        )
        if column == "β":
            fmt = "%g"
        config[column] = st.column_config.NumberColumn(column, format=fmt)
    return config


def save_to_summary(selected: ui.Selected, result: dict) -> None:
    """Keep figures computed for a user's finished run in its summary.json, as the CLI's --save does.

    Bundled models are left as shipped; a run still training is left alone (it writes its own).
    """
    from vae import runs
    from vae.io import atomic_write_json

    if runs.read_status(selected.path).get("state") in runs.ACTIVE_STATES:
        return
    path = selected.path / runs.SUMMARY_FILE
    summary = runs.read_json(path, {}) or {}
    try:
        atomic_write_json(path, {**summary, **result})
    except OSError as exc:
        log.warning("could not save the metrics to %s (%s)", path, exc)


def compute_missing(runs: list[ui.Selected], quick: bool) -> None:
    """Evaluate what the table lacks, with a progress bar, and keep it for this session."""
    from vae.evaluate_run import evaluate_model

    todo = [(s, missing_groups(s)) for s in runs]
    todo = [(s, groups) for s, groups in todo if groups]
    if not todo:
        st.toast("Every applicable metric is already known.")
        return
    store = st.session_state.setdefault(COMPUTED_KEY, {})
    with st.status("Computing metrics…", expanded=True) as status:
        bar = st.progress(0.0)
        for i, (selected, groups) in enumerate(todo):
            st.write(f"{selected.entry.title}: {', '.join(groups)}")

            def report(
                stage: str, fraction: float, i: int = i, title: str = selected.entry.title
            ) -> None:
                done = (i + min(max(fraction, 0.0), 1.0)) / len(todo)
                bar.progress(done, text=f"{title}: {stage}")

            try:
                result = evaluate_model(
                    selected.model, selected.data, k=100 if quick else 1000, metrics=groups,
                    quick=quick, n_likelihood=300 if quick else 1000, progress=report,
                )  # fmt: skip
            except VAELabError as exc:
                ui.report_error(exc)
                continue
            store[_run_key(selected)] = {**store.get(_run_key(selected), {}), **result}
            if selected.entry.source == "run":
                save_to_summary(selected, result)
            log.info("computed %s for %s", groups, selected.entry.name)
        bar.progress(1.0, text="done")
        status.update(label="Metrics computed", state="complete", expanded=False)
