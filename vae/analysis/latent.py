"""Operations in latent space: interpolation, traversals, prior samples, class swaps, a 2-D map.

Pure functions of tensors and arrays (and, where an image is needed, a model's
``decode``). Codes are (n, latent_dim) float tensors; "the code of an example"
is its posterior mean, as everywhere in VAE Lab.

- ``interpolate``: A → B in n steps, linearly or along the great circle (slerp,
  Shoemake 1985; White 2016 for why it suits a Gaussian prior: in high
  dimensions prior samples lie near a sphere, and a straight line between two of
  them passes through the unlikely region near the origin).
- ``traversal_codes``: one dimension changed at a time across a range, the
  others held at a starting code; dimensions ordered by their KL, the most
  informative first (as in YannDubs/disentangling-vae).
- ``class_swap``: the same codes decoded under every class of a conditional
  model, and ``decode_label_mix`` for labels between two classes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from vae.model.autoencoder import VAE
from vae.model.evaluation import ACTIVE_UNIT_THRESHOLD
from vae.model.priors import Prior, StandardNormal

METHODS = ("linear", "slerp")
# Below this angle (radians) between A and B slerp's sin(Ω) is too small to divide by;
# the two paths are then the same to within rounding, so the linear one is used.
_SLERP_MIN_ANGLE = 1e-4


def _as_tensor(z: torch.Tensor | np.ndarray | Sequence[float]) -> torch.Tensor:
    return torch.as_tensor(np.asarray(z, dtype=np.float32) if not torch.is_tensor(z) else z)


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(1 − t)·a + t·b for every t: (len(t), d)."""
    t = t.reshape(-1, 1).to(a.dtype)
    return (1 - t) * a.reshape(1, -1) + t * b.reshape(1, -1)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation: sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, (len(t), d).

    Ω is the angle between a and b. For unit vectors every point is a unit vector
    on the great circle through them; for others the norm moves smoothly from
    |a| to |b|. When a and b (nearly) point the same way, or exactly opposite
    ways (no unique great circle), the straight line is used instead.
    """
    a, b = a.reshape(-1).double(), b.reshape(-1).double()
    t = t.reshape(-1, 1).double()
    na, nb = a.norm(), b.norm()
    if na == 0 or nb == 0:
        return lerp(a, b, t).float()
    cos = torch.clamp(torch.dot(a / na, b / nb), -1.0, 1.0)
    omega = torch.arccos(cos)
    if omega < _SLERP_MIN_ANGLE or torch.pi - omega < _SLERP_MIN_ANGLE:
        return lerp(a, b, t).float()
    sin = torch.sin(omega)
    out = torch.sin((1 - t) * omega) / sin * a + torch.sin(t * omega) / sin * b
    return out.float()


def interpolate(
    a: torch.Tensor | np.ndarray,
    b: torch.Tensor | np.ndarray,
    steps: int,
    method: str = "linear",
) -> torch.Tensor:
    """``steps`` codes from a to b inclusive, (steps, d): "linear" or "slerp"."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}.")
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps (its two ends), got {steps}.")
    a, b = _as_tensor(a).float(), _as_tensor(b).float()
    if a.shape != b.shape:
        raise ValueError(
            f"A and B must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}."
        )
    t = torch.linspace(0.0, 1.0, steps)
    return lerp(a.reshape(-1), b.reshape(-1), t) if method == "linear" else slerp(a, b, t)


# --- dimensions ----------------------------------------------------------------------------


def kl_order(kl_per_dim: Sequence[float] | np.ndarray) -> list[int]:
    """Dimension indices by decreasing KL (nats): the dimensions that carry most come first.

    Ties keep their index order, so the order is reproducible.
    """
    kl = np.asarray(kl_per_dim, dtype=np.float64)
    return [int(i) for i in np.argsort(-kl, kind="stable")]


def active_mask(
    mean_variance: Sequence[float] | np.ndarray, threshold: float = ACTIVE_UNIT_THRESHOLD
) -> np.ndarray:
    """True where a dimension is active: Var_x E_q[z_d] > threshold (Burda et al. 2015)."""
    return np.asarray(mean_variance, dtype=np.float64) > threshold


@dataclass(frozen=True)
class Dimensions:
    """What a page shows about each latent dimension: its KL and whether it is used."""

    kl: np.ndarray  # nats per example, one per dimension
    active: np.ndarray  # bool, one per dimension

    @property
    def order(self) -> list[int]:
        return kl_order(self.kl)

    def label(self, d: int) -> str:
        mark = "" if self.active[d] else " · inactive"
        return f"z{d} · KL {self.kl[d]:.2f}{mark}"


def dimensions(kl_per_dim: Sequence[float], mean_variance: Sequence[float] | None) -> Dimensions:
    """KL per dimension and the active mask (from the posterior means' variance, else from KL)."""
    kl = np.asarray(kl_per_dim, dtype=np.float64)
    active = active_mask(kl if mean_variance is None else mean_variance)
    return Dimensions(kl, active)


def traversal_values(low: float, high: float, n: int) -> torch.Tensor:
    """``n`` evenly spaced values from low to high inclusive."""
    if n < 1:
        raise ValueError(f"a traversal needs at least one value, got {n}.")
    return torch.linspace(float(low), float(high), n)


def traversal_codes(
    z: torch.Tensor | np.ndarray, dims: Sequence[int], values: torch.Tensor | Sequence[float]
) -> torch.Tensor:
    """Codes for a traversal grid: row r sets dimension dims[r] to each value, (rows·cols, d).

    Every other dimension keeps its value in ``z``; rows follow ``dims`` (order
    them with ``kl_order``), columns follow ``values``.
    """
    z = _as_tensor(z).float().reshape(-1)
    values = _as_tensor(values).float().reshape(-1)
    rows, cols = len(dims), values.shape[0]
    codes = z.repeat(rows * cols, 1)
    for r, d in enumerate(dims):
        codes[r * cols : (r + 1) * cols, int(d)] = values
    return codes


def traversal_frames(images: torch.Tensor, rows: int, cols: int) -> list[torch.Tensor]:
    """An animated traversal: frame j shows column j of every row; forward then back.

    ``images`` is the decoded grid (rows·cols, C, H, W) in row order. Returns
    2·cols − 2 frames (cols when cols < 3), each (rows, C, H, W), so the loop
    runs smoothly from one end of the range to the other and back.
    """
    grid = images.reshape(rows, cols, *images.shape[1:])
    order = list(range(cols)) + list(range(cols - 2, 0, -1)) if cols >= 3 else list(range(cols))
    return [grid[:, j] for j in order]


# --- the prior and the decoder ---------------------------------------------------------------

# Interactive decoding is a handful of images. Splitting such small convolutions across
# threads costs more than it saves, and on a busy machine (a training run beside the app)
# it costs 10–80× more: one 64×64 image took 120 ms on 2 threads and 1.5 ms on one.
SMALL_BATCH = 128
_threads_lock = threading.Lock()


@contextmanager
def _one_thread_if_small(n: int) -> Iterator[None]:
    if n > SMALL_BATCH:
        yield
        return
    # torch's thread count is process-wide: the lock keeps save/restore pairs from interleaving.
    with _threads_lock:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def prior_samples(
    n: int, latent_dim: int, temperature: float = 1.0, seed: int = 0, prior: Prior | None = None
) -> torch.Tensor:
    """``n`` codes z ~ p(z) at ``temperature`` (N(0, temperature² I) for the default standard
    normal; pass ``model.prior`` for a model's own), reproducible from ``seed`` (the caller's
    RNG untouched)."""
    generator = torch.Generator().manual_seed(int(seed))
    prior = prior or StandardNormal(latent_dim)
    return prior.sample(n, temperature=float(temperature), generator=generator)


@torch.no_grad()
def decode(
    model: VAE, z: torch.Tensor, y: torch.Tensor | int | None = None, batch_size: int = 512
) -> torch.Tensor:
    """The model's decoded means for codes ``z`` (in batches, on the CPU, no gradients)."""
    model.eval()
    z = _as_tensor(z).float().reshape(-1, model.config.latent_dim)
    if not model.config.conditional:
        y = None  # unused, and a tensor would be sliced below for nothing
    out = []
    with _one_thread_if_small(z.shape[0]):
        for start in range(0, z.shape[0], batch_size):
            zb = z[start : start + batch_size].to(model.device)
            yb = (
                y
                if y is None or isinstance(y, int)
                else torch.as_tensor(y)[start : start + batch_size]
            )
            out.append(model.decode(zb, yb).cpu())
    return torch.cat(out) if out else torch.zeros(0, *model.input_shape)


@torch.no_grad()
def encode_mean(model: VAE, x: torch.Tensor, y: torch.Tensor | int | None = None) -> torch.Tensor:
    """Posterior means of a batch (n, C, H, W) → (n, d)."""
    model.eval()
    with _one_thread_if_small(x.shape[0]):
        return model.encode(x.to(model.device), y).mean.cpu()


def class_swap(z: torch.Tensor, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every code under every class: codes (rows·classes, d) and labels, row by row."""
    z = _as_tensor(z).float().reshape(z.shape[0], -1)
    codes = z.repeat_interleave(n_classes, dim=0)
    labels = torch.arange(n_classes).repeat(z.shape[0])
    return codes, labels


def label_mix(a: int, b: int, n_classes: int, steps: int) -> torch.Tensor:
    """Labels from one-hot(a) to one-hot(b) in ``steps`` (rows sum to 1): (steps, n_classes)."""
    ends = F.one_hot(torch.tensor([a, b]), n_classes).float()
    return lerp(ends[0], ends[1], torch.linspace(0.0, 1.0, steps))


@torch.no_grad()
def decode_label_mix(model: VAE, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Decode one code under label vectors that need not be one-hot (steps, C, H, W).

    A conditional decoder takes the one-hot label as an input vector, so a
    mixture (1 − t)·onehot(a) + t·onehot(b) is a valid input between the two
    classes; at t = 0 and t = 1 this equals ``model.decode(z, a)`` and ``(z, b)``.
    """
    if not model.config.conditional:
        raise ValueError("decoding under a label needs a conditional model.")
    model.eval()
    z = _as_tensor(z).float().reshape(1, -1).expand(labels.shape[0], -1).to(model.device)
    c = labels.to(model.device, model.mean_head.weight.dtype)
    with _one_thread_if_small(z.shape[0]):
        params = model.decoder_params(z, c)
    # The same mean of p(x|z) as VAE.decode applies to its one-hot labels.
    out = torch.sigmoid(params) if model.config.likelihood == "bernoulli" else params
    return out.cpu()


# --- a 2-D map of latent space ---------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """A linear map of codes onto 2-D: PCA of the test means (or the axes of a 2-D latent)."""

    center: np.ndarray  # (d,)
    components: np.ndarray  # (2, d), orthonormal rows
    axis_titles: tuple[str, str]

    def __call__(self, z: torch.Tensor | np.ndarray) -> np.ndarray:
        arr = np.asarray(z, dtype=np.float64).reshape(-1, self.center.shape[0])
        return (arr - self.center) @ self.components.T


def fit_projection(means: np.ndarray) -> Projection:
    """PCA of the codes to two dimensions; a 1-D or 2-D latent is shown on its own axes."""
    means = np.asarray(means, dtype=np.float64)
    d = means.shape[1]
    if d <= 2:
        components = np.eye(2, d)
        return Projection(np.zeros(d), components, ("z0", "z1" if d == 2 else "—"))
    center = means.mean(axis=0)
    _, s, vt = np.linalg.svd(means - center, full_matrices=False)
    # Fix each component's sign (largest loading positive) so the map does not flip between runs.
    signs = np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(axis=1)])
    signs[signs == 0] = 1.0
    components = vt[:2] * signs[:, None]
    var = s**2 / max((s**2).sum(), 1e-12)
    titles = (f"PC1 ({var[0]:.0%} of variance)", f"PC2 ({var[1]:.0%} of variance)")
    return Projection(center, components, titles)
