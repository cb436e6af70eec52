"""The modality seam: for each kind of example, how it is shown, given, corrupted and hovered.

Pages and figures ask the seam (``for_kind(info.kind)``) instead of assuming
pictures. A modality is one module here declaring a :class:`Modality` subclass
with ``@register``, plus its line in ``MODULES``; the app's side
(``vae.app.modality``) knows the few ways an example is displayed (``display``)
and given (``inputs``), so a new modality that uses them needs nothing else.
"""

from __future__ import annotations

import importlib

from vae.errors import DataError
from vae.modalities.base import Modality

# The registry: one line per modality module.
MODULES = ("image", "points", "text", "audio")

_REGISTRY: dict[str, type[Modality]] = {}
_loaded = False


def register(cls: type[Modality]) -> type[Modality]:
    """Class decorator: serve the data kinds ``cls.kinds`` with this modality."""
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    # Marked loaded only after every module registered: sessions of the app ask at once, and one
    # that saw the flag before the imports finished found no modality (a DataError in a tab).
    # The imports themselves are safe to repeat: the import lock runs each module once.
    global _loaded
    if not _loaded:
        for module in MODULES:
            importlib.import_module(f"vae.modalities.{module}")
        _loaded = True


def registered() -> list[Modality]:
    """One instance of every modality, in ``MODULES`` order."""
    _load()
    order = {m: i for i, m in enumerate(MODULES)}
    return [
        cls()
        for cls in sorted(
            _REGISTRY.values(), key=lambda c: order.get(c.__module__.rsplit(".", 1)[-1], 99)
        )
    ]


def for_kind(kind: str) -> Modality:
    """The modality that serves data of this kind ("image", "points", "tabular", ...)."""
    for modality in registered():
        if kind in modality.kinds:
            return modality
    kinds = sorted(k for m in registered() for k in m.kinds)
    raise DataError(f"No modality shows data of kind {kind!r}; known kinds: {', '.join(kinds)}.")
