"""The latent map: 2-D and 3-D views of the posterior means of the test set, and what colours them.

Everything uses the posterior *mean* of each test example (``Posterior.mean``).
A map is the first ``n`` test examples, so an example's global id is its index
in the test split (``vae.maps.large`` extends the ids to a larger sample). Costly results are cached on disk per (model, what,
parameters) in the model's ``cache/`` folder (``vae.runs.cache``); the bundled
models ship theirs, precomputed by :func:`precompute_defaults`.

Methods: ``latent`` (the code itself, for a 2-D latent, or a 3-D one in 3-D), ``pca`` (exact,
instant), ``umap`` (McInnes et al. 2018; numba compiles it on first use) and
``tsne`` (van der Maaten & Hinton 2008).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vae.data import Dataset
from vae.errors import ConfigError
from vae.maps import umap_fast
from vae.maps.umap_loader import import_umap
from vae.model.autoencoder import VAE
from vae.model.evaluation import encode_means, iwae_log_likelihood, seeded
from vae.runs import cache
from vae.runs.store import RunDir

log = logging.getLogger(__name__)

METHODS = {
    "latent": "z itself (2-D)",
    "pca": "PCA",
    "umap": "UMAP",
    "tsne": "t-SNE",
}
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "latent": {},
    "pca": {},
    "umap": {"n_neighbors": 15, "min_dist": 0.1},
    "tsne": {"perplexity": 30.0},
}
COMPONENTS = (2, 3)  # a flat map or a rotatable cloud
DEFAULT_N = 2000  # test examples on a map unless asked otherwise
# UMAP optimises the layout for 500 epochs below 10,000 points and 200 above. Maps larger
# than the default take 200 already: on 5,000 shapes-β1 codes that is 2.1 s instead of
# 3.8 s for a trustworthiness@15 (sklearn) of 0.962 instead of 0.964.
UMAP_FULL_EPOCHS_UP_TO = DEFAULT_N
UMAP_LARGE_EPOCHS = 200
# sklearn's Barnes-Hut t-SNE is single-threaded where it counts: minutes beyond this.
TSNE_MAX_N = 20_000
DEFAULT_K = 100  # importance samples of the per-example log-likelihood
Progress = Callable[[float], None]


def methods_for(latent_dim: int, components: int = 2) -> list[str]:
    """The projections that make sense for codes of this size (the first is the default)."""
    if latent_dim == components or (components == 2 and latent_dim < 2):
        return ["latent", "pca", "umap", "tsne"]
    return ["umap", "pca", "tsne"]


def check_components(components: int, latent_dim: int) -> int:
    """The number of map axes, 2 or 3; a 3-D map needs at least three latent dimensions."""
    if components not in COMPONENTS:
        raise ConfigError(f"a map has 2 or 3 axes, got {components}.")
    if components == 3 and latent_dim < 3:
        raise ConfigError(f"a 3-D map needs a latent of 3 or more dimensions, not {latent_dim}.")
    return components


def projection_key(method: str, n: int, params: dict[str, Any], components: int, seed: int = 0):
    """The cache key of a map. A 2-D map's key leaves the axes out, as the bundled caches do."""
    key = {"method": method, "n": n, "seed": seed, **params}
    return key if components == 2 else {**key, "components": components}


def default_n(n_test: int) -> int:
    return min(n_test, DEFAULT_N)


def check_params(method: str, params: dict[str, Any], n: int) -> dict[str, Any]:
    """The method's parameters, defaults filled in; refuses values the method cannot use."""
    if method not in METHODS:
        raise ConfigError(f"projection must be one of {', '.join(METHODS)}, got {method!r}.")
    merged = {**DEFAULT_PARAMS[method], **params}
    unknown = sorted(set(merged) - set(DEFAULT_PARAMS[method]))
    if unknown:
        raise ConfigError(f"{method} takes no parameter(s) {', '.join(unknown)}.")
    if method == "umap":
        merged["n_neighbors"] = int(merged["n_neighbors"])
        merged["min_dist"] = float(merged["min_dist"])
        if not 2 <= merged["n_neighbors"] < max(n, 3):
            raise ConfigError(
                f"UMAP's n_neighbors must be from 2 to {max(n - 1, 2)} for {n} points, "
                f"got {merged['n_neighbors']}."
            )
    if method == "tsne" and n > TSNE_MAX_N:
        raise ConfigError(
            f"t-SNE of {n:,} points would take many minutes here; it maps up to "
            f"{TSNE_MAX_N:,}: choose UMAP or PCA for more."
        )
    if method == "tsne":
        merged["perplexity"] = float(merged["perplexity"])
        if not 1 <= merged["perplexity"] < max(n, 2):
            raise ConfigError(
                f"t-SNE's perplexity must be from 1 to below the {n} points, "
                f"got {merged['perplexity']:g}."
            )
    return merged


def project(
    codes: np.ndarray,
    method: str,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    components: int = 2,
    progress: Progress | None = None,
) -> np.ndarray:
    """A view (n, components) float32 of codes (n, d), by ``method`` with its ``params``.

    UMAP of :data:`vae.maps.umap_fast.LARGE_N` codes or more runs ``vae.maps.umap_fast`` (fast exact
    neighbours, PCA start, fewer epochs), which reports to ``progress`` epoch by epoch.
    """
    codes = np.asarray(codes, dtype=np.float64)
    n, d = codes.shape
    params = check_params(method, params or {}, n)
    check_components(components, d)
    if n < 3 and method in ("umap", "tsne"):
        raise ConfigError(f"{METHODS[method]} needs at least 3 points, got {n}.")
    if method == "latent":
        if d > components:
            raise ConfigError(
                f"the code itself is a {components}-D map only for a {components}-D latent "
                f"(or smaller), not {d}-D."
            )
        xy = np.column_stack([codes, np.zeros((n, components - d))])
    elif method == "pca":
        xy = _pca(codes, components)
    elif method == "umap" and n >= umap_fast.LARGE_N:
        import_umap()
        xy = umap_fast.umap_large(
            codes, params["n_neighbors"], params["min_dist"], components, seed, progress=progress
        )
    elif method == "umap":
        umap = import_umap()
        indices, distances = exact_knn(codes, params["n_neighbors"])
        reducer = umap.UMAP(
            n_neighbors=params["n_neighbors"],
            min_dist=params["min_dist"],
            n_components=components,
            random_state=seed,
            n_jobs=1,  # a seed makes UMAP single-threaded anyway; saying so silences a warning
            n_epochs=None if n <= UMAP_FULL_EPOCHS_UP_TO else UMAP_LARGE_EPOCHS,
            # No search index: the app never maps new points into a fitted UMAP.
            precomputed_knn=(indices, distances),
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="precomputed_knn.2. .knn_search_index.")
            xy = reducer.fit_transform(codes)
    else:
        from sklearn.manifold import TSNE

        xy = TSNE(
            n_components=components,
            perplexity=params["perplexity"],
            init="pca",
            random_state=seed,
        ).fit_transform(codes)
    return np.asarray(xy, dtype=np.float32)


def exact_knn(codes: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest neighbours of every code, itself first (Euclidean), as UMAP expects.

    Exact, in blocks of rows so memory stays at ``block`` × n distances. For the
    map's few thousand codes this takes well under a second, where UMAP's own
    approximate search (pynndescent) spends ~40 s compiling in every new process.
    """
    x = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float64))
    k = min(k, x.shape[0])
    indices, distances = [], []
    for start in range(0, x.shape[0], block):
        d = torch.cdist(x[start : start + block], x, compute_mode="donot_use_mm_for_euclid_dist")
        rows = torch.arange(d.shape[0])
        d[rows, rows + start] = -1.0  # each point is its own first neighbour, ties or not
        dist, idx = d.topk(k, dim=1, largest=False, sorted=True)
        indices.append(idx)
        distances.append(dist.clamp_min(0.0))
    return (
        torch.cat(indices).numpy().astype(np.int32),
        torch.cat(distances).numpy().astype(np.float32),
    )


def pca_axes(codes: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The mean (d,) and the principal axes (components, d) of the PCA map (``vae.maps.inverse``).

    A latent with fewer dimensions than axes gets zero axes for the rest.
    """
    codes = np.asarray(codes, dtype=np.float64)
    mean = codes.mean(axis=0)
    d = codes.shape[1]
    # SVD's signs are arbitrary: fix them so the map does not flip between runs.
    _, _, vt = np.linalg.svd(codes - mean, full_matrices=False)
    axes = vt[:components]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    return mean, np.vstack([axes, np.zeros((components - len(axes), d))])


def _pca(codes: np.ndarray, components: int = 2) -> np.ndarray:
    mean, axes = pca_axes(codes, components)
    return (codes - mean) @ axes.T


# --- per-example figures ----------------------------------------------------------------------


@torch.inference_mode()
def example_kl(
    model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, samples: int = 16, seed: int = 0
) -> np.ndarray:
    """KL(q(z|x) || p(z)) of every example, nats: closed form, or a Monte Carlo mean with a flow."""
    model.eval()
    out = []
    with seeded(seed):
        for start in range(0, x.shape[0], 512):
            xb = x[start : start + 512].to(model.device)
            yb = None if y is None else y[start : start + 512]
            posterior = model.encode(xb, yb)
            if posterior.flow is None:
                kl = posterior.kl_per_dim().sum(-1)
            else:
                z, log_q = posterior.rsample(samples)
                kl = model.prior.kl(z, log_q).mean(0)
            out.append(kl.double().cpu())
    return torch.cat(out).numpy() if out else np.zeros(0)


def nearest_neighbours(codes: np.ndarray, index: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and Euclidean latent distances of the ``k`` codes nearest to ``codes[index]``.

    The point itself is left out; ties are broken by index.
    """
    codes = np.asarray(codes, dtype=np.float64)
    distance = np.linalg.norm(codes - codes[index], axis=1)
    distance[index] = np.inf
    order = np.lexsort((np.arange(len(codes)), distance))[: max(0, min(k, len(codes) - 1))]
    return order, distance[order]


# --- cached per (model, data, parameters) -----------------------------------------------------


def _first(data: Dataset, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    test = data.test
    n = min(n, len(test))
    return test.x[:n], None if test.y is None else test.y[:n]


def test_codes(model_dir: Path, model: VAE, data: Dataset, n: int) -> np.ndarray:
    """Posterior means (n, d) of the first ``n`` test examples (shares the app's cache entry)."""

    def compute() -> dict[str, np.ndarray]:
        x, y = _first(data, n)
        return {"means": encode_means(model, x, y).numpy()}

    return cache.cached_arrays(model_dir, "test_means", {"n": n}, compute)["means"]


def cached_projection(
    model_dir: Path,
    codes: np.ndarray,
    method: str,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    components: int = 2,
) -> np.ndarray:
    """:func:`project` of the first ``len(codes)`` test codes, cached on disk."""
    params = check_params(method, params or {}, len(codes))
    if method == "latent":  # nothing to compute, nothing to store
        return project(codes, method, params, seed, components)
    key = projection_key(method, len(codes), params, components, seed)
    return cache.cached_arrays(
        model_dir,
        "projection",
        key,
        lambda: {"xy": project(codes, method, params, seed, components)},
    )["xy"]


def cached_example_kl(model_dir: Path, model: VAE, data: Dataset, n: int) -> np.ndarray:
    def compute() -> dict[str, np.ndarray]:
        x, y = _first(data, n)
        return {"kl": example_kl(model, x, y)}

    return cache.cached_arrays(model_dir, "example_kl", {"n": n}, compute)["kl"]


def cached_log_likelihood(
    model_dir: Path,
    model: VAE,
    data: Dataset,
    n: int,
    k: int = DEFAULT_K,
    progress: Progress | None = None,
) -> np.ndarray:
    """IWAE estimate of log p(x) (nats, ``k`` samples) of the first ``n`` test examples."""

    def compute() -> dict[str, np.ndarray]:
        x, y = _first(data, n)
        ll = iwae_log_likelihood(model, x, y, k=k, progress=progress)
        return {"log_likelihood": ll.numpy()}

    return cache.cached_arrays(model_dir, "example_ll", {"n": n, "k": k}, compute)["log_likelihood"]


def precompute_defaults(model_dir: Path) -> None:
    """Fill a model's cache with what its latent map shows first, so it opens instantly.

    Codes, per-example KL and log-likelihood of the default number of test
    examples, and the default UMAP, t-SNE (and PCA) maps. A missing folder is skipped.
    """
    from vae.runs.catalog import dataset_for, load_model, model_info

    model_dir = Path(model_dir)
    if not RunDir(model_dir).has_weights():
        log.warning("%s holds no model; nothing precomputed", model_dir)
        return
    info = model_info(model_dir)
    model = load_model(model_dir)
    data = dataset_for(info)
    n = default_n(len(data.test))
    codes = test_codes(model_dir, model, data, n)
    cached_example_kl(model_dir, model, data, n)
    cached_log_likelihood(model_dir, model, data, n)
    for method in methods_for(model.config.latent_dim):
        if method != "latent":
            cached_projection(model_dir, codes, method)
    log.info("%s: latent maps precomputed for %d test examples", model_dir.name, n)


@torch.inference_mode()
def reconstruct_examples(
    model: VAE, data: Dataset, ids: np.ndarray | list[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Test examples by global id and the decoded posterior mean of each (data space)."""
    idx = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    batch = data.test.get(idx)
    model.eval()
    return batch.x, model.reconstruct(batch.x.to(model.device), batch.y).float().cpu()
