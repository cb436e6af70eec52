"""A keyed widget whose value the page sets through session state keeps it in the browser.

Streamlit tells the browser a value set through ``st.session_state`` once, in the run that
set it. Under a class that run's messages were sometimes never sent: a run that starts before
they leave the server clears the session's queue, the next run draws the widget without its
value, and the browser, which has none for it, mounts it with the widget's own default (an
empty text box, a number box's minimum) and sends that back as the person's choice. Measured
with ``benchmarks/load.py`` at N = 20: 10 of 20 Train tabs got their hidden-layer box back
empty and 5–7 Start presses were refused on a form nobody touched (streamlit#7338 follows the
same path). Drawing the widget with the value it holds as its own default makes that
fallback the right value. Used by the Train form and the sidebar's model picker (a link's
model would fall back to the first in the list): the Train page reruns itself from the
server (its fragments poll and rerun the page when a run starts or ends), which is what ends
a run before its messages leave. Other pages rerun only when the person acts, after the page
has arrived.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import streamlit as st


def value(key: str, set_this_run: Collection[str] = ()) -> dict[str, Any]:
    """``{"value": v}`` for a widget whose key holds ``v``, to pass as its default.

    Empty when the key holds nothing, or when the page set it in this run (``set_this_run``):
    Streamlit sends that value itself, and logs a warning for a default given beside it.
    """
    if key in set_this_run or key not in st.session_state:
        return {}
    return {"value": st.session_state[key]}


def index(key: str, options: Sequence[Any], set_this_run: Collection[str] = ()) -> dict[str, Any]:
    """``{"index": i}`` for a select box whose key holds ``options[i]`` (see :func:`value`)."""
    held = value(key, set_this_run)
    if not held or held["value"] not in options:
        return {}
    return {"index": list(options).index(held["value"])}
