"""Attribute vectors: the direction from one group of codes to another, and walks along it.

An attribute vector (as in Latent Space Cartography, Liu et al. 2019) is the
difference of two groups' mean codes, v = mean(B) − mean(A): adding it to a
code of group A should give something like group B. An analogy a − b + c moves
c by the difference between a and b ("this 7 in the style of that 2").
Directions in a VAE are rarely clean: a *probe* (a logistic regression on the
posterior means, one probability per class) shows how the other attributes
respond to a walk along one of them.

Named vectors are kept as JSON beside the model's cache (``vae.runs.cache``: a run's
own ``cache/``, or the user's cache for a bundled model).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from vae.errors import ConfigError
from vae.io import atomic_write_bytes
from vae.runs import cache

log = logging.getLogger(__name__)

VECTORS_FILE = "attribute_vectors.json"


@dataclass(frozen=True)
class AttributeVector:
    """A named direction in latent space, from group ``source`` towards group ``target``."""

    name: str
    direction: tuple[float, ...]
    source: str
    target: str
    n_source: int
    n_target: int

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.direction, dtype=np.float64)


def attribute_vector(
    codes_a: np.ndarray, codes_b: np.ndarray, name: str = "", source: str = "A", target: str = "B"
) -> AttributeVector:
    """mean(codes_b) − mean(codes_a): the direction that takes group A towards group B."""
    a, b = np.atleast_2d(codes_a), np.atleast_2d(codes_b)
    if len(a) == 0 or len(b) == 0:
        raise ConfigError(
            f"an attribute vector needs two non-empty groups; {source!r} has {len(a)} codes "
            f"and {target!r} has {len(b)}."
        )
    if a.shape[1] != b.shape[1]:
        raise ConfigError(f"the groups' codes differ in size: {a.shape[1]} and {b.shape[1]}.")
    v = b.mean(axis=0) - a.mean(axis=0)
    return AttributeVector(
        name or f"{source} → {target}",
        tuple(float(x) for x in v),
        source,
        target,
        len(a),
        len(b),
    )


def loadings(direction: np.ndarray) -> np.ndarray:
    """Each dimension's share of the direction's squared length (sums to 1)."""
    v = np.asarray(direction, dtype=np.float64)
    total = float((v**2).sum())
    return v**2 / total if total > 0 else np.zeros_like(v)


def walk(z: np.ndarray, direction: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Codes (len(alphas), d): z + α v for every α (α = 1 adds the whole vector)."""
    z, v = np.asarray(z, dtype=np.float64), np.asarray(direction, dtype=np.float64)
    return z[None, :] + np.asarray(alphas, dtype=np.float64)[:, None] * v[None, :]


def analogy(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a − b + c: c moved by what makes a differ from b."""
    return np.asarray(a, np.float64) - np.asarray(b, np.float64) + np.asarray(c, np.float64)


# --- probes -----------------------------------------------------------------------------------


@dataclass
class Probe:
    """A multinomial logistic regression from codes to class probabilities."""

    model: object
    classes: np.ndarray
    accuracy: float  # on the codes it was fitted to

    def probabilities(self, codes: np.ndarray) -> np.ndarray:
        """(n, classes) probabilities of every class for every code."""
        return self.model.predict_proba(np.atleast_2d(codes))


def fit_probe(codes: np.ndarray, labels: np.ndarray, seed: int = 0) -> Probe:
    """A logistic-regression probe of the labels from the codes (standardised inside)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise ConfigError("a probe needs examples of at least two classes.")
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    pipeline.fit(codes, labels)
    accuracy = float((pipeline.predict(codes) == labels).mean())
    return Probe(pipeline, pipeline.classes_, accuracy)


# --- named vectors on disk --------------------------------------------------------------------


def vectors_path(model_dir: Path) -> Path:
    """Where a model's named vectors live (never inside a bundled model's folder)."""
    return cache.write_folder(model_dir) / VECTORS_FILE


def load_vectors(model_dir: Path) -> list[AttributeVector]:
    """The model's saved vectors (none when the file is missing or unreadable)."""
    path = vectors_path(model_dir)
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text())["vectors"]
        return [
            AttributeVector(**{**row, "direction": tuple(float(x) for x in row["direction"])})
            for row in rows
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable attribute vectors %s (%s)", path, exc)
        return []


def save_vector(model_dir: Path, vector: AttributeVector) -> Path:
    """Add (or replace, by name) a named vector in the model's JSON file; returns its path."""
    name = vector.name.strip()
    if not name:
        raise ConfigError("an attribute vector needs a name to be saved under.")
    if not all(math.isfinite(x) for x in vector.direction):
        raise ConfigError(f"the vector {name!r} has non-finite entries and cannot be saved.")
    kept = [v for v in load_vectors(model_dir) if v.name != name]
    kept.append(AttributeVector(**{**asdict(vector), "name": name}))
    path = vectors_path(model_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps({"vectors": [asdict(v) for v in kept]}, indent=1, ensure_ascii=False)
    atomic_write_bytes(path, blob.encode(), parents=False)
    return path
