"""A person's own drawing or photo, brought to a model's input the way its data was made.

MNIST (LeCun et al. 1998) was made by cropping each digit to its ink, scaling it
(aspect kept, antialiased) into a 20×20 box and placing that box in a 28×28
frame so that the ink's centre of mass sits at the centre. scikit-learn's 8×8
``digits`` were made from 32×32 bitmaps normalised to the frame and counted in
4×4 blocks, so there the ink fills the frame's height (every one of the 1,797
digits) but at most 6 of its 8 columns (all but 95), and is centred by its box; averaging pixels while shrinking (antialiasing) is that block count.
Both sets are light ink on a dark ground: a photo of dark ink on white paper is
inverted first. Other image models take the picture as it is (crop to the
model's aspect ratio and resize, ``vae.data.image_to_tensor``).

Pixels are in [0, 1], ink high. Nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vae.data import image_to_tensor
from vae.data.images import MAX_UPLOAD_SIDE, UPLOAD_FIT, _read_upload, decode_image
from vae.errors import DataError

INK_THRESHOLD = 0.1  # of the brightest pixel: fainter pixels are paper, not ink


@dataclass(frozen=True)
class Framing:
    """How a data set framed its digits: the ``box`` the ink is scaled into, in a ``frame``."""

    frame: int
    box: int
    centre: str  # "mass" (MNIST) or "box" (sklearn digits)
    max_width: int | None = None  # at most this many columns wide (else ``box``)


MNIST_FRAMING = Framing(frame=28, box=20, centre="mass")
DIGITS_FRAMING = Framing(frame=8, box=8, centre="box", max_width=6)


def framing_for(dataset: str, input_shape: tuple[int, ...]) -> Framing | None:
    """The digit framing of a model's data set, or None for a picture taken as it is."""
    if len(input_shape) != 3 or input_shape[0] != 1 or input_shape[1] != input_shape[2]:
        return None
    name = str(dataset).lower()
    side = int(input_shape[1])
    if name == "digits" and side == DIGITS_FRAMING.frame:
        return DIGITS_FRAMING
    if name.startswith("mnist") and side == MNIST_FRAMING.frame:
        return MNIST_FRAMING
    return None


def ink_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """A drawing (H, W, 4) uint8 or float RGBA as grey ink (H, W) in [0, 1], light on dark.

    Transparent pixels are the dark ground (the canvas draws light strokes).
    """
    a = np.asarray(rgba, dtype=np.float32)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise DataError(f"A drawing must be an (H, W, 3 or 4) RGBA array, got shape {a.shape}.")
    if a.max() > 1.0:
        a = a / 255.0
    grey = a[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if a.shape[2] == 4:
        grey = grey * a[..., 3]
    return np.clip(grey, 0.0, 1.0)


def ink_from_picture(image: np.ndarray) -> np.ndarray:
    """A picture (H, W, C) in [0, 1] as grey ink (H, W): dark ink on light paper is inverted."""
    grey = (
        image[..., 0] if image.shape[2] == 1 else image[..., :3] @ np.array([0.299, 0.587, 0.114])
    )
    grey = np.asarray(grey, dtype=np.float32)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return 1.0 - grey if float(np.median(border)) > 0.5 else grey


def frame_digit(ink: np.ndarray, framing: Framing) -> torch.Tensor:
    """Ink (H, W) cropped to itself, scaled into ``framing.box`` and centred: (1, frame, frame)."""
    ink = np.asarray(ink, dtype=np.float32)
    if ink.size == 0 or float(ink.max()) <= 0.0:
        raise DataError("The picture is empty: draw or upload a digit with some ink on it.")
    mask = ink >= INK_THRESHOLD * float(ink.max())
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] / float(ink.max())
    h, w = crop.shape
    if framing.max_width is None:  # the longer side fills the box, aspect kept
        scale = framing.box / max(h, w)
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
    else:  # the height fills the box; a wide digit is narrowed to max_width columns
        size = (framing.box, max(1, min(round(w * framing.box / h), framing.max_width)))
    small = F.interpolate(
        torch.from_numpy(np.ascontiguousarray(crop))[None, None],
        size=size,
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )[0, 0].clamp_(0.0, 1.0)
    n = framing.frame
    if framing.centre == "mass":
        total = float(small.sum()) or 1.0
        ys, xs = (
            torch.arange(size[0], dtype=torch.float32),
            torch.arange(size[1], dtype=torch.float32),
        )
        cy = float((small.sum(1) * ys).sum()) / total
        cx = float((small.sum(0) * xs).sum()) / total
        top, left = round((n - 1) / 2 - cy), round((n - 1) / 2 - cx)
    else:
        top, left = (n - size[0]) // 2, (n - size[1]) // 2
    out = torch.zeros(n, n)
    # Paste with clipping: centring by mass may push a lopsided digit past the frame's edge.
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + size[0], n), min(left + size[1], n)
    out[y0:y1, x0:x1] = small[y0 - top : y1 - top, x0 - left : x1 - left]
    return out[None]


def from_drawing(rgba: np.ndarray, dataset: str, input_shape: tuple[int, ...]) -> torch.Tensor:
    """A canvas drawing as the model's input (C, H, W) in [0, 1]."""
    ink = ink_from_rgba(rgba)
    framing = framing_for(dataset, input_shape)
    if framing is not None:
        return frame_digit(ink, framing)
    if float(ink.max()) <= 0.0:
        raise DataError("The drawing is empty: draw something on the canvas first.")
    picture = np.repeat(ink[..., None], 3 if input_shape[0] == 3 else 1, axis=2)
    return _resized(picture, input_shape)


def from_upload(file_or_bytes: Any, dataset: str, input_shape: tuple[int, ...]) -> torch.Tensor:
    """An uploaded image (bytes or Streamlit's file) as the model's input (C, H, W) in [0, 1].

    A file that is not a readable image raises ``DataError`` with one sentence.
    """
    framing = framing_for(dataset, input_shape)
    if framing is None:
        return image_to_tensor(file_or_bytes, tuple(input_shape))
    data, source = _read_upload(file_or_bytes)
    image = decode_image(data, source, MAX_UPLOAD_SIDE, UPLOAD_FIT)
    return frame_digit(ink_from_picture(image), framing)


def _resized(picture: np.ndarray, input_shape: tuple[int, ...]) -> torch.Tensor:
    tensor = torch.from_numpy(np.ascontiguousarray(picture, dtype=np.float32)).permute(2, 0, 1)
    out = F.interpolate(
        tensor[None], size=tuple(int(s) for s in input_shape[1:]), mode="bilinear",
        antialias=True, align_corners=False,
    )  # fmt: skip
    return out[0].clamp_(0.0, 1.0)
