"""Between codes and their map: placing new codes, inverting spots, the reprojection error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from vae.maps import inverse as map_inverse
from vae.maps import projection, umap_loader
from vae.maps.umap_inverse import UmapInverse


def blobs(n: int = 240, d: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(4, d))
    return (centres[rng.integers(4, size=n)] + rng.normal(size=(n, d))).astype(np.float32)


def test_pca_inverse_is_exact_within_the_plane_and_placement_is_the_projection():
    codes = blobs()
    xy = projection.project(codes, "pca")
    spots = np.array([[0.3, -1.2], [5.0, 5.0]])  # the second far outside the codes
    z = map_inverse.invert(codes, xy, "pca", spots)
    np.testing.assert_allclose(map_inverse.place(codes, xy, "pca", z), spots, atol=1e-9)
    np.testing.assert_allclose(map_inverse.place(codes, xy, "pca", codes), xy, atol=1e-5)
    # The directions outside the plane are held at the mean.
    mean, axes = projection.pca_axes(codes)
    rest = (z - mean) - (z - mean) @ axes.T @ axes
    np.testing.assert_allclose(rest, 0, atol=1e-9)


def test_tsne_inverse_of_a_map_point_is_its_own_code_and_between_points_a_weighted_mean():
    codes = blobs()
    xy = np.random.default_rng(1).normal(size=(len(codes), 2))  # any map will do
    np.testing.assert_allclose(map_inverse.invert(codes, xy, "tsne", xy[[7]])[0], codes[7])
    z = map_inverse.invert(codes, xy, "tsne", np.array([[0.0, 0.0]]))[0]
    assert np.all(z >= codes.min(axis=0) - 1e-9) and np.all(z <= codes.max(axis=0) + 1e-9)
    # Placing a code that is one of the codes puts it on that code's map point.
    np.testing.assert_allclose(map_inverse.place(codes, xy, "umap", codes[[3]])[0], xy[3])


def test_the_latent_map_is_its_own_inverse_and_errors_are_in_map_widths():
    codes = blobs(d=2)
    spots = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(map_inverse.invert(codes, codes, "latent", spots), spots)
    error = map_inverse.reprojection_error(codes, codes, "latent", spots, spots + [0.0, 1.0])
    np.testing.assert_allclose(error, 1.0 / map_inverse.map_width(codes))


def test_a_path_is_evenly_spaced_from_start_to_end():
    path = map_inverse.spot_path(np.array([0.0, 0.0]), np.array([2.0, 4.0]), 5)
    np.testing.assert_allclose(path[[0, -1]], [[0, 0], [2, 4]])
    np.testing.assert_allclose(np.diff(path, axis=0), [[0.5, 1.0]] * 4)


@pytest.mark.slow
def test_umap_inverse_equals_umap_learns_inverse_transform_of_a_fitted_reducer():
    codes = blobs()
    params = projection.check_params("umap", {"n_neighbors": 10}, len(codes))
    xy = projection.project(codes, "umap", params)
    umap = umap_loader.import_umap()
    knn = projection.exact_knn(codes, params["n_neighbors"])
    reducer = umap.UMAP(
        n_neighbors=10, min_dist=params["min_dist"], random_state=0, n_jobs=1, precomputed_knn=knn
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reducer.fit(codes)
        reducer.embedding_ = xy.astype(np.float32)
        spots = np.array([xy.mean(axis=0), xy[5], xy.min(axis=0)], dtype=np.float32)
        expected = reducer.inverse_transform(spots)
    ours = UmapInverse(codes, xy, params)
    np.testing.assert_allclose(ours(spots), expected, atol=1e-4)
    # A spot on a code's map point decodes near that code, compared with the codes' spread.
    near = np.linalg.norm(ours(xy[[5]])[0] - codes[5])
    assert near < 0.5 * np.linalg.norm(codes - codes.mean(axis=0), axis=1).mean()
