"""Evaluation metrics: disentanglement (MIG, DCI, SAP, FactorVAE, β-VAE) and probes.

Every metric is a pure function of numpy arrays (codes, factors, labels) or, for
the two scores that intervene on the generative process, of a ``represent``
function and a ``GroundTruth``; all are seeded and reproducible. They follow
disentanglement_lib (Locatello et al. 2019) and work on posterior means.
"""

from vae.metrics.dci import dci
from vae.metrics.disentanglement import QUICK, disentanglement_metrics
from vae.metrics.interventions import beta_vae_score, factor_vae_score
from vae.metrics.mig import mig
from vae.metrics.representation import classifier_accuracy, pca_baseline
from vae.metrics.sap import sap

__all__ = [
    "QUICK",
    "beta_vae_score",
    "classifier_accuracy",
    "dci",
    "disentanglement_metrics",
    "factor_vae_score",
    "mig",
    "pca_baseline",
    "sap",
]
