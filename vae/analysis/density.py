"""What a VAE says about how likely an input is: per-example log-likelihood, OOD detection, 2-D maps.

log p(x) is estimated with the importance-weighted bound of Burda et al. (2015),
``vae.model.evaluation.iwae_log_likelihood``, in nats per example. A conditional model
is asked about log p(x) = log Σ_c p(c) p(x|c) with a uniform p(c): the label is
not given, so in-distribution and out-of-distribution inputs are treated alike.

Out-of-distribution (OOD) detection scores an input by its log-likelihood and
calls it "in distribution" above a threshold; the AUROC is the chance that a
random test example scores higher than a random OOD input (1: perfect, 0.5:
chance, below 0.5: the model prefers the foreign inputs, which happens).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from vae.errors import ConfigError
from vae.model.autoencoder import VAE
from vae.model.evaluation import iwae_log_likelihood, seeded

log = logging.getLogger(__name__)


def log_likelihoods(
    model: VAE,
    x: torch.Tensor,
    k: int = 100,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """IWAE estimate of log p(x) for every example (nats), float64 of shape (n,).

    A conditional model is marginalised over its classes (uniform prior), so no
    label is needed: log p(x) = logsumexp_c log p(x|c) − log C.
    """
    if k < 1:
        raise ConfigError(f"The number of importance samples k must be ≥ 1, got {k}.")
    if x.shape[0] == 0:
        return np.zeros(0)
    if not model.config.conditional:
        return iwae_log_likelihood(model, x, None, k=k, seed=seed, progress=progress).numpy()
    n_classes = model.config.n_classes
    per_class = []
    for c in range(n_classes):
        y = torch.full((x.shape[0],), c, dtype=torch.long)

        def step(f: float, c: int = c) -> None:
            if progress is not None:
                progress((c + f) / n_classes)

        per_class.append(iwae_log_likelihood(model, x, y, k=k, seed=seed + c, progress=step))
    stacked = torch.stack(per_class)
    return (torch.logsumexp(stacked, 0) - math.log(n_classes)).numpy()


def extremes(scores: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``m`` lowest scores (lowest first) and the ``m`` highest (highest first)."""
    order = np.argsort(scores, kind="stable")
    m = min(m, len(scores))
    return order[:m].copy(), order[::-1][:m].copy()


def percentile_of(score: float, reference: np.ndarray) -> float:
    """The percentage of ``reference`` at or below ``score`` (0–100)."""
    if len(reference) == 0:
        return math.nan
    return 100.0 * float(np.mean(reference <= score))


# --- out-of-distribution detection ------------------------------------------------------------


def auroc(scores_in: np.ndarray, scores_out: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` as a detector of in-distribution inputs.

    P(s_in > s_out) + ½ P(s_in = s_out), computed from ranks (Mann–Whitney U).
    """
    scores_in = np.asarray(scores_in, dtype=np.float64)
    scores_out = np.asarray(scores_out, dtype=np.float64)
    n_in, n_out = len(scores_in), len(scores_out)
    if n_in == 0 or n_out == 0:
        return math.nan
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([scores_in, scores_out]))  # ties get their average rank
    u = ranks[:n_in].sum() - n_in * (n_in + 1) / 2
    return float(u / (n_in * n_out))


def roc_curve(scores_in: np.ndarray, scores_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False-positive and true-positive rates as the threshold sweeps down the scores.

    "Positive" means "called in distribution": tpr is the share of test examples
    above the threshold, fpr the share of OOD inputs above it. Both start at 0, end at 1.
    """
    scores = np.concatenate([scores_in, scores_out])
    is_in = np.concatenate([np.ones(len(scores_in)), np.zeros(len(scores_out))])
    order = np.argsort(-scores, kind="stable")
    scores, is_in = scores[order], is_in[order]
    # One point per distinct threshold, so tied scores move both rates at once.
    last = np.r_[np.nonzero(np.diff(scores))[0], len(scores) - 1]
    tpr = np.cumsum(is_in)[last] / max(len(scores_in), 1)
    fpr = np.cumsum(1 - is_in)[last] / max(len(scores_out), 1)
    return np.r_[0.0, fpr], np.r_[0.0, tpr]


def resize_images(x: torch.Tensor, input_shape: tuple[int, ...]) -> torch.Tensor:
    """Images (n, C, H, W) resized (antialiased) and given the channels of ``input_shape``."""
    channels, height, width = input_shape
    if x.shape[1] != channels:
        x = x.mean(1, keepdim=True) if channels == 1 else x[:, :1].expand(-1, channels, -1, -1)
    if tuple(x.shape[-2:]) != (height, width):
        x = F.interpolate(x, size=(height, width), mode="bilinear", antialias=True)
    return x.clamp(0.0, 1.0).contiguous()


def other_dataset(
    own: str, input_shape: tuple[int, ...], n: int, seed: int = 0
) -> tuple[str, torch.Tensor]:
    """A different image data set at the model's shape: shapes for a digits model, else digits.

    Returns its name and ``n`` images (fewer if the data set is smaller).
    """
    if own == "digits":
        from vae.data.shapes import FACTOR_SIZES, render_shapes

        rng = np.random.default_rng(seed)
        factors = np.stack([rng.integers(s, size=n) for s in FACTOR_SIZES], axis=1)
        # Rendered finer than needed and shrunk, so small models see soft shapes, not blocks.
        size = max(32, input_shape[1], input_shape[2])
        return "shapes", resize_images(render_shapes(factors, size), input_shape)
    from vae.data import load_dataset

    digits = load_dataset("digits").test.x[:n]
    return "digits", resize_images(digits, input_shape)


def ood_sets(
    x_test: torch.Tensor, dataset_name: str, input_shape: tuple[int, ...], n: int, seed: int = 0
) -> dict[str, torch.Tensor]:
    """Inputs the model never saw, ``n`` of each, at the model's shape (images in [0, 1]).

    Uniform noise; the test images flipped left–right, upside down and inverted
    (1 − x); all-black images; and another data set resized.
    """
    if x_test.dtype == torch.long:  # rows of token ids: a text model
        return text_ood_sets(x_test, n, seed)
    if len(input_shape) != 3:
        raise ConfigError(
            f"Out-of-distribution image sets need an image model; this one takes {tuple(input_shape)}."
        )
    g = torch.Generator().manual_seed(seed)
    x = x_test[:n]
    other_name, other = other_dataset(dataset_name, input_shape, n, seed)
    return {
        "uniform noise": torch.rand((x.shape[0], *input_shape), generator=g),
        "flipped left–right": x.flip(-1),
        "upside down": x.flip(-2),
        "inverted (1 − x)": 1.0 - x,
        "all black": torch.zeros((min(x.shape[0], 16), *input_shape)),
        f"other data: {other_name}": other,
    }


def text_ood_sets(x_test: torch.Tensor, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Sentences the model never saw, ``n`` of each: the test sentences with their words in a
    random order, reversed, and rows of words drawn uniformly from the vocabulary (same lengths).

    Shuffled words keep every word and lose the order: the test for a model of *sentences*."""
    g = torch.Generator().manual_seed(seed)
    x = x_test[:n]
    vocab = int(x_test.max()) + 1
    shuffled, reversed_, random = x.clone(), x.clone(), x.clone()
    for row in range(x.shape[0]):
        words = int(((x[row] != 0) & (x[row] != 3)).sum())  # ids before <eos> (3); 0 is <pad>
        shuffled[row, :words] = x[row, :words][torch.randperm(words, generator=g)]
        reversed_[row, :words] = x[row, :words].flip(0)
        random[row, :words] = torch.randint(4, max(vocab, 5), (words,), generator=g)
    return {"words shuffled": shuffled, "words reversed": reversed_, "random words": random}


# --- 2-D point clouds ---------------------------------------------------------------------------


def plane_grid(lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """The axes of an n × n grid over [lo, hi]² and its points (n², 2), row = y, column = x."""
    axis = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(axis, axis)
    points = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).float()
    return axis, axis.copy(), points


def density_grid(
    model: VAE,
    lo: float = -3.0,
    hi: float = 3.0,
    n: int = 100,
    k: int = 200,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> dict[str, np.ndarray]:
    """log p(x) of a model of 2-D points on an n × n grid over [lo, hi]² (IWAE, k samples).

    Returns ``xs``, ``ys`` (the axes) and ``log_p`` (n, n), row i at ys[i].
    The mean of the importance weights is an unbiased estimate of p(x), so the
    map integrates to about 1 over a grid that holds the data.
    """
    if tuple(model.input_shape) != (2,):
        raise ConfigError(
            f"A density map over the plane needs a model of 2-D points; this one takes {model.input_shape}."
        )
    xs, ys, points = plane_grid(lo, hi, n)
    log_p = log_likelihoods(model, points, k=k, seed=seed, progress=progress)
    return {"xs": xs, "ys": ys, "log_p": log_p.reshape(n, n)}


def grid_integral(xs: np.ndarray, ys: np.ndarray, log_p: np.ndarray) -> float:
    """∫∫ p over the grid by the midpoint rule (cell area × Σ p)."""
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    return float(np.exp(log_p).sum() * area)


@torch.no_grad()
def sample_points(model: VAE, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Draws from the model: z ~ p(z), the decoder's mean, and x ~ p(x|z) (with its noise).

    The means trace the curve the decoder learned; the full samples add the
    likelihood's noise and are what the model thinks data looks like.
    """
    model.eval()
    with seeded(seed):
        z = model.prior.sample(n)
        y = torch.randint(model.config.n_classes, (n,)) if model.config.conditional else None
        mean = model.decode(z, y)
        if model.config.likelihood == "gaussian":
            x = mean + torch.exp(model.log_scale) * torch.randn_like(mean)
        else:
            x = torch.bernoulli(mean.clamp(0, 1))
    return {"z": z.numpy(), "mean": mean.numpy(), "x": x.numpy()}
