"""Denoising and inpainting with a trained VAE, measured against simple baselines.

A *corruption* turns clean images x (pixels in [0, 1]) into what a restorer is
given: ``x_obs`` and a boolean ``missing`` mask (True where a pixel's value is
unknown). Noise corruptions hide nothing (the mask is all False) but change
pixels at places the restorer does not know; masking corruptions keep the other
pixels exact.

Restorers, all pure functions of tensors:

- ``encode_decode``: x̂ = decode(E[z|x_obs]), missing pixels first filled with
  the mean image of the training set.
- ``iterative_inpaint``: start from the mean fill, then for K rounds replace
  the missing pixels by the reconstruction of the current guess, keeping the
  known pixels exactly (Rezende et al. 2014, section 5).
- ``optimise_z``: maximise log p(x_known|z) + log p(z) over z by gradient
  ascent (a MAP estimate of the code), then decode.
- baselines: ``mean_fill`` (the training mean in the gaps), ``blur_fill``
  (a normalised Gaussian blur of the known pixels), ``blur`` and ``median``
  filters for noise.

Errors are mean squared errors per pixel against the clean image, over all
pixels and over the missing ones.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from vae.data import Dataset
from vae.errors import ConfigError
from vae.model import VAE
from vae.objective import log_likelihood

log = logging.getLogger(__name__)

CORRUPTIONS = {
    "noise": "Gaussian noise",
    "salt_pepper": "Salt and pepper",
    "rectangle": "Masked rectangle",
    "missing": "Random missing pixels",
}
MASKING = ("rectangle", "missing")
VAE_METHODS = ("encode_decode", "iterative", "optimise_z")
BASELINES = ("corrupted", "mean_fill", "blur_fill", "blur", "median")

METHODS = {
    "corrupted": "Corrupted (no restoration)",
    "mean_fill": "Mean fill (baseline)",
    "blur_fill": "Blur fill (baseline)",
    "blur": "Blur 3×3 (baseline)",
    "median": "Median 3×3 (baseline)",
    "encode_decode": "VAE encode → decode",
    "iterative": "VAE iterative inpainting",
    "optimise_z": "VAE optimise z",
    "clean": "VAE on the clean image (its floor)",
}


@dataclass(frozen=True)
class Corruption:
    """What to do to an image. Sizes are in pixels, fractions and σ in pixel units ([0, 1])."""

    kind: str = "rectangle"
    sigma: float = 0.3  # Gaussian noise
    fraction: float = 0.2  # salt and pepper, or random missing pixels
    top: int = 0  # rectangle
    left: int = 0
    height: int = 4
    width: int = 4

    def __post_init__(self) -> None:
        if self.kind not in CORRUPTIONS:
            raise ConfigError(
                f"The corruption {self.kind!r} is unknown; expected one of {', '.join(CORRUPTIONS)}."
            )
        if not 0.0 <= self.fraction <= 1.0:
            raise ConfigError(f"The fraction must lie in [0, 1], got {self.fraction}.")
        if self.sigma < 0:
            raise ConfigError(f"The noise σ must be ≥ 0, got {self.sigma}.")
        if min(self.height, self.width, self.top, self.left) < 0:
            raise ConfigError("The rectangle's position and size must be ≥ 0 pixels.")

    @property
    def masks(self) -> bool:
        """True when the corruption hides pixels (and says which)."""
        return self.kind in MASKING

    def params(self) -> dict[str, float | int | str]:
        """The fields that matter for this kind (a cache key)."""
        common = {"kind": self.kind}
        if self.kind == "noise":
            return {**common, "sigma": float(self.sigma)}
        if self.kind in ("salt_pepper", "missing"):
            return {**common, "fraction": float(self.fraction)}
        return {
            **common,
            "top": self.top,
            "left": self.left,
            "height": self.height,
            "width": self.width,
        }


def default_corruption(height: int, width: int) -> Corruption:
    """The page's starting point: the top half of the image hidden."""
    return Corruption("rectangle", 0.3, 0.2, 0, 0, max(1, height // 2), width)


# --- corruptions ------------------------------------------------------------------------------


def rectangle_mask(
    shape: tuple[int, ...], top: int, left: int, height: int, width: int
) -> torch.Tensor:
    """A (n, C, H, W) mask, True inside the rectangle (clipped to the image)."""
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[..., top : top + height, left : left + width] = True
    return mask


def random_pixel_mask(
    shape: tuple[int, ...], fraction: float, generator: torch.Generator
) -> torch.Tensor:
    """A (n, C, H, W) mask with exactly round(fraction·H·W) pixels True in every image.

    The same pixels are hidden in every channel (a pixel is missing, not a colour).
    """
    n, c, h, w = shape
    k = round(fraction * h * w)
    order = torch.rand(n, h * w, generator=generator).argsort(dim=1)
    flat = torch.zeros(n, h * w, dtype=torch.bool)
    flat.scatter_(1, order[:, :k], True)
    return flat.view(n, 1, h, w).expand(n, c, h, w).clone()


def corrupt(
    x: torch.Tensor, corruption: Corruption, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Corrupt images (n, C, H, W) in [0, 1]: returns ``(x_obs, missing)``.

    Hidden pixels are set to 0 in ``x_obs`` (their value is unknown); noisy pixels
    stay in [0, 1].
    """
    if x.dim() != 4:
        raise ConfigError(f"Corruptions apply to images (n, C, H, W), got shape {tuple(x.shape)}.")
    g = torch.Generator().manual_seed(seed)
    x = x.float()
    none = torch.zeros_like(x, dtype=torch.bool)
    if corruption.kind == "noise":
        noise = torch.randn(x.shape, generator=g) * corruption.sigma
        return (x + noise).clamp(0.0, 1.0), none
    if corruption.kind == "salt_pepper":
        n, c, h, w = x.shape
        hit = random_pixel_mask(x.shape, corruption.fraction, g)
        salt = (torch.rand(n, 1, h, w, generator=g) < 0.5).expand_as(x).float()
        return torch.where(hit, salt, x), none
    if corruption.kind == "rectangle":
        missing = rectangle_mask(
            tuple(x.shape), corruption.top, corruption.left, corruption.height, corruption.width
        )
    else:
        missing = random_pixel_mask(tuple(x.shape), corruption.fraction, g)
    return x.masked_fill(missing, 0.0), missing


def show_missing(x_obs: torch.Tensor, missing: torch.Tensor) -> torch.Tensor:
    """RGB images (n, 3, H, W) with the missing pixels painted a clear magenta, for display."""
    rgb = x_obs.expand(-1, 3, -1, -1).clone() if x_obs.shape[1] == 1 else x_obs.clone()
    hole = missing[:, :1].expand(-1, 3, -1, -1)
    colour = torch.tensor([0.85, 0.2, 0.75]).view(1, 3, 1, 1).expand_as(rgb)
    return torch.where(hole, colour, rgb)


def data_mean_image(data: Dataset) -> torch.Tensor:
    """The mean image of the training split (of the test split when train is drawn on demand)."""
    x = getattr(data.train, "x", None)
    if x is None:
        x = data.test.x
    return x.float().mean(0, keepdim=True)


# --- baselines --------------------------------------------------------------------------------


def mean_fill(x_obs: torch.Tensor, missing: torch.Tensor, mean_image: torch.Tensor) -> torch.Tensor:
    """Missing pixels ← the training set's mean image; known pixels kept."""
    return torch.where(missing, mean_image.expand_as(x_obs), x_obs)


def _gaussian_kernel(channels: int, sigma: float = 1.0, size: int = 3) -> torch.Tensor:
    r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    k1 = torch.exp(-(r**2) / (2 * sigma**2))
    k2 = torch.outer(k1, k1)
    k2 = k2 / k2.sum()
    return k2.expand(channels, 1, size, size).contiguous()


def blur(x: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """A 3×3 Gaussian blur (edges replicated): the classic cheap denoiser."""
    kernel = _gaussian_kernel(x.shape[1], sigma)
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=x.shape[1])


def median(x: torch.Tensor) -> torch.Tensor:
    """A 3×3 median filter (edges replicated): the classic answer to salt and pepper."""
    n, c, h, w = x.shape
    patches = F.unfold(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3)  # (n, c·9, h·w)
    return patches.view(n, c, 9, h * w).median(dim=2).values.view(n, c, h, w)


def blur_fill(
    x_obs: torch.Tensor, missing: torch.Tensor, mean_image: torch.Tensor, rounds: int = 50
) -> torch.Tensor:
    """Fill the gaps by diffusion: blur repeatedly, resetting the known pixels each time.

    Starts from the mean fill, so a gap with no known pixel nearby keeps the mean.
    """
    x = mean_fill(x_obs, missing, mean_image)
    for _ in range(rounds):
        x = torch.where(missing, blur(x), x_obs)
    return x


# --- the VAE as a restorer --------------------------------------------------------------------


@torch.no_grad()
def encode_decode(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """decode(E[z|x]): the reconstruction of the posterior mean."""
    model.eval()
    return model.decode(model.encode(x, y).mean, y).clamp(0.0, 1.0)


@torch.no_grad()
def iterative_inpaint(
    model: VAE,
    x_obs: torch.Tensor,
    missing: torch.Tensor,
    mean_image: torch.Tensor,
    rounds: int = 10,
    y: torch.Tensor | None = None,
    x_true: torch.Tensor | None = None,
) -> tuple[torch.Tensor, list[float]]:
    """Refill the missing pixels from the reconstruction, K rounds; known pixels never change.

    Returns the final guess and, when ``x_true`` is given, the mean squared error
    on the missing pixels after each round (round 0 is the mean fill).
    """
    model.eval()
    x = mean_fill(x_obs, missing, mean_image)
    errors = [] if x_true is None else [masked_mse(x, x_true, missing)]
    for _ in range(rounds):
        x_hat = model.decode(model.encode(x, y).mean, y).clamp(0.0, 1.0)
        x = torch.where(missing, x_hat, x_obs)
        if x_true is not None:
            errors.append(masked_mse(x, x_true, missing))
    return x, errors


def optimise_z(
    model: VAE,
    x_obs: torch.Tensor,
    missing: torch.Tensor,
    mean_image: torch.Tensor,
    steps: int = 100,
    lr: float = 0.05,
    y: torch.Tensor | None = None,
    keep_known: bool = True,
) -> torch.Tensor:
    """The MAP code of the known pixels: argmax_z log p(x_known|z) + log p(z), decoded.

    Starts at the encoder's mean for the mean-filled image and takes ``steps``
    Adam steps on every image at once. With ``keep_known`` (inpainting) the known
    pixels are kept exactly in the result; without it (denoising, where every
    pixel is observed but noisy) the decoded image is returned whole.
    """
    model.eval()
    start = mean_fill(x_obs, missing, mean_image)
    with torch.no_grad():
        z0 = model.encode(start, y).mean
    z = z0.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=lr)
    c = model.condition(y, x_obs.shape[0])
    for _ in range(steps):
        optimiser.zero_grad()
        params = model.decoder_params(z, c)
        # Missing pixels must not pull on z: give them parameters that fit a fixed target
        # exactly, so their term is a constant without gradient (one likelihood formula, reused).
        if model.config.likelihood == "bernoulli":
            params = torch.where(missing, torch.full_like(params, 30.0), params)
            target = torch.where(missing, torch.ones_like(x_obs), x_obs)
        else:
            params = torch.where(missing, x_obs, params)
            target = x_obs
        log_joint = log_likelihood(target, params, model.config.likelihood, model.log_scale)
        loss = -(log_joint - 0.5 * z.pow(2).sum(-1)).sum()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        x_hat = model.decode(z, y).clamp(0.0, 1.0)
    return torch.where(missing, x_hat, x_obs) if keep_known else x_hat


# --- errors -----------------------------------------------------------------------------------


def mse(x_hat: torch.Tensor, x_true: torch.Tensor) -> float:
    """Mean squared error per pixel over everything (pixels in [0, 1])."""
    return float((x_hat - x_true).pow(2).mean())


def masked_mse(x_hat: torch.Tensor, x_true: torch.Tensor, missing: torch.Tensor) -> float:
    """Mean squared error per pixel over the missing pixels only (nan when none are missing)."""
    count = int(missing.sum())
    if count == 0:
        return math.nan
    return float(((x_hat - x_true).pow(2) * missing).sum() / count)


def per_image_mse(x_hat: torch.Tensor, x_true: torch.Tensor) -> torch.Tensor:
    return (x_hat - x_true).pow(2).flatten(1).mean(1)


def psnr(mse_value: float) -> float:
    """Peak signal-to-noise ratio in dB for pixels in [0, 1]: 10 log10(1 / MSE)."""
    return math.inf if mse_value <= 0 else -10.0 * math.log10(mse_value)


def methods_for(corruption: Corruption) -> list[str]:
    """The restorers that make sense for a corruption, baselines first."""
    if corruption.masks:
        return ["mean_fill", "blur_fill", "encode_decode", "iterative", "optimise_z"]
    return ["corrupted", "blur", "median", "encode_decode", "optimise_z"]


def restore(
    method: str,
    model: VAE,
    x_obs: torch.Tensor,
    missing: torch.Tensor,
    mean_image: torch.Tensor,
    y: torch.Tensor | None = None,
    rounds: int = 10,
    steps: int = 100,
    masks: bool = True,
) -> torch.Tensor:
    """Run one restorer by name (see ``METHODS``); ``masks``: the corruption hid pixels."""
    if method == "corrupted":
        return x_obs.clone()
    if method == "mean_fill":
        return mean_fill(x_obs, missing, mean_image)
    if method == "blur_fill":
        return blur_fill(x_obs, missing, mean_image)
    if method == "blur":
        return blur(x_obs)
    if method == "median":
        return median(x_obs)
    if method == "encode_decode":
        return encode_decode(model, mean_fill(x_obs, missing, mean_image), y)
    if method == "iterative":
        return iterative_inpaint(model, x_obs, missing, mean_image, rounds, y)[0]
    if method == "optimise_z":
        return optimise_z(model, x_obs, missing, mean_image, steps, y=y, keep_known=masks)
    raise ConfigError(f"The restorer {method!r} is unknown; expected one of {', '.join(METHODS)}.")


def restore_example(
    model: VAE,
    x: torch.Tensor,
    mean_image: torch.Tensor,
    corruption: Corruption,
    y: torch.Tensor | None = None,
    rounds: int = 10,
    steps: int = 100,
    seed: int = 0,
) -> dict:
    """Corrupt one image (1, C, H, W) and restore it with every method that fits.

    Returns ``x_obs``, ``missing``, ``outputs`` (method → image), ``mse`` and
    ``mse_missing`` (method → float) and ``rounds`` (the error on the missing
    pixels after each inpainting round, for a masking corruption).
    """
    x_obs, missing = corrupt(x, corruption, seed=seed)
    outputs = {
        m: restore(m, model, x_obs, missing, mean_image, y, rounds, steps, corruption.masks)
        for m in methods_for(corruption)
    }
    curve = []
    if corruption.masks:
        curve = iterative_inpaint(model, x_obs, missing, mean_image, rounds, y, x_true=x)[1]
    return {
        "x_obs": x_obs,
        "missing": missing,
        "outputs": outputs,
        "mse": {m: mse(out, x) for m, out in outputs.items()},
        "mse_missing": {m: masked_mse(out, x, missing) for m, out in outputs.items()},
        "mse_corrupted": mse(x_obs, x),
        "rounds": curve,
    }


def summarise(result: dict[str, np.ndarray]) -> list[dict]:
    """One row per method of a ``benchmark``: mean and standard error of each error measure."""
    rows = []
    for i, method in enumerate(result["methods"]):
        row = {"method": str(method)}
        for key in ("mse", "mse_missing"):
            values = result[key][i]
            values = values[np.isfinite(values)]
            n = len(values)
            row[key] = float(values.mean()) if n else math.nan
            row[f"{key}_se"] = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        row["psnr"] = psnr(row["mse"])
        rows.append(row)
    return rows


def benchmark(
    model: VAE,
    x: torch.Tensor,
    mean_image: torch.Tensor,
    corruption: Corruption,
    y: torch.Tensor | None = None,
    rounds: int = 10,
    steps: int = 100,
    seed: int = 0,
    batch_size: int = 512,
    progress: Callable[[float], None] | None = None,
) -> dict[str, np.ndarray]:
    """Every restorer on every image of ``x``: per-image MSE (all pixels and missing pixels).

    The last row, ``clean``, is the VAE's reconstruction of the *uncorrupted* image:
    the floor that no VAE restorer can be expected to go below. Returns ``{"methods": names, "mse": (n_methods, n), "mse_missing": (n_methods, n)}``;
    ``mse_missing`` is nan where a corruption hides nothing.
    """
    methods = [*methods_for(corruption), "clean"]
    n = x.shape[0]
    all_px = np.zeros((len(methods), n))
    holes = np.full((len(methods), n), np.nan)
    steps_total = len(methods) * max(1, math.ceil(n / batch_size))
    done = 0
    for start in range(0, n, batch_size):
        xb = x[start : start + batch_size]
        yb = None if y is None else y[start : start + batch_size]
        x_obs, missing = corrupt(xb, corruption, seed=seed + start)
        count = missing.flatten(1).sum(1).clamp(min=1)
        for i, method in enumerate(methods):
            if method == "clean":
                out = encode_decode(model, xb, yb)
            else:
                out = restore(
                    method, model, x_obs, missing, mean_image, yb, rounds, steps, corruption.masks
                )
            sq = (out - xb).pow(2).flatten(1)
            all_px[i, start : start + xb.shape[0]] = sq.mean(1).numpy()
            if corruption.masks:
                hole = (sq * missing.flatten(1)).sum(1) / count
                holes[i, start : start + xb.shape[0]] = hole.numpy()
            done += 1
            if progress is not None:
                progress(done / steps_total)
    return {"methods": np.array(methods), "mse": all_px, "mse_missing": holes}


def verdict(rows: list[dict], corruption: Corruption) -> str:
    """One sentence comparing the best VAE restorer with the best baseline (rows of ``summarise``)."""
    key = "mse_missing" if corruption.masks else "mse"
    where = "on the hidden pixels" if corruption.masks else "over the whole image"
    vae = [r for r in rows if r["method"] in VAE_METHODS and math.isfinite(r[key])]
    base = [r for r in rows if r["method"] in BASELINES and math.isfinite(r[key])]
    if not vae or not base:
        return "Nothing to compare: no pixel was changed."
    best_vae = min(vae, key=lambda r: r[key])
    best_base = min(base, key=lambda r: r[key])
    a, b = best_vae[key], best_base[key]
    names = (
        f"**{METHODS[best_vae['method']]}** ({a:.4f})",
        f"**{METHODS[best_base['method']]}** ({b:.4f})",
    )
    if b <= 0:
        return f"The best baseline {names[1]} is already perfect {where}."
    change = 100.0 * (b - a) / b
    if a < b:
        return f"{where.capitalize()}, the best VAE method {names[0]} has {change:.0f}% less error than the best baseline {names[1]}."
    return (
        f"{where.capitalize()}, no VAE method beats the best baseline here: {names[1]} against "
        f"{names[0]}, {-change:.0f}% more error. A model only helps where it has learned something "
        f"the baseline does not know."
    )
