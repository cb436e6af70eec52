"""The β & objectives page's spread over seeds: each chosen model's recipe, every seed of it."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from vae.analysis.seeds import recipe, seed_siblings
from vae.app.shell import Selected
from vae.figures.seeds import seed_spread
from vae.runs import store as runs

SCORES = (("mig", "MIG"), ("dci_disentanglement", "DCI disentanglement"), ("udr", "UDR"))


def _scores(folder: Path) -> tuple[int, dict]:
    """The folder's seed and its summary.json."""
    return recipe(folder)[1], runs.read_json(folder / runs.SUMMARY_FILE, {}) or {}


@functools.lru_cache(maxsize=32)
def _spread(spec: str) -> go.Figure:
    """The figure of these recipes' scores (JSON), built once: plotly's subplots take ~0.2 s.
    Shared by every visitor; Streamlit only reads it."""
    recipes, figures = json.loads(spec)
    return seed_spread(recipes, figures)


def section(chosen: list[Selected]) -> None:
    """Each chosen model with the other seeds of its recipe: points with their ±, and UDR."""
    recipes, figures, seen = [], {title: [] for _, title in SCORES}, set()
    for selected in chosen:
        siblings = seed_siblings(selected.path)
        settings = recipe(selected.path)[0] if siblings else None
        if settings is None or settings in seen:
            continue  # no other seed, or its recipe is shown already (two seeds of it chosen)
        seen.add(settings)
        recipes.append(selected.entry.name)
        summaries = sorted(_scores(f) for f in [selected.path, *siblings])
        for key, title in SCORES:
            figures[title].append(
                [(seed, s.get(key), (s.get("uncertainty") or {}).get(key)) for seed, s in summaries]
            )
    if not recipes:
        st.caption(
            "None of these models has its recipe trained with other seeds beside it; train the "
            "same settings with another seed (`--seed`) to see how much the seed alone moves the "
            "scores."
        )
        return
    st.plotly_chart(_spread(json.dumps([recipes, figures])), key="cmp_seeds")
    st.caption(
        "One point per seed of each model's recipe (same settings and budget, another seed), "
        "each with its own evaluation's ±. Locatello et al. 2019 found the seed moves these "
        "scores as much as the objective does. UDR (Duan et al. 2020) needs no ground-truth "
        "factors: the seeds of a recipe that disentangles agree with each other, dimension for "
        "dimension, so the highest UDR is the model to pick when no factors are known."
    )
