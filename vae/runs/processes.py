"""Is that process still the one we started? PIDs proven by their start time, not assumed.

A PID alone names a process only while it lives: once it has ended, the kernel
may hand the number to an unrelated process. The run store therefore records
beside each PID the process's start time (field 22 of ``/proc/PID/stat``, clock
ticks since boot), and a PID whose start time differs is a dead process.

A supervisor leads its own session and process group (see ``vae.launcher``);
the CLI it starts is a member. While any member of a group lives, Linux does not
reuse the group's number, so a supervisor killed before its CLI said "running"
is still accounted for by its group.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int | str) -> list[str] | None:
    """Fields 3 and on of /proc/PID/stat (state first), or None if there is no such process."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _valid(pid: object) -> bool:
    return isinstance(pid, int) and not isinstance(pid, bool) and pid > 0


def _signalled(kill, target: object) -> bool:
    """Whether signal 0 through ``kill`` (os.kill, os.killpg) finds a valid ``target``.

    A PermissionError still means it exists (another user's).
    """
    if not _valid(target):
        return False
    try:
        kill(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def process_start(pid: int) -> int | None:
    """The start time of a live process (clock ticks since boot), or None where unknown."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def process_alive(pid: object, started: object = None) -> bool:
    """Whether ``pid`` is alive, not a zombie, and (given ``started``) the same process."""
    if not _signalled(os.kill, pid):
        return False
    if not PROC.is_dir():
        return True  # no /proc to look closer (not Linux): alive is all we know
    fields = _stat(pid)  # type: ignore[arg-type]
    if fields is None or fields[0] == "Z":
        return False
    return not isinstance(started, int) or int(fields[19]) == started


def group_alive(pgid: object) -> bool:
    """Whether any live (non-zombie) process belongs to process group ``pgid``."""
    if not _signalled(os.killpg, pgid):
        return False
    if not PROC.is_dir():
        return True
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields and fields[0] != "Z" and int(fields[2]) == pgid:
                return True
    return False


def launch_alive(pid: object, started: object = None) -> bool:
    """Whether a supervisor (a group leader) or any process of its group still lives."""
    if not _valid(pid):
        return False
    if process_alive(pid, started):
        return True
    fields = _stat(pid)  # type: ignore[arg-type]
    if fields is not None and fields[0] != "Z" and isinstance(started, int):
        return False  # the number went to another process: the old group is gone
    return group_alive(pid)
