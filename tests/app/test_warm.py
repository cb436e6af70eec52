"""The background import warm-up reads the pages' imports and survives a bad name."""

from __future__ import annotations

import contextlib
import gc
import subprocess
import sys
import threading
from collections.abc import Iterator

from tests.app_helpers import open_page
from vae.app import warm
from vae.paths import PROJECT_ROOT


def test_page_imports_are_read_from_every_page_file():
    names = warm.page_imports()
    # A page's own module list, including modules named in a from-import.
    assert "vae.app.shell" in names
    assert "vae.app.latent_map" in names
    assert "vae.figures.posterior" in names
    assert "pandas" in names
    assert "__future__" not in names
    assert len(names) == len(set(names))


def test_page_imports_of_a_folder(tmp_path):
    (tmp_path / "a.py").write_text(
        "from __future__ import annotations\nimport json, csv\nfrom os import path\n"
        "def f():\n    import wave\n"
    )
    (tmp_path / "b.py").write_text("import wave\n")
    app = tmp_path / "app.py"
    app.write_text('PAGES = [("pages/b.py", "B")]\n')
    # Only top-level imports: what a page imports inside a function is not read. The page
    # app.py lists comes first (a.py is in the folder only).
    assert warm.page_imports(tmp_path, tmp_path / "nothing.py") == [
        "json",
        "csv",
        "os",
        "os.path",
        "wave",
    ]
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / name).rename(pages / name)
    assert warm.page_imports(pages, app) == ["wave", "json", "csv", "os", "os.path"]


def test_the_sidebar_order_starts_with_train():
    order = [p.stem for p in warm.navigation_order()]
    assert order[:3] == ["train", "latent_map", "interpolate"]


def test_import_all_skips_what_is_not_a_module():
    done, seconds = warm.import_all(["json", "os.getcwd", "no_such_module_here"])
    assert done == 1 and seconds >= 0
    assert "json" in sys.modules


def test_the_thread_imports_every_page_module():
    warm.start(freeze=False).join(timeout=120)
    modules = [n for n in warm.page_imports() if n.startswith("vae.app.") and n.count(".") == 2]
    assert all(n in sys.modules for n in modules if n != "vae.app.shell")


def test_imports_wait_while_a_page_is_being_run():
    import time

    calls = []

    def busy() -> bool:
        calls.append(time.perf_counter())
        return len(calls) < 4  # busy for the first three looks

    done, seconds = warm.import_all(["json"], busy)
    assert done == 1 and len(calls) == 4 and seconds >= 0.05
    # A page that runs for ever does not hold the warm-up beyond its patience.
    start = time.perf_counter()
    warm.import_all(["json"], lambda: True, patience=0.1)
    assert time.perf_counter() - start < 5


class _Sessions:
    """Streamlit's runtime as pages_loading reads it: the active sessions' run counts."""

    def __init__(self, *counts: int) -> None:
        from streamlit.runtime.session_manager import ActiveSessionInfo

        infos = [ActiveSessionInfo(client=None, session=None) for _ in counts]  # type: ignore[arg-type]
        for info, count in zip(infos, counts, strict=True):
            info.script_run_count = count
        self._session_mgr = type("Manager", (), {"list_active_sessions": lambda _: infos})()

    def exists(self) -> bool:
        return True

    def instance(self) -> _Sessions:
        return self


def test_a_browser_waiting_for_its_first_run_holds_the_warm_up(monkeypatch):
    from streamlit import runtime

    assert not warm.pages_loading()  # no server in this process
    for counts, loading in (((), False), ((3, 1), False), ((3, 0), True), ((0,), True)):
        monkeypatch.setattr(runtime, "Runtime", _Sessions(*counts))
        assert warm.pages_loading() is loading, counts
    # A Streamlit that keeps its sessions elsewhere: the warm-up goes on as it did before.
    other = {"exists": staticmethod(lambda: True), "instance": staticmethod(object)}
    monkeypatch.setattr(runtime, "Runtime", type("Other", (), other))
    assert not warm.pages_loading()


def test_the_runs_counted_are_the_ones_streamlit_counts():
    # What pages_loading reads is what Streamlit's runtime keeps: the active sessions, each
    # with the number of its runs that finished (incremented as script_finished is sent).
    import inspect

    from streamlit.runtime import Runtime
    from streamlit.runtime.session_manager import ActiveSessionInfo, SessionManager

    assert ActiveSessionInfo.__dataclass_fields__["script_run_count"].default == 0
    assert callable(SessionManager.list_active_sessions)
    assert "script_run_count += 1" in inspect.getsource(Runtime)
    assert "_session_mgr" in inspect.getsource(Runtime.__init__)


def test_torch_and_the_shells_modules_come_first():
    # Home is drawn without torch: the thread imports it first, for the page after Home.
    assert warm.FIRST[0] == "torch"
    assert {"pandas", "PIL.Image", "numpy", "plotly.graph_objects"} <= set(warm.FIRST)


def test_freezing_takes_live_objects_out_of_the_collectors_walks():
    try:
        seconds = warm.freeze_imported()
        assert seconds >= 0
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # pytest, numpy, torch...: the process's objects so far
        kept = [[i] for i in range(10)]  # lists: objects the collector tracks
        # A frozen object may still die (another thread's), so the count may fall; nothing made
        # later joins it: the new objects are in the generations the collector walks.
        assert gc.get_freeze_count() <= frozen
        walked = {id(o) for o in gc.get_objects()}
        assert all(id(k) in walked for k in kept)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


HOME_RUN = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=120).run()
assert not at.exception, [e.value for e in at.exception]
assert at.title[0].value == "VAE Lab"
card = at.sidebar.markdown[0].value
assert "test ELBO" in card and "z=2" in card, card
print("torch" in sys.modules, "pandas" in sys.modules)
"""


def _fresh_python(code: str) -> str:
    """What ``code`` prints, run by a fresh interpreter in the project (nothing imported yet)."""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_home_is_drawn_without_importing_torch():
    # Home's first visit on a fresh server is what a class sees first: importing torch and
    # pandas took 1.6 s of it. Its model card is read from the model's JSON files.
    printed = _fresh_python(HOME_RUN)
    assert printed.split()[-2:] == ["False", "False"], printed


TRAIN_RUN = """
import os, sys, tempfile
os.environ["VAE_LAB_RUNS"] = tempfile.mkdtemp()  # a server without runs: the empty panels
from streamlit.testing.v1 import AppTest
import vae.app.shell as shell
shell.start_warm_imports = lambda: True  # what the page itself imports, not the warm-up
at = AppTest.from_file("app.py", default_timeout=120)
at.session_state["model_name"] = "digits-2d"
at.run()
at.switch_page("pages/train.py").run()
assert not at.exception, [e.value for e in at.exception]
assert at.title[0].value == "Train a VAE"
captions = [c.value for c in at.caption]
assert "1437 training and 360 test examples of 1×8×8, 10 classes." in captions, captions
assert at.selectbox(key="train_architecture").value == "mlp"  # the form, filled
print("torch" in sys.modules, "pandas" in sys.modules)
"""


def test_train_is_drawn_without_importing_torch():
    # Opened straight after Home on a fresh server, Train waited 0.5-1 s for the warm-up's
    # torch (issue 28): its model card, data set facts and settings form need none.
    printed = _fresh_python(TRAIN_RUN)
    assert printed.split()[-2:] == ["False", "False"], printed


def test_nothing_the_server_runs_beside_a_page_builds_python_ast(monkeypatch):
    """Python 3.11's AST conversion keeps its recursion depth in state shared by all threads:
    two ``ast.parse`` at once (a page compiled with Streamlit's magic, the warm-up reading the
    pages) failed a page run with "SystemError: AST constructor recursion depth mismatch".
    The warm-up reads bytecode, and the app's config turns magic off, so a page compiles
    without building AST objects."""
    import ast
    import tomllib
    import traceback

    callers = []
    parse = ast.parse

    def recording(*args, **kwargs):
        callers.append(traceback.extract_stack(limit=2)[0].filename)
        return parse(*args, **kwargs)

    names = warm.page_imports()
    monkeypatch.setattr(ast, "parse", recording)
    assert warm.page_imports() == names
    assert [p.stem for p in warm.navigation_order()][:2] == ["train", "latent_map"]
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False
    at = open_page("conditional", "digits-cvae")  # app.py and a page, compiled by Streamlit
    assert not at.exception
    assert not [c for c in callers if c.endswith(("magic.py", "warm.py"))], callers


# --- pauses inside one import -------------------------------------------------------------------


@contextlib.contextmanager
def _package(tmp_path, body_of_first: str = "") -> Iterator[tuple[str, dict]]:
    """A fresh package ``<top>`` whose body imports ``<top>.first`` then ``<top>.second``, and a
    ``state`` dict a test flips (``state["busy"]``), which ``<top>.first`` can flip too."""
    import types
    import uuid

    top = f"warm_pkg_{uuid.uuid4().hex[:10]}"
    control = types.ModuleType(f"{top}_control")
    control.state = {"busy": False}
    sys.modules[control.__name__] = control
    folder = tmp_path / top
    folder.mkdir()
    (folder / "__init__.py").write_text(f"import {top}.first\nimport {top}.second\n")
    (folder / "first.py").write_text(f"import {control.__name__} as control\n{body_of_first}\n")
    (folder / "second.py").write_text("VALUE = 2\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield top, control.state
    finally:
        control.state["busy"] = False  # a paused warm-up thread of a failed test ends
        sys.path.remove(str(tmp_path))


BUSY_AFTER_FIRST = 'control.state["busy"] = True'  # a page starts while the warm-up is inside


def _paused_inside(top: str, state: dict) -> threading.Thread:
    """The warm-up importing ``top`` in a thread, once it has loaded ``<top>.first``."""
    import time

    thread = threading.Thread(
        target=warm.import_all, args=([top], lambda: state["busy"], 600.0), daemon=True
    )
    thread.start()
    deadline = time.perf_counter() + 60
    while f"{top}.first" not in sys.modules and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert f"{top}.first" in sys.modules
    return thread


def test_a_module_loaded_at_a_pause_point_keeps_its_own_loader(tmp_path):
    import importlib.machinery

    with _package(tmp_path) as (top, state):
        warm.import_all([top], lambda: state["busy"], patience=60)
        for name in (top, f"{top}.first", f"{top}.second"):
            module = sys.modules[name]
            assert isinstance(module.__loader__, importlib.machinery.SourceFileLoader), name
            assert module.__spec__.loader is module.__loader__
        assert sys.modules[f"{top}.second"].VALUE == 2


def test_the_warm_up_pauses_between_the_modules_of_one_import(tmp_path):
    # ``<top>.first`` is loaded and the page has started: the next module of the same import
    # waits until the page is done.
    with _package(tmp_path, BUSY_AFTER_FIRST) as (top, state):
        thread = _paused_inside(top, state)
        thread.join(timeout=0.5)
        assert thread.is_alive() and f"{top}.second" not in sys.modules
        state["busy"] = False
        thread.join(timeout=60)
        assert not thread.is_alive() and sys.modules[f"{top}.second"].VALUE == 2


def test_what_every_page_needs_is_imported_without_pauses_inside(tmp_path):
    # torch and the like (warm.FIRST): a page opened next waits for them anyway, so Home's
    # reruns do not hold them back; only the waits between names remain.
    with _package(tmp_path, BUSY_AFTER_FIRST) as (top, state):
        done, _ = warm.import_all([top], lambda: state["busy"], patience=600, inside=False)
        assert done == 1 and sys.modules[f"{top}.second"].VALUE == 2


def test_one_pause_inside_an_import_is_bounded(tmp_path, monkeypatch):
    # A page blocked on something the paused import holds that is not a module lock would not
    # be seen: one pause lasts at most INSIDE_WAIT_S, whatever the warm-up's patience.
    monkeypatch.setattr(warm, "INSIDE_WAIT_S", 0.2)
    with _package(tmp_path, BUSY_AFTER_FIRST) as (top, state):
        thread = _paused_inside(top, state)
        thread.join(timeout=60)
        assert not thread.is_alive() and state["busy"]
        assert sys.modules[f"{top}.second"].VALUE == 2


def test_a_page_that_needs_a_module_the_warm_up_is_inside_does_not_wait_for_the_pause(tmp_path):
    # The page (busy for ever) imports the module the paused warm-up has begun: the warm-up
    # sees it waiting on that module's lock and goes on, well before its patience of 600 s.
    import importlib

    with _package(tmp_path, BUSY_AFTER_FIRST) as (top, state):
        thread = _paused_inside(top, state)
        page = threading.Thread(target=importlib.import_module, args=(f"{top}.second",))
        page.start()
        page.join(timeout=60)
        assert not page.is_alive(), "the page waited for the warm-up's pause"
        thread.join(timeout=60)
        assert not thread.is_alive() and sys.modules[f"{top}.second"].VALUE == 2


def test_no_one_waits_on_a_thread_that_holds_no_module_lock():
    assert warm.others_wait_on_me() is False


PAGE_IMPORTS = """
import importlib, sys
from vae.app import warm
for name in warm.page_imports():
    try:
        importlib.import_module(name)
    except ImportError:
        pass
print(sorted(m for m in ("sklearn", "scipy.stats", "umap", "numba") if m in sys.modules))
"""


def test_no_page_loads_scikit_learn_or_scipy_stats_before_it_draws():
    # scikit-learn (with scipy.stats) took 0.77 s of the Latent map's first visit and
    # scipy.stats 0.68 s of the β page's; neither page needs them until a click or a section.
    printed = _fresh_python(PAGE_IMPORTS)
    assert printed.strip().splitlines()[-1] == "[]", printed


INPAINT = """
import sys
from vae.analysis import inpainting
from vae.analysis.corruption import Corruption, corrupt, data_mean_image
from vae.runs import catalog
entry = catalog.find_bundled("digits-8d")
model, data = catalog.load_model(entry.path), catalog.dataset_for(catalog.model_info(entry.path))
x = data.test.x[:4]
x_obs, missing = corrupt(x, Corruption("rectangle", top=2, left=2, height=4, width=4))
out = inpainting.restore("optimise_z", model, x_obs, missing, data_mean_image(data), steps=5)
print(tuple(out.shape), "torch._dynamo" in sys.modules)
"""


def test_inpainting_by_gradient_steps_does_not_import_torchs_compiler():
    # torch.optim.Adam imports torch._dynamo (822 modules, 1.1-1.6 s) as it is built: the
    # warm-up imported it for Denoise, beside every page opened meanwhile. It is not needed.
    assert "torch._dynamo" not in warm.LATER
    printed = _fresh_python(INPAINT).strip().splitlines()[-1]
    assert printed == "(4, 1, 8, 8) False", printed
