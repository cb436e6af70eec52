"""The data-set registry: one line per module of built-in data sets.

Each module named in ``MODULES`` declares ``ENTRIES``, a tuple of
:class:`vae.data.base.Entry` (name, description, the settings it overrides, its
loader), beside the loader itself. A new data set is its module plus its line
here; ``load_dataset``, the CLI's help and the Train form's list follow.
"""

from __future__ import annotations

import importlib

from vae.data.base import Entry
from vae.errors import DataError

# One line per module, in the order the CLI and the Train form list their data sets.
MODULES = ("digits", "mnist5k", "shapes", "toys", "idx", "dsprites", "text", "notes")

_ENTRIES: dict[str, Entry] | None = None


def entries() -> dict[str, Entry]:
    """Every built-in data set by name, in ``MODULES`` order."""
    global _ENTRIES
    if _ENTRIES is None:
        found: dict[str, Entry] = {}
        for module in MODULES:
            for entry in importlib.import_module(f"vae.data.{module}").ENTRIES:
                if entry.name in found:
                    raise ValueError(f"data set {entry.name!r} is declared twice")
                found[entry.name] = entry
        _ENTRIES = found
    return _ENTRIES


def get(name: str) -> Entry:
    try:
        return entries()[name]
    except KeyError:
        raise DataError(
            f"{name!r} is not a built-in data set; expected one of {', '.join(entries())}."
        ) from None
