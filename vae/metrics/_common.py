"""Checks and sampling shared by the metrics.

Every metric takes codes as an array of shape (n_examples, n_code_dims) and
factors as an integer array of shape (n_examples, n_factors), one row per
example. disentanglement_lib stores both transposed (one row per dimension);
we keep the scikit-learn orientation and transpose nowhere.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from vae.data.base import GroundTruth
from vae.errors import ConfigError, DataError

Represent = Callable[[torch.Tensor], np.ndarray]

# How many observations go through ``represent`` at once: large enough that a
# network on CPU runs efficiently, small enough that a batch of 64x64 images
# (4,096 x 16 KiB = 64 MiB) never strains memory.
REPRESENT_CHUNK = 4096


def check_codes(codes: np.ndarray, name: str = "codes") -> np.ndarray:
    """``codes`` as a finite float64 array of shape (n, d), or a ``DataError``."""
    array = np.asarray(codes, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise DataError(
            f"{name} must be a non-empty 2-D array (examples, code dimensions); "
            f"got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise DataError(f"{name} contains NaN or infinite values; only finite codes are accepted.")
    return array


def check_factors(factors: np.ndarray, n: int, name: str = "factors") -> np.ndarray:
    """``factors`` as an int64 array of shape (n, k), or a ``DataError``."""
    array = np.asarray(factors)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0:
        raise DataError(
            f"{name} must be a 2-D integer array (examples, factors); got shape {array.shape}."
        )
    if array.shape[0] != n:
        raise DataError(
            f"{name} has {array.shape[0]} rows but the codes have {n}; "
            "pass one row of factors per code."
        )
    if not np.issubdtype(array.dtype, np.integer):
        rounded = np.round(array)
        if not np.array_equal(rounded, array):
            raise DataError(f"{name} must hold integer factor codes; got {array.dtype} values.")
        array = rounded
    return array.astype(np.int64)


def check_pair(
    codes: np.ndarray, factors: np.ndarray, prefix: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """Codes and factors checked against each other."""
    codes = check_codes(codes, f"{prefix}codes")
    return codes, check_factors(factors, codes.shape[0], f"{prefix}factors")


def check_train_test(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both splits checked, and checked to have the same code size and factors."""
    codes_train, factors_train = check_pair(codes_train, factors_train, "train ")
    codes_test, factors_test = check_pair(codes_test, factors_test, "test ")
    if codes_train.shape[1] != codes_test.shape[1]:
        raise DataError(
            f"train codes have {codes_train.shape[1]} dimensions and test codes "
            f"{codes_test.shape[1]}; both must come from the same representation."
        )
    if factors_train.shape[1] != factors_test.shape[1]:
        raise DataError(
            f"train factors have {factors_train.shape[1]} columns and test factors "
            f"{factors_test.shape[1]}; both must describe the same factors."
        )
    return codes_train, factors_train, codes_test, factors_test


def check_positive(value: int, name: str, minimum: int = 1) -> None:
    """A ``ConfigError`` unless ``value`` is an integer of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer of at least {minimum}; got {value!r}.")


def top_two_gap(matrix: np.ndarray) -> np.ndarray:
    """Per column, the largest entry minus the second largest.

    With a single row (a one-dimensional code) the runner-up is taken as 0, so
    the gap is the score of the only dimension rather than undefined.
    """
    ordered = np.sort(matrix, axis=0)[::-1]
    second = ordered[1] if ordered.shape[0] > 1 else np.zeros(ordered.shape[1])
    return ordered[0] - second


def represent_in_chunks(
    represent: Represent, ground_truth: GroundTruth, factors: np.ndarray
) -> np.ndarray:
    """The codes of the observations of ``factors``, computed in chunks.

    Chunking only bounds memory: ``represent`` must map each observation on its
    own (as a network in eval mode does), so the result does not depend on it.
    """
    parts = []
    for start in range(0, factors.shape[0], REPRESENT_CHUNK):
        observations = ground_truth.observe(factors[start : start + REPRESENT_CHUNK])
        with torch.no_grad():
            code = np.asarray(represent(observations), dtype=np.float64)
        if code.ndim == 1:
            code = code[:, None]
        parts.append(code)
    return np.concatenate(parts, axis=0)


def sample_codes(
    represent: Represent, ground_truth: GroundTruth, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` factor draws and their codes: arrays of shape (n, d) and (n, k)."""
    factors = np.asarray(ground_truth.sample_factors(n, rng), dtype=np.int64)
    return represent_in_chunks(represent, ground_truth, factors), factors


@dataclass
class Sample:
    """What the disentanglement metrics share: sampled codes, the process, seeds, options.

    ``codes_*``/``factors_*`` are the training and test draws of the protocol;
    ``streams`` the seed sequences of the metrics that draw their own
    observations (``"factor_vae"``, ``"beta_vae"``); ``n_bootstrap`` the
    resamples of each uncertainty (0: none); ``options`` the metrics' own
    settings (``dci_estimator``, ``sap_standardize``); ``progress`` the
    running stage's fraction callback.
    """

    codes_train: np.ndarray
    factors_train: np.ndarray
    codes_test: np.ndarray
    factors_test: np.ndarray
    represent: Represent
    ground_truth: GroundTruth
    seed: int = 0
    streams: Mapping[str, np.random.SeedSequence] = field(default_factory=dict)
    n_bootstrap: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[float], None] | None = None

    @property
    def split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.codes_train, self.factors_train, self.codes_test, self.factors_test

    def bootstrap_rng(self, name: str) -> np.random.Generator:
        """A stream of its own for the resamples of metric ``name``, fixed by the seed."""
        key = (3, zlib.crc32(name.encode()))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))


def bootstrap_std(
    statistic: Callable[[np.ndarray], float], n: int, n_bootstrap: int, rng: np.random.Generator
) -> float:
    """Standard deviation of ``statistic(rows)`` over ``n_bootstrap`` resamples of ``n`` rows.

    ``rows`` are indices drawn with replacement; 0.0 without resamples.
    """
    if n_bootstrap < 2 or n < 2:
        return 0.0
    values = [statistic(rng.integers(n, size=n)) for _ in range(n_bootstrap)]
    return float(np.std(values, ddof=1))
