"""Streamlit glue of the Latent map's larger sample (``vae.maps.large``): up to 100,000 points.

The sample is encoded once, whole, under a progress bar and kept on disk beside
the model's other arrays; a map of its first ``n`` points slices it. Its maps
are cached under their own key (``"points": "sample"``), computed under a
progress bar too. Colours come from the arrays stored with the codes, so
recolouring 100,000 points reads arrays and never touches the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
import torch

from vae.app import caching, modality
from vae.app import latent_map as test_map
from vae.app.shell import Selected
from vae.errors import ConfigError
from vae.maps import large as large_map
from vae.maps import projection, umap_fast

POINTS_KEY = "map_points"
TEST_SPLIT = "test split"
SAMPLE = "a larger sample (up to 100,000)"
SEED = 0


def offered(selected: Selected) -> bool:
    return large_map.has_sample(selected.data)


def size(selected: Selected) -> int:
    return large_map.sample_size(selected.data)


def arrays(selected: Selected) -> dict[str, np.ndarray]:
    """The whole sample's codes, KL, labels and factors: encoded once, with a progress bar."""
    data = selected.data
    total = size(selected)

    def compute(progress: caching.Progress) -> dict[str, np.ndarray]:
        sample = large_map.make_sample(data, total, SEED)
        return large_map.encode_sample(selected.model, data, sample, progress)

    label = f"Encoding {total:,} examples ({len(data.test):,} test, the rest training)…"
    return caching.cached(
        selected, "sample_codes", {"size": total, "seed": SEED}, compute, label=label
    )


def sample(selected: Selected) -> large_map.Sample:
    return large_map.sample_from(arrays(selected), len(selected.data.test))


def codes(selected: Selected, n: int) -> np.ndarray:
    return arrays(selected)["means"][:n]


def project(
    selected: Selected, n: int, method: str, params: dict[str, Any], components: int = 2
) -> np.ndarray:
    """The map (n, components) of the sample's first ``n`` codes, under a progress bar."""
    params = projection.check_params(method, params, n)
    projection.check_components(components, selected.info.latent_dim)
    if method == "latent":
        return projection.project(codes(selected, n), method, params, SEED, components)
    key = {**projection.projection_key(method, n, params, components, SEED), "points": "sample"}

    def compute(progress: caching.Progress) -> dict[str, np.ndarray]:
        z = codes(selected, n)
        return {"xy": projection.project(z, method, params, SEED, components, progress=progress)}

    name = f"{components}-D {projection.METHODS[method]}"
    label = f"Computing the {name} map of {n:,} codes…"
    if method == "umap" and n >= umap_fast.LARGE_N:
        label += f" ({umap_fast.LARGE_EPOCHS} layout epochs)"
    return caching.cached(selected, "projection", key, compute, label=label)["xy"]


def colour_options(selected: Selected) -> list[str]:
    """The test map's colourings but the IWAE log-likelihood (estimated for the test split)."""
    return [o for o in test_map.colour_options(selected) if o != test_map.LOG_LIKELIHOOD]


def colour_values(
    selected: Selected, n: int, option: str
) -> tuple[np.ndarray | None, list[str] | None, str]:
    """(values, category names or None, label) of the sample's first ``n`` points."""
    found, data = arrays(selected), selected.data
    if option == test_map.CLASS and "y" in found:
        return found["y"][:n], list(data.class_names or []), "class"
    if option.startswith(test_map.FACTOR_PREFIX) and "factors" in found:
        name = option[len(test_map.FACTOR_PREFIX) :]
        j = (data.factor_names or []).index(name)
        values = found["factors"][:n, j]
        factor_size = (data.factor_sizes or [0])[j]
        if factor_size <= 10:
            return values, [f"{name}={v}" for v in range(factor_size)], name
        return values.astype(np.float64), None, name
    if option == test_map.KL:
        return found["kl"][:n], None, "KL (nats)"
    if option == test_map.LOG_LIKELIHOOD:
        raise ConfigError(
            "the IWAE log-likelihood is estimated for the test split only; colour the larger "
            "sample by class, a factor or the KL."
        )
    return None, None, ""


def caption(selected: Selected, n: int) -> str:
    n_test = len(selected.data.test)
    if n <= n_test:
        return f"The first {n:,} points are test examples (ids as in the test split)."
    return (
        f"Points #0–#{n_test - 1:,} are the {n_test:,} test examples; #{n_test:,}–#{n - 1:,} are "
        f"{n - n_test:,} training examples drawn at random (seed {SEED}). The gallery names "
        "each one's split and index."
    )


def _reconstruct(selected: Selected, ids: list[int]):
    batch = large_map.examples(selected.data, sample(selected), ids)
    model = selected.model
    model.eval()
    with torch.inference_mode():
        recon = model.reconstruct(batch.x.to(model.device), batch.y).float().cpu()
    return batch.x, recon


def show_gallery(selected: Selected, ids: list[int]) -> None:
    """The selected sample points beside their reconstructions, each named by split and index."""
    shown = ids[: test_map.MAX_GALLERY]
    x, recon = _reconstruct(selected, shown)
    more = f" (the first {len(shown)} of {len(ids)})" if len(ids) > len(shown) else ""
    st.markdown(f"**{len(ids)} selected examples**{more}: originals and reconstructions")
    names = [sample(selected).label(i) for i in shown]
    modality.show_pairs(modality.of(selected.info), x, recon, names)
    st.caption("In order: " + ", ".join(names))


def show_neighbours(selected: Selected, all_codes: np.ndarray, point: int, k: int) -> None:
    """The chosen sample point and its ``k`` nearest neighbours in latent space."""
    order, distance = projection.nearest_neighbours(all_codes, point, k)
    ids = [point, *order.tolist()]
    names = sample(selected)
    captions = [f"{names.label(point)} (chosen)"] + [
        f"{names.label(i)} · d={d:.2f}" for i, d in zip(order.tolist(), distance, strict=True)
    ]
    x, _ = _reconstruct(selected, ids)
    modality.show(modality.of(selected.info), x, captions, ncol=min(len(ids), 9), target=64)
