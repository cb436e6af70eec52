"""Where the project's own folders are: its root (where ``python -m vae`` runs) and ``assets/``."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS = PROJECT_ROOT / "assets"
