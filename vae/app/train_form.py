"""The Train page's form: one widget per row of the settings table (``vae.model.settings``).

Widget kinds, bounds, steps and help come from the table; the values start at the
chosen data set's defaults (``vae.jobs.arguments.form_defaults``) whenever the data
set changes. Widget keys are ``train_<setting>``. A row with ``when`` is drawn
only while that other setting has the value it names; an objective's own rows
only while that objective is chosen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import streamlit as st

from vae.app import held as held_values
from vae.errors import ConfigError
from vae.model import settings as table
from vae.model.setting import Setting

if TYPE_CHECKING:  # the form reads a data set's kind, shape and labels: both say them
    from vae.app.data_facts import DataFacts
    from vae.data import Dataset

PREFIX = "train_"
DEFAULTS_FOR = "train_defaults_for"
MEMORY_KEY = "train_form_memory"
# The form's keys this run wrote (new defaults, values restored): drawn without a default.
SET_THIS_RUN_KEY = "train_form_set_this_run"
GROUPS = ("Model", "Objective", "Training")
COLUMNS = 4
# Drawn by the page itself, above the form (the box depends on the data's own size).
DRAWN_BY_PAGE = ("image_size",)


def rows() -> tuple[Setting, ...]:
    return table.form_settings()


def to_widget(s: Setting, value: Any) -> Any:
    """A setting's value as its widget holds it (comma text for sizes, 0 for "off")."""
    if s.kind is tuple:
        return ",".join(str(v) for v in value)
    if s.nullable and s.kind in (int, float):
        return value or 0
    return value


def from_widget(s: Setting, value: Any) -> Any:
    """A widget's value as the setting (one sentence when it is not accepted)."""
    if s.kind is tuple:
        return parse_sizes(s, str(value or ""))
    if s.kind is int:
        value = int(value)
        return None if s.nullable and value == 0 else value
    if s.kind is float:
        value = float(value)
        return None if s.nullable and value == 0 else value
    if s.kind is bool:
        return bool(value)
    return value


def parse_sizes(s: Setting, text: str) -> list[int]:
    """ "512, 256" → [512, 256]; one sentence when it is not a list of positive integers."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = []
    if not sizes or any(v < 1 or v > 8192 for v in sizes):
        what = "Hidden layer sizes" if s.name == "hidden_dims" else s.title
        raise ConfigError(
            f"{what} {text!r} are not accepted; write positive integers up to 8192 "
            "separated by commas, e.g. 512,256."
        )
    return sizes


def sync_defaults(name_or_path: str, values: dict[str, Any]) -> None:
    """Fill the form with a data set's defaults when the data set changes (not on every run).

    Streamlit forgets the values of widgets that a run did not draw (the form is hidden
    while an upload is awaited, a row hidden by ``when``): they come back from the copy
    :func:`remember_form` keeps.
    """
    keys = [PREFIX + k for k in values]
    st.session_state[SET_THIS_RUN_KEY] = written = set()
    if st.session_state.get(DEFAULTS_FOR) == name_or_path:
        if all(k in st.session_state for k in keys):
            return
        memory = st.session_state.get(MEMORY_KEY) or {}
        for key, value in memory.items():
            if key not in st.session_state:
                st.session_state[key] = value
                written.add(key)
        if all(k in st.session_state for k in keys):
            return
    by_name = table.by_name()
    for key, value in values.items():
        s = by_name.get(key)
        st.session_state[PREFIX + key] = value if s is None else to_widget(s, value)
        written.add(PREFIX + key)
    st.session_state[DEFAULTS_FOR] = name_or_path


def held(key: str, options: list[Any] | None = None) -> dict[str, Any]:
    """The widget's own default: the value it holds, unless this run set it (``vae.app.held``)."""
    written = st.session_state.get(SET_THIS_RUN_KEY) or ()
    if options is not None:
        return held_values.index(key, options, written)
    return held_values.value(key, written)


def remember_form() -> None:
    """Keep a copy of the form's values that outlives the widgets (see :func:`sync_defaults`)."""
    memory = st.session_state.get(MEMORY_KEY) or {}
    for s in rows():
        if PREFIX + s.name in st.session_state:
            memory[PREFIX + s.name] = st.session_state[PREFIX + s.name]
    st.session_state[MEMORY_KEY] = memory


def _shown(s: Setting) -> bool:
    ss = st.session_state
    if s.objective is not None and ss.get(PREFIX + "objective", "vae") != s.objective:
        return False
    if s.when is None:
        return True
    other, wanted = s.when
    value = ss.get(PREFIX + other)
    return value != wanted[1:] if wanted.startswith("!") else value == wanted


def _help(s: Setting) -> str:
    extra = " 0 = off." if s.nullable and s.kind in (int, float) else ""
    return s.help[0].upper() + s.help[1:] + "." + extra


TEXT_ARCHITECTURES = ("gru", "chunk")


def widget(s: Setting, where: Any, data: Dataset | DataFacts) -> None:
    """Draw the widget of one setting (its value lives in session state under its key)."""
    key, label = PREFIX + s.name, s.title
    if s.choices is not None:
        choices = list(s.choices)
        text = data.kind == "text"
        if s.name == "architecture":  # text takes the text networks; conv needs a (C, H, W) grid
            choices = [c for c in choices if (c in TEXT_ARCHITECTURES) == text
                       and (c != "conv" or len(data.input_shape) == 3)]  # fmt: skip
        if s.name == "likelihood":  # token ids take a categorical, everything else not
            choices = [c for c in choices if (c == "categorical") == text]
        if st.session_state.get(key) not in choices:
            st.session_state[key] = choices[0]
            st.session_state.setdefault(SET_THIS_RUN_KEY, set()).add(key)
        where.selectbox(label, choices, key=key, help=_help(s), **held(key, choices))
    elif s.kind is bool:
        disabled = s.name == "conditional" and not data.has_labels
        where.checkbox(label, key=key, help=_help(s), disabled=disabled, **held(key))
    elif s.kind is tuple or s.kind is str:
        where.text_input(label, key=key, help=_help(s) + " e.g. 512,256", **held(key))
    elif s.slider:
        step = s.step or 0.05
        low = (s.low + step if s.low_open else s.low) if s.low is not None else 0.0
        high = (s.high - step if s.high_open else s.high) if s.high is not None else 1.0
        where.slider(
            label, float(low), float(high), step=float(step), key=key, help=_help(s), **held(key)
        )
    else:
        _number(s, where, key, label)


def _number(s: Setting, where: Any, key: str, label: str) -> None:
    # No min_value/max_value: a browser refuses to commit a value outside them and keeps the old
    # one while the box shows the new (a run then started with values nobody saw). Every value
    # is committed, and ``problem`` names the first one the settings table refuses.
    integer = s.kind is int
    cast = int if integer else float
    step = cast(s.step or (1 if integer else _float_step(s.default)))
    where.number_input(
        label,
        step=step,
        format=None if integer else ("%.5f" if step < 0.01 else None),
        key=key,
        help=_help(s),
        **held(key),
    )


def problem(dataset_name: str, native: int | None = None) -> str | None:
    """The first form value the settings table refuses, as its one sentence (None if all pass)."""
    from vae.errors import VAELabError

    try:
        for name, value in values(dataset_name, native).items():
            s = table.by_name().get(name)
            if s is not None and name != "dataset":
                s.check(value)
    except VAELabError as exc:
        return str(exc)
    return None


def _float_step(default: Any) -> float:
    value = abs(float(default or 0.0))
    return 10.0 ** (int(f"{value:e}".split("e")[1]) - 1) if value else 0.1


def image_size_box(where: Any) -> int:
    """The image-size box above the form; it starts at the data's own size."""
    s = table.by_name()["image_size"]
    return where.number_input(
        s.title, int(s.low), int(s.high), step=int(s.step or 1), key=PREFIX + s.name,
        help=_help(s) + " Smaller trains faster: a 32×32 conv VAE trains 2.5–4× faster than "
        "a 64×64 one.", **held(PREFIX + s.name),
    )  # fmt: skip


def draw(data: Dataset | DataFacts) -> None:
    """Every group of the form, four widgets to a row."""
    for group in GROUPS:
        chosen = [
            s for s in rows() if s.group == group and s.name not in DRAWN_BY_PAGE and _shown(s)
        ]
        # The objective first: the rows after it (its own weights among them) depend on it.
        chosen.sort(key=lambda s: s.name != "objective")
        if not chosen:
            continue
        st.markdown(f"**{group}**")
        for start in range(0, len(chosen), COLUMNS):
            columns = st.columns(COLUMNS)
            for s, column in zip(chosen[start : start + COLUMNS], columns, strict=False):
                widget(s, column, data)


def values(dataset_name: str, native: int | None = None) -> dict[str, Any]:
    """The form's values as settings with the CLI's names (``native``: the data's own size).

    Rows the form does not show now (another objective's weights, a schedule not
    chosen) are left out, so they take their defaults.
    """
    ss = st.session_state
    out: dict[str, Any] = {"dataset": dataset_name}
    for s in rows():
        if s.name in DRAWN_BY_PAGE or not _shown(s) or PREFIX + s.name not in ss:
            continue
        out[s.name] = from_widget(s, ss[PREFIX + s.name])
    size = ss.get(PREFIX + "image_size")
    out["image_size"] = int(size) if native and size and int(size) != native else None
    return out
