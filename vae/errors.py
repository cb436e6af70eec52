"""The errors a person can act on.

Every error the core raises on bad input derives from ``VAELabError`` and carries
one sentence naming the input and what is accepted. The CLI prints it on one
line and exits non-zero; the app shows it with ``st.error``. Nothing else is
caught: a bug should still show its traceback.
"""

from __future__ import annotations


class VAELabError(Exception):
    """Base class for errors caused by the user's input, not by a bug."""


class ConfigError(VAELabError, ValueError):
    """A configuration value is outside what is accepted."""


class DataError(VAELabError, ValueError):
    """A data set name, file or folder cannot be used."""


class CheckpointError(VAELabError):
    """A saved model or run directory is missing, corrupt or does not match."""


class RunError(VAELabError):
    """A training run cannot be started, resumed or read."""
