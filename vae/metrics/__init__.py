"""Evaluation metrics: disentanglement (MIG, DCI, SAP, FactorVAE, β-VAE) and probes.

Every metric is a pure function of numpy arrays (codes, factors, labels) or, for
the two scores that intervene on the generative process, of a ``represent``
function and a ``GroundTruth``; all are seeded and reproducible. They follow
disentanglement_lib (Locatello et al. 2019) and work on posterior means.
``vae.metrics.registry`` lists them all (name, group, JSON keys, table
columns, quick sizes); ``mi_matrix``, ``factor_of_dim`` and
``total_correlation`` give the factor × dimension view and the TC of q(z).
"""

from vae.metrics.dci import dci
from vae.metrics.disentanglement import QUICK, disentanglement_metrics, disentanglement_report
from vae.metrics.factor_view import active_dims, factor_of_dim, mi_matrix
from vae.metrics.interventions import beta_vae_score, factor_vae_score
from vae.metrics.mig import mig
from vae.metrics.registry import table_columns
from vae.metrics.representation import classifier_accuracy, pca_baseline
from vae.metrics.sap import sap
from vae.metrics.total_correlation import gaussian_total_correlation, total_correlation

__all__ = [
    "QUICK",
    "active_dims",
    "beta_vae_score",
    "classifier_accuracy",
    "dci",
    "disentanglement_metrics",
    "disentanglement_report",
    "factor_of_dim",
    "factor_vae_score",
    "gaussian_total_correlation",
    "mi_matrix",
    "mig",
    "pca_baseline",
    "sap",
    "table_columns",
    "total_correlation",
]
