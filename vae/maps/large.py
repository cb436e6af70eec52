"""Maps larger than the test split: the test examples, then a seeded sample of the training split.

A *sample* of up to :data:`MAX_POINTS` examples lets the Latent map show tens of
thousands of codes: all of MNIST (10,000 test + 60,000 training digits) when
its files are there, or 100,000 images of the ``shapes`` grid. Its global ids
extend the test split's: id ``i`` below ``n_test`` is test example ``i`` (so a
test-split map is the start of the sample's), and id ``n_test + j`` is the
training example ``train_index[j]``, drawn without replacement with ``seed``.
(The ``shapes`` grid is the whole population and its test images are a sample
of it, so a few of them come round again as training points.)

Pure functions, no Streamlit: ``vae.app.latent_map`` caches what they return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from vae.data import Dataset
from vae.data.base import Batch
from vae.maps.projection import example_kl
from vae.model.autoencoder import VAE

Progress = Callable[[float], None]

MAX_POINTS = 100_000
BATCH = 1024  # examples encoded at a time (drawn first, for shapes)
TEST, TRAIN = "test", "train"


@dataclass(frozen=True)
class Sample:
    """Which examples a sample's ids name: the test split, then ``train_index`` of the training split."""

    n_test: int
    train_index: np.ndarray  # int64 indices into the training split, in map order

    def __len__(self) -> int:
        return self.n_test + len(self.train_index)

    def source(self, ids: np.ndarray | list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(is a training example, index in its split) of each global id."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise IndexError(f"the sample has ids 0 to {len(self) - 1}, not {ids.max()}.")
        train = ids >= self.n_test
        index = ids.copy()
        index[train] = self.train_index[ids[train] - self.n_test]
        return train, index

    def label(self, i: int) -> str:
        """How a person reads id ``i``: 'test #12' or 'train #40,321'."""
        train, index = self.source([i])
        return f"{TRAIN if train[0] else TEST} #{int(index[0]):,}"


def has_sample(data: Dataset) -> bool:
    """Whether the training split makes a map larger than the test split worth offering."""
    return len(data.train) >= len(data.test) > 0


def sample_size(data: Dataset) -> int:
    """How many examples a sample of this data holds: test + train, at most :data:`MAX_POINTS`."""
    return min(MAX_POINTS, len(data.test) + len(data.train))


def make_sample(data: Dataset, size: int | None = None, seed: int = 0) -> Sample:
    """The test split followed by ``size − n_test`` training examples drawn with ``seed``."""
    n_test = len(data.test)
    size = sample_size(data) if size is None else min(size, sample_size(data))
    n_train = max(0, size - n_test)
    rng = np.random.default_rng(seed)
    train_index = rng.choice(len(data.train), size=n_train, replace=False).astype(np.int64)
    return Sample(n_test, train_index)


def examples(data: Dataset, sample: Sample, ids: np.ndarray | list[int]) -> Batch:
    """The examples of these global ids, in their order (test and training ones mixed)."""
    train, index = sample.source(ids)
    parts = [
        data.test.get(torch.from_numpy(index[~train])) if (~train).any() else None,
        data.train.get(torch.from_numpy(index[train])) if train.any() else None,
    ]
    got = [p for p in parts if p is not None]
    # Concatenated as test rows then training rows; ``order`` puts them back in id order.
    order = torch.from_numpy(np.argsort(np.argsort(train, kind="stable"), kind="stable"))

    def gather(field: str) -> torch.Tensor | None:
        values = [getattr(p, field) for p in got]
        if not values or any(v is None for v in values):
            return None
        return torch.cat(values)[order]

    return Batch(gather("x"), gather("y"), gather("factors"))


@torch.inference_mode()
def encode_sample(
    model: VAE, data: Dataset, sample: Sample, progress: Progress | None = None
) -> dict[str, np.ndarray]:
    """Posterior means, per-example KL (nats) and the labels and factors of every sample point.

    ``{"means": (n, d) float32, "kl": (n,) float64, "train_index": (m,) int64}``, with
    ``"y"`` (n,) and ``"factors"`` (n, f) int64 where the data has them. Examples are
    read (or, for ``shapes``, drawn) :data:`BATCH` at a time.
    """
    report = progress or (lambda fraction: None)
    model.eval()
    n = len(sample)
    means, kls, ys, factors = [], [], [], []
    for start in range(0, n, BATCH):
        batch = examples(data, sample, np.arange(start, min(start + BATCH, n)))
        y = batch.y if model.config.conditional else None
        means.append(model.encode(batch.x.to(model.device), y).mean.float().cpu())
        kls.append(example_kl(model, batch.x, y))
        if batch.y is not None:
            ys.append(batch.y)
        if batch.factors is not None:
            factors.append(batch.factors)
        report(min(start + BATCH, n) / n)
    out = {
        "means": torch.cat(means).numpy(),
        "kl": np.concatenate(kls),
        "train_index": sample.train_index,
    }
    if ys:
        out["y"] = torch.cat(ys).numpy().astype(np.int64)
    if factors:
        out["factors"] = torch.cat(factors).numpy().astype(np.int64)
    return out


def sample_from(arrays: dict[str, np.ndarray], n_test: int) -> Sample:
    """The :class:`Sample` that an :func:`encode_sample` result (from the cache) was made of."""
    return Sample(n_test, np.asarray(arrays["train_index"], dtype=np.int64))
