"""The architecture's promises that a grep can check: Streamlit only in vae/app/, small modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["vae", "vae.training.train", "vae.metrics", "vae.cli", "vae.data", "vae.model.evaluation"]


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_without_streamlit(module):
    code = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "assert not loaded, loaded[:5]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


def python_files(*folders: str) -> list[Path]:
    out = [ROOT / "app.py"]
    for folder in folders:
        out += sorted((ROOT / folder).rglob("*.py"))
    return out


def test_streamlit_is_imported_only_under_vae_app():
    offenders = []
    for path in python_files("vae")[1:]:  # app.py is the Streamlit entry point itself
        if path.relative_to(ROOT / "vae").parts[0] == "app":
            continue
        text = path.read_text()
        if "import streamlit" in text or "from streamlit" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in python_files("vae", "pages")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long


# --- the import graph: no circles, and no layer importing a higher one ------------------------

# Lower layers first. A module may import its own package and any layer at or below its own.
LAYERS = (
    ("vae.errors", "vae.io", "vae.paths", "vae.threads", "vae.images", "vae.names"),  # utilities
    ("vae.model",),
    ("vae.data",),
    ("vae.runs",),
    ("vae.training",),
    ("vae.metrics",),
    ("vae.analysis",),
    ("vae.maps",),
    ("vae.bench",),
    ("vae.cli",),
    ("vae.jobs",),
    ("vae.launcher",),
    ("vae.modalities",),
    ("vae.figures",),
    ("vae.app",),
    ("vae", "vae.__main__"),  # the public names and ``python -m vae``
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "vae").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every vae module ``path`` imports, function-level imports included, TYPE_CHECKING not."""
    import ast

    tree = ast.parse(path.read_text())
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for n in ast.walk(node)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "vae"}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] != "vae":
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in modules else node.module)
    return out


def _rank(module: str) -> int | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANK:
            return RANK[".".join(parts[:n])]
    return None


def test_vae_has_no_import_circles():
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    # Tarjan's strongly connected components: any component of two or more is a circle.
    index, low, stack, on_stack, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles


def test_no_layer_imports_a_higher_one():
    modules = _modules()
    unranked = [m for m in modules if _rank(m) is None]
    assert not unranked, f"give these modules a layer in LAYERS: {unranked}"
    upward = [
        f"{name} -> {target}"
        for name, path in modules.items()
        for target in _imports(path, modules)
        if (_rank(target) or 0) > _rank(name)
    ]
    assert not upward


def test_at_most_twelve_modules_stand_directly_in_vae():
    top = sorted(p.name for p in (ROOT / "vae").glob("*.py"))
    assert len(top) <= 12, top
