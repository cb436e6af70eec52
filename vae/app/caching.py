"""The app's one caching idiom: results per (model weights, what, parameters).

``memo`` keeps a small result in memory; ``cached`` keeps arrays in memory and on
disk (``vae.runs.cache``: in a run's folder, or the user's cache for a bundled
model) and computes them under a progress bar the first time. Keys use the
weights' fingerprint (``vae.runs.cache.model_fingerprint``), so a retrained run is
never served stale results. Values are shared by every visitor: never change
them in place.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from vae.model.evaluation import encode_means
from vae.runs import cache

if TYPE_CHECKING:
    from vae.app.shell import Selected

log = logging.getLogger(__name__)

_MEMO: OrderedDict[tuple, Any] = OrderedDict()
_MEMO_SIZE = 256
# Every visitor's script thread shares the memo: dict updates happen under this lock
# (a computation itself runs outside it, so one slow result never blocks the others).
_LOCK = threading.Lock()

Progress = Callable[[float], None]


def _key(selected: Selected, what: str, params: dict[str, Any]) -> tuple:
    return (cache.model_fingerprint(selected.path), what, tuple(sorted(params.items())))


def _remember(key: tuple, compute: Callable[[], Any]) -> Any:
    with _LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = compute()
    with _LOCK:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def clear() -> None:
    """Forget every result kept in memory (the disk cache stays)."""
    with _LOCK:
        _MEMO.clear()


def is_memo(selected: Selected, what: str, params: dict[str, Any]) -> bool:
    """Whether ``memo`` holds this result already."""
    with _LOCK:
        return _key(selected, what, params) in _MEMO


def memo(selected: Selected, what: str, params: dict[str, Any], compute: Callable[[], Any]) -> Any:
    """A result for this model and these parameters, kept in memory (small, quick results)."""
    return _remember(_key(selected, what, params), compute)


def cached(
    selected: Selected,
    what: str,
    params: dict[str, Any],
    compute: Callable[[Progress], dict[str, np.ndarray]],
    label: str | None = None,
) -> dict[str, np.ndarray]:
    """Arrays kept in memory and on disk; computed the first time, under a progress bar
    when ``label`` is given (``compute`` receives a callback taking a fraction in [0, 1]).
    """

    def load_or_compute() -> dict[str, np.ndarray]:
        found = cache.load_arrays(selected.path, what, params)
        if found is not None:
            return found
        if label is None:
            arrays = compute(lambda fraction: None)
        else:
            with st.status(label, expanded=True) as status:
                bar = st.progress(0.0)
                arrays = compute(lambda f: bar.progress(float(min(max(f, 0.0), 1.0))))
                status.update(label=f"{label} done", state="complete", expanded=False)
        cache.save_arrays(selected.path, what, params, arrays)
        return arrays

    return _remember(("disk",) + _key(selected, what, params), load_or_compute)


def has_cached(selected: Selected, what: str, params: dict[str, Any]) -> bool:
    """Whether ``cached`` would answer without computing."""
    with _LOCK:
        if ("disk",) + _key(selected, what, params) in _MEMO:
            return True
    return cache.load_arrays(selected.path, what, params) is not None


def test_means(selected: Selected, n: int | None = None) -> np.ndarray:
    """Posterior means of the first ``n`` test examples (memory and disk cached)."""
    n = len(selected.data.test) if n is None else min(n, len(selected.data.test))

    def compute(progress: Progress) -> dict[str, np.ndarray]:
        test = selected.data.test
        y = None if test.y is None else test.y[:n]
        return {"means": encode_means(selected.model, test.x[:n], y).numpy()}

    return cached(selected, "test_means", {"n": n}, compute)["means"]
