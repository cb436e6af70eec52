"""What the server imports once in the background, so that no page's first visit waits for it.

A page's first visit on a freshly started server used to spend most of its time
importing: the page's own modules, then plotly's figure classes, scikit-learn,
pyarrow (the first table) and torch's compiler stack (the first optimiser), 1–2 s a page
on 2 cores. The first session (normally Home) starts one
daemon thread that imports every module the pages import at their top
(read from the bytecode of ``pages/*.py``, so a new page is covered without a list
to keep), plotly's figures first and the pages in the sidebar's order, and the libraries
they load later (:data:`LATER`). It runs beside the
session that started it, and only while no page is being run and no browser waits for a
page's first run (``vae.app.shell.pages_busy``, :func:`pages_loading`):
importing beside a page's run took half of Python's time from it (Train's first visit after
Home went from 2.8 to 3.6 s). It pauses before every module it loads, the modules a library
loads included (:class:`_PausePoints`), not only between the names it imports, and goes on
at once when a page waits for a module it is halfway through. A page opened before it is
done imports what it still needs itself, as it would have anyway.

Home and Train are drawn without torch (``app.TORCHLESS``), so this thread imports
torch first, then pandas and plotly's figures. Modules that plotly looks up in
``sys.modules`` without the import lock (numpy, pandas, ``PIL.Image``) may be half-made
while this thread imports them; every other page imports them itself before it runs
(``prepare_pages``), and that import waits on the module's lock until this thread's is
done, so no figure is built on a half-made module (issue 13's race).
"""

from __future__ import annotations

import dis
import gc
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType
from typing import Any

from vae.paths import PROJECT_ROOT

log = logging.getLogger(__name__)

PAGES = PROJECT_ROOT / "pages"
APP = PROJECT_ROOT / "app.py"
# Every page but Home and Train needs torch and the shell's modules; every page with a chart,
# plotly.
FIRST = (
    "torch", "numpy", "pandas", "PIL.Image", "vae.model.autoencoder", "vae.data", "vae.runs.cache",
    "plotly.graph_objects",
)  # fmt: skip
# Loaded by the pages later than their first line: figures, tables, maps, optimisers.
LATER = (
    "plotly.io",
    "pyarrow",
    "sklearn.neighbors",
    "sklearn.decomposition",
    "scipy.stats",
    "streamlit_drawable_canvas",
)
# Not torch._dynamo (822 modules, 1.1–1.6 s): torch.optim's optimisers import it as they are
# built, and the one a page used (Denoise's inpainting by gradient steps on z) is now
# vae.training.optim.FusedAdam, which does not.


def _code(path: Path) -> CodeType:
    # Bytecode, not ``ast.parse``: Python 3.11's AST conversion keeps its recursion depth in
    # state shared by all threads, and a parse in this thread beside one in a page's run
    # failed that run with "SystemError: AST constructor recursion depth mismatch" (seen in
    # CI). Compiling to bytecode does not build Python AST objects.
    return compile(path.read_text(encoding="utf-8"), str(path), "exec")


def _strings(consts: tuple[Any, ...]) -> Iterator[str]:
    """Every string among a module's constants (``code.co_consts``), in the source's order,
    the constant tuples the compiler folds a literal list into and its functions' included."""
    for const in consts:
        if isinstance(const, str):
            yield const
        elif isinstance(const, tuple):
            yield from _strings(const)
        elif isinstance(const, CodeType):
            yield from _strings(const.co_consts)


def navigation_order(pages: Path = PAGES, app: Path = APP) -> list[Path]:
    """The page files in the order the sidebar lists them (read from app.py), then any others.

    The next page a person opens is most likely the next in the sidebar: Train after Home.
    """
    named = [
        pages.parent / text
        for text in (_strings(_code(app).co_consts) if app.is_file() else ())
        if text.startswith("pages/") and text.endswith(".py")
    ]
    listed = [p for p in dict.fromkeys(named) if p.is_file()]
    return listed + [p for p in sorted(pages.glob("*.py")) if p not in listed]


def top_level_imports(path: Path) -> list[str]:
    """The absolute modules a file imports outside its functions, as its bytecode names them;
    ``from a import b`` names ``a`` and ``a.b`` (``b`` may be a module)."""
    ins = list(dis.get_instructions(_code(path)))
    names = []
    for i, op in enumerate(ins):
        if op.opname != "IMPORT_NAME" or op.argval == "__future__":
            continue
        level = ins[i - 2].argval if i >= 2 and ins[i - 2].opname == "LOAD_CONST" else 0
        if level:
            continue
        names.append(op.argval)
        fromlist = ins[i - 1].argval if ins[i - 1].opname == "LOAD_CONST" else None
        if fromlist and fromlist != ("*",):
            names.extend(f"{op.argval}.{name}" for name in fromlist)
    return names


def page_imports(pages: Path = PAGES, app: Path = APP) -> list[str]:
    """Every module named by a top-level import of a page file, pages in the sidebar's order."""
    names: dict[str, None] = {}
    for path in navigation_order(pages, app):
        names.update(dict.fromkeys(top_level_imports(path)))
    return list(names)


def import_all(
    modules: list[str],
    busy: Callable[[], bool] = lambda: False,
    patience: float = 30.0,
    inside: bool = True,
) -> tuple[int, float]:
    """Import each module that exists; returns (how many were imported, seconds).

    Before each import it waits while ``busy()`` (a page being run), at most ``patience``
    seconds in all: the warm-up uses the time between page runs, never a page's own. With
    ``inside``, the same wait happens before every module those imports load
    (:class:`_PausePoints`).
    """
    start = time.perf_counter()
    deadline = start + patience
    done = 0
    if inside:
        _pauses.arm(busy, deadline)
    try:
        for name in modules:
            wait_while(busy, deadline)
            try:
                importlib.import_module(name)
                done += 1
            except ImportError:
                continue  # a name imported from a module that is not a module itself
            except Exception as error:  # a broken optional library must not stop the rest
                log.info("warm-up could not import %s: %s", name, error)
    finally:
        _pauses.disarm()
    return done, time.perf_counter() - start


def pages_loading() -> bool:
    """Whether a browser has connected and waits for its page's first run to finish.

    A page opened by its link is a new session: between its websocket's connect and the end
    of its first run no page is being run part of the time (the browser asks for the run
    after it connects), and the warm-up's imports held back its connection and the start of
    its run (Train's second visit after Home began its run at 1.3–1.5 s instead of 0.4–0.5).
    Read from Streamlit's sessions (a session's ``script_run_count`` counts its runs that
    finished); where those are not what Streamlit 1.67 keeps, the answer is no, as before.
    A session whose first run fails stays counted until the warm-up's patience is spent.
    """
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return False
        sessions = Runtime.instance()._session_mgr.list_active_sessions()
        return any(info.script_run_count == 0 for info in sessions)
    except (AttributeError, RuntimeError):  # another Streamlit, or the dict changed meanwhile
        return False


def wait_while(busy: Callable[[], bool], deadline: float) -> None:
    """Sleep while ``busy()``, until ``deadline`` (perf_counter seconds), or until another
    thread waits for a module this thread is halfway through importing."""
    while busy() and time.perf_counter() < deadline and not others_wait_on_me():
        time.sleep(0.02)


def others_wait_on_me() -> bool:
    """Whether another thread is blocked on a module lock this thread holds (a page importing
    a module the warm-up has begun): pausing then would make that page wait for the pause.

    Read from importlib's own record of who waits on which lock; where that record is not
    what Python 3.11 keeps, the answer is yes, so the warm-up never pauses inside an import.
    """
    me = threading.get_ident()
    try:
        blocked = list(importlib._bootstrap._blocking_on.items())  # type: ignore[attr-defined]
        return any(
            tid != me and lock.owner == me
            for tid, held in blocked
            for lock in (held if isinstance(held, list) else [held])
        )
    except (AttributeError, TypeError):
        return True


# The longest one pause inside an import lasts: a page blocked on something the paused import
# holds other than a module lock (which ``others_wait_on_me`` sees) waits at most this long.
INSIDE_WAIT_S = 3.0


class _PausePoints:
    """A finder first on ``sys.meta_path``: in the warm-up thread it finds each module with the
    finders after it and hands back a loader that waits while a page runs before the module is
    made, so every module an import loads (nested ones too) is a point where the warm-up pauses.

    One ``import torch._dynamo`` loads 822 modules in 1.1 s of the GIL: pausing only between
    the names of :data:`LATER`, a page opened meanwhile shared the interpreter with it to the
    end (the Latent map's first visit by link took 3.1 s when it overlapped the warm-up's
    tail, 1.7 s when it came after it).
    The wait is in ``create_module``, where only module locks are held (``find_spec`` runs
    under the global import lock, which every other thread's import needs). It stays on
    ``sys.meta_path`` once there (taking a finder off while another thread walks the list could
    make that thread skip the next one); for a thread not armed, it only looks the thread up.
    """

    def __init__(self) -> None:
        self._armed: dict[int, tuple[Callable[[], bool], float]] = {}  # thread → (busy, deadline)

    def arm(self, busy: Callable[[], bool], deadline: float) -> None:
        """Pause this thread's module loads while ``busy()``, until ``deadline``."""
        self._armed[threading.get_ident()] = (busy, deadline)
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def disarm(self) -> None:
        self._armed.pop(threading.get_ident(), None)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        armed = self._armed.get(threading.get_ident())
        if armed is None:
            return None
        finders = list(sys.meta_path)
        for finder in finders[finders.index(self) + 1 :] if self in finders else ():
            find = getattr(finder, "find_spec", None)
            spec = None if find is None else find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _PausingLoader(spec.loader, armed)
        return spec


class _PausingLoader:
    """A module's own loader behind one pause: it puts the loader back on the spec before the
    module exists, so the module's ``__loader__`` and ``__spec__.loader`` are its own."""

    def __init__(self, loader: Any, armed: tuple[Callable[[], bool], float]) -> None:
        self._loader, self._armed = loader, armed

    def create_module(self, spec: Any) -> Any:
        busy, deadline = self._armed
        wait_while(busy, min(deadline, time.perf_counter() + INSIDE_WAIT_S))
        spec.loader = self._loader
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: Any) -> None:  # reached only if a caller skipped creation
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


_pauses = _PausePoints()


def freeze_imported() -> float:
    """Move every object alive now out of the garbage collector's sight; returns seconds.

    The libraries' modules, classes and functions are ~430,000 objects that live as long as
    the server. Python's full collection walks them all: 175 ms with every page's imports
    loaded, holding the GIL, so a slider's fragment or a page run that happened to trigger one
    waited for it (and plotly's figures allocate enough objects to trigger them). Frozen,
    they are never walked again; what is made later is collected as before. Freezing is
    instant (no collection first: the little garbage imports leave is kept, where a
    collection would have held the GIL for those 175 ms).
    """
    start = time.perf_counter()
    gc.freeze()
    return time.perf_counter() - start


def _run(busy: Callable[[], bool], freeze: bool) -> None:
    done, seconds, began = 0, 0.0, time.perf_counter()
    # What every page but Home needs goes on through Home's reruns (the model picker): the
    # page opened next would wait for it anyway. Only the rest pauses inside its imports.
    for group, inside in ((list(FIRST), False), (page_imports() + list(LATER), True)):
        n, s = import_all(group, busy, inside=inside)
        done, seconds = done + n, seconds + s
        log.info(
            "warm-up: %d of %d names imported in %.1f s, %.1f s after it began",
            n, len(group), s, time.perf_counter() - began,
        )  # fmt: skip
        if freeze:  # after torch already: the pages' runs meanwhile walk less
            freeze_imported()
    log.info(
        "imported %d modules for the pages in %.1f s; %d objects frozen",
        done, seconds, gc.get_freeze_count(),
    )  # fmt: skip


def start(busy: Callable[[], bool] = lambda: False, freeze: bool = True) -> threading.Thread:
    """Start the import thread (the caller makes sure it is once per server); it imports
    only while ``busy()`` is false (no page being run or loading), so it never slows a page
    down, then (``freeze``) takes what it imported out of the garbage collector's walks."""
    thread = threading.Thread(
        target=_run, args=(busy, freeze), name="vae-lab-warm-imports", daemon=True
    )
    thread.start()
    return thread
