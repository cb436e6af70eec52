"""The status file of a run folder: its state, and whether the process it names lives.

States: queued → running → (stopping →) stopped | completed | failed, and
interrupted for a run whose process died without saying so. A status that says
running names the training's PID *and* its start time; one whose process has
died (or whose PID now belongs to another process) reads as interrupted, with
the way out in one sentence. Mixed into ``vae.runs.store.RunDir``.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from vae.runs.processes import launch_alive, process_alive, process_start

STATES = ("queued", "running", "stopping", "stopped", "completed", "failed", "interrupted")
ACTIVE_STATES = ("queued", "running", "stopping")
ENDED_EARLY = (
    "the training process ended unexpectedly before its first checkpoint; "
    "resume starts it again from the beginning with the same settings"
)
ENDED = "the training process ended unexpectedly; resume continues from the last checkpoint"


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class RunStatus:
    """The status half of a run folder (``status_file``, ``has_checkpoint`` and ``_write``)."""

    status_file: Path

    def has_checkpoint(self) -> bool:
        raise NotImplementedError

    def _write(self, name: str, obj: Any) -> None:
        raise NotImplementedError

    # --- status ----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The status as recorded, with a run whose process has died shown as ``interrupted``."""
        status = _read(self.status_file)
        if not isinstance(status, dict):
            return {"state": "interrupted" if self.has_checkpoint() else "unknown"}
        if status.get("state") in ("running", "stopping") and not self.process_alive(status):
            status = {**status, "state": "interrupted", "message": self.interrupted_message()}
        return status

    def process_alive(self, status: dict[str, Any]) -> bool:
        """Whether the training process the status names is alive (and really that process)."""
        pid = status.get("pid")
        if status.get("host") != socket.gethostname() or not isinstance(pid, int):
            return True  # another machine's process: nothing to check here
        return process_alive(pid, status.get("pid_started"))

    def launch_alive(self, status: dict[str, Any]) -> bool:
        """Whether the supervisor the status names, or the CLI it started, is alive."""
        return launch_alive(status.get("launcher_pid"), status.get("launcher_started"))

    def interrupted_message(self) -> str:
        return ENDED if self.has_checkpoint() else ENDED_EARLY

    def write_status(self, state: str, **fields: Any) -> dict[str, Any]:
        """Record the run's state (merged into what the status file already says)."""
        current = _read(self.status_file) or {}
        now = time.time()
        current.update(fields)
        current.update(state=state, updated=now)
        if state == "running":
            pid = os.getpid()
            current.update(pid=pid, pid_started=process_start(pid), host=socket.gethostname())
            current.setdefault("started", now)
        self._write(self.status_file.name, current)
        return current

    def write_raw_status(self, status: dict[str, Any]) -> None:
        """Replace the status as it is (the queue's bookkeeping: no pid of this process)."""
        self._write(self.status_file.name, status)
