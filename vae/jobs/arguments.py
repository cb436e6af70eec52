"""Settings (the CLI's names) ↔ ``python -m vae train`` arguments, and the Train form's defaults.

Both follow from the settings table (``vae.model.settings``): every row with a command
line option can be sent by the launcher, every row on the form has its default
here for the chosen data set.
"""

from __future__ import annotations

from typing import Any

from vae.errors import RunError
from vae.model import settings as table


def form_names() -> tuple[str, ...]:
    """The settings the Train page's form shows, in the table's order."""
    return tuple(s.name for s in table.form_settings())


def cli_args(settings: dict[str, Any]) -> list[str]:
    """``python -m vae train`` arguments (without ``--out``) for settings with the CLI's names.

    Settings left out or None take the data set's defaults in the CLI.
    """
    # The data set first, as a person would write the command; then the table's order.
    rows = {s.name: s for s in sorted(table.cli_settings(), key=lambda s: s.name != "dataset")}
    unknown = sorted(set(settings) - set(rows))
    if unknown:
        raise RunError(f"unknown training setting(s) {', '.join(unknown)}.")
    args: list[str] = []
    flags = [s.option for name, s in rows.items() if s.kind is bool and settings.get(name)]
    for name, s in rows.items():
        value = settings.get(name)
        if value is None or s.kind is bool:
            continue
        if isinstance(value, list | tuple):
            value = ",".join(str(int(v)) for v in value)
        args += [s.option, str(value)]
    return args + flags  # switches last, as a person types them


def form_defaults(dataset: str, data: Any = None) -> dict[str, Any]:
    """Every setting of the Train page's form for a data set: its defaults, then the table's."""
    from vae.training.configs import configs_for

    model_config, train_config, _ = configs_for({"dataset": dataset}, data)
    merged = {**train_config.to_dict(), **model_config.to_dict()}
    return {name: merged.get(name) for name in form_names()}


def validate(settings: dict[str, Any], data: Any = None) -> None:
    """Refuse settings the CLI would refuse, with its one sentence, before a process starts."""
    from vae.training.configs import configs_for

    cli_args(settings)
    configs_for({k: v for k, v in settings.items() if v is not None}, data)
