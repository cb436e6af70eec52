"""Links that reopen a view: a page's main settings live in the address bar as query parameters.

One binding ties a widget's session-state key to a query parameter. A page binds a
parameter in one line, just before the widget, and leaves the widget's own default out
(the binding sets it, and Streamlit warns about a widget given both a default and a
session-state value)::

    links.bind("steps", "ab_steps", links.integer(3, 24), default=10)
    steps = st.slider("Frames", 3, 24, key="ab_steps")

What ``bind`` does, in order:

1. On the first run of a session, and whenever the address bar holds a value this session
   has not seen (a link followed, the address edited), the value is read from
   ``st.query_params`` and checked by its ``Kind`` (type, bounds, choices). A valid value
   goes into ``st.session_state[key]`` before the widget is created; an invalid one is
   ignored with a one-sentence warning that names the parameter and what it accepts, e.g.
   "Ignored `?dim=99` from the link: dim must be an integer from 0 to 7."
2. A key still missing from the session gets ``default``.
3. The widget's current value is written back to the address bar: a widget's new value is
   already in session state when the run that it starts begins, so the value before the
   widget is the value it shows. The parameter is written only when its text differs (each
   write is a message to the browser) and left out when it equals the default, to keep
   links short. A value changed inside an ``st.fragment`` is written with ``publish``.

Parameters belong to the page that bound them: on a switch to another page the shell calls
``leave_other_pages``, which removes the previous page's parameters from the address (``model``,
written by the shell, stays). ``copy_link_button`` is the sidebar's "Copy link" (a link icon:
an inline SVG, since an emoji needs a font the browser may lack).

Streamlit 1.67's own ``bind="query-params"`` names each parameter after the widget's key and
drops an invalid value silently; these bindings give short names and say what was wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

_SEEN = "_links_seen"  # {param: the text last read from or written to the address bar}
_OWNER = "_links_owner"  # {param: the script hash of the page that bound it}
_PAGE = "_links_page"  # the page of the previous run


@dataclass(frozen=True)
class Kind:
    """How a parameter's text becomes a widget value and back.

    ``parse`` raises ValueError for text it does not accept; ``accepted`` completes the
    sentence "NAME must be ...".
    """

    parse: Callable[[str], Any]
    format: Callable[[Any], str]
    accepted: str


def _number_text(value: float) -> str:
    return format(round(float(value), 2), "g")


def integer(low: int, high: int) -> Kind:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return Kind(parse, lambda v: str(int(v)), f"an integer from {low} to {high}")


def _float(text: str, low: float, high: float) -> float:
    value = float(text)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(text)
    return value


def number(low: float, high: float) -> Kind:
    return Kind(
        lambda text: _float(text, low, high), _number_text, f"a number from {low:g} to {high:g}"
    )


def numbers(count: int, low: float, high: float) -> Kind:
    """``count`` numbers separated by commas (a code z, one per latent dimension)."""

    def parse(text: str) -> tuple[float, ...]:
        values = tuple(_float(part, low, high) for part in text.split(","))
        if len(values) != count:
            raise ValueError(text)
        return values

    return Kind(
        parse,
        lambda values: ",".join(_number_text(v) for v in values),
        f"{count} numbers from {low:g} to {high:g} separated by commas",
    )


def span(low: float, high: float) -> Kind:
    """A range slider's (low, high): two numbers, the first not above the second."""

    def parse(text: str) -> tuple[float, float]:
        a, b = (_float(part, low, high) for part in text.split(","))
        if a > b:
            raise ValueError(text)
        return a, b

    return Kind(
        parse,
        lambda values: ",".join(_number_text(v) for v in values),
        f"two numbers from {low:g} to {high:g} separated by a comma, the smaller first",
    )


def _tokens(options: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
    return dict(options) if isinstance(options, Mapping) else {str(o): o for o in options}


def _listed(tokens: Sequence[str]) -> str:
    return ", ".join(tokens[:-1]) + f" or {tokens[-1]}" if len(tokens) > 1 else tokens[0]


def choice(options: Mapping[str, Any] | Sequence[Any]) -> Kind:
    """One of ``options``: a sequence of values, or {text in the link: widget value}."""
    tokens = _tokens(options)
    text_of = {repr(v): t for t, v in tokens.items()}

    def parse(text: str) -> Any:
        if text not in tokens:
            raise ValueError(text)
        return tokens[text]

    return Kind(parse, lambda v: text_of[repr(v)], f"one of {_listed(list(tokens))}")


def subset(
    options: Mapping[str, Any] | Sequence[Any], most: int | None = None, what: str | None = None
) -> Kind:
    """Some of ``options`` (at most ``most``), separated by commas; read in the options' order."""
    tokens = _tokens(options)
    text_of = {repr(v): t for t, v in tokens.items()}
    most = len(tokens) if most is None else most
    what = what or f"names from {_listed(list(tokens))}"

    def parse(text: str) -> list[Any]:
        parts = [p for p in text.split(",") if p]
        if len(parts) > most or any(p not in tokens for p in parts):
            raise ValueError(text)
        return [value for token, value in tokens.items() if token in parts]

    return Kind(
        parse,
        lambda values: ",".join(text_of[repr(v)] for v in values),
        f"up to {most} {what} separated by commas",
    )


def slug(text: str) -> str:
    """A name as it reads in a link: "flipped left–right" → "flipped-left-right"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- reading and writing the address bar ---------------------------------------------------------


def _page() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return "" if ctx is None else ctx.page_script_hash


def _store(name: str) -> dict:
    return st.session_state.setdefault(name, {})


def leave_other_pages() -> None:
    """Drop the parameters of the page this session was on before, once it is on another page."""
    page = _page()
    if st.session_state.get(_PAGE) == page:
        return
    st.session_state[_PAGE] = page
    owner, seen = _store(_OWNER), _store(_SEEN)
    for param in [p for p, where in owner.items() if where != page]:
        del owner[param]
        seen[param] = None
        if param in st.query_params:
            del st.query_params[param]


def bind(
    param: str, key: str | Sequence[str], kind: Kind, default: Any, *, where: Any = None
) -> Any:
    """Bind ``?param=`` to the widget ``key`` (before the widget); return the value it will show.

    ``key`` may be a list of keys, one widget each, for a parameter whose value is a
    sequence (the sliders of a code z). A warning about an invalid value goes to ``where``
    (the page by default).
    """
    leave_other_pages()
    keys = [key] if isinstance(key, str) else list(key)
    seen = _store(_SEEN)
    text = st.query_params.get(param)
    if text is not None and seen.get(param) != text:
        seen[param] = text
        try:
            value = kind.parse(text)
        except ValueError:
            shown = text.replace("`", "'")[:80]
            (where or st).warning(
                f"Ignored `?{param}={shown}` from the link: {param} must be {kind.accepted}.",
                icon=":material/link_off:",
            )
        else:
            _put(keys, value, isinstance(key, str))
    if isinstance(key, str):
        st.session_state.setdefault(key, default)
    else:
        for k, d in zip(keys, default, strict=True):
            st.session_state.setdefault(k, d)
    if not _fits(kind, _value(key, default)):  # left from another model: out of bounds, unknown
        _put(keys, default, isinstance(key, str))
    return publish(param, key, kind, default)


def _fits(kind: Kind, value: Any) -> bool:
    try:
        kind.parse(kind.format(value))
    except (KeyError, TypeError, ValueError):
        return False
    return True


def _value(key: str | Sequence[str], default: Any) -> Any:
    if isinstance(key, str):
        return st.session_state.get(key, default)
    return tuple(st.session_state.get(k, d) for k, d in zip(key, default, strict=True))


def _put(keys: list[str], value: Any, single: bool) -> None:
    for k, v in zip(keys, [value] if single else value, strict=True):
        st.session_state[k] = v


def publish(param: str, key: str | Sequence[str], kind: Kind, default: Any) -> Any:
    """Write the widget's value to the address bar (left out when it is the default)."""
    value = _value(key, default)
    try:
        text = kind.format(value)
        wanted = None if text == kind.format(default) else text
    except (KeyError, TypeError, ValueError):  # a value a link cannot carry (an upload, say)
        wanted = None
    if st.query_params.get(param) != wanted:
        if wanted is None:
            del st.query_params[param]
        else:
            st.query_params[param] = wanted
    _store(_SEEN)[param] = wanted
    _store(_OWNER)[param] = _page()
    return value


# --- the sidebar's "Copy link" ---------------------------------------------------------------------

_COPY_HTML = """
<style>
  body { margin: 0; font-family: "Source Sans Pro", "Source Sans 3", sans-serif; font-size: 14px; }
  button { font: inherit; padding: 0.3rem 0.75rem; border-radius: 0.5rem; cursor: pointer;
           border: 1px solid rgba(49, 51, 63, 0.2); background: white; color: rgb(49, 51, 63); }
  button:hover { border-color: rgb(255, 75, 75); color: rgb(255, 75, 75); }
  #done { margin-left: 0.5rem; color: rgb(33, 195, 84); }
  #url { display: none; box-sizing: border-box; width: 100%; margin-top: 0.4rem; font: inherit;
         font-size: 12px; padding: 0.25rem; border: 1px solid rgba(49, 51, 63, 0.2); }
</style>
<button id="copy" type="button" title="Copy the address of this view, settings included">
  <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="currentColor"
       style="vertical-align: -3px"><path d="M3.9 12c0-1.71 1.39-3.1 3.1-3.1h4V7H7c-2.76 0-5
       2.24-5 5s2.24 5 5 5h4v-1.9H7c-1.71 0-3.1-1.39-3.1-3.1zM8 13h8v-2H8v2zm9-6h-4v1.9h4c1.71
       0 3.1 1.39 3.1 3.1s-1.39 3.1-3.1 3.1h-4V17h4c2.76 0 5-2.24 5-5s-2.24-5-5-5z"/></svg>
  Copy link</button><span id="done" role="status"></span>
<input id="url" readonly aria-label="Link to this view">
<script>
  const button = document.getElementById("copy");
  const field = document.getElementById("url");
  const done = document.getElementById("done");
  function here() {
    try { return window.parent.location.href; } catch (e) { return document.referrer; }
  }
  button.addEventListener("click", async () => {
    const url = here();
    field.value = url;
    field.style.display = "block";
    try {
      await navigator.clipboard.writeText(url);
      done.textContent = "✓ copied";
    } catch (e) {
      done.textContent = "copy it from the field below";
      field.focus();
      field.select();
    }
  });
</script>
"""


def copy_link_button(where: Any = None) -> None:
    """A button that copies the full address of the current view (a field shows it too).

    The address is read when the button is clicked, so it holds the settings of that moment.
    """
    (where or st.sidebar).iframe(_COPY_HTML, height="content", alt="Copy a link to this view")
