"""Corrupting images, and the simple restorers a VAE must beat.

A *corruption* turns clean images x (pixels in [0, 1]) into what a restorer is
given: ``x_obs`` and a boolean ``missing`` mask (True where a pixel's value is
unknown). Noise corruptions hide nothing (the mask is all False) but change
pixels at places the restorer does not know; masking corruptions keep the other
pixels exact.

Baselines, all pure functions of tensors: ``mean_fill`` (the training mean in
the gaps), ``blur_fill`` (a normalised Gaussian blur of the known pixels),
``blur`` and ``median`` filters for noise. Errors are mean squared errors per
pixel against the clean image, over all pixels and over the missing ones. The
VAE's own restorers are in ``vae.analysis.inpainting``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from vae.data import Dataset
from vae.errors import ConfigError

CORRUPTIONS = {
    "noise": "Gaussian noise",
    "salt_pepper": "Salt and pepper",
    "rectangle": "Masked rectangle",
    "missing": "Random missing pixels",
}
MASKING = ("rectangle", "missing")


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


def psnr(mse_value: float) -> float:
    """Peak signal-to-noise ratio in dB for pixels in [0, 1]: 10 log10(1 / MSE)."""
    return math.inf if mse_value <= 0 else -10.0 * math.log10(mse_value)
