"""Two-dimensional point clouds: densities you can see, and a VAE's fit of them.

Each is drawn from a seeded generator, 5,000 points to train and 1,000 to
test, and scaled to about unit spread so that one setting of the model suits
them all. ``y`` tells which part a point came from (arm, ring or component),
for colouring or a conditional model; the two moons are one density and
carry no labels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import torch

from vae.data.base import Dataset, Entry, TensorSplit

logger = logging.getLogger(__name__)

N_TRAIN, N_TEST = 5000, 1000


def moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (scikit-learn's ``make_moons``), noise 0.08."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n, noise=0.08, random_state=int(rng.integers(2**31)))
    # The moons span x in [-1, 2] and y in [-0.5, 1]: centre them and even out the spread.
    x = (x - [0.5, 0.25]) / [0.87, 0.5]
    return x, y


def pinwheel(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Five curved arms (Johnson et al. 2016): radial spread 0.3, tangential 0.05, twist 0.25."""
    n_arms, radial_std, tangential_std, rate = 5, 0.3, 0.05, 0.25
    y = rng.integers(n_arms, size=n)
    features = rng.standard_normal((n, 2)) * [radial_std, tangential_std]
    features[:, 0] += 1.0
    # Points further out are turned further: that is what curls the arms.
    angles = 2 * np.pi * y / n_arms + rate * np.exp(features[:, 0])
    cos, sin = np.cos(angles), np.sin(angles)
    x = np.stack(
        [cos * features[:, 0] - sin * features[:, 1], sin * features[:, 0] + cos * features[:, 1]],
        axis=1,
    )
    return 1.4 * x, y


def rings(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three concentric rings of radius 0.6, 1.2 and 1.8, points in proportion to length."""
    radii = np.array([0.6, 1.2, 1.8])
    y = rng.choice(len(radii), size=n, p=radii / radii.sum())
    angle = rng.uniform(0, 2 * np.pi, size=n)
    r = radii[y] + 0.05 * rng.standard_normal(n)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1), y


def gaussians(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight Gaussians of standard deviation 0.1 evenly spaced on a circle of radius 1.4."""
    y = rng.integers(8, size=n)
    angle = 2 * np.pi * y / 8
    centres = 1.4 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres + 0.1 * rng.standard_normal((n, 2)), y


# name -> (generator, what one label value names or None for no labels, description)
TOYS: dict[str, tuple[Callable[[int, np.random.Generator], tuple], str | None, str]] = {
    "moons": (moons, None, "two interleaved half moons, 2-D points"),
    "pinwheel": (pinwheel, "arm", "five curved arms of a pinwheel, 2-D points"),
    "rings": (rings, "ring", "three concentric rings, 2-D points"),
    "gaussians": (gaussians, "component", "a ring of eight Gaussians, 2-D points"),
}


# The settings every 2-D data set overrides (vae.model.settings rows marked dataset_default).
DEFAULTS = {
    "architecture": "mlp",
    "likelihood": "gaussian",
    "latent_dim": 2,
    "hidden_dims": [128, 128],
    "epochs": 100,
    "batch_size": 128,
    "lr": 1e-3,
}


def load_toy(name: str, seed: int = 0) -> Dataset:
    """The 2-D data set ``name`` (one of ``TOYS``), drawn with ``seed``."""
    make, part, description = TOYS[name]
    x, y = make(N_TRAIN + N_TEST, np.random.default_rng(seed))
    x = torch.from_numpy(np.asarray(x, dtype=np.float32))
    y = torch.from_numpy(np.asarray(y, dtype=np.int64))
    logger.info("%s: %d train, %d test points", name, N_TRAIN, N_TEST)
    return Dataset(
        name=name,
        train=TensorSplit(x[:N_TRAIN], None if part is None else y[:N_TRAIN]),
        test=TensorSplit(x[N_TRAIN:], None if part is None else y[N_TRAIN:]),
        input_shape=(2,),
        kind="points",
        likelihood="gaussian",
        default_architecture="mlp",
        class_names=None if part is None else [f"{part} {i}" for i in range(int(y.max()) + 1)],
        description=description,
        defaults=dict(DEFAULTS),
    )


ENTRIES = tuple(
    Entry(name, description, DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0, name=name: load_toy(name, seed))
    for name, (_, _, description) in TOYS.items()
)  # fmt: skip
