"""umap-learn's ``UMAP.inverse_transform``, step for step, fast enough to answer a click.

umap-learn 0.5 rebuilds the Delaunay triangulation of the map and its
adjacency matrix element by element, and compiles its optimisation kernel
anew (``numba.njit`` inside the call), on every call: 10-20 s per click on 2
cores. :class:`UmapInverse` does the same computation with the triangulation
and adjacency built once per map (vectorised) and the kernel compiled once
(kept in numba's disk cache), so a click costs milliseconds. Its inputs are
what a fitted reducer holds: the codes, the map, the codes' σ and ρ (from the
same exact neighbours as the map, ``vae.maps.projection.exact_knn``) and the curve
parameters a, b of ``min_dist``. ``tests/test_map_inverse.py`` checks it
against ``inverse_transform`` of a fitted reducer.

scipy and scikit-learn are imported when a map is inverted, not with this module: the Latent
map imports it at its top, and scikit-learn (with the part of scipy it loads) took 0.77 s of
that page's first visit on a fresh server, where its default map needs neither.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from vae.maps import projection, umap_loader

TRANSFORM_SEED = 42  # umap-learn's default transform_seed
INT32_MIN, INT32_MAX = np.iinfo(np.int32).min + 1, np.iinfo(np.int32).max - 1


@cache
def _epoch_kernel() -> Any:
    import numba

    umap = umap_loader.import_umap()
    return numba.njit(umap.layouts._optimize_layout_inverse_single_epoch, fastmath=True, cache=True)


class UmapInverse:
    """The inverse of one UMAP map ``xy`` of ``codes`` (umap-learn's defaults otherwise)."""

    def __init__(self, codes: np.ndarray, xy: np.ndarray, params: dict[str, Any]):
        import scipy.sparse
        import scipy.spatial

        umap = umap_loader.import_umap()
        params = projection.check_params("umap", params, len(codes))
        self.codes = np.ascontiguousarray(codes, dtype=np.float32)
        self.xy = np.ascontiguousarray(xy, dtype=np.float32)
        _, knn_dists = projection.exact_knn(self.codes, params["n_neighbors"])
        self.sigmas, self.rhos = umap.umap_.smooth_knn_dist(
            knn_dists.astype(np.float32), float(params["n_neighbors"]), local_connectivity=1.0
        )
        self.a, self.b = umap.umap_.find_ab_params(1.0, params["min_dist"])
        self.triangulation = scipy.spatial.Delaunay(self.xy, incremental=True, qhull_options="QJ")
        # Every pair of corners of every triangle are neighbours (themselves included).
        simplices = self.triangulation.simplices
        n, k = len(self.xy), simplices.shape[1]
        rows = np.repeat(simplices, k, axis=1).ravel()
        cols = np.tile(simplices, (1, k)).ravel()
        inside = (rows < n) & (cols < n)
        ones = np.ones(int(inside.sum()), dtype=int)
        adjacency = scipy.sparse.coo_matrix((ones, (rows[inside], cols[inside])), shape=(n, n))
        adjacency = adjacency.tocsr()
        adjacency.sum_duplicates()
        adjacency.sort_indices()
        adjacency.data[:] = 1
        self.adjacency = adjacency

    def __call__(self, spots: np.ndarray) -> np.ndarray:
        """Codes (m, d) for spots (m, 2) of the map, as ``UMAP.inverse_transform`` gives them."""
        import scipy.sparse
        from sklearn.preprocessing import normalize

        umap = umap_loader.import_umap()
        x = np.ascontiguousarray(np.atleast_2d(spots), dtype=np.float32)
        rng_state = (
            np.random.RandomState(TRANSFORM_SEED).randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
        )
        neighbors = self.triangulation.simplices[self.triangulation.find_simplex(x)]
        min_vertices = min(self.codes.shape[1], self.codes.shape[0])
        indices, distances = [], []
        for point, simplex in zip(x, neighbors, strict=True):
            hood = umap.umap_.breadth_first_search(self.adjacency, simplex[0], min_vertices)
            dist = np.sqrt(((self.xy[hood] - point) ** 2).sum(axis=1))
            order = np.argsort(dist)[:min_vertices]
            indices.append(hood[order])
            distances.append(dist[order])
        m = len(x)
        rows = np.repeat(np.arange(m), min_vertices)
        cols = np.concatenate(indices)
        dists = np.concatenate(distances).astype(np.float64)
        weights = 1 / (1 + self.a * dists ** (2 * self.b))
        graph = scipy.sparse.coo_matrix((weights, (rows, cols)), shape=(m, len(self.codes)))
        csr = normalize(graph.tocsr(), norm="l1")
        start = umap.umap_.init_transform(
            csr.indices.reshape(m, min_vertices), csr.data.reshape(m, min_vertices), self.codes
        )
        n_epochs = 100 if m <= 10000 else 30
        epochs_per_sample = umap.umap_.make_epochs_per_sample(graph.data, n_epochs)
        per_negative = epochs_per_sample / 5.0  # negative_sample_rate
        next_negative, next_sample = per_negative.copy(), epochs_per_sample.copy()
        step = _epoch_kernel()
        initial_alpha = 1.0 / 4.0  # learning_rate / 4, as inverse_transform
        alpha = initial_alpha
        grad = umap.distances.named_distances_with_gradients["euclidean"]
        head, tail, weight = graph.row, graph.col, graph.data
        for n in range(n_epochs):
            step(
                epochs_per_sample, next_sample, head, tail, start, self.codes, grad, (),
                weight, self.sigmas, start.shape[1], alpha, False, n, next_negative,
                per_negative, rng_state, graph.shape[1], self.rhos, 1.0,
            )  # fmt: skip
            alpha = initial_alpha * (1.0 - (float(n) / float(n_epochs)))
        return np.asarray(start, dtype=np.float64)
