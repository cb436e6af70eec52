"""Projections of latent codes, per-example figures, neighbours, the manifold, the disk cache."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from vae.errors import ConfigError
from vae.maps import manifold, projection, umap_loader
from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info


def blobs(n_per: int = 40, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=8.0, size=(3, d))
    x = np.concatenate([c + rng.normal(size=(n_per, d)) for c in centres])
    return x, np.repeat(np.arange(3), n_per)


def separated(xy: np.ndarray, labels: np.ndarray) -> float:
    """Mean distance between class centres over mean spread within a class."""
    centres = np.array([xy[labels == c].mean(0) for c in np.unique(labels)])
    spread = np.mean([xy[labels == c].std(0).mean() for c in np.unique(labels)])
    between = np.mean([np.linalg.norm(a - b) for a in centres for b in centres if a is not b])
    return between / spread


def test_pca_keeps_the_plane_of_planar_data():
    rng = np.random.default_rng(1)
    plane = rng.normal(size=(200, 2)) * [5.0, 2.0]
    basis = np.linalg.qr(rng.normal(size=(5, 2)))[0]
    xy = projection.project(plane @ basis.T, "pca")
    # An isometry of the plane: pairwise distances survive.
    d_in = np.linalg.norm(plane[:50, None] - plane[None, :50], axis=-1)
    d_out = np.linalg.norm(xy[:50, None] - xy[None, :50], axis=-1)
    np.testing.assert_allclose(d_out, d_in, atol=1e-4)
    assert xy.var(0)[0] > xy.var(0)[1]  # first axis = largest variance


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projections_keep_clusters_apart(method):
    x, labels = blobs()
    xy = projection.project(x, method, seed=0)
    assert xy.shape == (len(x), 2) and xy.dtype == np.float32
    assert separated(xy, labels) > 3


@pytest.mark.slow
def test_umap_keeps_clusters_apart_and_is_seeded():
    x, labels = blobs()
    a = projection.project(x, "umap", {"n_neighbors": 10}, seed=0)
    b = projection.project(x, "umap", {"n_neighbors": 10}, seed=0)
    np.testing.assert_array_equal(a, b)
    assert separated(a, labels) > 3


def test_exact_knn_is_brute_force_with_each_point_first():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 5))
    x[7] = x[8]  # a duplicate: each copy must still list itself first
    idx, dist = projection.exact_knn(x, 6, block=64)  # several blocks
    assert idx.shape == dist.shape == (300, 6) and idx.dtype == np.int32
    np.testing.assert_array_equal(idx[:, 0], np.arange(300))
    assert idx[7, 1] == 8 and idx[8, 1] == 7 and dist[7, 1] == 0
    full = np.linalg.norm(x[:, None] - x[None], axis=-1)
    np.fill_diagonal(full, -1)
    np.testing.assert_array_equal(idx[:, 1:][[0, 50, 299]], np.argsort(full, 1)[[0, 50, 299], 1:6])
    np.testing.assert_allclose(dist[:, 1:], np.sort(full, 1)[:, 1:6], rtol=1e-5)


@pytest.mark.slow
def test_umap_kernels_keep_their_compiled_code_on_disk():
    from numba.core.caching import FunctionCache

    umap_loader.import_umap()
    import importlib

    for module_name, name in umap_loader._UNCACHED_UMAP_KERNELS:
        kernel = getattr(importlib.import_module(module_name), name)
        assert isinstance(kernel._cache, FunctionCache), name


def test_bad_parameters_are_refused():
    x, _ = blobs()
    with pytest.raises(ConfigError, match="n_neighbors"):
        projection.project(x, "umap", {"n_neighbors": 1})
    with pytest.raises(ConfigError, match="perplexity"):
        projection.project(x, "tsne", {"perplexity": 500})
    with pytest.raises(ConfigError, match="2-D latent"):
        projection.project(x, "latent")
    with pytest.raises(ConfigError, match="projection must be"):
        projection.project(x, "mds")


def test_nearest_neighbours_known_answer():
    codes = np.array([[0.0, 0], [1, 0], [0, 2], [5, 5], [0.5, 0]])
    idx, dist = projection.nearest_neighbours(codes, 0, 3)
    assert idx.tolist() == [4, 1, 2]
    np.testing.assert_allclose(dist, [0.5, 1.0, 2.0])


def test_manifold_tiles_are_the_decoded_grid_codes():
    model = load_model(BUNDLED / "digits-2d")
    m = manifold.decode_manifold(model, (-2.0, 2.0, -1.0, 1.0), steps=5)
    assert m.codes.shape == (25, 2) and m.images.shape == (25, 1, 8, 8)
    # Row 0 is the top of the picture (largest z2); columns go left to right in z1.
    np.testing.assert_allclose(m.codes[0], [-2, 1])
    np.testing.assert_allclose(m.codes[4], [2, 1])
    np.testing.assert_allclose(m.codes[-1], [2, -1])
    with torch.no_grad():
        expected = model.decode(torch.tensor([[0.0, 0.0]]))[0].numpy()
    np.testing.assert_allclose(m.images[12], expected, atol=1e-6)
    assert m.extent == pytest.approx((-2.5, 2.5, -1.25, 1.25))
    with pytest.raises(ConfigError, match="2-D latent"):
        manifold.decode_manifold(load_model(BUNDLED / "digits-8d"), (-1, 1, -1, 1))


def test_example_kl_is_the_closed_form_sum():
    model = load_model(BUNDLED / "digits-8d")
    x = dataset_for(model_info(BUNDLED / "digits-8d")).test.x[:20]
    kl = projection.example_kl(model, x)
    with torch.no_grad():
        post = model.encode(x)
        expected = (0.5 * (post.mean**2 + post.logvar.exp() - post.logvar - 1)).sum(1)
    np.testing.assert_allclose(kl, expected.numpy(), rtol=1e-5)
    assert (kl >= 0).all()


def test_flow_kl_is_a_monte_carlo_estimate_near_the_training_figure():
    path = BUNDLED / "digits-flow"
    model = load_model(path)
    data = dataset_for(model_info(path))
    kl = projection.example_kl(model, data.test.x, samples=64)
    summary_kl = model_info(path).summary["kl"]
    assert abs(kl.mean() - summary_kl) < 0.15 * abs(summary_kl) + 0.2


def test_cached_results_land_on_disk_and_are_reused(tmp_path):
    src = BUNDLED / "digits-8d"
    dst = tmp_path / "digits-8d"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("cache"))
    model = load_model(dst)
    data = dataset_for(model_info(dst))
    codes = projection.test_codes(dst, model, data, 50)
    assert codes.shape == (50, 8)
    xy = projection.cached_projection(dst, codes, "pca")
    files = sorted(p.name for p in (dst / "cache").glob("*.npz"))
    assert any(f.startswith("projection-") for f in files)
    assert any(f.startswith("test_means-") for f in files)
    # A second call reads the file: change it and see the change come back.
    path = next((dst / "cache").glob("projection-*.npz"))
    np.savez(path, xy=np.zeros_like(xy))
    assert (projection.cached_projection(dst, codes, "pca") == 0).all()
    ll = projection.cached_log_likelihood(dst, model, data, 30, k=10)
    assert ll.shape == (30,) and np.isfinite(ll).all() and (ll < 0).all()


@pytest.mark.parametrize("name", ["digits-2d", "digits-8d", "digits-cvae", "pinwheel-2d"])
def test_bundled_models_ship_their_default_maps(name):
    """precompute_defaults has filled the caches: a fresh start shows the map at once."""
    from vae.runs import cache

    path = BUNDLED / name
    model = load_model(path)
    n = projection.default_n(len(dataset_for(model_info(path)).test))
    for what, params in [("test_means", {"n": n}), ("example_kl", {"n": n}),
                         ("example_ll", {"n": n, "k": projection.DEFAULT_K})]:  # fmt: skip
        assert cache.load_arrays(path, what, params) is not None, (name, what)
    if model.config.latent_dim > 2:
        key = {"method": "umap", "n": n, "seed": 0, **projection.DEFAULT_PARAMS["umap"]}
        assert cache.load_arrays(path, "projection", key) is not None
