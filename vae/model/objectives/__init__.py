"""The objective registry: each variant of the VAE objective is one small unit.

A variant subclasses :class:`vae.model.objectives.base.Objective` (or the β-VAE's
``VAEObjective``, to keep its KL term), overrides the one hook it changes
(``regularizer``), declares only its own settings (rows of the settings table,
``vae.model.setting.Setting``, with ``objective=`` its name) and is registered with
``@register`` plus its module's line in ``MODULES``.

The model builds its objective from ``config.objective`` (``model.objective``)
and returns its terms from ``model(x, y, beta, capacity)``: ``terms.loss`` is
the objective's loss, ``elbo``/``recon``/``kl``/``kl_per_dim`` are the ELBO's
parts in nats per example for every objective, ``terms.extra`` the objective's
own terms. An objective with trainable parts of its own (FactorVAE) is stepped
by the trainer after the VAE's step and saved in the training checkpoint.

The objectives' modules import torch inside their functions, not at their top: the settings
table reads every objective's settings from this registry, and the Train page draws its form
from the table before anything has imported torch (issue 28).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vae.model.objectives.base import Objective

_REGISTRY: dict[str, type[Objective]] = {}
_loaded = False


def register(cls: type[Objective]) -> type[Objective]:
    """Class decorator: make an objective selectable by its ``name``."""
    _REGISTRY[cls.name] = cls
    return cls


# The registry: one line per objective module, in the order the CLI and the form list them.
MODULES = ("vae", "beta_tcvae", "factor_vae", "dip_vae")


def _load() -> None:
    # Marked loaded only after every module registered (sessions of the app ask at once; see
    # vae.modalities._load); repeating an import is safe under the import lock.
    global _loaded
    if _loaded:
        return
    for module in MODULES:
        importlib.import_module(f"vae.model.objectives.{module}")
    _loaded = True


def registered() -> list[type[Objective]]:
    """Every objective, in the order the CLI and the form list them."""
    _load()
    order = {module: i for i, module in enumerate(MODULES)}
    # Sorted by MODULES whatever was imported first; stable, so a file's own order stays.
    return sorted(
        _REGISTRY.values(), key=lambda c: order.get(c.__module__.rsplit(".", 1)[-1], len(order))
    )


def get(name: str) -> type[Objective]:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        from vae.errors import ConfigError

        raise ConfigError(
            f"objective must be one of {', '.join(_REGISTRY)}, got {name!r}."
        ) from None


def normalised_beta(beta: float, latent_dim: int, input_shape: Sequence[int]) -> float:
    """Higgins et al. 2017's β_norm = β·M/N: the KL weight times the latent size M over the
    input size N, so that models of different image sizes compare (β = 4 at z = 10 is β_norm
    0.039 on 32×32 pictures and 0.0098 on 64×64: the same β weighs the KL 4× more against a
    reconstruction term of 4× fewer pixels)."""
    return beta * latent_dim / math.prod(input_shape)


def caption(
    config: object, separator: str = " · ", input_shape: Sequence[int] | None = None
) -> str:
    """The objective and its own weights as a person reads them, e.g. "β-TCVAE: MI weight α 1 ·
    TC weight β 6 · Dimension-wise KL weight γ 1", or "β = 4 (linear)" for the β-VAE, with
    its normalised β when ``input_shape`` is given: "β = 4 (β_norm = βz/pixels 0.039)".

    ``config`` is a VAEConfig or its dict (a run's config.json "model").
    """
    get_value = config.get if isinstance(config, dict) else lambda name: getattr(config, name)
    name = get_value("objective") or "vae"
    if name == "vae":
        schedule = get_value("beta_schedule") or "constant"
        text = f"β = {get_value('beta'):g}"
        notes = [schedule] if schedule != "constant" else []
        if input_shape is not None:
            norm = normalised_beta(get_value("beta"), get_value("latent_dim"), input_shape)
            notes.append(f"β_norm = βz/pixels {norm:.2g}")
        return text + (f" ({', '.join(notes)})" if notes else "")
    objective = get(name)
    weights = separator.join(f"{s.title} {get_value(s.name):g}" for s in objective.settings[:3]
                             if isinstance(get_value(s.name), (int, float)))  # fmt: skip
    return f"{objective.summary.split(':')[0]}: {weights}"
