"""Configuration of a model (``VAEConfig``) and of its training (``TrainConfig``).

Both are plain dataclasses saved as JSON beside the weights. Their fields, types,
defaults and validation come from the settings table (``vae.model.settings``), one row
per setting: field names are the command line's option names with dashes turned
into underscores. ``validate`` refuses a bad value with one sentence naming the
field and what is accepted.

``VAEConfig`` is what a VAE is: its networks, its posterior, its likelihood and
its objective (``objective`` names a registered one, ``vae.model.objectives``; its own
weights are fields too). Objective terms are in nats per example. ``beta`` weighs
the KL term; with ``beta_schedule="capacity"`` it is the weight γ of |KL − C|
(Burgess et al. 2018), where a large value such as 100 to 1000 keeps the KL near
C. Schedule lengths are fractions of the whole training run, so that resuming or
lengthening a run keeps the schedule's shape. ``TrainConfig`` is how a model is
trained: data, optimiser, length, device and logging.
"""

from __future__ import annotations

import json
from dataclasses import asdict, field, fields, make_dataclass
from pathlib import Path
from typing import Any, ClassVar

from vae.errors import ConfigError
from vae.model import setting, settings

# Keys that older run folders wrote and that mean nothing now: accepted and dropped.
_LEGACY = {"train": {"extra"}, "model": set()}


class _Config:
    SECTION: ClassVar[str] = ""
    WHAT: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for s in settings.section(self.SECTION):
            value = getattr(self, s.name)
            if s.kind is tuple and isinstance(value, list):
                setattr(
                    self, s.name, tuple(value)
                )  # JSON gives lists; the dataclass promises tuples
        self.validate()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the first field whose value is not accepted."""
        for s in settings.section(self.SECTION):
            s.check(getattr(self, s.name))

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        if not isinstance(data, dict):
            raise ConfigError(f"The {cls.WHAT} must be a JSON object, got {type(data).__name__}.")
        data = {k: v for k, v in data.items() if k not in _LEGACY[cls.SECTION]}
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(
                f"The {cls.WHAT} has unknown field(s) {', '.join(unknown)}; "
                f"accepted fields are {', '.join(sorted(names))}."
            )
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Any:
        return cls.from_dict(_read_json(path))


class _ModelConfig(_Config):
    SECTION = setting.MODEL
    WHAT = "model configuration"

    def __post_init__(self) -> None:
        if self.flow is None:
            self.flow = "none"
        super().__post_init__()

    def validate(self) -> None:
        super().validate()
        if self.conditional and not (setting.is_int(self.n_classes) and self.n_classes >= 2):
            raise ConfigError(
                "n_classes must be an integer of at least 2 for a conditional model, "
                f"got {self.n_classes!r}."
            )

    @property
    def has_flow(self) -> bool:
        return self.flow != "none"


class _TrainConfig(_Config):
    SECTION = setting.TRAIN
    WHAT = "training configuration"


def _fields(section: str) -> list[tuple[str, Any, Any]]:
    out = []
    for s in settings.section(section):
        kind = tuple[int, ...] if s.kind is tuple else s.kind
        out.append((s.name, kind | None if s.nullable else kind, field(default=s.default)))
    return out


VAEConfig = make_dataclass("VAEConfig", _fields(setting.MODEL), bases=(_ModelConfig,))
VAEConfig.__doc__ = __doc__.split("\n\n")[2]
TrainConfig = make_dataclass("TrainConfig", _fields(setting.TRAIN), bases=(_TrainConfig,))
VAEConfig.__module__ = TrainConfig.__module__ = __name__
TrainConfig.__doc__ = "How a model is trained: data, optimiser, length, device and logging."


def _read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; expected a JSON configuration file.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}).") from None
