"""What the Latent map lets a person take away: a table of the map's points and the codes.

Pure functions (no Streamlit): arrays in, file contents (bytes) out. The table
has one row per shown test example, its position on the map, its class and
factors where the data has them, its KL and a likelihood figure in nats, and
whether it is in the current selection. The codes are the posterior means as a
plain float32 ``.npy`` (no pickle), so ``np.load(f, allow_pickle=False)`` reads them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np
import torch

from vae.model.autoencoder import VAE
from vae.model.evaluation import seeded

ELBO_COLUMN = "elbo_one_sample"  # an estimate, and a lower bound of log p(x): not log_likelihood


@torch.inference_mode()
def example_elbo(
    model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, seed: int = 0, batch: int = 512
) -> np.ndarray:
    """The ELBO of every example from one posterior sample, nats (evaluation mode, seeded)."""
    model.eval()
    out = []
    with seeded(seed):
        for start in range(0, x.shape[0], batch):
            xb = x[start : start + batch].to(model.device)
            yb = None if y is None or not model.config.conditional else y[start : start + batch]
            out.append(model.log_importance_weights(xb, yb, 1)[:, 0].double().cpu())
    return torch.cat(out).numpy() if out else np.zeros(0)


def map_table_csv(
    ids: np.ndarray,
    positions: np.ndarray,
    kl: np.ndarray,
    likelihood: np.ndarray,
    likelihood_column: str,
    selected: Sequence[int] = (),
    labels: Sequence[str] | None = None,
    factors: dict[str, np.ndarray] | None = None,
) -> bytes:
    """The map as CSV: index, x, y[, z], label, one column per factor, kl, the likelihood, selected.

    ``positions`` is (n, 2) or (n, 3); ``kl`` and ``likelihood`` are nats per example;
    ``selected`` the global ids of the current selection (a 0/1 column).
    """
    ids = np.asarray(ids, dtype=np.int64)
    positions = np.asarray(positions, dtype=np.float64)
    n = len(ids)
    if positions.shape[0] != n or len(kl) != n or len(likelihood) != n:
        raise ValueError(f"every column needs {n} rows")
    chosen = {int(i) for i in selected}
    header = ["index", *"xyz"[: positions.shape[1]]]
    header += ["label"] if labels is not None else []
    header += list(factors or {})
    header += ["kl", likelihood_column, "selected"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row, i in enumerate(ids):
        line: list = [int(i), *(f"{v:.6g}" for v in positions[row])]
        if labels is not None:
            line.append(labels[row])
        line += [int(values[row]) for values in (factors or {}).values()]
        line += [f"{kl[row]:.6g}", f"{likelihood[row]:.6g}", int(int(i) in chosen)]
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8")


def codes_npy(codes: np.ndarray) -> bytes:
    """The codes (n, d) as the bytes of a plain float32 ``.npy`` file (never a pickle)."""
    array = np.ascontiguousarray(np.asarray(codes, dtype=np.float32))
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
