"""Old name of denoising and inpainting, kept for the app glue's ``from vae import restore``.

The code lives in ``vae.corruption`` (corruptions, baselines, errors) and
``vae.inpainting`` (the VAE as a restorer); import from those. (Checkpoint
restoring is ``vae.checkpoint``.)
"""

from vae.corruption import (
    CORRUPTIONS,
    MASKING,
    Corruption,
    blur,
    blur_fill,
    corrupt,
    data_mean_image,
    default_corruption,
    masked_mse,
    mean_fill,
    median,
    mse,
    psnr,
    random_pixel_mask,
    rectangle_mask,
    show_missing,
)
from vae.inpainting import (
    BASELINES,
    METHODS,
    VAE_METHODS,
    benchmark,
    encode_decode,
    iterative_inpaint,
    methods_for,
    optimise_z,
    restore,
    restore_example,
    summarise,
    verdict,
)

__all__ = [
    "BASELINES",
    "CORRUPTIONS",
    "MASKING",
    "METHODS",
    "VAE_METHODS",
    "Corruption",
    "benchmark",
    "blur",
    "blur_fill",
    "corrupt",
    "data_mean_image",
    "default_corruption",
    "encode_decode",
    "iterative_inpaint",
    "masked_mse",
    "mean_fill",
    "median",
    "methods_for",
    "mse",
    "optimise_z",
    "psnr",
    "random_pixel_mask",
    "rectangle_mask",
    "restore",
    "restore_example",
    "show_missing",
    "summarise",
    "verdict",
]
