"""What every data set looks like to the rest of the code.

A ``Dataset`` has a train and a test ``Split``. A split hands out batches by
index with ``get(idx)``; an in-memory split indexes tensors, the procedural
``shapes`` split renders the images of those indices on demand. Images are
float32 in [0, 1] with shape (C, H, W); points and tabular rows are float32
vectors (standardised for tabular data). Labels are int64 class indices;
ground-truth factors are int64 codes, one column per factor.

Data with ground-truth factors also carries a ``GroundTruth``: the generative
process itself (sample factors, render them), which the FactorVAE and β-VAE
scores need to build examples that share one factor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch


@dataclass
class Batch:
    x: torch.Tensor
    y: torch.Tensor | None = None
    factors: torch.Tensor | None = None


@runtime_checkable
class Split(Protocol):
    def __len__(self) -> int: ...

    def get(self, idx: torch.Tensor) -> Batch:
        """The examples at these indices (a 1-D int64 tensor)."""
        ...


def labels_of(split: Split, idx: torch.Tensor) -> torch.Tensor | None:
    """The labels at these indices, without making the examples where the split can say
    them alone (a procedural split's ``labels``): the notes' labels are free, their sounds not."""
    labels = getattr(split, "labels", None)
    return labels(idx) if callable(labels) else split.get(idx).y


@dataclass
class TensorSplit:
    """A split held in memory: indexing is the whole cost of a batch."""

    x: torch.Tensor
    y: torch.Tensor | None = None
    factors: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.x.shape[0]

    def get(self, idx: torch.Tensor) -> Batch:
        return Batch(
            self.x[idx],
            None if self.y is None else self.y[idx],
            None if self.factors is None else self.factors[idx],
        )

    def all(self) -> Batch:
        return Batch(self.x, self.y, self.factors)


@runtime_checkable
class GroundTruth(Protocol):
    """A generative process with known, independent factors of variation."""

    factor_names: list[str]
    factor_sizes: list[int]

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` factor codes drawn uniformly: int64 array of shape (n, n_factors)."""
        ...

    def observe(self, factors: np.ndarray) -> torch.Tensor:
        """The images of these factor codes, float32 of shape (n, *input_shape)."""
        ...


@dataclass
class Dataset:
    """A named data set: splits, shape, the likelihood that suits it, labels and factors."""

    name: str
    train: Split
    test: TensorSplit
    input_shape: tuple[int, ...]
    kind: str  # "image", "points", "tabular", "text" or "audio"
    likelihood: str  # the likelihood that suits the data: bernoulli, gaussian or categorical
    default_architecture: str = "mlp"
    class_names: list[str] | None = None
    factor_names: list[str] | None = None
    factor_sizes: list[int] | None = None
    ground_truth: GroundTruth | None = None
    description: str = ""
    # For tabular data: what was subtracted and divided to standardise, to undo it.
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None
    defaults: dict = field(default_factory=dict)
    # For text: the tokens its id rows stand for (vae.data.vocabulary.Vocabulary).
    vocabulary: Any = None

    @classmethod
    def binary_images(
        cls, name: str, train: Split, test: TensorSplit, default_architecture: str, **fields
    ) -> Dataset:
        """An image set in [0, 1], each pixel modelled as a Bernoulli; its shape is the test images'."""
        return cls(
            name=name,
            train=train,
            test=test,
            input_shape=tuple(test.x.shape[1:]),
            kind="image",
            likelihood="bernoulli",
            default_architecture=default_architecture,
            **fields,
        )

    @property
    def n_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    @property
    def has_labels(self) -> bool:
        return self.class_names is not None

    @property
    def has_factors(self) -> bool:
        return self.factor_sizes is not None

    @property
    def is_image(self) -> bool:
        """Examples are pictures (C, H, W): images, and sounds as their spectrograms."""
        return self.kind in ("image", "audio")


@dataclass(frozen=True)
class Entry:
    """One built-in data set, as the registry (``vae.data.registry``) lists it.

    ``defaults`` are the settings it sets instead of the settings table's
    defaults (rows marked ``dataset_default``), known without loading the data;
    ``load(image_size=, data_dir=, seed=)`` loads it.
    """

    name: str
    description: str
    defaults: Mapping[str, Any]
    load: Callable[..., Dataset]
