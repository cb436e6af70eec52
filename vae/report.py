"""``python -m vae evaluate``: every figure of a run or bundled model in one flat dict.

Groups (``metrics``):

- ``elbo``: ELBO, reconstruction error, KL and KL per dimension on the test split,
  active units (nats per example);
- ``likelihood``: the importance-weighted log-likelihood estimate with k samples
  (Burda et al. 2015), in nats and bits per dimension;
- ``representation``: k-NN and logistic-regression accuracy on the latent means,
  next to the same classifiers on PCA with as many dimensions (labelled data);
- ``disentanglement``: MIG, DCI, FactorVAE, β-VAE and SAP scores (data with
  ground-truth factors), as disentanglement_lib computes them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vae import runs
from vae.data import Dataset, load_dataset
from vae.errors import ConfigError, RunError
from vae.evaluation import (
    active_units,
    bits_per_dim,
    elbo_stats,
    encode_means,
    iwae_log_likelihood,
)
from vae.io import atomic_write_json
from vae.model import VAE

log = logging.getLogger(__name__)

METRIC_GROUPS = ("elbo", "likelihood", "representation", "disentanglement")
MAX_K = 5000
MAX_REPRESENTATION_TRAIN = 10_000

Progress = Callable[[str, float], None]


def dataset_of(run_dir: Path) -> Dataset:
    """Load the data set a run or bundled model was trained on, as its config records it."""
    config = runs.read_json(Path(run_dir) / "config.json", {}) or {}
    train = config.get("train") or {}
    name = train.get("dataset") or (config.get("dataset") or {}).get("name")
    if not name:
        raise RunError(
            f"{run_dir}/config.json does not say which data set the model was trained on."
        )
    return load_dataset(name, image_size=train.get("image_size"), data_dir=train.get("data_dir"))


def evaluate_model(
    model: VAE,
    data: Dataset,
    *,
    k: int = 1000,
    metrics: list[str] | tuple[str, ...] | None = None,
    quick: bool = False,
    seed: int = 0,
    n_likelihood: int = 1000,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Compute the chosen metric groups (default: all that apply to ``data``)."""
    if not 1 <= k <= MAX_K:
        raise ConfigError(f"k must be an integer from 1 to {MAX_K}, got {k}.")
    groups = list(metrics or METRIC_GROUPS)
    for group in groups:
        if group not in METRIC_GROUPS:
            raise ConfigError(f"metrics must be among {', '.join(METRIC_GROUPS)}, got {group!r}.")
    report = progress or (lambda stage, fraction: None)
    model.eval()
    test = data.test
    y = test.y if model.config.conditional else None
    out: dict[str, Any] = {"dataset": data.name, "n_test": len(test)}
    means = encode_means(model, test.x, y)
    if "elbo" in groups:
        report("ELBO", 0.0)
        out.update(elbo_stats(model, test.x, y, seed=seed))
        out["active_units"], out["posterior_mean_variance"] = active_units(means)
    if "likelihood" in groups:
        n = min(n_likelihood, len(test))
        ll = iwae_log_likelihood(
            model, test.x[:n], None if y is None else y[:n], k=k, seed=seed,
            progress=lambda f: report("log-likelihood", f),
        )  # fmt: skip
        out["log_likelihood"] = float(ll.mean())
        out["log_likelihood_k"] = k
        out["log_likelihood_n"] = n
        out["bits_per_dim"] = bits_per_dim(out["log_likelihood"], math.prod(model.input_shape))
    if "representation" in groups and data.has_labels and test.y is not None:
        report("representation", 0.0)
        out.update(_representation(model, data, means, seed))
    if "disentanglement" in groups and data.ground_truth is not None:
        from vae.metrics import disentanglement_metrics

        def represent(x: torch.Tensor) -> np.ndarray:
            return encode_means(model, x).double().numpy()

        out.update(
            disentanglement_metrics(
                represent, data.ground_truth, seed, quick=quick, progress=lambda s, f: report(s, f)
            )
        )
    report("done", 1.0)
    return out


def _representation(
    model: VAE, data: Dataset, test_means: torch.Tensor, seed: int
) -> dict[str, float]:
    from vae.metrics import classifier_accuracy, pca_baseline

    n = min(len(data.train), MAX_REPRESENTATION_TRAIN)
    idx = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(seed))[:n]
    train = data.train.get(idx)
    if train.y is None:
        return {}
    y_train = train.y if model.config.conditional else None
    train_means = encode_means(model, train.x, y_train)
    ours = classifier_accuracy(
        train_means.numpy(), train.y.numpy(), test_means.numpy(), data.test.y.numpy()
    )
    pca = pca_baseline(
        train.x.numpy(),
        train.y.numpy(),
        data.test.x.numpy(),
        data.test.y.numpy(),
        model.config.latent_dim,
    )
    return {
        "knn_accuracy": ours["knn"],
        "logreg_accuracy": ours["logreg"],
        "pca_knn_accuracy": pca["knn"],
        "pca_logreg_accuracy": pca["logreg"],
    }


def evaluate_run(
    run_dir: str | Path,
    *,
    k: int = 1000,
    metrics: list[str] | None = None,
    quick: bool = False,
    seed: int = 0,
    save: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate the model in ``run_dir`` on its own data set's test split."""
    run_dir = Path(run_dir)
    model = VAE.load(run_dir)
    data = dataset_of(run_dir)
    result = evaluate_model(
        model, data, k=k, metrics=metrics, quick=quick, seed=seed, progress=progress
    )
    if save:
        summary = runs.read_json(run_dir / runs.SUMMARY_FILE, {}) or {}
        atomic_write_json(run_dir / runs.SUMMARY_FILE, {**summary, **result})
    return result


def format_table(result: dict[str, Any]) -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, list):
            value = "[" + ", ".join(f"{v:.3f}" for v in value) + "]"
        elif isinstance(value, float):
            value = f"{value:.4f}"
        lines.append(f"{key:<24} {value}")
    return "\n".join(lines)
