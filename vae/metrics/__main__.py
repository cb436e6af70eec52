"""``python -m vae.metrics [--write]``: print (or write into README.md) the metrics table."""

import sys
from pathlib import Path

from vae.metrics.registry import readme_table, readme_with_table

if "--write" in sys.argv:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
else:
    print(readme_table())
