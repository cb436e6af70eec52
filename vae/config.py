"""Configuration of a model (``VAEConfig``) and of its training (``TrainConfig``).

Both are plain dataclasses saved as JSON beside the weights. Field names are the
command line's option names with dashes turned into underscores. ``validate``
refuses a bad value with one sentence naming the field and what is accepted.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from vae.errors import ConfigError

ARCHITECTURES = ("mlp", "conv")
LIKELIHOODS = ("bernoulli", "gaussian")
FLOWS = ("none", "planar", "radial", "iaf")
BETA_SCHEDULES = ("constant", "linear", "cyclical", "capacity")
FREE_BITS_MODES = ("batch", "example")
DEVICES = ("auto", "cpu", "cuda")
# Arithmetic of the encoder and decoder bodies in training (see vae.device.resolve_precision).
PRECISIONS = ("auto", "fp32", "bf16")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class VAEConfig:
    """What a VAE is: its networks, its posterior, its likelihood and its objective.

    Objective terms are in nats per example. ``beta`` weighs the KL term; with
    ``beta_schedule="capacity"`` it is the weight γ of |KL − C| (Burgess et al.
    2018), where a large value such as 100 to 1000 keeps the KL near C.
    Schedule lengths are fractions of the whole training run, so that resuming
    or lengthening a run keeps the schedule's shape.
    """

    latent_dim: int = 10
    architecture: str = "mlp"
    hidden_dims: tuple[int, ...] = (512, 256)
    conv_channels: tuple[int, ...] = (32, 32, 64, 64)
    likelihood: str = "bernoulli"
    # Standard deviation of a Gaussian p(x|z); None learns one scale per data dimension.
    gaussian_scale: float | None = None
    beta: float = 1.0
    beta_schedule: str = "constant"
    warmup_fraction: float = 0.3
    n_cycles: int = 4
    cycle_ratio: float = 0.5
    capacity_max: float = 25.0
    capacity_fraction: float = 0.8
    free_bits: float = 0.0
    free_bits_mode: str = "batch"
    input_dropout: float = 0.0
    latent_dropout: float = 0.0
    flow: str = "none"
    flow_length: int = 4
    conditional: bool = False
    n_classes: int | None = None

    def __post_init__(self) -> None:
        # JSON gives lists; the dataclass promises tuples.
        self.hidden_dims = tuple(self.hidden_dims)
        self.conv_channels = tuple(self.conv_channels)
        if self.flow is None:
            self.flow = "none"
        self.validate()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the first field whose value is not accepted."""
        _check(
            _is_int(self.latent_dim) and self.latent_dim >= 1,
            f"latent_dim must be an integer of at least 1, got {self.latent_dim!r}.",
        )
        _check(
            self.architecture in ARCHITECTURES,
            f"architecture must be one of {', '.join(ARCHITECTURES)}, got {self.architecture!r}.",
        )
        _check(
            len(self.hidden_dims) >= 1 and all(_is_int(h) and h >= 1 for h in self.hidden_dims),
            f"hidden_dims must be one or more positive integers, got {self.hidden_dims!r}.",
        )
        _check(
            len(self.conv_channels) >= 1 and all(_is_int(c) and c >= 1 for c in self.conv_channels),
            f"conv_channels must be one or more positive integers, got {self.conv_channels!r}.",
        )
        _check(
            self.likelihood in LIKELIHOODS,
            f"likelihood must be one of {', '.join(LIKELIHOODS)}, got {self.likelihood!r}.",
        )
        _check(
            self.gaussian_scale is None
            or (_is_number(self.gaussian_scale) and self.gaussian_scale > 0),
            "gaussian_scale must be a positive number, or null to learn the scale, "
            f"got {self.gaussian_scale!r}.",
        )
        _check(
            _is_number(self.beta) and self.beta >= 0,
            f"beta must be a non-negative number, got {self.beta!r}.",
        )
        _check(
            self.beta_schedule in BETA_SCHEDULES,
            f"beta_schedule must be one of {', '.join(BETA_SCHEDULES)}, got {self.beta_schedule!r}.",
        )
        _check(
            _is_number(self.warmup_fraction) and 0 < self.warmup_fraction <= 1,
            f"warmup_fraction must be in (0, 1], got {self.warmup_fraction!r}.",
        )
        _check(
            _is_int(self.n_cycles) and self.n_cycles >= 1,
            f"n_cycles must be an integer of at least 1, got {self.n_cycles!r}.",
        )
        _check(
            _is_number(self.cycle_ratio) and 0 < self.cycle_ratio <= 1,
            f"cycle_ratio must be in (0, 1], got {self.cycle_ratio!r}.",
        )
        _check(
            _is_number(self.capacity_max) and self.capacity_max >= 0,
            f"capacity_max must be a non-negative number of nats, got {self.capacity_max!r}.",
        )
        _check(
            _is_number(self.capacity_fraction) and 0 < self.capacity_fraction <= 1,
            f"capacity_fraction must be in (0, 1], got {self.capacity_fraction!r}.",
        )
        _check(
            _is_number(self.free_bits) and self.free_bits >= 0,
            f"free_bits must be a non-negative number of nats per dimension, got {self.free_bits!r}.",
        )
        _check(
            self.free_bits_mode in FREE_BITS_MODES,
            f"free_bits_mode must be one of {', '.join(FREE_BITS_MODES)}, "
            f"got {self.free_bits_mode!r}.",
        )
        for name in ("input_dropout", "latent_dropout"):
            value = getattr(self, name)
            _check(
                _is_number(value) and 0 <= value < 1,
                f"{name} must be a probability in [0, 1), got {value!r}.",
            )
        _check(
            self.flow in FLOWS,
            f"flow must be one of {', '.join(FLOWS)}, got {self.flow!r}.",
        )
        _check(
            _is_int(self.flow_length) and 1 <= self.flow_length <= 64,
            f"flow_length must be an integer from 1 to 64, got {self.flow_length!r}.",
        )
        _check(
            isinstance(self.conditional, bool),
            f"conditional must be true or false, got {self.conditional!r}.",
        )
        if self.conditional:
            _check(
                _is_int(self.n_classes) and self.n_classes >= 2,
                "n_classes must be an integer of at least 2 for a conditional model, "
                f"got {self.n_classes!r}.",
            )
        else:
            _check(
                self.n_classes is None or (_is_int(self.n_classes) and self.n_classes >= 1),
                f"n_classes must be a positive integer or null, got {self.n_classes!r}.",
            )

    @property
    def has_flow(self) -> bool:
        return self.flow != "none"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden_dims"] = list(self.hidden_dims)
        d["conv_channels"] = list(self.conv_channels)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VAEConfig:
        return cls(**_known_fields(cls, data, "model configuration"))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> VAEConfig:
        return cls.from_dict(_read_json(path))


@dataclass
class TrainConfig:
    """How a model is trained: data, optimiser, length, device and logging."""

    dataset: str = "digits"
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    # Samples per epoch for data sets too large to sweep (``shapes``); None = the whole split.
    epoch_size: int | None = None
    # Render size for ``shapes`` and resize size for image folders; None = the data's own.
    image_size: int | None = None
    data_dir: str | None = None
    early_stopping: int | None = None
    log_every: int = 20
    n_recon_examples: int = 8
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        _check(
            isinstance(self.dataset, str) and self.dataset != "",
            f"dataset must be a data set name or a path, got {self.dataset!r}.",
        )
        _check(
            _is_int(self.epochs) and self.epochs >= 1,
            f"epochs must be an integer of at least 1, got {self.epochs!r}.",
        )
        _check(
            _is_int(self.batch_size) and 1 <= self.batch_size <= 65536,
            f"batch_size must be an integer from 1 to 65536, got {self.batch_size!r}.",
        )
        _check(
            _is_number(self.lr) and 0 < self.lr <= 1,
            f"lr must be a number in (0, 1], got {self.lr!r}.",
        )
        _check(
            _is_int(self.seed) and 0 <= self.seed < 2**32,
            f"seed must be an integer from 0 to 2**32 - 1, got {self.seed!r}.",
        )
        _check(
            self.device in DEVICES,
            f"device must be one of {', '.join(DEVICES)}, got {self.device!r}.",
        )
        _check(
            self.precision in PRECISIONS,
            f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}.",
        )
        _check(
            self.epoch_size is None or (_is_int(self.epoch_size) and self.epoch_size >= 1),
            f"epoch_size must be a positive integer or null, got {self.epoch_size!r}.",
        )
        _check(
            self.image_size is None or (_is_int(self.image_size) and 4 <= self.image_size <= 256),
            f"image_size must be an integer from 4 to 256 or null, got {self.image_size!r}.",
        )
        _check(
            self.early_stopping is None
            or (_is_int(self.early_stopping) and self.early_stopping >= 1),
            "early_stopping must be a positive number of epochs or null, "
            f"got {self.early_stopping!r}.",
        )
        _check(
            _is_int(self.log_every) and self.log_every >= 1,
            f"log_every must be a positive integer, got {self.log_every!r}.",
        )
        _check(
            _is_int(self.n_recon_examples) and 0 <= self.n_recon_examples <= 64,
            f"n_recon_examples must be an integer from 0 to 64, got {self.n_recon_examples!r}.",
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return cls(**_known_fields(cls, data, "training configuration"))


def _known_fields(cls: type, data: dict[str, Any], what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"The {what} must be a JSON object, got {type(data).__name__}.")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"The {what} has unknown field(s) {', '.join(unknown)}; "
            f"accepted fields are {', '.join(sorted(names))}."
        )
    return dict(data)


def _read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; expected a JSON configuration file.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}).") from None
