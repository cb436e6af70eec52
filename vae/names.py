"""How the lab names things on screen, in one place: every page, figure and table uses these.

Latent dimensions are numbered from 0, as arrays index them and as ``--latent-dim`` counts
them: z0 … z{d−1}, in axis titles, bar labels, slider labels, heat-map rows and tables alike.
"""

from __future__ import annotations


def latent(d: int) -> str:
    """The name of latent dimension ``d`` (0-based): "z0", "z1", …"""
    return f"z{int(d)}"


def latents(n: int) -> list[str]:
    """The names of the first ``n`` latent dimensions."""
    return [latent(d) for d in range(n)]
