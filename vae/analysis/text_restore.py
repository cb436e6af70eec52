"""Restoring damaged sentences with a text VAE: encode what is left, decode, compare word by word.

A sentence with words masked (``<unk>``) or dropped is encoded and decoded
greedily (*reconstruction*); for masked words the known words can also be kept
and only the masked positions filled from the reconstruction (*fill the masks*).
Every result is scored against the clean original by **word accuracy**: the
share of the original's tokens (its words and ``<eos>``) found at the same
position. The damaged input itself is the baseline a restoration must beat.
"""

from __future__ import annotations

import numpy as np
import torch

from vae.model.autoencoder import VAE
from vae.model.vocabulary import PAD


def word_accuracy(restored: torch.Tensor, original: torch.Tensor) -> np.ndarray:
    """Per row: the share of the original's tokens that ``restored`` has at the same position."""
    real = original != PAD
    hits = ((restored == original) & real).sum(-1).double()
    return (hits / real.sum(-1).clamp(min=1).double()).numpy()


@torch.no_grad()
def restorations(
    model: VAE, observed: torch.Tensor, missing: torch.Tensor, batch_size: int = 512
) -> dict[str, torch.Tensor]:
    """The greedy reconstruction of each damaged row and, where words are marked missing, the
    damaged row with only those positions filled from it."""
    model.eval()
    recon = torch.cat([model.reconstruct(observed[i : i + batch_size])
                       for i in range(0, observed.shape[0], batch_size)])  # fmt: skip
    out = {"reconstruction": recon}
    if bool(missing.any()):
        out["fill the masks"] = torch.where(missing, recon, observed)
    return out


def restore_scores(
    model: VAE, original: torch.Tensor, observed: torch.Tensor, missing: torch.Tensor
) -> dict[str, np.ndarray]:
    """Word accuracy of every row for the damaged input, each restoration, and the model's
    reconstruction of the clean sentence (what the model could do with nothing damaged)."""
    scores = {"damaged input": word_accuracy(observed, original)}
    for name, restored in restorations(model, observed, missing).items():
        scores[name] = word_accuracy(restored, original)
    clean = restorations(model, original, torch.zeros_like(missing))["reconstruction"]
    scores["reconstruction of the clean sentence"] = word_accuracy(clean, original)
    return scores
