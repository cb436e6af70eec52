"""The models a person can pick: bundled ones in ``assets/models`` and their own runs.

A bundled model folder looks like a run directory (config.json, model.safetensors,
summary.json, metrics.jsonl) plus ``card.json`` (a title and a sentence) and a
``cache/`` of precomputed results such as latent maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vae.errors import CheckpointError
from vae.model.files import WEIGHTS_FILE
from vae.paths import ASSETS
from vae.runs import store as runs

if TYPE_CHECKING:
    from vae.data import Dataset
    from vae.model.autoencoder import VAE

BUNDLED = ASSETS / "models"


@dataclass(frozen=True)
class ModelEntry:
    """One choice in the model picker."""

    name: str
    path: Path
    source: str  # "bundled" or "run"
    title: str
    description: str = ""

    @property
    def label(self) -> str:
        prefix = "★ " if self.source == "bundled" else "run: "
        return f"{prefix}{self.title}"


def bundled_models() -> list[ModelEntry]:
    if not BUNDLED.is_dir():
        return []
    out = []
    for path in sorted(BUNDLED.iterdir()):
        # Dot-folders are models still being built by assets/build_models.py.
        if not path.name.startswith(".") and (path / WEIGHTS_FILE).is_file():
            card = runs.read_json(path / "card.json", {}) or {}
            out.append(
                ModelEntry(
                    path.name,
                    path,
                    "bundled",
                    card.get("title", path.name),
                    card.get("description", ""),
                )
            )
    order = runs.read_json(BUNDLED / "order.json", None)
    if isinstance(order, list):
        rank = {name: i for i, name in enumerate(order)}
        out.sort(key=lambda e: rank.get(e.name, len(rank)))
    return out


def user_models(root: Path | None = None) -> list[ModelEntry]:
    """The user's runs that have weights to load (finished, stopped or still training)."""
    out = []
    for info in runs.list_runs(root):
        if (info.path / WEIGHTS_FILE).is_file():
            title = f"{info.name} ({info.dataset}, z={info.latent_dim}, {info.state})"
            out.append(ModelEntry(info.name, info.path, "run", title))
    return out


def all_models(root: Path | None = None) -> list[ModelEntry]:
    return bundled_models() + user_models(root)


def find(name: str, root: Path | None = None) -> ModelEntry | None:
    """The model picker's entry of this name: a bundled model first, else an own run."""
    found = find_bundled(name)
    return found or next((e for e in user_models(root) if e.name == name), None)


def find_bundled(name: str) -> ModelEntry | None:
    return next((e for e in bundled_models() if e.name == name), None)


@dataclass
class ModelInfo:
    """What a model card shows, read from the folder's JSON files."""

    path: Path
    dataset: str
    image_size: int | None
    data_dir: str | None
    config: dict[str, Any]
    input_shape: tuple[int, ...]
    summary: dict[str, Any]
    class_names: list[str] | None
    factor_names: list[str] | None

    @property
    def model(self) -> dict[str, Any]:
        return self.config.get("model", {})

    @property
    def kind(self) -> str:
        """The data's kind ("image", "points", "tabular", ...): what the modality seam serves."""
        recorded = (self.config.get("dataset") or {}).get("kind")
        return recorded or ("image" if len(self.input_shape) == 3 else "points")

    @property
    def latent_dim(self) -> int:
        return int(self.model.get("latent_dim", 0))

    @property
    def conditional(self) -> bool:
        return bool(self.model.get("conditional"))

    @property
    def flow(self) -> str:
        return self.model.get("flow", "none") or "none"


def model_info(path: Path) -> ModelInfo:
    folder = runs.RunDir(path)
    config = folder.config()
    if config is None or "model" not in config.raw:
        raise CheckpointError(
            f"{folder.path} has no readable {runs.CONFIG_FILE}; it is not a model folder."
        )
    return ModelInfo(
        path=folder.path,
        dataset=config.dataset_name,
        image_size=config.image_size,
        data_dir=config.data_dir,
        config=config.raw,
        input_shape=config.input_shape,
        summary=folder.summary(),
        class_names=config.dataset.get("class_names"),
        factor_names=config.dataset.get("factor_names"),
    )


def load_model(path: Path) -> VAE:
    # torch is imported here, not above: the catalog (names, cards) is read by the app's
    # Home page, which needs no model and is drawn before torch is imported (issue 28).
    from vae.model.autoencoder import VAE

    return VAE.load(path)


@lru_cache(maxsize=8)
def _dataset(
    name: str, image_size: int | None, data_dir: str | None, tokens: str | None = None
) -> Dataset:
    from vae.data import load_dataset

    return load_dataset(name, image_size=image_size, data_dir=data_dir, tokens=tokens)


def dataset_for(info: ModelInfo) -> Dataset:
    """The data set a model was trained on (built once per process and shared)."""
    tokens = (info.config.get("train") or {}).get("tokens")
    return _dataset(info.dataset, info.image_size, info.data_dir, tokens)
