"""Evaluation metrics: disentanglement (MIG, DCI, SAP, FactorVAE, β-VAE) and probes.

Every metric is a pure function of numpy arrays (codes, factors, labels) or, for
the two scores that intervene on the generative process, of a ``represent``
function and a ``GroundTruth``; all are seeded and reproducible. They follow
disentanglement_lib (Locatello et al. 2019) and work on posterior means.
``vae.metrics.registry`` lists them all (name, group, JSON keys, table
columns, quick sizes); ``mi_matrix``, ``factor_of_dim`` and
``total_correlation`` give the factor × dimension view and the TC of q(z).
"""
