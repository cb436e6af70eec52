"""``python -m vae.launcher``: the processes behind trainings started from the app.

    python -m vae.launcher supervise RUN_DIR      (its own session: survives the server)
      └── python -m vae train --out RUN_DIR ...   (the CLI, logging to RUN_DIR/train.log)
    python -m vae.launcher standby ROOT           (a supervisor waiting with torch imported)
    python -m vae.launcher dispatch [--root ROOT] (start queued runs while slots are free)

The work lives in ``vae.jobs``: ``queue`` (submit, resume, cancel, the queue and
its limit ``VAE_LAB_MAX_TRAININGS``, dispatch, a supervisor's whole job),
``supervisor`` (one training's CLI and how it ended), ``standby``, and
``arguments`` (settings to CLI arguments, the Train form's defaults). This module
is only the command line above; run folders written before the packages moved
name the same command. The run directory is the whole truth: a page reload or a
server restart loses nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from vae.jobs import queue, standby


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("supervise", help="run one queued training (started by dispatch)")
    p.add_argument("run_dir", type=Path)
    p = sub.add_parser("dispatch", help="start queued trainings while slots are free")
    p.add_argument("--root", type=Path)
    p = sub.add_parser("standby", help="wait, torch imported, to supervise the next run")
    p.add_argument("root", type=Path)
    p.add_argument("--parent", help="PID:START of the process whose end ends the standby")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "supervise":
        return queue.supervise(args.run_dir)
    if args.command == "standby":
        parent = None
        if args.parent:
            pid, _, started = args.parent.partition(":")
            parent = (int(pid), int(started) if started not in ("", "None") else None)
        return standby.serve(args.root, queue.supervise, parent)
    queue.dispatch(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
