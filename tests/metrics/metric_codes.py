"""Codes with known answers, shared by the metric tests.

A code that copies the factors (one dimension per factor, permuted and
rescaled) is perfectly disentangled; a code of pure noise is not at all; a code
that mixes two factors in two dimensions is in between.
"""

from __future__ import annotations

import numpy as np
import torch

SIZES = [3, 4, 5]


def sample_factors(n: int, sizes: list[int], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(size, size=n) for size in sizes], axis=1)


def perfect_code(factors: np.ndarray, seed: int = 1, noise: float = 0.01) -> np.ndarray:
    """One dimension per factor, in shuffled order, each with its own positive scale."""
    rng = np.random.default_rng(seed)
    scaled = factors / factors.max(axis=0) * rng.uniform(0.5, 3.0, size=factors.shape[1])
    code = scaled + noise * rng.standard_normal(factors.shape)
    return code[:, rng.permutation(factors.shape[1])]


def noise_code(n: int, d: int, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def mixed_code(factors: np.ndarray, seed: int = 3) -> np.ndarray:
    """Factors 0 and 1 rotated together into two dimensions; factor 2 alone."""
    rng = np.random.default_rng(seed)
    unit = factors / factors.max(axis=0)
    code = np.stack([unit[:, 0] + unit[:, 1], unit[:, 0] - unit[:, 1], unit[:, 2]], axis=1)
    return code + 0.01 * rng.standard_normal(code.shape)


def split(codes: np.ndarray, factors: np.ndarray, n_train: int):
    return codes[:n_train], factors[:n_train], codes[n_train:], factors[n_train:]


def transform(codes: np.ndarray, seed: int = 4) -> np.ndarray:
    """Permute dimensions and rescale each by a positive factor."""
    rng = np.random.default_rng(seed)
    return (codes * rng.uniform(0.2, 5.0, size=codes.shape[1]))[:, rng.permutation(codes.shape[1])]


# --- interventions: a tiny generative process -------------------------------------------


class ToyGroundTruth:
    """Factors are observed directly, as floats: the simplest ``GroundTruth``."""

    factor_names = ["a", "b", "c"]

    def __init__(self, sizes: list[int]) -> None:
        self.factor_sizes = list(sizes)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.stack([rng.integers(size, size=n) for size in self.factor_sizes], axis=1)

    def observe(self, factors: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(factors), dtype=torch.float32)


def perfect_represent(x: torch.Tensor) -> np.ndarray:
    # Permuted and rescaled: the scores must not care.
    return (x[:, [2, 0, 1]] * torch.tensor([0.5, 2.0, 1.5])).numpy()


def mixing_represent(x: torch.Tensor) -> np.ndarray:
    return torch.stack([x[:, 0] + x[:, 1], x[:, 0] - x[:, 1], x[:, 2]], dim=1).numpy()


def make_noise_represent(seed: int = 0):
    rng = np.random.default_rng(seed)
    return lambda x: rng.standard_normal((x.shape[0], 3))
