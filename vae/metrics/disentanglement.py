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
from typing import Any

import numpy as np

from vae.data.base import GroundTruth
from vae.metrics._common import Represent, check_positive, sample_codes
from vae.metrics.dci import dci
from vae.metrics.interventions import beta_vae_score, factor_vae_score
from vae.metrics.mig import mig
from vae.metrics.sap import sap

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

# ``quick=True``: a fifth of the codes and 3% of the intervention points of
# the full protocol, about 90,000 observations to render and encode instead of
# 2.9 million, so that an app can show every metric in well under a minute
# (rendering 64x64 shapes, not the metrics, is then most of the time). The
# scores are noisier: an accuracy on 150 points has a standard error of up to 0.04.
QUICK = {
    "num_train": 2000,
    "num_test": 1000,
    "intervention_train": 300,
    "intervention_eval": 150,
    "num_variance_estimate": 2000,
}

# Rough share of the running time of each stage, for the progress bar. With a
# real encoder most of the time goes into encoding the observations of the
# intervention scores (about 1 million for FactorVAE, 2 million for β-VAE);
# DCI's boosted trees take the next largest share (10-15 s at full size).
_STAGES = (
    ("sampling codes", 0.02),
    ("MIG", 0.01),
    ("DCI", 0.20),
    ("SAP", 0.02),
    ("FactorVAE score", 0.25),
    ("β-VAE score", 0.50),
)


class _Reporter:
    """Turns (stage, fraction of the stage) into (stage, fraction of the whole)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.offsets: dict[str, float] = {}
        self.weights: dict[str, float] = {}
        offset = 0.0
        for name, weight in _STAGES:
            self.offsets[name], self.weights[name] = offset, weight
            offset += weight

    def __call__(self, stage: str, fraction: float = 0.0) -> None:
        if self.progress is not None:
            done = self.offsets[stage] + self.weights[stage] * min(max(fraction, 0.0), 1.0)
            self.progress(stage, min(done, 1.0))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress("done", 1.0)

    def within(self, stage: str) -> Callable[[float], None]:
        return lambda fraction: self(stage, fraction)


def disentanglement_metrics(
    represent: Represent,
    ground_truth: GroundTruth,
    rng_seed: int = 0,
    *,
    num_train: int = 10000,
    num_test: int = 5000,
    progress: Progress | None = None,
    quick: bool = False,
    dci_estimator: str | Callable[[int], Any] = "hist_gradient_boosting",
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
    depend on the sizes of the others.

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
            default ``"hist_gradient_boosting"``, ``"gradient_boosting"`` for
            disentanglement_lib's own (about 5 minutes on 2 cores).

    Returns:
        ``mig``, ``dci_disentanglement``, ``dci_completeness``,
        ``dci_informativeness``, ``factor_vae_score`` and ``beta_vae_score``
        (the evaluation accuracies) and ``sap``, all floats in [0, 1].
    """
    if quick:
        sizes = dict(QUICK)
    else:
        check_positive(num_train, "num_train", minimum=2)
        check_positive(num_test, "num_test")
        sizes = {
            "num_train": num_train,
            "num_test": num_test,
            "intervention_train": num_train,
            "intervention_eval": num_test,
            "num_variance_estimate": num_train,
        }
    codes_seed, factor_vae_seed, beta_vae_seed = np.random.SeedSequence(rng_seed).spawn(3)
    report = _Reporter(progress)
    timings: dict[str, float] = {}

    def timed(stage: str, compute: Callable[[], Any]) -> Any:
        report(stage, 0.0)
        start = time.perf_counter()
        result = compute()
        timings[stage] = time.perf_counter() - start
        report(stage, 1.0)
        return result

    codes_rng = np.random.default_rng(codes_seed)

    def draw() -> tuple[np.ndarray, ...]:
        train = sample_codes(represent, ground_truth, sizes["num_train"], codes_rng)
        test = sample_codes(represent, ground_truth, sizes["num_test"], codes_rng)
        return (*train, *test)

    codes_train, factors_train, codes_test, factors_test = timed("sampling codes", draw)
    split = (codes_train, factors_train, codes_test, factors_test)
    scores = {"mig": timed("MIG", lambda: mig(codes_train, factors_train))}
    dci_scores = timed("DCI", lambda: dci(*split, seed=rng_seed, estimator=dci_estimator))
    scores["dci_disentanglement"] = dci_scores["disentanglement"]
    scores["dci_completeness"] = dci_scores["completeness"]
    scores["dci_informativeness"] = dci_scores["informativeness"]
    scores["sap"] = timed("SAP", lambda: sap(*split, seed=rng_seed))
    factor_vae = timed(
        "FactorVAE score",
        lambda: factor_vae_score(
            represent,
            ground_truth,
            np.random.default_rng(factor_vae_seed),
            num_train=sizes["intervention_train"],
            num_eval=sizes["intervention_eval"],
            num_variance_estimate=sizes["num_variance_estimate"],
            progress=report.within("FactorVAE score"),
        ),
    )
    scores["factor_vae_score"] = factor_vae["eval_accuracy"]
    beta_vae = timed(
        "β-VAE score",
        lambda: beta_vae_score(
            represent,
            ground_truth,
            np.random.default_rng(beta_vae_seed),
            num_train=sizes["intervention_train"],
            num_eval=sizes["intervention_eval"],
            progress=report.within("β-VAE score"),
        ),
    )
    scores["beta_vae_score"] = beta_vae["eval_accuracy"]
    report.finish()
    logger.info(
        "disentanglement metrics in %s",
        ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items()),
    )
    order = (
        "mig",
        "dci_disentanglement",
        "dci_completeness",
        "dci_informativeness",
        "factor_vae_score",
        "beta_vae_score",
        "sap",
    )
    return {key: float(scores[key]) for key in order}
