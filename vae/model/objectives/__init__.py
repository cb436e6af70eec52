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
"""

from __future__ import annotations

import importlib

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


def caption(config: object, separator: str = " · ") -> str:
    """The objective and its own weights as a person reads them, e.g. "β-TCVAE: MI weight α 1 ·
    TC weight β 6 · Dimension-wise KL weight γ 1", or "β = 4 (linear)" for the β-VAE.

    ``config`` is a VAEConfig or its dict (a run's config.json "model").
    """
    get_value = config.get if isinstance(config, dict) else lambda name: getattr(config, name)
    name = get_value("objective") or "vae"
    if name == "vae":
        schedule = get_value("beta_schedule") or "constant"
        return f"β = {get_value('beta'):g}" + (f" ({schedule})" if schedule != "constant" else "")
    objective = get(name)
    weights = separator.join(f"{s.title} {get_value(s.name):g}" for s in objective.settings[:3]
                             if isinstance(get_value(s.name), (int, float)))  # fmt: skip
    return f"{objective.summary.split(':')[0]}: {weights}"
