"""The metric registry: one list from which the JSON, the app's table and the README follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from vae.metrics import registry

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_table_is_the_registrys():
    text = README.read_text(encoding="utf-8")
    assert registry.README_BEGIN in text and registry.README_END in text
    assert registry.readme_with_table(text) == text, (
        "README's metrics table differs from vae/metrics/registry.py; "
        "run python -m vae.metrics --write"
    )


def test_table_columns_are_the_apps_in_reading_order():
    assert registry.table_columns() == [
        ("elbo", "ELBO", "elbo"),
        ("recon", "reconstruction", "elbo"),
        ("kl", "KL", "elbo"),
        ("log_likelihood", "log-likelihood", "likelihood"),
        ("active_units", "active units", "elbo"),
        ("mig", "MIG", "disentanglement"),
        ("dci_disentanglement", "DCI disent.", "disentanglement"),
        ("dci_completeness", "DCI compl.", "disentanglement"),
        ("dci_informativeness", "DCI inform.", "disentanglement"),
        ("factor_vae_score", "FactorVAE", "disentanglement"),
        ("beta_vae_score", "β-VAE score", "disentanglement"),
        ("sap", "SAP", "disentanglement"),
    ]


def test_keys_are_unique_and_every_key_has_one_group():
    keys = registry.json_keys()
    assert len(keys) == len(set(keys))
    assert registry.group_of("mig") == "disentanglement"
    assert registry.group_of("total_correlation") == "elbo"
    with pytest.raises(KeyError):
        registry.group_of("nope")
    assert set(registry.scores()) <= set(keys)
    assert {"mi_matrix", "factor_names", "factor_of_dim"} <= set(
        registry.json_keys("disentanglement")
    )


def test_every_disentanglement_metric_has_a_hook_and_a_sibling_test():
    tests = Path(__file__).parent
    for metric in registry.metrics("disentanglement"):
        assert metric.compute is not None, metric.name
        module = metric.compute.__module__ if hasattr(metric.compute, "__module__") else ""
        assert module
    for name in ("mig", "dci", "sap", "interventions", "factor_view", "total_correlation"):
        assert (tests / f"test_{name}.py").exists(), name
        assert (tests.parents[1] / "vae" / "metrics" / f"{name}.py").exists(), name


def test_a_metric_must_name_a_known_group_and_its_own_keys():
    with pytest.raises(ValueError, match="group"):
        registry.Metric("x", "nope", ("x",), "meaning")
    with pytest.raises(ValueError, match="column"):
        registry.Metric("x", "elbo", ("x",), "meaning", columns=(("y", "Y"),))
