"""All the disentanglement metrics of a representation in one call.

``disentanglement_metrics`` runs the protocol of disentanglement_lib's
``unsupervised_study_v1`` (Locatello et al. 2019, "Challenging Common
Assumptions in the Unsupervised Learning of Disentangled Representations") on a
``GroundTruth``: it samples factors, renders them, encodes them with
``represent`` (the posterior mean), and computes MIG, DCI, SAP, the FactorVAE
score and the β-VAE score. Each metric also exists on its own, as a pure
function of codes and factors (or of ``represent`` and the ground truth for the
two scores that intervene on the generative process).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypedDict, Unpack

import numpy as np

from vae.data.base import GroundTruth
from vae.metrics import registry
from vae.metrics._common import Represent, Sample, check_positive, sample_codes

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

# ``quick=True``: a fifth of the codes and 3% of the intervention points of
# the full protocol, about 90,000 observations to render and encode instead of
# 2.9 million, so that an app can show every metric in well under a minute
# (rendering 64x64 shapes, not the metrics, is then most of the time). The
# scores are noisier: an accuracy on 150 points has a standard error of up to
# 0.04. The sizes are the registry's (each metric's ``quick``).
QUICK = registry.sizes(quick=True)

# Resamples of each uncertainty in ``disentanglement_report`` (see each hook).
N_BOOTSTRAP = 50

_SAMPLING = ("sampling codes", 0.02)


def _stages() -> tuple[tuple[str, float], ...]:
    """(stage, share of the time) for the progress bar: sampling, then the registry's order."""
    return (_SAMPLING, *((m.name, m.weight) for m in registry.metrics("disentanglement")))


class _Reporter:
    """Turns (stage, fraction of the stage) into (stage, fraction of the whole)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.offsets: dict[str, float] = {}
        self.weights: dict[str, float] = {}
        stages = _stages()
        total = sum(weight for _, weight in stages)
        offset = 0.0
        for name, weight in stages:
            self.offsets[name], self.weights[name] = offset, weight / total
            offset += weight / total

    def __call__(self, stage: str, fraction: float = 0.0) -> None:
        if self.progress is not None:
            done = self.offsets[stage] + self.weights[stage] * min(max(fraction, 0.0), 1.0)
            self.progress(stage, min(done, 1.0))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress("done", 1.0)

    def within(self, stage: str) -> Callable[[float], None]:
        return lambda fraction: self(stage, fraction)


def _sizes(quick: bool, num_train: int, num_test: int) -> dict[str, int]:
    if quick:
        return dict(QUICK)
    check_positive(num_train, "num_train", minimum=2)
    check_positive(num_test, "num_test")
    return {
        "num_train": num_train,
        "num_test": num_test,
        "intervention_train": num_train,
        "intervention_eval": num_test,
        "num_variance_estimate": num_train,
    }


def disentanglement_report(
    represent: Represent,
    ground_truth: GroundTruth,
    rng_seed: int = 0,
    *,
    num_train: int = 10000,
    num_test: int = 5000,
    progress: Progress | None = None,
    quick: bool = False,
    dci_estimator: str | Callable[[int], Any] = "exact_boosting",
    sap_standardize: bool = False,
    n_bootstrap: int = N_BOOTSTRAP,
) -> dict[str, Any]:
    """Every disentanglement figure of the registry, with uncertainties and the protocol.

    The arguments are those of ``disentanglement_metrics`` plus
    ``sap_standardize`` (see ``vae.metrics.sap.sap``) and ``n_bootstrap``
    (resamples of each uncertainty; 0 for none).

    Returns:
        the registry's keys of the ``disentanglement`` group in its order
        (the seven scores, ``mi_matrix``, ``factor_names``, ``factor_of_dim``),
        ``uncertainty`` (score → standard deviation) and ``protocol`` (sizes,
        seed, estimator options and how each uncertainty was obtained).
    """
    check_positive(n_bootstrap, "n_bootstrap", minimum=0)
    sizes = _sizes(quick, num_train, num_test)
    codes_seed, factor_vae_seed, beta_vae_seed = np.random.SeedSequence(rng_seed).spawn(3)
    report = _Reporter(progress)
    timings: dict[str, float] = {}

    report(_SAMPLING[0], 0.0)
    start = time.perf_counter()
    codes_rng = np.random.default_rng(codes_seed)
    train = sample_codes(represent, ground_truth, sizes["num_train"], codes_rng)
    test = sample_codes(represent, ground_truth, sizes["num_test"], codes_rng)
    timings[_SAMPLING[0]] = time.perf_counter() - start
    report(_SAMPLING[0], 1.0)
    sample = Sample(
        *train,
        *test,
        represent=represent,
        ground_truth=ground_truth,
        seed=rng_seed,
        streams={"factor_vae": factor_vae_seed, "beta_vae": beta_vae_seed},
        n_bootstrap=n_bootstrap,
        options={"dci_estimator": dci_estimator, "sap_standardize": sap_standardize},
    )
    found: dict[str, Any] = {}
    for metric in registry.metrics("disentanglement"):
        if metric.compute is None:
            continue
        report(metric.name, 0.0)
        start = time.perf_counter()
        sample.progress = report.within(metric.name)
        found.update(metric.compute(sample, sizes))
        timings[metric.name] = time.perf_counter() - start
        report(metric.name, 1.0)
    report.finish()
    logger.info(
        "disentanglement metrics in %s",
        ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items()),
    )
    out: dict[str, Any] = {key: found[key] for key in registry.json_keys("disentanglement")}
    for key in registry.scores("disentanglement"):
        out[key] = float(out[key])
    out["uncertainty"] = {
        key: float(found.get(f"{key}_std", 0.0)) for key in registry.scores("disentanglement")
    }
    out["protocol"] = {
        **sizes,
        "seed": rng_seed,
        "dci_estimator": dci_estimator if isinstance(dci_estimator, str) else "custom",
        "sap_standardize": sap_standardize,
        "n_bootstrap": n_bootstrap,
        "uncertainty": UNCERTAINTY_PROTOCOL,
    }
    return out


# How each disentanglement uncertainty is obtained (the ``protocol`` entry).
UNCERTAINTY_PROTOCOL = {
    "mig": "bootstrap of the training codes, MIG recomputed",
    "dci_disentanglement": "split halves of the training codes, refitted: |D1 - D2| / 2",
    "dci_completeness": "split halves of the training codes, refitted: |C1 - C2| / 2",
    "dci_informativeness": "bootstrap of the test codes, classifiers held fixed",
    "factor_vae_score": "bootstrap of the training and evaluation points, vote refitted",
    "beta_vae_score": "bootstrap of the training and evaluation points, regression refitted",
    "sap": "bootstrap of the test codes, SVMs held fixed",
}


class ProtocolOptions(TypedDict, total=False):
    """The keyword options of ``disentanglement_metrics``, passed through to
    ``disentanglement_report`` (whose signature holds their defaults)."""

    num_train: int
    num_test: int
    progress: Progress | None
    quick: bool
    dci_estimator: str | Callable[[int], Any]
    sap_standardize: bool


def disentanglement_metrics(
    represent: Represent,
    ground_truth: GroundTruth,
    rng_seed: int = 0,
    **options: Unpack[ProtocolOptions],
) -> dict[str, float]:
    """MIG, DCI, SAP, FactorVAE and β-VAE scores of a representation.

    The protocol of disentanglement_lib's ``unsupervised_study_v1`` configs:

    - ``num_train`` factor draws and their codes for MIG (20 bins), the DCI
      classifiers and the SAP classifiers, ``num_test`` fresh ones to test the
      DCI and SAP classifiers (discrete factors);
    - the FactorVAE score with batches of 64, ``num_train`` training points,
      ``num_test`` evaluation points and ``num_train`` observations for the
      global variances (dimensions with standard deviation < 0.05 pruned);
    - the β-VAE score with batches of 64, ``num_train`` training points and
      ``num_test`` evaluation points.

    With the defaults the intervention scores encode about 2.9 million
    observations, the bulk of the cost for a real encoder. ``quick=True``
    replaces all sizes with those of ``QUICK`` (2,000 / 1,000 codes; 300 / 150
    intervention points; 2,000 observations for the variances), about 90,000
    observations in all, for interactive use.

    Every stage draws from its own stream of ``np.random.SeedSequence(rng_seed)``,
    so the same seed gives the same numbers and a stage's samples do not
    depend on the sizes of the others. ``disentanglement_report`` gives the
    same scores with their uncertainties, the factor × dimension view and
    the protocol.

    Args:
        represent: maps a batch of observations (a tensor) to codes, an array
            (n, d); use the posterior mean, with the model in eval mode.
        ground_truth: the generative process (``vae.data.base.GroundTruth``).
        rng_seed: seed of every random choice; default 0.
        num_train: training codes and intervention training points; default 10,000.
        num_test: test codes and intervention evaluation points; default 5,000.
        progress: called as ``progress(stage, fraction)`` with the stage's name
            and the fraction of the whole work done, in [0, 1], never
            decreasing; the last call is ``("done", 1.0)``.
        quick: use the small sizes of ``QUICK``; default False.
        dci_estimator: the DCI classifier (see ``vae.metrics.dci.dci``);
            default ``"exact_boosting"`` (disentanglement_lib's model, compiled),
            ``"gradient_boosting"`` for scikit-learn's own (about 10x slower).
        sap_standardize: standardise each code dimension before SAP's SVMs;
            default False, as disentanglement_lib.

    Returns:
        ``mig``, ``dci_disentanglement``, ``dci_completeness``,
        ``dci_informativeness``, ``factor_vae_score`` and ``beta_vae_score``
        (the evaluation accuracies) and ``sap``, all floats in [0, 1].
    """
    found = disentanglement_report(represent, ground_truth, rng_seed, **options, n_bootstrap=0)
    return {key: float(found[key]) for key in registry.scores("disentanglement")}
