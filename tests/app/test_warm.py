"""The background import warm-up reads the pages' imports and survives a bad name."""

from __future__ import annotations

import sys

from vae.app import warm


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
    warm.start().join(timeout=120)
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
