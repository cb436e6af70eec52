"""UMAP for large maps (tens of thousands of codes): seeded, reproducible, with progress.

umap-learn's ``UMAP`` is seeded only when it runs single-threaded, and on 70,000
16-D codes its fit spent its time in three places (``benchmarks/map_scale.py``
measures them): the exact k-nearest neighbours that ``vae.maps.projection`` hands it
(float64 ``cdist`` without matrix products), the spectral initialisation
(a sparse eigen-solve of the 70,000-node graph) and the 200 epochs of the
layout's stochastic gradient descent. This module keeps umap-learn's own
fuzzy simplicial set and its own numba kernel for one layout epoch (so a map
is the same algorithm, and the same seed gives the same map) and changes what
is around them:

- exact neighbours from a k-d tree queried on every core (:func:`knn`), or, for
  codes of many dimensions, from float32 matrix products in blocks of rows whose
  few best candidates are checked in float64 (:func:`knn_blocks`);
- a PCA initialisation instead of the spectral one (umap-learn's ``init="pca"``);
- :data:`LARGE_EPOCHS` layout epochs (see its comment for the trustworthiness it keeps);
- the epoch loop here, so a progress callback sees every epoch.

Its threads come from ``vae.threads.umap_threads`` (measured: all cores only
where they pay): the k-d tree's query threads, numba's threads for umap-learn's
parallel kernels of the graph (``smooth_knn_dist``, ``compute_membership_strengths``)
and torch's for :func:`knn_blocks`. The layout's epochs run on one thread, as in
umap-learn with a seed. The map does not depend on the count (ties in
:func:`knn_blocks` aside).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch

from vae import threads as thread_choice

Progress = Callable[[float], None]

LARGE_N = 20_000  # from this many codes on, vae.maps.projection.project maps with this module
# Layout epochs for a large map. umap-learn gives 200 above 10,000 points. On 70,000
# shapes-β1 codes (trustworthiness@15 of a 5,000-point subsample, sklearn; 2026-12-06, load
# 0.8–1.1): 100 epochs 0.908 in 13.7 s, 150 epochs 0.925 in 20.8 s, 200 epochs 0.929 in 24.3 s.
LARGE_EPOCHS = 150
KD_TREE_MAX_DIM = 16  # codes of more dimensions take the brute-force blocks
_CANDIDATES = 8  # neighbours taken beyond k from the float32 distances, then checked in float64
_KNN_SHARE = 0.15  # of the progress bar: neighbours and the graph; the epochs take the rest


def knn(codes: np.ndarray, k: int, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest neighbours of every code, itself first (Euclidean), exact, as UMAP expects.

    A k-d tree (scikit-learn, queried from ``threads`` threads) for codes of up to
    :data:`KD_TREE_MAX_DIM` dimensions:
    a VAE's codes lie near a few-dimensional manifold, where the tree prunes most
    of the n² distances (70,000 shapes-β1 codes: 24.5 s against 67.7 s for
    :func:`knn_blocks`, measured side by side at a load of 5); blocks of matrix
    products above that, where the tree would visit nearly every leaf. ``threads``:
    query threads (or torch's for the blocks), ``vae.threads.umap_threads`` if None.
    """
    codes = np.ascontiguousarray(codes, dtype=np.float64)
    n_threads = thread_choice.umap_threads() if threads is None else threads
    if codes.shape[1] > KD_TREE_MAX_DIM:
        with thread_choice.using(n_threads):
            return knn_blocks(codes, k)
    from sklearn.neighbors import KDTree

    k = min(k, len(codes))
    tree = KDTree(codes)
    # The query releases the GIL, and each row's answer is independent of the others:
    # splitting the rows over threads gives the same neighbours, sooner.
    chunks = np.array_split(np.arange(len(codes)), 16)
    with ThreadPoolExecutor(n_threads) as pool:
        found = list(pool.map(lambda rows: tree.query(codes[rows], k=k), chunks))
    distances = np.concatenate([d for d, _ in found])
    indices = np.concatenate([i for _, i in found])
    return _self_first(indices), distances.astype(np.float32)


def _self_first(indices: np.ndarray) -> np.ndarray:
    """Each row's own point in column 0 (a duplicate code may have come first, or crowded it out)."""
    own = np.arange(len(indices))
    wrong = np.flatnonzero(indices[:, 0] != own)
    for row in wrong:  # only rows with duplicate codes: their distance 0 stays in column 0
        others = indices[row][indices[row] != row]
        indices[row] = np.concatenate([[row], others])[: indices.shape[1]]
    return indices.astype(np.int32)


def knn_blocks(codes: np.ndarray, k: int, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest neighbours of every code, itself first (Euclidean), by brute force.

    ``(indices int32 (n, k), distances float32 (n, k))``. Squared distances
    ‖y‖² − 2 x·y come from one matrix product per block of ``block`` rows
    (small, so the block stays in cache); the ``k + 8`` smallest are candidates,
    whose true distances are computed in float64 and sorted. Ties break by the
    order ``topk`` returns, which is fixed for a given input and thread count.
    """
    x64 = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float64))
    x = x64.float()
    n = x.shape[0]
    k = min(k, n)
    m = min(k + _CANDIDATES, n)
    squared = (x * x).sum(1)
    xt = x.T.contiguous()
    buffer = torch.empty(min(block, n), n)
    indices = torch.empty(n, k, dtype=torch.int64)
    distances = torch.empty(n, k, dtype=torch.float64)
    for start in range(0, n, block):
        rows = x[start : start + block]
        out = buffer[: rows.shape[0]]
        torch.addmm(squared[None, :], rows, xt, alpha=-2.0, out=out)
        candidates = out.topk(m, dim=1, largest=False, sorted=False).indices
        exact = (x64[start : start + block, None, :] - x64[candidates]).square_().sum(-1).sqrt_()
        own = torch.arange(start, start + rows.shape[0])[:, None]
        # each point is its own first neighbour, ties (duplicate codes) or not
        exact = torch.where(candidates == own, -1.0, exact)
        found = (candidates == own).any(1)
        if not bool(found.all()):  # a point missing from its own candidates: many duplicates
            candidates[~found, -1] = own[~found, 0]
            exact[~found, -1] = -1.0
        dist, order = exact.topk(k, dim=1, largest=False, sorted=True)
        indices[start : start + rows.shape[0]] = candidates.gather(1, order)
        distances[start : start + rows.shape[0]] = dist.clamp_min(0.0)
    return indices.numpy().astype(np.int32), distances.numpy().astype(np.float32)


def _pca_init(codes: np.ndarray, components: int, random_state: np.random.RandomState):
    """The codes' first principal axes (signs fixed), scaled and jittered as umap-learn does."""
    from umap.umap_ import noisy_scale_coords

    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:components]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    xy = centred @ (axes * np.where(signs == 0, 1.0, signs)[:, None]).T
    if xy.shape[1] < components:  # fewer latent dimensions than axes
        xy = np.column_stack([xy, np.zeros((len(xy), components - xy.shape[1]))])
    return noisy_scale_coords(xy, random_state, max_coord=10, noise=0.0001)


def umap_large(
    codes: np.ndarray,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    components: int = 2,
    seed: int = 0,
    n_epochs: int = LARGE_EPOCHS,
    progress: Progress | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """A UMAP map (n, components) float32 of codes (n, d); the same seed gives the same map.

    ``threads``: for its parallel parts, ``vae.threads.umap_threads`` (measured now) if None.
    """
    n_threads = thread_choice.umap_threads() if threads is None else threads
    with numba_threads(n_threads):
        return _umap_large(
            codes, n_neighbors, min_dist, components, seed, n_epochs, progress, n_threads
        )


@contextmanager
def numba_threads(n: int) -> Iterator[int]:
    """numba's parallel kernels on ``n`` threads (at most numba's pool) inside the block."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(before)


def _umap_large(codes, n_neighbors, min_dist, components, seed, n_epochs, progress, n_threads):
    from umap import layouts
    from umap.umap_ import (
        INT32_MAX,
        INT32_MIN,
        find_ab_params,
        fuzzy_simplicial_set,
        make_epochs_per_sample,
    )

    report = progress or (lambda fraction: None)
    codes = np.asarray(codes, dtype=np.float64)
    random_state = np.random.RandomState(seed)
    indices, distances = knn(codes, n_neighbors, threads=n_threads)
    report(0.5 * _KNN_SHARE)
    graph, _, _ = fuzzy_simplicial_set(
        codes, n_neighbors, random_state, "euclidean",
        knn_indices=indices, knn_dists=distances,
    )  # fmt: skip
    # What umap-learn's simplicial_set_embedding does before the layout:
    graph = graph.tocoo()
    graph.sum_duplicates()
    graph.data[graph.data < graph.data.max() / float(n_epochs)] = 0.0
    graph.eliminate_zeros()
    embedding = _pca_init(codes, components, random_state)
    epochs_per_sample = make_epochs_per_sample(graph.data, n_epochs)
    rng_state = random_state.randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
    span = np.max(embedding, 0) - np.min(embedding, 0)
    embedding = (10.0 * (embedding - np.min(embedding, 0)) / np.where(span > 0, span, 1.0)).astype(
        np.float32, order="C"
    )
    report(_KNN_SHARE)
    a, b = find_ab_params(1.0, min_dist)
    _layout(embedding, graph, epochs_per_sample, a, b, rng_state, n_epochs, report, layouts)
    return embedding


def _layout(embedding, graph, epochs_per_sample, a, b, rng_state, n_epochs, report, layouts):
    """umap-learn's ``optimize_layout_euclidean`` (no densMAP, single-threaded), epoch by epoch."""
    negative_sample_rate, gamma, initial_alpha = 5, 1.0, 1.0
    n_vertices, dim = embedding.shape
    head, tail = graph.row, graph.col
    epochs_per_negative_sample = epochs_per_sample / negative_sample_rate
    epoch_of_next_negative_sample = epochs_per_negative_sample.copy()
    epoch_of_next_sample = epochs_per_sample.copy()
    one_epoch = layouts._get_optimize_layout_euclidean_single_epoch_fn(False)
    rng_state_per_sample = np.full(
        (n_vertices, len(rng_state)), rng_state, dtype=np.int64
    ) + embedding[:, 0].astype(np.float64).view(np.int64).reshape(-1, 1)
    zeros = np.zeros(1, dtype=np.float32)
    alpha = initial_alpha
    for epoch in range(n_epochs):
        one_epoch(
            embedding, embedding, head, tail, n_vertices, epochs_per_sample, a, b,
            rng_state_per_sample, gamma, dim, True, alpha, epochs_per_negative_sample,
            epoch_of_next_negative_sample, epoch_of_next_sample, epoch, False,
            zeros, zeros, 0, 0, 0, 0, zeros, zeros, 0,
        )  # fmt: skip
        alpha = initial_alpha * (1.0 - float(epoch) / float(n_epochs))
        report(_KNN_SHARE + (1.0 - _KNN_SHARE) * (epoch + 1) / n_epochs)


def trustworthiness(
    codes: np.ndarray, xy: np.ndarray, n_neighbors: int = 15, sample: int = 5000, seed: int = 0
) -> float:
    """sklearn's trustworthiness@``n_neighbors`` of a map, on a seeded subsample of its points."""
    from sklearn.manifold import trustworthiness as score

    rows = np.random.default_rng(seed).permutation(len(codes))[: min(sample, len(codes))]
    return float(score(codes[rows], xy[rows], n_neighbors=n_neighbors))
