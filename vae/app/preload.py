"""The browser fetches the code of Streamlit's charts and widgets while a person reads Home.

Streamlit's frontend loads each kind of element's code the first time a page shows one:
Plotly's chunk alone is 4.7 MB. On a fresh browser, the first page with a chart (Train,
after Home) spent ~1 s fetching it from the server (which serves it in Python,
beside the page's own run) and ~1 s compiling and starting it before its first chart
appeared (issue 28). Home shows no chart, and is read for a while: a small script on it
imports those chunks in the browser once a person is reading Home (the pointer moves,
or 1.5 s pass), all at once and when the browser is idle, so the next page finds them
loaded (a click in the sidebar) or at least in the browser's cache (a link opened in the
same browser).

The chunks are Streamlit's own files (``streamlit/static/static/js/<Element>.<hash>.js``),
found by name in the installed package, so a Streamlit upgrade that renames them only
makes this do nothing. The script resolves them against the URL of Streamlit's own main
module, exactly as the frontend's lazy imports do, so a server under a base URL path
works too.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit
import streamlit as st

STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"
# The elements the pages show, most used first: every page but Conditional draws a Plotly chart.
ELEMENTS = (
    "PlotlyChart", "Slider", "NumberInput", "Checkbox", "Radio", "TextInput", "DataFrame",
    "DownloadButton", "FileUploader", "Metric", "IFrame",
)  # fmt: skip

# It starts when the person moves the pointer, types or scrolls on Home, or after this long:
# a browser that leaves at once (a second link opened straight after the first) is not slowed
# by fetches it never uses. Starting at once made the next page's first visit by a link
# 0.3 s slower there (its server served the chunks while it ran the page).
DELAY_MS = 1500

SCRIPT = """<script>
(() => {
  if (window.__vaeLabPreload) return;
  window.__vaeLabPreload = true;
  const main = [...document.querySelectorAll("script[type=module][src]")]
    .map(s => s.src).find(src => /\\/static\\/js\\/index\\.[^/]+\\.js$/.test(src));
  if (!main) return;
  const files = %s;
  const start = () => Promise.all(files.map(file =>
    import(new URL(file, main).href).catch(() => null)));
  const idle = window.requestIdleCallback || (f => setTimeout(f, 50));
  let begun = false;
  const begin = () => { if (!begun) { begun = true; idle(start, {timeout: 500}); } };
  for (const kind of ["pointermove", "pointerdown", "keydown", "wheel", "touchstart"]) {
    window.addEventListener(kind, begin, {once: true, passive: true});
  }
  const wait = %d;
  if (wait > 0) { setTimeout(begin, wait); } else { begun = true; start(); }
})();
</script>"""


@functools.cache
def chunk_files(folder: Path = STATIC_JS) -> tuple[str, ...]:
    """The file names of the elements' chunks in the installed Streamlit, in ELEMENTS' order."""
    found = []
    for name in ELEMENTS:
        matches = sorted(p.name for p in folder.glob(f"{name}.*.js") if p.name.count(".") == 2)
        found.extend(matches[:1])
    return tuple(found)


def script(files: tuple[str, ...], delay_ms: int = DELAY_MS) -> str:
    return SCRIPT % (json.dumps(list(files)), delay_ms)


def preload_charts_now() -> None:
    """Have a page's charts' code fetched and started at once, while its script runs.

    A page opened by its own link is a new document: without this, the Plotly chunk is
    imported when the first chart's element arrives, near the end of the run. Only Plotly's:
    fetching every widget's chunk at once from a server busy with the page's run made a
    first visit by link slower (Train after Home: 4.4–5.3 s against 3.5–4.5 s, 2 probes each).
    """
    files = tuple(f for f in chunk_files() if f.startswith("PlotlyChart."))
    if files:
        st.html(script(files, delay_ms=0), unsafe_allow_javascript=True)


def preload_elements(delay_ms: int = DELAY_MS) -> None:
    """Draw the invisible script that fetches every element's code (nothing when no chunk is
    found): Home's waits ``DELAY_MS``; Train without runs draws it last, with no wait."""
    files = chunk_files()
    if files:
        st.html(script(files, delay_ms), unsafe_allow_javascript=True)
