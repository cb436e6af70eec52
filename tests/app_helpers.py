"""Opening the app's pages under Streamlit's AppTest (no browser)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from streamlit.testing.v1 import AppTest

from vae.app.shell import MODEL_KEY

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # importing torch, umap and numba's first compile take far longer than 3 s


def open_page(page: str | None = None, model: str | None = None) -> AppTest:
    """Run app.py (and then ``pages/<page>.py``) with ``model`` chosen in the sidebar."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if model is not None:
        at.session_state[MODEL_KEY] = model
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plotly_figures(at: AppTest) -> list[dict]:
    """The figures of every plotly chart on the page, as dicts."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def svg_drawings(at: AppTest, kind: str | None = None) -> list[ET.Element]:
    """The SVG charts on the page (vae.figures.svg), parsed, in page order; only those of
    ``kind`` ("bars", "heatmap", "histogram", "roc") when given. Ill-formed XML raises."""
    roots = [ET.fromstring(m.value) for m in at.markdown if m.value.startswith("<svg")]
    return [r for r in roots if kind is None or r.get("class") == f"vae-{kind}"]


def svg_texts(root: ET.Element, cls: str | None = None) -> list[str]:
    """The texts of an SVG chart's text elements (of class ``cls`` when given), in order."""
    return [
        "".join(t.itertext())
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if cls is None or t.get("class") == cls
    ]


def svg_titles(root: ET.Element) -> list[str]:
    """The tooltips of an SVG chart's marks (their <title>), in order."""
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]


def set_widgets(at: AppTest, changes: list[tuple[str, str, object]]) -> AppTest:
    """Set widgets one after the other, as a person would: (kind, key, value) each, then run."""
    for kind, key, value in changes:
        getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def open_app(page: str, model: str, query: dict[str, str] | None = None) -> AppTest:
    """Open ``pages/<page>.py`` with ``model`` chosen; with ``query``, as the link
    ``/<page>?model=MODEL&<query>`` would open it."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state[MODEL_KEY] = model  # AppTest runs a page alone after switch_page (TESTING.md)
    if query is not None:
        at.query_params.update({"model": model, **query})
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert_ok(at)
    return at
