"""The model catalog and the disk cache of arrays."""

import numpy as np
import pytest

from vae import VAE, VAEConfig
from vae.runs import catalog
from vae.runs.cache import cache_key, cached_arrays, load_arrays


def test_bundled_models_are_listed_with_cards_and_load():
    entries = catalog.bundled_models()
    names = [e.name for e in entries]
    for name in ("digits-2d", "digits-8d", "digits-cvae", "digits-flow", "pinwheel-2d"):
        assert name in names
    for entry in entries:
        info = catalog.model_info(entry.path)
        assert entry.title and info.summary.get("elbo") is not None, entry.name
        model = catalog.load_model(entry.path)
        assert model.config.latent_dim == info.latent_dim


def test_user_runs_are_listed_after_bundled_ones(tmp_path):
    VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), (1, 8, 8)).save(tmp_path / "mine")
    entries = catalog.all_models(tmp_path)
    assert entries[-1].name == "mine" and entries[-1].source == "run"
    assert entries[0].source == "bundled"


@pytest.fixture
def model_dir(tmp_path):
    VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), (1, 8, 8)).save(tmp_path)
    return tmp_path


def test_cache_computes_once_then_reads_from_disk(model_dir):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(5.0), "b": np.eye(2)}

    first = cached_arrays(model_dir, "thing", {"n": 5}, compute)
    second = cached_arrays(model_dir, "thing", {"n": 5}, compute)
    assert len(calls) == 1
    np.testing.assert_array_equal(first["a"], second["a"])
    assert load_arrays(model_dir, "thing", {"n": 6}) is None


def test_cache_key_follows_the_weights_not_the_path(model_dir, tmp_path):
    key = cache_key(model_dir, "thing", {"n": 5})
    assert key != cache_key(model_dir, "thing", {"n": 6})
    VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), (1, 8, 8)).save(model_dir)  # new weights
    assert cache_key(model_dir, "thing", {"n": 5}) != key


def test_a_damaged_cache_entry_is_recomputed(model_dir):
    cached_arrays(model_dir, "thing", {}, lambda: {"a": np.ones(3)})
    (entry,) = (model_dir / "cache").glob("*.npz")
    entry.write_bytes(b"garbage")
    again = cached_arrays(model_dir, "thing", {}, lambda: {"a": np.zeros(3)})
    np.testing.assert_array_equal(again["a"], np.zeros(3))
