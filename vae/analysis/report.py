"""``python -m vae evaluate``: every figure of a run or bundled model in one flat dict.

(This module was ``vae.evaluate_run``, a name too close to ``vae.model.evaluation``,
which holds the model-level measures it calls; that import path still works.)
The keys, their groups and their order are those of ``vae.metrics.registry``.
Beside the flat figures, ``uncertainty`` maps every score to its standard
deviation (or standard error) and ``protocol`` says how each was obtained.

Groups (``metrics``):

- ``elbo``: ELBO, reconstruction error, KL and KL per dimension on the test split,
  active units (nats per example), the total correlation of q(z);
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

from vae.data import Dataset, load_dataset
from vae.errors import ConfigError, RunError
from vae.io import atomic_write_json
from vae.metrics import registry
from vae.model import text_evaluation
from vae.model.autoencoder import VAE
from vae.model.evaluation import (
    active_units,
    bits_per_dim,
    elbo_standard_errors,
    elbo_stats,
    encode_means,
    encode_posteriors,
    iwae_log_likelihood,
)
from vae.runs import store as runs

log = logging.getLogger(__name__)

METRIC_GROUPS = registry.GROUPS
N_BOOTSTRAP = 50  # resamples of each bootstrapped uncertainty
TC_EXAMPLES = {True: 2000, False: 5000}  # test posteriors in the TC estimate (quick, full)
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
    return load_dataset(
        name, image_size=train.get("image_size"), data_dir=train.get("data_dir"),
        tokens=train.get("tokens"),
    )  # fmt: skip


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
    n_bootstrap: int = N_BOOTSTRAP,
    binarize: bool = False,
) -> dict[str, Any]:
    """Compute the chosen metric groups (default: all that apply to ``data``).

    Returns the flat figures in the registry's order, then ``uncertainty``
    (score → standard deviation) and ``protocol`` (sizes, seed, options, and
    how each uncertainty was obtained). ``n_bootstrap`` is the number of
    resamples of the bootstrapped uncertainties (0: none, all reported 0).
    ``binarize`` adds ``log_likelihood_binarized`` beside ``log_likelihood``
    (vae.analysis.binarized: the IWAE on a fixed seeded binarisation of the test images).
    """
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
    found: dict[str, Any] = {}
    errors: dict[str, float] = {}
    how: dict[str, str] = {}
    protocol: dict[str, Any] = {"seed": seed, "quick": quick, "n_bootstrap": n_bootstrap}
    means, base_means, logvars = encode_posteriors(model, test.x, y)
    if "elbo" in groups:
        report("ELBO", 0.0)
        found.update(elbo_stats(model, test.x, y, seed=seed))
        errors.update(elbo_standard_errors(model, test.x, y, seed=seed + 1))
        for key in ("elbo", "recon", "kl"):
            how[key] = "standard error over the test examples (spread of a second one-sample pass)"
        found["active_units"], found["posterior_mean_variance"] = active_units(means)
        report("total correlation", 0.0)
        found["total_correlation"], errors["total_correlation"] = _total_correlation(
            base_means, logvars, seed, TC_EXAMPLES[quick]
        )
        how["total_correlation"] = "standard error over the samples z_n ~ q(z|x_n)"
        if model.is_text:
            found["mutual_information"] = text_evaluation.mutual_information(
                base_means, logvars, seed
            )
        protocol["total_correlation"] = (
            f"mixture of up to {TC_EXAMPLES[quick]} test posteriors (of the base Gaussian "
            "for a flow), one sample each; Chen et al. 2018's estimator on the whole set"
        )
    if "likelihood" in groups:
        n = min(n_likelihood, len(test))
        ll = iwae_log_likelihood(
            model, test.x[:n], None if y is None else y[:n], k=k, seed=seed,
            progress=lambda f: report("log-likelihood", f),
        )  # fmt: skip
        found["log_likelihood"] = float(ll.mean())
        found["log_likelihood_k"] = k
        found["log_likelihood_n"] = n
        found["bits_per_dim"] = bits_per_dim(found["log_likelihood"], math.prod(model.input_shape))
        errors["log_likelihood"] = float(ll.std() / math.sqrt(n)) if n > 1 else 0.0
        how["log_likelihood"] = "standard error over the test examples"
        if model.is_text:
            found.update(text_evaluation.per_token(-ll, test.x[:n]))
            errors["nll"], how["nll"] = errors["log_likelihood"], how["log_likelihood"]
    if "representation" in groups and data.has_labels and test.y is not None:
        report("representation", 0.0)
        probes = _representation(model, data, means, seed)
        found.update(probes)
        for key, value in probes.items():
            errors[key] = math.sqrt(value * (1 - value) / len(test))
            how[key] = "binomial standard error of an accuracy over the test examples"
    if "disentanglement" in groups and data.ground_truth is not None:
        from vae.metrics.disentanglement import disentanglement_report

        def represent(x: torch.Tensor) -> np.ndarray:
            return encode_means(model, x).double().numpy()

        result = disentanglement_report(
            represent, data.ground_truth, seed, quick=quick, n_bootstrap=n_bootstrap,
            progress=lambda s, f: report(s, f),
        )  # fmt: skip
        errors.update(result.pop("uncertainty"))
        found.update(result)
        extra = dict(result.pop("protocol"))
        how.update(extra.pop("uncertainty"))
        protocol.update(extra)
    report("done", 1.0)
    out: dict[str, Any] = {"dataset": data.name, "n_test": len(test)}
    out.update({key: found[key] for key in registry.json_keys() if key in found})
    out["uncertainty"] = {key: errors[key] for key in registry.scores() if key in errors}
    protocol["uncertainty"] = {key: how[key] for key in out["uncertainty"] if key in how}
    out["protocol"] = protocol
    if binarize:  # an option of this call, not a registry metric (issue 15)
        from vae.analysis.binarized import BINARIZE_SEED, binarized_log_likelihood

        figures, error = binarized_log_likelihood(model, data, k=k, n=n_likelihood, seed=seed)
        out.update(figures)
        out["uncertainty"]["log_likelihood_binarized"] = error
        protocol["binarize_seed"] = BINARIZE_SEED
        protocol["uncertainty"]["log_likelihood_binarized"] = (
            "standard error over the test examples"
        )
    return out


def _total_correlation(
    means: torch.Tensor, logvars: torch.Tensor, seed: int, max_examples: int
) -> tuple[float, float]:
    from vae.metrics.total_correlation import total_correlation

    if means.shape[0] < 2:
        return 0.0, 0.0
    value, std = total_correlation(
        means.double().numpy(),
        logvars.double().numpy(),
        seed=seed,
        max_examples=max_examples,
        return_std=True,
    )
    return float(value), float(std)


def _representation(
    model: VAE, data: Dataset, test_means: torch.Tensor, seed: int
) -> dict[str, float]:
    from vae.metrics.representation import classifier_accuracy, pca_baseline

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
    if model.is_text:  # PCA of token ids means nothing: the probes of the codes only
        return {"knn_accuracy": ours["knn"], "logreg_accuracy": ours["logreg"]}
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
    binarize: bool = False,
    n_bootstrap: int = N_BOOTSTRAP,
) -> dict[str, Any]:
    """Evaluate the model in ``run_dir`` on its own data set's test split."""
    run_dir = Path(run_dir)
    model = VAE.load(run_dir)
    data = dataset_of(run_dir)
    result = evaluate_model(
        model, data, k=k, metrics=metrics, quick=quick, seed=seed, progress=progress,
        binarize=binarize, n_bootstrap=n_bootstrap,
    )  # fmt: skip
    if model.is_text and (metrics is None or "likelihood" in metrics):
        baseline = runs.read_json(run_dir / "baseline" / runs.SUMMARY_FILE, {}) or {}
        for key in ("nll", "nll_per_token", "perplexity"):
            result[f"baseline_{key}"] = baseline.get(key)
    if metrics is None or "disentanglement" in metrics:  # needs seeds, not factors
        from vae.analysis.seeds import add_udr

        add_udr(result, run_dir, data, seed)
    if save:
        summary = runs.read_json(run_dir / runs.SUMMARY_FILE, {}) or {}
        atomic_write_json(run_dir / runs.SUMMARY_FILE, {**summary, **result})
    return result


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return (
            "["
            + ", ".join(_cell(v) if not isinstance(v, float) else f"{v:.3f}" for v in value)
            + "]"
        )
    return str(value)


def format_table(result: dict[str, Any]) -> str:
    """The result as lines of ``key value``; a score with its uncertainty as ``value ± std``."""
    uncertainty = result.get("uncertainty", {})
    lines = []
    for key, value in result.items():
        if key in ("uncertainty", "protocol"):
            continue
        text = _cell(value)
        if key in uncertainty and isinstance(value, float):
            text += f" ± {uncertainty[key]:.4f}"
        lines.append(f"{key:<24} {text}")
    return "\n".join(lines)
