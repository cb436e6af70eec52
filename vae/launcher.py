"""Trainings started from the app as separate processes: the public face of the queue.

    python -m vae.launcher supervise RUN_DIR      (its own session: survives the server)
      └── python -m vae train --out RUN_DIR ...   (the CLI, logging to RUN_DIR/train.log)

Where things live: ``vae.run_queue`` (submit, resume, cancel, the queue and its
limit ``VAE_LAB_MAX_TRAININGS``, dispatch), ``vae.supervisor`` (one supervised
training, its log and how it ended), ``vae.processes`` (whether a recorded
process is still that process). ``vae.launch_args`` (settings to
arguments, the Train form's defaults). This module is the command line above. The run directory is the
whole truth: a page reload or a server restart loses nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from vae import run_queue, supervisor
from vae.launch_args import cli_args, form_defaults, form_names, validate
from vae.run_queue import (
    MAX_ENV,
    active,
    cancel,
    check_run_name,
    dispatch,
    max_trainings,
    prewarm,
    queue,
    resume,
    run_name,
    submit,
)
from vae.runs import LAUNCH_FILE, LOG_FILE
from vae.supervisor import last_error, log_tail, supervise

__all__ = [
    "LAUNCH_FILE", "LOG_FILE", "MAX_ENV",
    "active", "cancel", "check_run_name", "cli_args", "dispatch", "form_defaults", "form_names",
    "last_error", "prewarm",
    "log_tail", "max_trainings", "queue", "resume", "run_name", "run_queue", "submit",
    "supervise", "supervisor", "validate",
]  # fmt: skip

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("supervise", help="run one queued training (started by dispatch)")
    p.add_argument("run_dir", type=Path)
    p = sub.add_parser("dispatch", help="start queued trainings while slots are free")
    p.add_argument("--root", type=Path)
    p = sub.add_parser("standby", help="wait, torch imported, to supervise the next run")
    p.add_argument("root", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "supervise":
        return supervise(args.run_dir)
    if args.command == "standby":
        from vae import standby

        return standby.serve(args.root)
    dispatch(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
