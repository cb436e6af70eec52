"""The run store: where runs live and how their files are read.

A run directory is the single source of truth. The CLI's training writes it,
the app only reads it (and may drop a ``stop`` file in it to ask a run to end).

    config.json              model + training configuration, data set facts
    metrics.jsonl            one JSON object per logged step ("type": "step") or epoch ("epoch")
    model.safetensors        the weights to use (the best so far with early stopping)
    checkpoint.safetensors   everything needed to resume: weights, optimiser, RNG, position
    status                   JSON: state, pid, host, epoch, message, times
    summary.json             the final evaluation
    reconstructions/         epoch_NNNN.png: fixed test examples (top) and their reconstructions
    stop                     present = a stop was requested
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vae.errors import RunError
from vae.io import atomic_write_json

log = logging.getLogger(__name__)

STATES = ("queued", "running", "stopping", "stopped", "completed", "failed", "interrupted")
ACTIVE_STATES = ("queued", "running", "stopping")
STATUS_FILE = "status"
METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"
STOP_FILE = "stop"
CHECKPOINT_FILE = "checkpoint.safetensors"
RECON_DIR = "reconstructions"


def runs_root() -> Path:
    """The folder that holds the user's runs: ``$VAE_LAB_RUNS`` or ``runs/``."""
    return Path(os.environ.get("VAE_LAB_RUNS", "runs"))


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def write_status(run_dir: Path, state: str, **fields: Any) -> dict[str, Any]:
    """Record the run's state (merged into what the status file already says)."""
    current = read_json(run_dir / STATUS_FILE, {}) or {}
    now = time.time()
    current.update(fields)
    current.update(state=state, updated=now)
    if state == "running":
        current.update(pid=os.getpid(), host=socket.gethostname())
        current.setdefault("started", now)
    atomic_write_json(run_dir / STATUS_FILE, current)
    return current


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of this process (the app's launched trainings) is dead too.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def read_status(run_dir: Path) -> dict[str, Any]:
    """The status as recorded, with a run whose process has died shown as ``interrupted``."""
    status = read_json(Path(run_dir) / STATUS_FILE, None)
    if not isinstance(status, dict):
        return {"state": "interrupted" if (Path(run_dir) / CHECKPOINT_FILE).exists() else "unknown"}
    if status.get("state") in ("running", "stopping"):
        pid = status.get("pid")
        same_host = status.get("host") == socket.gethostname()
        if same_host and isinstance(pid, int) and not _process_alive(pid):
            status = {
                **status,
                "state": "interrupted",
                "message": "the training process ended unexpectedly",
            }
    return status


def read_metrics(run_dir: Path, kind: str | None = None) -> list[dict[str, Any]]:
    """All metrics records (or those of one ``type``); a half-written last line is skipped."""
    path = Path(run_dir) / METRICS_FILE
    records = []
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if kind is None or record.get("type") == kind:
            records.append(record)
    return records


def append_metrics(run_dir: Path, record: dict[str, Any]) -> None:
    with open(Path(run_dir) / METRICS_FILE, "a") as f:
        f.write(json.dumps(record, allow_nan=False) + "\n")


def request_stop(run_dir: Path) -> None:
    """Ask a running training to checkpoint and end (it polls for this file)."""
    (Path(run_dir) / STOP_FILE).write_text(str(time.time()))


def stop_requested(run_dir: Path) -> bool:
    return (Path(run_dir) / STOP_FILE).exists()


def latest_reconstruction(run_dir: Path) -> Path | None:
    files = sorted((Path(run_dir) / RECON_DIR).glob("epoch_*.png"))
    return files[-1] if files else None


@dataclass
class RunInfo:
    """What a list of runs shows about one of them."""

    name: str
    path: Path
    state: str
    dataset: str = "?"
    epoch: int = 0
    epochs: int = 0
    latent_dim: int | None = None
    beta: float | None = None
    flow: str = "none"
    conditional: bool = False
    test_elbo: float | None = None
    active_units: int | None = None
    message: str = ""
    updated: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "state": self.state,
            "dataset": self.dataset,
            "epoch": self.epoch,
            "epochs": self.epochs,
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "flow": self.flow,
            "conditional": self.conditional,
            "test_elbo": self.test_elbo,
            "active_units": self.active_units,
            "message": self.message,
        }


def run_info(run_dir: Path) -> RunInfo:
    run_dir = Path(run_dir)
    config = read_json(run_dir / "config.json", {}) or {}
    status = read_status(run_dir)
    summary = read_json(run_dir / SUMMARY_FILE, {}) or {}
    model = config.get("model", {}) if isinstance(config, dict) else {}
    train = config.get("train", {}) if isinstance(config, dict) else {}
    epochs = read_metrics(run_dir, "epoch")
    last = epochs[-1] if epochs else {}
    return RunInfo(
        name=run_dir.name,
        path=run_dir,
        state=str(status.get("state", "unknown")),
        dataset=str(train.get("dataset", config.get("dataset", {}).get("name", "?"))),
        epoch=int(last.get("epoch", 0)),
        epochs=int(train.get("epochs", 0) or 0),
        latent_dim=model.get("latent_dim"),
        beta=model.get("beta"),
        flow=model.get("flow", "none") or "none",
        conditional=bool(model.get("conditional", False)),
        test_elbo=summary.get("elbo", last.get("test_elbo")),
        active_units=summary.get("active_units", last.get("active_units")),
        message=str(status.get("message", "")),
        updated=float(status.get("updated", 0.0) or 0.0),
    )


def is_run_dir(path: Path) -> bool:
    return (path / "config.json").is_file() or (path / STATUS_FILE).is_file()


def list_runs(root: Path | None = None) -> list[RunInfo]:
    """Every run under ``root`` (default: the runs folder), newest first."""
    root = runs_root() if root is None else Path(root)
    if not root.is_dir():
        return []
    infos = [run_info(p) for p in root.iterdir() if p.is_dir() and is_run_dir(p)]
    return sorted(infos, key=lambda r: r.updated, reverse=True)


def delete_run(run_dir: Path) -> None:
    """Remove a run directory; a run that is still active is refused."""
    run_dir = Path(run_dir)
    if not is_run_dir(run_dir):
        raise RunError(f"{run_dir} is not a run directory; nothing was deleted.")
    if read_status(run_dir).get("state") in ACTIVE_STATES:
        raise RunError(f"{run_dir} is still training; stop it before deleting it.")
    shutil.rmtree(run_dir)
