"""One row of the settings table (``vae.model.settings``): a setting's name, type, default,
bounds or choices and help, and how a value is checked and read from text.

Separate from the table so that the objectives, which declare their own rows, can import
the row type without importing the table that gathers them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from vae.errors import ConfigError

MODEL, TRAIN = "model", "train"


@dataclass(frozen=True)
class Setting:
    """One setting. ``kind`` is int, float, str, bool or tuple (of positive ints).

    ``low``/``high`` bound numbers (``low_open``/``high_open`` exclude the bound);
    ``nullable`` admits None (the CLI and the form leave it out). ``group`` and
    ``label`` place it on the Train form (``form=False`` keeps it off the form);
    ``cli=False`` keeps it off the command line.
    """

    name: str
    kind: type
    default: Any
    help: str
    section: str = MODEL
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    nullable: bool = False
    dataset_default: bool = False
    objective: str | None = None
    group: str = "Model"
    label: str = ""
    step: float | None = None
    slider: bool = False
    # Shown on the form only when another setting has a value: ("flow", "!none") = not none.
    when: tuple[str, str] | None = None
    unit: str = ""
    cli: bool = True
    form: bool = True
    # What the message says is accepted, where the bounds alone say it badly.
    accepts: str = ""
    # A tuple's longest accepted length (its items are bounded by ``high``).
    max_items: int = 8

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def accepted(self) -> str:
        """What the setting accepts, as the end of a sentence."""
        if self.accepts:
            text = self.accepts
        elif self.choices is not None:
            text = f"one of {', '.join(self.choices)}"
        elif self.kind is bool:
            text = "true or false"
        elif self.kind is tuple:
            most = "" if self.high is None else f" of at most {self.high:g}"
            text = f"one to {self.max_items} positive integers{most}"
        else:
            text = _range_text(self)
        return text + (" or null" if self.nullable and not self.accepts else "")

    def check(self, value: Any) -> None:
        """Raise ``ConfigError`` (one sentence naming the setting) unless ``value`` is accepted."""
        if value is None and self.nullable:
            return
        if not self._ok(value):
            raise ConfigError(f"{self.name} must be {self.accepted()}, got {_shown(value)}.")

    def _ok(self, value: Any) -> bool:
        if self.choices is not None:
            return value in self.choices
        if self.kind is bool:
            return isinstance(value, bool)
        if self.kind is str:
            return isinstance(value, str) and value != ""
        if self.kind is tuple:
            return (
                isinstance(value, tuple | list)
                and 1 <= len(value) <= self.max_items
                and all(is_int(v) and 1 <= v <= (self.high or v) for v in value)
            )
        if self.kind is int and not is_int(value):
            return False
        if self.kind is float and not is_number(value):
            return False
        return _in_bounds(self, value)


def _shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_bounds(s: Setting, value: float) -> bool:
    if s.low is not None and (value <= s.low if s.low_open else value < s.low):
        return False
    return not (s.high is not None and (value >= s.high if s.high_open else value > s.high))


def _range_text(s: Setting) -> str:
    noun = "an integer" if s.kind is int else "a number"
    unit = f" {s.unit}" if s.unit else ""
    if s.low is not None and s.high is not None:
        if s.kind is int:
            return f"{noun} from {s.low:g} to {s.high:g}"
        left = "(" if s.low_open else "["
        right = ")" if s.high_open else "]"
        return f"in {left}{s.low:g}, {s.high:g}{right}"
    if s.low is not None:
        if s.low == 0 and not s.low_open:
            return f"a non-negative {'integer' if s.kind is int else 'number'}{unit}"
        if s.kind is int:
            return f"{noun} of at least {s.low:g}"
        return f"{noun} {'above' if s.low_open else 'of at least'} {s.low:g}{unit}"
    return noun


def parse_ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in str(text).replace(" ", "").split(",") if v)
