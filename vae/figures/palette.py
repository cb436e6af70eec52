"""The lab's colours, in one place: one colour per class (or factor value) on every page.

A class keeps its colour wherever it is drawn (the Latent map, Interpolate's path map, the map
over training, attribute walks): class ``c`` is ``class_colour(c)`` whatever else is shown.
"""

from __future__ import annotations

from plotly.colors import qualitative

CLASSES = qualitative.D3 + qualitative.Pastel1  # 10 distinct colours, then 9 lighter ones


def class_colour(c: int) -> str:
    """The colour of class (or factor value) ``c``."""
    return CLASSES[int(c) % len(CLASSES)]
