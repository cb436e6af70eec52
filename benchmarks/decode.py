"""Decoding one image with a bundled model: model only, and up to a displayable PNG (p95).

``python -m benchmarks.decode`` prints one JSON object. "Model only" is
``model.decode(z)`` on one code; "displayable" is what the Interpolate page does when a
slider moves: ``vae.analysis.latent.decode``, the enlarged uint8 picture, and its PNG bytes
(what ``st.image`` sends to the browser). Bars: p95 ≤ 5 ms and ≤ 20 ms. ``conv64`` is
the untrained disentanglement_lib network at 64×64, the costliest decoder the app can hold.
Timed at the web server's thread count (``vae.threads.interactive_threads``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from benchmarks.common import emit, machine, repeat_ms
from vae import threads
from vae.analysis import latent
from vae.images import display_scale, grid, png_bytes, upscale
from vae.model.autoencoder import VAE
from vae.model.config import VAEConfig
from vae.runs.catalog import BUNDLED


def displayable(model: VAE, z: torch.Tensor) -> bytes:
    images = latent.decode(model, z)
    picture = upscale(grid(images), display_scale(images.shape[-2], 160))
    return png_bytes(picture)


def model_dir(name: str) -> Path | None:
    """A bundled model's folder, or the one being built beside it (its weights are as costly)."""
    for path in (BUNDLED / name, BUNDLED / f".{name}.building"):
        if (path / "model.safetensors").is_file():
            return path
    return None


def load(name: str) -> VAE:
    if name == "conv64":  # the disentanglement_lib network at 64×64: the costliest decoder
        return VAE(VAEConfig(latent_dim=10, architecture="conv"), (1, 64, 64)).eval()
    return VAE.load(model_dir(name))


def measure(name: str, n: int) -> dict[str, object]:
    model = load(name)
    z = torch.randn(1, model.config.latent_dim)

    def model_only() -> None:
        with torch.inference_mode():
            model.decode(z)

    return {
        "model": name,
        "input_shape": list(model.input_shape),
        "model_only": repeat_ms(model_only, n),
        "displayable": repeat_ms(lambda: displayable(model, z), n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--models", nargs="*", default=["digits-8d", "shapes-beta4", "conv64"])
    args = parser.parse_args()
    threads.use(threads.interactive_threads())  # as the web server does (vae/app/shell.py)
    names = [m for m in args.models if m == "conv64" or model_dir(m) is not None]
    results = [measure(m, args.n) for m in names]
    emit(
        "decode",
        {
            "machine": machine(),
            "threads": torch.get_num_threads(),
            "models": results,
            "worst_model_only_p95_ms": max(r["model_only"]["p95_ms"] for r in results),
            "worst_displayable_p95_ms": max(r["displayable"]["p95_ms"] for r in results),
        },
    )


if __name__ == "__main__":
    main()
