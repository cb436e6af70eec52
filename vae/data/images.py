"""Images a person brings: a folder or ``.zip`` of them, or one uploaded picture.

In a folder or archive, images in class sub-folders take the sub-folder's name
as their label (classes sorted by name); images side by side have no labels.
A single top folder wrapping everything, as zips often have, is looked
through. Grayscale images stay one channel; if any image has colour, all are
RGB. Transparent pixels are laid over black, the background of MNIST and
dSprites. Images of different sizes need ``image_size``, which resizes every
image to image_size × image_size.

Archives are untrusted: their member count and declared sizes are checked
before anything is decompressed, and no read goes past the limits even when a
member lies about its size. Image headers are checked for their pixel size
before the pixels are decoded.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from vae.data.arrays import dataset_from_arrays
from vae.data.base import Dataset
from vae.data.common import (
    MAX_ARCHIVE_MEMBERS,
    MAX_IMAGE_SIDE,
    MAX_UNCOMPRESSED_BYTES,
    MAX_VALUES,
    check_image_size,
    human_bytes,
    resize_images,
)
from vae.errors import DataError

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
ACCEPTED = "PNG, JPEG, BMP or GIF images"
MAX_IMAGE_FILE_BYTES = 64 * 1024**2
# One uploaded photo may be large (a phone's 4032×3024): it is reduced in 8-bit by PIL to at
# most UPLOAD_FIT a side before it becomes float32 (an 8192² photo took 2 GB and 15 s), then
# resized to the model's size. Decoding it whole costs at most 4096² × 4 bytes = 64 MiB.
MAX_UPLOAD_SIDE = 4096
UPLOAD_FIT = 1024
# An image set whose pictures are larger than this a side and given no image size is resized to
# it (the Train form shows the size and takes another): 85 blank 1024² PNGs in a 16 KB zip
# would otherwise hold 1.6 GB.
DEFAULT_MAX_SIDE = 64
_GRAY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


def decode_image(
    data: bytes, source: str, max_side: int = MAX_IMAGE_SIDE, fit: int | None = None
) -> np.ndarray:
    """One image file's bytes as float32 (H, W, C) in [0, 1], C = 1 for grayscale, else 3.

    With ``fit``, a larger image is first reduced (8-bit, by PIL, aspect kept) to at most
    ``fit`` pixels a side, so that the float copy stays small.
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
            if max(width, height) > max_side:
                raise DataError(
                    f"{source} is {width}×{height} pixels; images up to {max_side}×{max_side} are accepted."
                )
            if fit is not None and max(width, height) > fit:
                im.draft(im.mode, (fit, fit))  # JPEG: decode at a reduced scale
                im.thumbnail((fit, fit), Image.Resampling.LANCZOS)
                return _to_array(im)
            im.load()
            return _to_array(im)
    except DataError:
        raise
    except UnidentifiedImageError:
        raise DataError(
            f"{source} is not an image that can be read; expected {ACCEPTED}."
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        # PIL reports truncated or malformed files with any of these.
        raise DataError(
            f"{source} is not an image that can be read ({exc}); expected {ACCEPTED}."
        ) from None


def _to_array(im: Image.Image) -> np.ndarray:
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in _GRAY_MODES:
        if im.mode in ("LA", "La"):
            gray, alpha = (np.asarray(band, dtype=np.float32) / 255.0 for band in im.split()[:2])
            return (gray * alpha)[..., None]
        a = np.asarray(im)
        if im.mode in ("1", "L"):
            return (a.astype(np.float32) / (1.0 if im.mode == "1" else 255.0))[..., None]
        # 16- and 32-bit grayscale: scale by the depth the values use.
        a = a.astype(np.float32)
        top = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        return np.clip(a / top, 0.0, 1.0)[..., None]
    if im.mode in ("RGBA", "PA", "RGBa"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        return rgba[..., :3] * rgba[..., 3:]
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


# An entry is (path inside the folder or archive, the name errors give it, a
# function returning its bytes).
Entry = tuple[PurePosixPath, str, Callable[[], bytes]]


def folder_entries(root: Path) -> list[Entry]:
    entries: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for file_name in sorted(filenames):
            path = Path(dirpath) / file_name
            rel = PurePosixPath(path.relative_to(root).as_posix())
            entries.append((rel, str(path), _file_reader(path)))
            if len(entries) > MAX_ARCHIVE_MEMBERS:
                raise DataError(
                    f"{root} holds more than {MAX_ARCHIVE_MEMBERS:,} files; up to that many are accepted."
                )
    return entries


def _file_reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        if path.stat().st_size > MAX_IMAGE_FILE_BYTES:
            raise DataError(
                f"{path} is larger than {human_bytes(MAX_IMAGE_FILE_BYTES)}; smaller files are accepted."
            )
        return path.read_bytes()

    return read


def zip_entries(archive: zipfile.ZipFile, path: Path) -> list[Entry]:
    infos = archive.infolist()
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise DataError(
            f"{path} holds {len(infos):,} members; archives of up to {MAX_ARCHIVE_MEMBERS:,} are accepted."
        )
    infos = [info for info in infos if not info.is_dir()]
    declared = sum(info.file_size for info in infos)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise DataError(
            f"{path} would decompress to {human_bytes(declared)}; "
            f"up to {human_bytes(MAX_UNCOMPRESSED_BYTES)} is accepted."
        )
    budget = {"left": MAX_UNCOMPRESSED_BYTES}

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            source = f"{path}:{info.filename}"
            limit = min(MAX_IMAGE_FILE_BYTES, budget["left"])
            if info.file_size > limit:
                raise DataError(
                    f"{source} declares {human_bytes(info.file_size)}; files up to {human_bytes(limit)} are accepted."
                )
            try:
                with archive.open(info) as f:
                    data = f.read(limit + 1)
            except (
                zipfile.BadZipFile,
                OSError,
                RuntimeError,
                NotImplementedError,
                EOFError,
            ) as exc:
                raise DataError(
                    f"{source} cannot be extracted ({exc}); expected an ordinary zip of {ACCEPTED}."
                ) from None
            if len(data) > limit:
                raise DataError(
                    f"{source} holds more than {human_bytes(limit)}; smaller files are accepted."
                )
            budget["left"] -= len(data)
            return data

        return read

    return [
        (PurePosixPath(info.filename), f"{path}:{info.filename}", reader(info)) for info in infos
    ]


def _keep(rel: PurePosixPath) -> bool:
    # Hidden files and the resource forks macOS puts in zips are not the user's images.
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in rel.parts)
    return not hidden and rel.suffix.lower() in IMAGE_EXTENSIONS


def images_to_dataset(
    entries: list[Entry], *, source: str, name: str, image_size: int | None, seed: int
) -> Dataset:
    """Decode the image entries of a folder or archive into a labelled or unlabelled data set."""
    size = check_image_size(image_size, source)
    skipped = sum(1 for rel, _, _ in entries if not _keep(rel))
    entries = sorted((e for e in entries if _keep(e[0])), key=lambda e: e[0].as_posix())
    if skipped:
        logger.info("%s: skipped %d files that are not images", source, skipped)
    if not entries:
        raise DataError(
            f"{source} contains no image files; expected {ACCEPTED} (.png, .jpg, .jpeg, .bmp, .gif)."
        )
    # Look through one folder that wraps everything.
    parts = [rel.parts for rel, _, _ in entries]
    while all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        parts = [p[1:] for p in parts]
    nested = [len(p) > 1 for p in parts]
    if any(nested) and not all(nested):
        loose = next(PurePosixPath(*p) for p in parts if len(p) == 1)
        raise DataError(
            f"{source} has images both in class sub-folders and loose beside them (such as {loose}); "
            "expected either only class sub-folders or only images."
        )
    labels = [p[0] for p in parts] if all(nested) else None

    images: list[np.ndarray] = []
    total = 0
    resized_to = None
    for _, item, read in entries:
        image = decode_image(read(), item)
        if size is None and max(image.shape[:2]) > DEFAULT_MAX_SIDE:
            size = resized_to = DEFAULT_MAX_SIDE
        if size is not None:
            tensor = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0)
            image = resize_images(tensor, size)[0].permute(1, 2, 0).numpy()
        total += image.size
        if total > MAX_VALUES:
            raise DataError(
                f"{source} holds more than {MAX_VALUES:,} pixel values; smaller or fewer images are accepted."
            )
        images.append(image)

    shapes = {im.shape[:2] for im in images}
    if len(shapes) > 1:
        (h1, w1), (h2, w2) = sorted(shapes)[:2]
        raise DataError(
            f"{source} has images of different sizes ({w1}×{h1} and {w2}×{h2}); "
            "pass image_size to resize them all to one size."
        )
    channels = max(im.shape[2] for im in images)
    x = np.stack([np.repeat(im, channels // im.shape[2], axis=2) for im in images]).transpose(
        0, 3, 1, 2
    )
    y, class_names = None, None
    if labels is not None:
        class_names = sorted(set(labels))
        code = {label: i for i, label in enumerate(class_names)}
        y = np.array([code[label] for label in labels], dtype=np.int64)
    data = dataset_from_arrays(x, y, source=source, name=name, seed=seed, class_names=class_names)
    if resized_to is not None:
        logger.info("%s: images larger than %d pixels a side resized to %d×%d", source,
                    DEFAULT_MAX_SIDE, resized_to, resized_to)  # fmt: skip
        data.description = (f"{len(images)} images resized to {resized_to}×{resized_to} (their "
                            "own size is larger; choose another image size to change it)")  # fmt: skip
    return data


def load_image_folder(path: Path, *, image_size: int | None = None, seed: int = 0) -> Dataset:
    """A data set from a folder of images, labelled by class sub-folders if it has them."""
    return images_to_dataset(
        folder_entries(path), source=str(path), name=path.name, image_size=image_size, seed=seed
    )


def load_image_zip(path: Path, *, image_size: int | None = None, seed: int = 0) -> Dataset:
    """A data set from a ``.zip`` of images, labelled by class sub-folders if it has them."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = zip_entries(archive, path)
            return images_to_dataset(
                entries, source=str(path), name=path.stem, image_size=image_size, seed=seed
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise DataError(
            f"{path} is not a readable zip archive ({exc}); expected a .zip of {ACCEPTED}."
        ) from None


def _read_upload(file_or_bytes: Any) -> tuple[bytes, str]:
    if isinstance(file_or_bytes, bytes | bytearray | memoryview):
        return bytes(file_or_bytes), "The uploaded image"
    if isinstance(file_or_bytes, str | os.PathLike):
        path = Path(file_or_bytes)
        if not path.is_file():
            raise DataError(f"{path} does not exist; expected a file of one {ACCEPTED[:-1]}.")
        if path.stat().st_size > MAX_IMAGE_FILE_BYTES:
            raise DataError(
                f"{path} is larger than {human_bytes(MAX_IMAGE_FILE_BYTES)}; smaller files are accepted."
            )
        return path.read_bytes(), str(path)
    source = getattr(file_or_bytes, "name", None) or "The uploaded image"
    if hasattr(file_or_bytes, "getvalue"):
        data = file_or_bytes.getvalue()
    elif hasattr(file_or_bytes, "read"):
        data = file_or_bytes.read(MAX_IMAGE_FILE_BYTES + 1)
    else:
        raise DataError(
            f"{type(file_or_bytes).__name__} is not an image file; expected bytes, a path or an uploaded file."
        )
    if len(data) > MAX_IMAGE_FILE_BYTES:
        raise DataError(
            f"{source} is larger than {human_bytes(MAX_IMAGE_FILE_BYTES)}; smaller files are accepted."
        )
    return bytes(data), str(source)


def image_to_tensor(file_or_bytes: Any, input_shape: tuple[int, ...]) -> torch.Tensor:
    """One PNG/JPEG/BMP/GIF as float32 (C, H, W) in [0, 1], matching a model's ``input_shape``.

    ``file_or_bytes`` is bytes, a path, or a file-like object such as Streamlit's
    upload. Colour is reduced to luminance for a one-channel model and gray is
    repeated for an RGB one; the picture is cropped about its centre to the
    model's aspect ratio, then resized (antialiased) to H × W.
    """
    if len(input_shape) != 3 or input_shape[0] not in (1, 3):
        raise DataError(
            f"A model with input shape {tuple(input_shape)} does not take images; expected (C, H, W) with C = 1 or 3."
        )
    channels, height, width = (int(d) for d in input_shape)
    data, source = _read_upload(file_or_bytes)
    image = torch.from_numpy(decode_image(data, source, MAX_UPLOAD_SIDE, UPLOAD_FIT)).permute(
        2, 0, 1
    )
    if channels == 1 and image.shape[0] == 3:
        # ITU-R 601 luma, the weights PIL's own conversion to grayscale uses.
        image = (image * torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)).sum(0, keepdim=True)
    elif channels == 3 and image.shape[0] == 1:
        image = image.expand(3, -1, -1)
    h, w = image.shape[1:]
    if h * width > w * height:  # too tall: keep the middle rows
        keep = max(1, round(w * height / width))
        image = image[:, (h - keep) // 2 : (h - keep) // 2 + keep]
    elif h * width < w * height:  # too wide: keep the middle columns
        keep = max(1, round(h * width / height))
        image = image[:, :, (w - keep) // 2 : (w - keep) // 2 + keep]
    out = torch.nn.functional.interpolate(
        image.unsqueeze(0).contiguous(),
        size=(height, width),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )
    return out[0].clamp_(0.0, 1.0).contiguous()
