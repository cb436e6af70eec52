"""Streamlit glue of the β & objectives page: which runs, their metrics table, computing what is missing."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from vae.app import shell
from vae.app.shell import Selected
from vae.errors import VAELabError
from vae.metrics.registry import scores, table_columns
from vae.runs import cache

log = logging.getLogger(__name__)

# --- comparing runs ------------------------------------------------------------------------

# β = 1 and β = 4 against the two objectives that penalise only the total correlation.
SHAPES_DEFAULT = ("shapes-beta1", "shapes-beta4", "shapes-tcvae", "shapes-factorvae")
MNIST_DEFAULT = ("mnist-16d", "mnist-collapse", "mnist-cured")
DIGITS_DEFAULT = ("digits-8d", "digits-collapse", "digits-cured")

# (summary key, column title) of the metrics table, in the order a reader meets them,
# and the group that computes each: both from the metric registry.
METRICS = tuple((key, title) for key, title, _ in table_columns())
GROUP_OF = {key: group for key, _, group in table_columns()}
COMPUTED_KEY = "cmp_computed"
# The page's two lower sections (shell.lazy_section): titles and the keys of their open state.
SEEDS_TITLE = "**Over seeds**: each recipe's installed seeds, their scores and UDR"
SEEDS_KEY = "cmp_seeds_section"
RD_TITLE = "**Rate and distortion**: what each run pays in KL for its reconstructions"
RD_KEY = "cmp_rd_section"


def default_runs(names: list[str]) -> list[str]:
    """The bundled shapes models when they are installed, else three MNIST or digits models."""
    for group in (SHAPES_DEFAULT, MNIST_DEFAULT, DIGITS_DEFAULT):
        present = [n for n in group if n in names]
        if len(present) >= 2:
            return present
    return names[:2]


def beta_of(selected: Selected) -> float | None:
    """β of a β-VAE; None for the other objectives, whose weights have their own names."""
    config = selected.model.config
    return float(config.beta) if config.objective == "vae" else None


def normalised_beta_of(selected: Selected) -> float | None:
    """β_norm = β·z/pixels of a β-VAE (Higgins et al. 2017), comparable across image sizes."""
    from vae.model import objectives

    beta = beta_of(selected)
    model = selected.model
    return None if beta is None else objectives.normalised_beta(beta, model.config.latent_dim,
                                                                model.input_shape)  # fmt: skip


def data_signature(selected: Selected) -> tuple:
    info = selected.info
    return (info.dataset, info.image_size, info.data_dir, tuple(info.input_shape))


def _run_key(selected: Selected) -> str:
    return f"{selected.path}:{cache.model_fingerprint(selected.path)}"


def run_metrics(selected: Selected) -> dict:
    """The run's summary, overlaid with whatever was computed on this page."""
    computed = st.session_state.get(COMPUTED_KEY, {}).get(_run_key(selected), {})
    return {**selected.info.summary, **computed}


def missing_groups(selected: Selected) -> list[str]:
    """Metric groups the table lacks for this run (disentanglement only where there are factors):
    a figure that is unknown, or a score known without its ±."""
    have = run_metrics(selected)
    errors = have.get("uncertainty") or {}
    groups = []
    for key, group in GROUP_OF.items():
        if group == "disentanglement" and selected.data.ground_truth is None:
            continue
        lacks = have.get(key) is None or (key in UNCERTAIN_KEYS and errors.get(key) is None)
        if lacks and group not in groups:
            groups.append(group)
    return groups


UNCERTAIN = " ±"  # the column beside a score with its standard deviation
BETA_NORM = "β_norm"  # β·z/pixels, Higgins et al. 2017's β normalised by the input size
# The scores evaluate gives a ± (the registry's), which the table asks for when absent.
UNCERTAIN_KEYS = frozenset(scores())
DISENTANGLEMENT = tuple((k, t) for k, t in METRICS if GROUP_OF[k] == "disentanglement")


def _pm(value: Any, error: Any, digits: int = 3) -> str:
    """ "0.351 ± 0.003", "0.351" without a ±, "" when unknown: a blank is a blank."""
    if value is None:
        return ""
    text = f"{float(value):.{digits}f}"
    return text if error is None else f"{text} ± {float(error):.{digits}f}"


def scores_table(runs: list[Selected]) -> pd.DataFrame:
    """The disentanglement scores first, one narrow column each, "value ± one sd", and UDR."""
    rows = []
    for selected in runs:
        have = run_metrics(selected)
        errors = have.get("uncertainty") or {}
        row = {"run": selected.entry.name}
        for key, title in DISENTANGLEMENT:
            row[title] = _pm(have.get(key), errors.get(key))
        row["UDR"] = _pm(have.get("udr"), errors.get("udr"))
        rows.append(row)
    return pd.DataFrame(rows)


def protocol_line(selected: Selected) -> str | None:
    """How a run's scores were measured, in words: "quick protocol, seed 0, 50 bootstrap
    resamples, 2,000 training and 1,000 test codes"; None when it has no protocol."""
    protocol = run_metrics(selected).get("protocol") or {}
    if not protocol:
        return None
    parts = [("quick" if protocol.get("quick") else "full") + " protocol",
             f"seed {protocol.get('seed', 0)}"]  # fmt: skip
    if protocol.get("n_bootstrap"):
        parts.append(f"{protocol['n_bootstrap']} bootstrap resamples")
    if protocol.get("num_train"):
        parts.append(f"{protocol['num_train']:,} training and {protocol.get('num_test', 0):,} "
                     "test codes")  # fmt: skip
    if protocol.get("intervention_train"):
        parts.append(f"{protocol['intervention_train']} / {protocol.get('intervention_eval', 0)} "
                     "intervention votes")  # fmt: skip
    return f"{selected.entry.name}: " + ", ".join(parts)


def metrics_table(runs: list[Selected]) -> list[dict]:
    """One row per run: its name, β, and every metric (None where unknown or not applicable).

    A score whose evaluation measured its uncertainty gets a "<title> ±" column beside it
    (one standard deviation; how it was obtained is in the evaluation's protocol).
    """
    rows, uncertain = [], set()
    for selected in runs:
        have = run_metrics(selected)
        errors = have.get("uncertainty") or {}
        row = {"run": selected.entry.title, "β": beta_of(selected),
               BETA_NORM: normalised_beta_of(selected)}  # fmt: skip
        for key, title in METRICS:
            value = have.get(key)
            row[title] = None if value is None else float(value)
            if errors.get(key) is not None:
                row[title + UNCERTAIN] = float(errors[key])
                uncertain.add(title)
        rows.append(row)
    order = ["run", "β", BETA_NORM]
    for _, title in METRICS:
        order += [title] + ([title + UNCERTAIN] if title in uncertain else [])
    return [{column: row.get(column) for column in order} for row in rows]


def uncertainty_note(runs: list[Selected]) -> str | None:
    """How the ± columns were obtained, from the runs' evaluation protocols (None if none)."""
    lines = [line for selected in runs if (line := protocol_line(selected))]
    if not lines:
        return None
    return (
        "± is one standard deviation (bootstrap of the evaluation codes for MIG, SAP, DCI "
        "informativeness and the intervention scores; split halves for DCI D and C; standard "
        "errors over test examples for ELBO and log-likelihood; half the range of its pairwise "
        "scores for UDR). Protocols: " + "; ".join(lines) + "."
    )


def metrics_frame(runs: list[Selected]) -> tuple[pd.DataFrame, list[str]]:
    """The metrics table, without the disentanglement columns when no run's data has factors.

    Returns the table and the titles of the columns left out.
    """
    table = pd.DataFrame(metrics_table(runs))
    numbers = [c for c in table.columns if c != "run"]
    table[numbers] = table[numbers].apply(
        pd.to_numeric, errors="coerce"
    )  # None → blank, not "None"
    if any(r.data.ground_truth is not None for r in runs):
        return table, []
    absent = [title for key, title in METRICS if GROUP_OF[key] == "disentanglement"]
    dropped = [c for c in table.columns if c in absent or c.removesuffix(UNCERTAIN) in absent]
    return table.drop(columns=dropped), absent


def metrics_csv(table: pd.DataFrame, names: list[str]) -> bytes:
    """The metrics table as CSV: ``model`` (the run's name, as ``?model=`` takes it), then β and
    each metric with its "<title> ±" column beside it. Blank cells: unknown or not applicable.
    """
    out = table.drop(columns=["run"])
    out.insert(0, "model", names)
    return out.to_csv(index=False).encode("utf-8")


def csv_help(note: str | None) -> str:
    """The CSV's units and protocol, which a comment row would break: for the button's help."""
    text = (
        "One row per run: β, then each metric. ELBO, reconstruction, KL and log-likelihood in "
        "nats per test example; blank: unknown or not applicable."
    )
    return text + (f" {note}" if note else "")


def metric_columns(table: pd.DataFrame) -> dict:
    """Column formats: counts as integers, the rest with a precision that suits them."""
    config = {"run": st.column_config.TextColumn("run", width="medium")}
    for column in table.columns[1:]:
        base = column.removesuffix(UNCERTAIN)
        fmt = (
            "%d"
            if base == "active units"
            else "%.2f"
            if base in ("ELBO", "reconstruction", "KL", "log-likelihood")
            else "%.3f"
        )
        if column == "β":
            fmt = "%g"
        elif column == BETA_NORM:
            fmt = "%.2g"
        config[column] = st.column_config.NumberColumn(column, format=fmt)
    return config


def save_to_summary(selected: Selected, result: dict) -> None:
    """Keep figures computed for a user's finished run in its summary.json, as the CLI's --save does.

    Bundled models are left as shipped; a run still training is left alone (it writes its own).
    """
    from vae.io import atomic_write_json
    from vae.runs import store as runs

    if runs.read_status(selected.path).get("state") in runs.ACTIVE_STATES:
        return
    path = selected.path / runs.SUMMARY_FILE
    summary = runs.read_json(path, {}) or {}
    try:
        atomic_write_json(path, {**summary, **result})
    except OSError as exc:
        log.warning("could not save the metrics to %s (%s)", path, exc)


def compute_missing(runs: list[Selected], quick: bool) -> None:
    """Evaluate what the table lacks, with a progress bar, and keep it for this session."""
    from vae.analysis.report import evaluate_model

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
                shell.report_error(exc)
                continue
            store[_run_key(selected)] = {**store.get(_run_key(selected), {}), **result}
            if selected.entry.source == "run":
                save_to_summary(selected, result)
            log.info("computed %s for %s", groups, selected.entry.name)
        bar.progress(1.0, text="done")
        status.update(label="Metrics computed", state="complete", expanded=False)


def objective_caption(config: Any, input_shape: Any = None) -> str:
    """The objective and its own weights as a person reads them (``vae.model.objectives.caption``)."""
    from vae.model import objectives

    return objectives.caption(config, input_shape=input_shape)
