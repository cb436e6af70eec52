"""Decode anywhere on the Latent map: a clicked spot, or the path between the last two spots.

The maths is ``vae.maps.inverse``; this module keeps the costly part (UMAP's
inverse for one map) in memory and lays out the answer with its caveat and its
measured reprojection error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
import torch

from vae.analysis import latent
from vae.app import caching, modality
from vae.app.latent_map import SPOT_FROM_KEY, SPOT_KEY
from vae.app.shell import Selected
from vae.maps import inverse as map_inverse
from vae.maps.umap_inverse import UmapInverse

VIEW_KEY = "map_spot_view"
PATH_STEPS = 8


def spots(view: list) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The last spot clicked and the one before, on this view of the map (else forgotten)."""
    if st.session_state.get(VIEW_KEY) != view:
        st.session_state[VIEW_KEY] = view
        st.session_state[SPOT_KEY] = None
        st.session_state[SPOT_FROM_KEY] = None
    spot, before = st.session_state.get(SPOT_KEY), st.session_state.get(SPOT_FROM_KEY)
    return (
        None if spot is None else np.asarray(spot, dtype=np.float64),
        None if before is None else np.asarray(before, dtype=np.float64),
    )


def _umap_inverse(selected: Selected, params: dict[str, Any], codes, xy) -> UmapInverse:
    def build() -> UmapInverse:
        with st.spinner("Preparing UMAP's inverse for this map (the first time compiles it)…"):
            inverse = UmapInverse(codes, xy, params)
            inverse(xy[:1])  # compile the kernel now, not on the first real click
            return inverse

    return caching.memo(selected, "umap_inverse", {"n": len(codes), **params}, build)


def decode_spots(
    selected: Selected,
    method: str,
    params: dict[str, Any],
    codes: np.ndarray,
    xy: np.ndarray,
    points: np.ndarray,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, torch.Tensor, np.ndarray]:
    """(codes, decoded images, reprojection errors) for spots (m, 2) of the map ``xy``.

    A conditional model decodes each spot as the class of the map point nearest to it.
    """
    inverse = None
    if method == "umap":
        inverse = _umap_inverse(selected, params, codes, xy)
    z = map_inverse.invert(codes, xy, method, points, params, umap_inverse=inverse)
    y = None
    if selected.model.config.conditional and labels is not None:
        nearest = np.argmin(np.linalg.norm(xy[None, :, :] - points[:, None, :], axis=-1), axis=1)
        y = torch.as_tensor(labels[nearest], dtype=torch.long)
    images = latent.decode(selected.model, torch.as_tensor(z, dtype=torch.float32), y)
    again = latent.encode_mean(selected.model, images, y).numpy()
    errors = map_inverse.reprojection_error(codes, xy, method, points, again)
    return z, images, errors


def show_spot(
    selected: Selected,
    method: str,
    params: dict[str, Any],
    codes: np.ndarray,
    xy: np.ndarray,
    spot: np.ndarray,
    before: np.ndarray | None,
    labels: np.ndarray | None = None,
) -> np.ndarray | None:
    """The decoded spot with its caveat and error; the path from the spot before, if any.

    Returns the decoded path's spots (for the map to draw), or None.
    """
    z, images, errors = decode_spots(selected, method, params, codes, xy, spot[None], labels)
    kind = modality.of(selected.info)
    st.subheader("Decoded spot")
    left, right = st.columns([1, 3])
    with left:
        modality.show(kind, images[:1], [f"decoded at ({spot[0]:.2f}, {spot[1]:.2f})"], target=128)
    right.markdown(f"**{map_inverse.CAVEATS[method]}**")
    right.markdown(
        f"Reprojection error: the decoded image, encoded again and placed on the map, lands "
        f"**{errors[0] * 100:.1f} %** of the map's width from the spot."
    )
    right.caption("code: " + ", ".join(f"{v:+.2f}" for v in z[0]))
    if before is None:
        right.caption("Click a second spot to decode the path between the two.")
        return None
    path = map_inverse.spot_path(before, spot, PATH_STEPS)
    _, frames, path_errors = decode_spots(selected, method, params, codes, xy, path, labels)
    modality.strip(
        kind, frames,
        f"the path from the spot before to this one, {PATH_STEPS} frames (reprojection "
        f"error {path_errors.min() * 100:.0f}–{path_errors.max() * 100:.0f} % of the map's width)",
    )  # fmt: skip
    return path
