"""The latent map of a bundled model on a fresh start (its projection precomputed on disk).

``python -m benchmarks.latent_map`` prints one JSON object. A new Python process
opens the app under AppTest with the model chosen, then the Latent map page:
``map_page_s`` is that first run of the page (model load, cached codes and
projection read from the model's ``cache/`` folder, the figure built), and
``process_s`` counts from the process start (imports included). Bar ≤ 1 s.
"""

from __future__ import annotations

import json
import subprocess

from benchmarks.common import PYTHON, ROOT, emit_rows

CHILD = """
import json, sys, time
start = time.perf_counter()
from streamlit.testing.v1 import AppTest
from vae.app.shell import MODEL_KEY
imported = time.perf_counter() - start
at = AppTest.from_file("app.py", default_timeout=600)
at.session_state[MODEL_KEY] = sys.argv[1]
at.run()
home = time.perf_counter()
at.switch_page("pages/latent_map.py").run()
end = time.perf_counter()
charts = len(at.get("plotly_chart"))
print(json.dumps({"import_s": imported, "home_s": home - start - imported,
                  "map_page_s": end - home, "process_s": end - start, "charts": charts,
                  "exceptions": [e.message for e in at.exception]}))
"""


def fresh(model: str) -> dict[str, object]:
    out = subprocess.run(
        [PYTHON, "-c", CHILD, model], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "model": model,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()},
    }


def main() -> None:
    results = [fresh(m) for m in ("digits-2d", "digits-8d")]
    emit_rows("latent_map", "models", results, "worst_map_page_s", of="map_page_s")


if __name__ == "__main__":
    main()
