"""``shapes``: the dSprites grid, regenerated procedurally and rendered on demand.

The factors and their order are those of dSprites (Matthey et al. 2017): shape
(square, ellipse, heart) × scale (6 values, 0.5 to 1) × orientation (40 values,
0 to 2π inclusive, so the first and last give the same image) × position x (32)
× position y (32) = 737,280 binary images. A flat index is the mixed-radix
number of the factor codes in that order, position y fastest, as in the
original ``.npz``. No image is ever stored: ``train.get`` decodes the indices
and draws them.

Drawing is vectorised over the whole batch: every pixel centre is mapped back
into the frame of its shape (undo translation, rotation and scale) and tested
against the unit shape there: |u|, |v| ≤ 1 for the square, u² + v² ≤ 1 for the
ellipse, the implicit heart curve (u² + v² − 1)³ ≤ u² v³ for the heart. Because
the map is affine, u and v are each one broadcast sum of a row term and a
column term, so the cost per pixel is a handful of tensor operations.

Geometry, in units of the image side (so it is the same at every
``image_size``): the three shapes have equal area at a given scale, sized so
that the mean fraction of pixels on over the grid matches dSprites' (0.0425,
about 174 of 4,096 pixels at 64×64); the ellipse has axes 2:1; positions move
the shape's centre over [m, 1 − m] with the margin m chosen so that the
largest shape stays inside the image at any orientation. The original's exact
sprite outlines are not published, so pixels do not match it one for one.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import torch

from vae.data.base import Batch, Dataset, Entry, TensorSplit
from vae.data.common import check_image_size
from vae.errors import DataError

logger = logging.getLogger(__name__)

FACTOR_NAMES = ["shape", "scale", "orientation", "pos_x", "pos_y"]
FACTOR_SIZES = [3, 6, 40, 32, 32]
SHAPE_NAMES = ["square", "ellipse", "heart"]
N_IMAGES = math.prod(FACTOR_SIZES)  # 737,280

SCALES = np.linspace(0.5, 1.0, 6)
ORIENTATIONS = np.linspace(0.0, 2.0 * np.pi, 40)
POSITIONS = np.linspace(0.0, 1.0, 32)

# Area of each shape at scale 1, as a fraction of the image: the mean of
# scale² over the six scales is 0.5917, and 0.5917 × 0.0718 ≈ 0.0425, the mean
# pixel intensity of dSprites.
_AREA = 0.0718
_SQUARE_HALF_SIDE = math.sqrt(_AREA) / 2
_ELLIPSE_SEMI_AXES = (math.sqrt(2 * _AREA / math.pi), math.sqrt(_AREA / (2 * math.pi)))
# The heart curve (x² + y² − 1)³ = x² y³ encloses an area of 3.662 and has its
# centroid at y = 0.2935, where the shape is centred so it turns about it.
_HEART_UNIT = math.sqrt(_AREA / 3.662)
_HEART_CENTROID = 0.2935
# The ellipse's semi-major axis (0.214) is the farthest any shape reaches from
# its centre; half a pixel at 64×64 more keeps every image free of clipping.
_MARGIN = 0.222

# Column of each factor's stride in the flat index (position y is fastest).
_STRIDES = [math.prod(FACTOR_SIZES[i + 1 :]) for i in range(len(FACTOR_SIZES))]

DEFAULT_IMAGE_SIZE = 64
MAX_IMAGE_SIZE = 256
N_TEST = 5000
DESCRIPTION = (
    "dSprites regenerated: 737,280 binary shapes with 5 known factors, "
    "64×64 unless image_size says otherwise, drawn on demand"
)


# Suggested settings for a β-VAE on the dSprites grid (ours or the original file).
DSPRITES_DEFAULTS = {
    "architecture": "conv",
    "latent_dim": 10,
    "beta": 4.0,
    "epochs": 30,
    "epoch_size": 32768,
    "batch_size": 64,
    "lr": 5e-4,
}


def index_to_factors(index: torch.Tensor) -> torch.Tensor:
    """The factor codes (n, 5) of flat indices into the grid (mixed radix, pos_y fastest)."""
    index = torch.as_tensor(index, dtype=torch.int64)
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= N_IMAGES):
        raise IndexError(f"shapes indices must be in [0, {N_IMAGES}).")
    strides = torch.tensor(_STRIDES, dtype=torch.int64)
    sizes = torch.tensor(FACTOR_SIZES, dtype=torch.int64)
    return (index.reshape(-1, 1) // strides) % sizes


def factors_to_index(factors: torch.Tensor) -> torch.Tensor:
    """The flat indices of factor codes (n, 5): the inverse of ``index_to_factors``."""
    factors = _check_factors(factors)
    return factors @ torch.tensor(_STRIDES, dtype=torch.int64)


def _check_factors(factors: torch.Tensor | np.ndarray) -> torch.Tensor:
    factors = torch.as_tensor(np.asarray(factors) if isinstance(factors, list) else factors)
    factors = factors.to(torch.int64).reshape(-1, len(FACTOR_SIZES))
    sizes = torch.tensor(FACTOR_SIZES, dtype=torch.int64)
    if factors.numel() and bool(((factors < 0) | (factors >= sizes)).any()):
        raise DataError(
            f"shapes factor codes must be integers below {FACTOR_SIZES} "
            f"for {', '.join(FACTOR_NAMES)}."
        )
    return factors


def _shape_frames(factors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per image, the affine maps from image coordinates to the unit shape's frame.

    u = au·x + bu·y + cu and v = av·x + bv·y + cv, with x, y in units of the
    image side, y pointing down. Computed in float64 on n numbers, so the cost
    is nothing next to the n·H·W pixels.
    """
    shape, scale, orient, pos_x, pos_y = (factors[:, i] for i in range(5))
    s = torch.from_numpy(SCALES)[scale]
    # 2π reduces to exactly 0, so the first and last orientations draw the same image.
    theta = torch.from_numpy(np.mod(ORIENTATIONS, 2.0 * np.pi))[orient]
    span = 1.0 - 2.0 * _MARGIN
    cx = _MARGIN + span * torch.from_numpy(POSITIONS)[pos_x]
    cy = _MARGIN + span * torch.from_numpy(POSITIONS)[pos_y]
    cos, sin = torch.cos(theta), torch.sin(theta)

    # Half-extents along the shape's own u and v axes, and a flip and shift of v
    # for the heart, whose curve has y pointing up and its centroid above 0.
    half_u = torch.tensor(
        [_SQUARE_HALF_SIDE, _ELLIPSE_SEMI_AXES[0], _HEART_UNIT], dtype=torch.float64
    )
    half_v = torch.tensor(
        [_SQUARE_HALF_SIDE, _ELLIPSE_SEMI_AXES[1], -_HEART_UNIT], dtype=torch.float64
    )
    shift_v = torch.tensor([0.0, 0.0, _HEART_CENTROID], dtype=torch.float64)
    ku = s * half_u[shape]
    kv = s * half_v[shape]

    # Rotating the shape by θ counter-clockwise on screen means rotating the
    # pixel offsets by −θ in a y-down frame before the inside test.
    au, bu = cos / ku, -sin / ku
    av, bv = sin / kv, cos / kv
    cu = -(au * cx + bu * cy)
    cv = -(av * cx + bv * cy) + shift_v[shape]
    return au, bu, cu, av, bv, cv


def render_shapes(
    factors: torch.Tensor | np.ndarray, image_size: int = DEFAULT_IMAGE_SIZE
) -> torch.Tensor:
    """The binary images of factor codes (n, 5): float32 of shape (n, 1, S, S), pixels in {0, 1}."""
    factors = _check_factors(factors)
    size = int(image_size)
    out = torch.zeros(factors.shape[0], 1, size, size)
    # About a million pixels at a time: the working tensors then stay in cache,
    # which makes a large request several times faster than one huge batch.
    chunk = max(1, 2**20 // (size * size))
    for start in range(0, factors.shape[0], chunk):
        _render_into(out[start : start + chunk], factors[start : start + chunk], size)
    return out


def _render_into(out: torch.Tensor, factors: torch.Tensor, size: int) -> None:
    coords = (torch.arange(size, dtype=torch.float32) + 0.5) / size  # pixel centres
    frames = [t.to(torch.float32) for t in _shape_frames(factors)]
    shape = factors[:, 0]
    # Each shape's inside test runs only over its own images.
    for code in range(len(SHAPE_NAMES)):
        rows = (shape == code).nonzero().squeeze(1)
        if rows.numel() == 0:
            continue
        au, bu, cu, av, bv, cv = (t[rows].view(-1, 1, 1) for t in frames)
        u = (au * coords.view(1, 1, -1)) + (bu * coords.view(1, -1, 1) + cu)
        v = (av * coords.view(1, 1, -1)) + (bv * coords.view(1, -1, 1) + cv)
        out[rows, 0] = _inside(code, u, v).to(torch.float32)


def _inside(code: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    if code == 0:  # square
        return torch.maximum(u.abs_(), v.abs_()) <= 1.0
    if code == 1:  # ellipse
        return torch.addcmul(u * u, v, v) <= 1.0
    u2 = u.mul_(u)  # heart: (u² + v² − 1)³ ≤ u² v³
    v2 = v * v
    r = (u2 + v2).sub_(1.0)
    return r.mul(r).mul_(r) <= u2.mul_(v2).mul_(v)


class ShapesGroundTruth:
    """The generative process of ``shapes``: uniform independent factors, drawn exactly."""

    def __init__(self, image_size: int = DEFAULT_IMAGE_SIZE) -> None:
        self.image_size = image_size
        self.factor_names = list(FACTOR_NAMES)
        self.factor_sizes = list(FACTOR_SIZES)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, FACTOR_SIZES, size=(n, len(FACTOR_SIZES)), dtype=np.int64)

    def observe(self, factors: np.ndarray) -> torch.Tensor:
        return render_shapes(factors, self.image_size)


class ShapesSplit:
    """All 737,280 images of the grid, each drawn when asked for."""

    def __init__(self, image_size: int = DEFAULT_IMAGE_SIZE) -> None:
        self.image_size = image_size

    def __len__(self) -> int:
        return N_IMAGES

    def get(self, idx: torch.Tensor) -> Batch:
        factors = index_to_factors(idx)
        return Batch(render_shapes(factors, self.image_size), factors[:, 0].clone(), factors)


def load_shapes(image_size: int | None = None, seed: int = 0) -> Dataset:
    """The procedural dSprites grid; ``seed`` picks the fixed 5,000-image test sample."""
    size = check_image_size(image_size, "shapes", MAX_IMAGE_SIZE) or DEFAULT_IMAGE_SIZE
    rng = np.random.default_rng(seed)
    # The test images are a sample of the grid, like every evaluation on
    # dSprites: the grid is the whole population, there is nothing held out.
    # In random order: pages show "the first n test examples", which must be a fair sample.
    test_index = torch.from_numpy(rng.choice(N_IMAGES, size=N_TEST, replace=False))
    test_factors = index_to_factors(test_index)
    test = TensorSplit(render_shapes(test_factors, size), test_factors[:, 0].clone(), test_factors)
    logger.info("shapes: %d procedural images at %dx%d", N_IMAGES, size, size)
    return Dataset.binary_images(
        "shapes",
        ShapesSplit(size),
        test,
        "conv",
        class_names=list(SHAPE_NAMES),
        factor_names=list(FACTOR_NAMES),
        factor_sizes=list(FACTOR_SIZES),
        ground_truth=ShapesGroundTruth(size),
        description=DESCRIPTION,
        defaults=dict(DSPRITES_DEFAULTS),
    )


def shapes_render_speed(n: int = 4096, image_size: int = 64) -> float:
    """Images drawn per second, measured on random factors in batches of 256 as in training."""
    rng = np.random.default_rng(0)
    factors = torch.from_numpy(
        rng.integers(0, FACTOR_SIZES, size=(n, len(FACTOR_SIZES)), dtype=np.int64)
    )
    render_shapes(factors[:256], image_size)  # first call pays for allocator warm-up
    start = time.perf_counter()
    for begin in range(0, n, 256):
        render_shapes(factors[begin : begin + 256], image_size)
    return n / (time.perf_counter() - start)


ENTRIES = (
    Entry("shapes", DESCRIPTION, DSPRITES_DEFAULTS,
          lambda image_size=None, data_dir=None, seed=0: load_shapes(image_size, seed)),
)  # fmt: skip
