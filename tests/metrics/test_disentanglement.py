"""All the disentanglement metrics at once: reproducible, with progress, uncertainty, protocol."""

from __future__ import annotations

import pytest
from metric_codes import ToyGroundTruth, make_noise_represent, perfect_represent

from vae.metrics import registry
from vae.metrics.disentanglement import QUICK, disentanglement_metrics, disentanglement_report

KEYS = [
    "mig",
    "dci_disentanglement",
    "dci_completeness",
    "dci_informativeness",
    "factor_vae_score",
    "beta_vae_score",
    "sap",
]


def test_disentanglement_metrics_is_reproducible_and_reports_progress():
    truth = ToyGroundTruth([4, 5, 6])
    calls: list[tuple[str, float]] = []
    first = disentanglement_metrics(
        perfect_represent,
        truth,
        rng_seed=7,
        num_train=400,
        num_test=200,
        progress=lambda stage, fraction: calls.append((stage, fraction)),
    )
    again = disentanglement_metrics(
        perfect_represent, truth, rng_seed=7, num_train=400, num_test=200
    )
    assert list(first) == KEYS
    assert first == again
    assert all(isinstance(value, float) for value in first.values())
    assert first["mig"] > 0.9 and first["dci_disentanglement"] > 0.9
    assert first["factor_vae_score"] == pytest.approx(1.0) and first["beta_vae_score"] > 0.95
    fractions = [fraction for _, fraction in calls]
    assert fractions == sorted(fractions) and calls[-1] == ("done", 1.0)
    assert fractions[0] == 0.0 and {"DCI", "β-VAE score"} <= {stage for stage, _ in calls}


def test_disentanglement_metrics_quick_on_noise(monkeypatch):
    # Shrink the quick sizes further so the test stays fast; the point is the flag.
    monkeypatch.setitem(QUICK, "num_train", 600)
    monkeypatch.setitem(QUICK, "num_test", 300)
    scores = disentanglement_metrics(make_noise_represent(), ToyGroundTruth([4, 5, 6]), quick=True)
    assert scores["mig"] < 0.05 and scores["dci_disentanglement"] < 0.15
    assert scores["factor_vae_score"] < 0.6 and scores["beta_vae_score"] < 0.6


def test_report_adds_uncertainty_protocol_and_the_factor_view_to_the_same_scores():
    truth = ToyGroundTruth([4, 5, 6])
    sizes = {"num_train": 400, "num_test": 200}
    scores = disentanglement_metrics(perfect_represent, truth, rng_seed=7, **sizes)
    report = disentanglement_report(perfect_represent, truth, rng_seed=7, n_bootstrap=5, **sizes)
    assert {key: report[key] for key in KEYS} == scores
    assert list(report)[: len(KEYS)] == KEYS
    assert set(report["uncertainty"]) == set(KEYS)
    assert all(0 <= value < 0.1 for value in report["uncertainty"].values())
    protocol = report["protocol"]
    assert (
        protocol["num_train"] == 400 and protocol["seed"] == 7 and not protocol["sap_standardize"]
    )
    assert set(protocol["uncertainty"]) == set(KEYS)
    assert report["factor_names"] == ["a", "b", "c"]
    # perfect_represent puts c, a, b in dimensions 0, 1, 2.
    assert report["factor_of_dim"] == ["c", "a", "b"]
    assert len(report["mi_matrix"]) == 3 and len(report["mi_matrix"][0]) == 3


def test_quick_sizes_are_the_registrys():
    assert registry.sizes(quick=True) == QUICK
    assert QUICK == {
        "num_train": 2000,
        "num_test": 1000,
        "intervention_train": 300,
        "intervention_eval": 150,
        "num_variance_estimate": 2000,
    }
