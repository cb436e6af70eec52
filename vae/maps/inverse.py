"""Between a latent space and its 2-D map: new codes onto the map, map spots back to codes.

A map is ``xy`` (n, 2), the projection of ``codes`` (n, d) by one method of
``vae.maps.projection``. Going back from a spot of the map to a code is exact only
for the code itself (a 2-D latent) and, within the plane it spans, for PCA.
UMAP's ``inverse_transform`` (umap-learn, as ``vae.maps.umap_inverse``) optimises a code whose fuzzy
neighbourhood matches the spot's; t-SNE has no inverse, so a spot gets the
codes of its nearest map points, weighted by closeness. Placing a new code on
a UMAP or t-SNE map is the mirror image: the closeness-weighted mean of the map
positions of its nearest codes (neither method keeps a mapping for new points
here; see ``vae.maps.projection``).

The reprojection error says how far to trust a decoded spot: the decoded image
is encoded again and placed on the map, and its distance from the spot is
given as a fraction of the map's width.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vae.errors import ConfigError
from vae.maps import projection
from vae.maps.umap_inverse import UmapInverse

NEIGHBOURS = 10  # map points or codes a weighted placement uses

CAVEATS = {
    "latent": "Exact: the map is the latent plane itself.",
    "pca": "Exact inverse within the PCA plane: the other directions are held at the codes' mean.",
    "umap": "UMAP's inverse_transform: a code whose neighbours on the map match the spot's; "
    "an estimate, rough far from the data.",
    "tsne": "t-SNE has no inverse: this is the closeness-weighted mean of the codes of the "
    "spot's nearest points.",
}
PLACEMENT = {
    "latent": "placed exactly (the map is the latent plane)",
    "pca": "placed exactly (projected onto the PCA plane)",
    "umap": f"placed at the closeness-weighted mean of its {NEIGHBOURS} nearest codes' positions",
    "tsne": f"placed at the closeness-weighted mean of its {NEIGHBOURS} nearest codes' positions",
}


def _weights(distance: np.ndarray) -> np.ndarray:
    """Inverse-distance weights that sum to 1 (an exact hit takes all the weight)."""
    distance = np.asarray(distance, dtype=np.float64)
    if np.any(distance < 1e-9):
        w = (distance < 1e-9).astype(np.float64)
    else:
        w = 1.0 / distance
    return w / w.sum()


def _nearest(points: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    d = np.linalg.norm(queries[:, None, :] - points[None, :, :], axis=-1)
    k = min(k, points.shape[0])
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(d, idx, axis=1)


def place(codes: np.ndarray, xy: np.ndarray, method: str, new: np.ndarray) -> np.ndarray:
    """Positions (m, 2) on the map ``xy`` of ``codes`` for new codes (m, d)."""
    codes = np.asarray(codes, dtype=np.float64)
    new = np.atleast_2d(np.asarray(new, dtype=np.float64))
    if method == "latent":
        return new if new.shape[1] == 2 else np.column_stack([new[:, 0], np.zeros(len(new))])
    if method == "pca":
        mean, axes = projection.pca_axes(codes)
        return (new - mean) @ axes.T
    if method not in ("umap", "tsne"):
        raise ConfigError(
            f"projection must be one of {', '.join(projection.METHODS)}, got {method!r}."
        )
    idx, dist = _nearest(codes, new, NEIGHBOURS)
    xy = np.asarray(xy, dtype=np.float64)
    return np.stack([_weights(d) @ xy[i] for i, d in zip(idx, dist, strict=True)])


def invert(
    codes: np.ndarray,
    xy: np.ndarray,
    method: str,
    spots: np.ndarray,
    params: dict[str, Any] | None = None,
    umap_inverse: UmapInverse | None = None,
) -> np.ndarray:
    """Codes (m, d) for spots (m, 2) of the map ``xy`` of ``codes`` (see the module's note).

    For UMAP, pass the map's ``UmapInverse`` when there is one (it is costly to build).
    """
    codes = np.asarray(codes, dtype=np.float64)
    spots = np.atleast_2d(np.asarray(spots, dtype=np.float64))
    d = codes.shape[1]
    if method == "latent":
        return spots[:, :d].copy()
    if method == "pca":
        mean, axes = projection.pca_axes(codes)
        return mean + spots @ axes
    if method == "tsne":
        idx, dist = _nearest(np.asarray(xy, dtype=np.float64), spots, NEIGHBOURS)
        return np.stack([_weights(r) @ codes[i] for i, r in zip(idx, dist, strict=True)])
    if method == "umap":
        inverse = umap_inverse or UmapInverse(codes, xy, params or {})
        return inverse(spots)
    raise ConfigError(f"projection must be one of {', '.join(projection.METHODS)}, got {method!r}.")


def map_width(xy: np.ndarray) -> float:
    """The larger side of the box that holds the map (its unit for errors)."""
    xy = np.asarray(xy, dtype=np.float64)
    return float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-9))


def reprojection_error(
    codes: np.ndarray, xy: np.ndarray, method: str, spots: np.ndarray, reencoded: np.ndarray
) -> np.ndarray:
    """Distance (m,) from each spot to where its decoded image's code lands, over the map's width."""
    landed = place(codes, xy, method, reencoded)
    return np.linalg.norm(landed - np.atleast_2d(spots), axis=1) / map_width(xy)


def spot_path(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` spots evenly along the straight segment from ``start`` to ``end`` on the map."""
    t = np.linspace(0.0, 1.0, max(int(steps), 2))[:, None]
    return (1 - t) * np.asarray(start, dtype=np.float64) + t * np.asarray(end, dtype=np.float64)
