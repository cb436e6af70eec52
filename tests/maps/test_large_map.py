"""Maps beyond the test split: the sample's ids, its encoding, fast seeded UMAP, big figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae.errors import ConfigError
from vae.figures.latent_map import scatter_map
from vae.maps import large as large_map
from vae.maps import projection, umap_fast
from vae.model.evaluation import encode_means
from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info


def clusters(n: int, d: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(5, d))
    return centres[rng.integers(0, 5, n)] + rng.normal(0, 0.5, size=(n, d))


def test_fast_neighbours_are_the_exact_ones_duplicates_included():
    codes = clusters(700)
    codes[10] = codes[11]  # a duplicate: each point must still come first in its own row
    codes[20:40] = codes[20]  # more duplicates than neighbours
    exact_i, exact_d = projection.exact_knn(codes, 12)
    for fast_i, fast_d in (umap_fast.knn(codes, 12), umap_fast.knn_blocks(codes, 12, block=64)):
        assert (fast_i[:, 0] == np.arange(700)).all()
        np.testing.assert_allclose(fast_d, exact_d, atol=1e-6)
        # Rows with duplicates among their neighbours may order the ties otherwise.
        plain = ~np.isin(exact_i, [10, 11, *range(20, 40)]).any(1)
        assert plain.sum() > 500
        np.testing.assert_array_equal(fast_i[plain], exact_i[plain])


def test_umap_large_is_reproducible_and_keeps_neighbourhoods():
    codes = clusters(600)
    a = umap_fast.umap_large(codes, n_epochs=40, seed=3)
    b = umap_fast.umap_large(codes, n_epochs=40, seed=3)
    assert a.shape == (600, 2) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, umap_fast.umap_large(codes, n_epochs=40, seed=4))
    assert umap_fast.trustworthiness(codes, a) > 0.9
    assert umap_fast.trustworthiness(codes, codes[:, :2] * 0 + np.random.rand(600, 2)) < 0.7


def test_umap_large_takes_its_threads_from_vae_threads_and_maps_alike_on_any_count(monkeypatch):
    import numba

    from vae import threads

    asked: list[int] = []
    monkeypatch.setattr(threads, "umap_threads", lambda: asked.append(1) or 1)
    codes = clusters(500)
    numba_before = numba.get_num_threads()
    one = umap_fast.umap_large(codes, n_epochs=20, seed=1)
    assert asked == [1] and numba.get_num_threads() == numba_before
    two = umap_fast.umap_large(codes, n_epochs=20, seed=1, threads=2)
    assert asked == [1] and numba.get_num_threads() == numba_before
    np.testing.assert_array_equal(one, two)
    with umap_fast.numba_threads(99) as n:  # at most numba's pool
        assert n == numba.config.NUMBA_NUM_THREADS


def test_project_uses_the_fast_path_for_large_maps_and_reports_progress(monkeypatch):
    monkeypatch.setattr(umap_fast, "LARGE_N", 300)
    monkeypatch.setattr(umap_fast, "LARGE_EPOCHS", 20)
    seen: list[float] = []
    codes = clusters(400)
    xy = projection.project(codes, "umap", seed=0, progress=seen.append)
    assert xy.shape == (400, 2)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) > 20
    np.testing.assert_array_equal(xy, projection.project(codes, "umap", seed=0))
    assert projection.project(codes, "umap", components=3).shape == (400, 3)


def test_tsne_refuses_a_map_too_large_for_it():
    with pytest.raises(ConfigError, match="t-SNE"):
        projection.check_params("tsne", {}, projection.TSNE_MAX_N + 1)


@pytest.fixture(scope="module")
def digits():
    path = BUNDLED / "digits-2d"
    return load_model(path), dataset_for(model_info(path))


def test_a_sample_is_the_test_split_then_seeded_training_examples(digits):
    _, data = digits
    n_test = len(data.test)
    assert large_map.has_sample(data)
    sample = large_map.make_sample(data, seed=0)
    assert len(sample) == large_map.sample_size(data) == n_test + len(data.train)
    again = large_map.make_sample(data, seed=0)
    np.testing.assert_array_equal(sample.train_index, again.train_index)
    assert len(set(sample.train_index.tolist())) == len(data.train)  # no repeats
    ids = [n_test + 5, 3, n_test, 0]
    batch = large_map.examples(data, sample, ids)
    train = data.train.get(torch.as_tensor(sample.train_index[[5, 0]]))
    torch.testing.assert_close(batch.x[0], train.x[0])
    torch.testing.assert_close(batch.x[1], data.test.x[3])
    torch.testing.assert_close(batch.x[2], train.x[1])
    assert batch.y[3] == data.test.y[0]
    assert sample.label(3) == "test #3"
    assert sample.label(n_test) == f"train #{int(sample.train_index[0]):,}"
    with pytest.raises(IndexError):
        sample.source([len(sample)])


def test_encoding_a_sample_gives_the_test_codes_first_and_each_examples_labels(digits):
    model, data = digits
    n_test = len(data.test)
    sample = large_map.Sample(n_test, large_map.make_sample(data).train_index[:50])
    seen: list[float] = []
    out = large_map.encode_sample(model, data, sample, progress=seen.append)
    assert out["means"].shape == (n_test + 50, 2) and seen[-1] == 1.0
    np.testing.assert_allclose(out["means"][:n_test], encode_means(model, data.test.x), atol=1e-5)
    np.testing.assert_array_equal(out["y"][n_test:], data.train.get(
        torch.as_tensor(sample.train_index)).y.numpy())  # fmt: skip
    np.testing.assert_allclose(out["kl"][:n_test], projection.example_kl(model, data.test.x))
    assert large_map.sample_from(out, n_test).label(n_test + 1) == sample.label(n_test + 1)


def test_a_big_continuous_map_carries_no_per_point_strings_and_rings_the_selection():
    n = 5000
    xy = np.random.default_rng(0).normal(size=(n, 2))
    fig = scatter_map(xy, np.arange(n), np.linspace(0, 1, n), None, "KL", selected=[7, 4000])
    points = fig.data[0]
    assert points.text is None and "marker.color" in points.hovertemplate
    ring = next(t for t in fig.data if t.name == "selected")
    assert sorted(ring.customdata.tolist()) == [7, 4000]
    np.testing.assert_allclose(ring.x, xy[[7, 4000], 0].astype(np.float32))
