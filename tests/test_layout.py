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
