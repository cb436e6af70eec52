"""SIGTERM and SIGINT as a flag the training loop checks, so it can checkpoint before ending."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

log = logging.getLogger("vae.training.loop")


class Signals:
    """Turns SIGTERM/SIGINT into a flag the loop checks, so it can checkpoint before ending."""

    def __init__(self) -> None:
        self.stop = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Signals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        log.warning("received signal %d: stopping after this step", signum)
        self.stop = True

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
