"""The run store: where runs live, and :class:`RunDir`, the one type that knows a run folder.

A run directory is the single source of truth. The CLI's training writes it,
the app only reads it (and may drop a ``stop`` file in it to ask a run to end).

    config.json              model + training configuration, data set facts (see RunConfig)
    metrics.jsonl            one JSON object per logged step ("type": "step") or epoch ("epoch")
    model.safetensors        the weights to use (the best so far with early stopping)
    checkpoint.safetensors   everything needed to resume: weights, optimiser, RNG, position
    status                   JSON: state, pid + its start time, host, epoch, message, times
    summary.json             the final evaluation
    reconstructions/         epoch_NNNN.png: fixed test examples (top) and their reconstructions
    codes_history.npz        the codes of a fixed test subset over training (vae.runs.code_history)
    stop                     present = a stop was requested
    launch.json              for runs started from the app: the CLI arguments and settings
    train.log                for runs started from the app: what the CLI printed
    cache/                   results the app computed for this run (vae.runs.cache)

Run files are written atomically and never create a missing run folder, so a
run deleted while it trains stays deleted; the readers return empty values for
a folder that is (half) gone. A process is identified by its PID *and* its start
time, so a PID recycled by an unrelated process does not hold a dead run hostage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vae.errors import RunError
from vae.model.files import CONFIG_FILE, WEIGHTS_FILE
from vae.io import atomic_write_json, atomic_write_text, remove_stray_temp_files
from vae.runs.status import ACTIVE_STATES, RunStatus

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "checkpoint.safetensors"
STATUS_FILE = "status"
SUMMARY_FILE = "summary.json"
RECON_DIR = "reconstructions"
HISTORY_FILE = "codes_history.npz"
STOP_FILE = "stop"
LAUNCH_FILE = "launch.json"
LOG_FILE = "train.log"
CACHE_DIR = "cache"
CONFIG_FORMAT = "vae-lab-run/1"


def runs_root() -> Path:
    """The folder that holds the user's runs: ``$VAE_LAB_RUNS`` or ``runs/``."""
    return Path(os.environ.get("VAE_LAB_RUNS", "runs"))


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return default


_fingerprints: dict[tuple[str, int, int], str] = {}


def weights_fingerprint(model_dir: Path) -> str | None:
    """The cache key of a model's weights: sha256 of the file (memoised per path, mtime, size).

    None when the folder has no weights (not trained yet, or deleted meanwhile).
    """
    weights = Path(model_dir) / WEIGHTS_FILE
    try:
        stat = weights.stat()
        key = (str(weights), stat.st_mtime_ns, stat.st_size)
        if key not in _fingerprints:
            _fingerprints[key] = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
    except OSError:
        return None
    return _fingerprints[key]


@dataclass(frozen=True)
class RunConfig:
    """config.json as read, with its sections named (the one place its layout is parsed)."""

    raw: dict[str, Any]

    @property
    def model(self) -> dict[str, Any]:
        return self.raw.get("model") or {}

    @property
    def train(self) -> dict[str, Any]:
        return self.raw.get("train") or {}

    @property
    def dataset(self) -> dict[str, Any]:
        """The data set's facts: name, kind, sizes, class and factor names."""
        return self.raw.get("dataset") or {}

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.raw.get("input_shape") or ())

    @property
    def dataset_name(self) -> str:
        return str(self.train.get("dataset") or self.dataset.get("name") or "?")

    @property
    def image_size(self) -> int | None:
        return self.train.get("image_size")

    @property
    def data_dir(self) -> str | None:
        return self.train.get("data_dir")

    @property
    def epochs(self) -> int:
        return int(self.train.get("epochs") or 0)

    @property
    def precision_used(self) -> str:
        return str(self.raw.get("precision_used", "fp32"))


class RunDir(RunStatus):
    """One run folder (or a bundled model folder, which has the same layout): its files."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    config_file = property(lambda self: self.path / CONFIG_FILE)
    metrics_file = property(lambda self: self.path / METRICS_FILE)
    weights_file = property(lambda self: self.path / WEIGHTS_FILE)
    checkpoint_file = property(lambda self: self.path / CHECKPOINT_FILE)
    status_file = property(lambda self: self.path / STATUS_FILE)
    summary_file = property(lambda self: self.path / SUMMARY_FILE)
    recon_dir = property(lambda self: self.path / RECON_DIR)
    stop_file = property(lambda self: self.path / STOP_FILE)
    launch_file = property(lambda self: self.path / LAUNCH_FILE)
    log_file = property(lambda self: self.path / LOG_FILE)
    cache_dir = property(lambda self: self.path / CACHE_DIR)

    def exists(self) -> bool:
        return self.path.is_dir()

    def is_run(self) -> bool:
        return self.config_file.is_file() or self.status_file.is_file()

    def has_checkpoint(self) -> bool:
        return self.checkpoint_file.is_file()

    def has_weights(self) -> bool:
        return self.weights_file.is_file()

    # --- config.json -----------------------------------------------------------------------

    def config(self) -> RunConfig | None:
        """config.json, or None when it is missing or unreadable."""
        raw = read_json(self.config_file, None)
        return RunConfig(raw) if isinstance(raw, dict) else None

    def write_config(
        self,
        model: dict[str, Any],
        input_shape: tuple[int, ...],
        train: dict[str, Any],
        dataset: dict[str, Any],
        **extra: Any,
    ) -> None:
        body = {"format": CONFIG_FORMAT, "model": model, "input_shape": list(input_shape)}
        self._write(CONFIG_FILE, {**body, "train": train, "dataset": dataset, **extra})

    # --- metrics, summary, launch ----------------------------------------------------------

    def metrics(self, kind: str | None = None) -> list[dict[str, Any]]:
        """All metrics records (or those of one ``type``); a half-written last line is skipped."""
        try:
            lines = self.metrics_file.read_text().splitlines()
        except OSError:
            return []
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and (kind is None or record.get("type") == kind):
                records.append(record)
        return records

    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one record; raises FileNotFoundError if the run folder is gone."""
        with open(self.metrics_file, "a") as f:
            f.write(json.dumps(record, allow_nan=False) + "\n")

    def trim_metrics(self, step: int) -> int:
        """Drop records logged after ``step`` (the checkpoint's): a resumed run logs them again."""
        records = self.metrics()
        kept = [r for r in records if int(r.get("step", 0)) <= step]
        if len(kept) < len(records):
            text = "".join(json.dumps(r, allow_nan=False) + "\n" for r in kept)
            atomic_write_text(self.metrics_file, text, parents=False)
        return len(records) - len(kept)

    def summary(self) -> dict[str, Any]:
        found = read_json(self.summary_file, {})
        return found if isinstance(found, dict) else {}

    def write_summary(self, summary: dict[str, Any]) -> None:
        self._write(SUMMARY_FILE, summary)

    def launch(self) -> dict[str, Any]:
        found = read_json(self.launch_file, {})
        return found if isinstance(found, dict) else {}

    def write_launch(self, launch: dict[str, Any]) -> None:
        self._write(LAUNCH_FILE, launch)

    # --- stop, reconstructions, weights ----------------------------------------------------

    def request_stop(self) -> None:
        """Ask a running training to checkpoint and end (it polls for this file)."""
        self.stop_file.write_text(str(time.time()))

    def stop_requested(self) -> bool:
        return self.stop_file.exists()

    def clear_stop(self) -> None:
        self.stop_file.unlink(missing_ok=True)

    def reconstruction_file(self, epoch: int) -> Path:
        return self.recon_dir / f"epoch_{epoch:04d}.png"

    def latest_reconstruction(self) -> Path | None:
        files = sorted(self.recon_dir.glob("epoch_*.png"))
        return files[-1] if files else None

    def fingerprint(self) -> str | None:
        return weights_fingerprint(self.path)

    # --- housekeeping ----------------------------------------------------------------------

    def remove_stray_temp_files(self) -> list[Path]:
        """What writers killed mid-write left (the app's cache/ is left to its own writer)."""
        return remove_stray_temp_files(self.path) + remove_stray_temp_files(self.recon_dir)

    def clear_partial(self) -> None:
        """Remove what a run that never checkpointed wrote, so that it can start afresh."""
        for name in (METRICS_FILE, SUMMARY_FILE, WEIGHTS_FILE, HISTORY_FILE):
            (self.path / name).unlink(missing_ok=True)
        for png in self.recon_dir.glob("epoch_*.png"):
            png.unlink(missing_ok=True)

    def delete(self) -> None:
        """Remove the run folder; a run that is still active is refused."""
        if not self.is_run():
            raise RunError(f"{self.path} is not a run directory; nothing was deleted.")
        if self.status().get("state") in ACTIVE_STATES:
            raise RunError(f"{self.path} is still training; stop it before deleting it.")
        shutil.rmtree(self.path)

    def info(self) -> RunInfo:
        config = self.config() or RunConfig({})
        status = self.status()
        summary = self.summary()
        model = config.model
        epochs = self.metrics("epoch")
        last = epochs[-1] if epochs else {}
        return RunInfo(
            name=self.name,
            path=self.path,
            state=str(status.get("state", "unknown")),
            dataset=config.dataset_name,
            epoch=int(last.get("epoch", 0)),
            epochs=config.epochs,
            latent_dim=model.get("latent_dim"),
            beta=model.get("beta"),
            flow=model.get("flow", "none") or "none",
            conditional=bool(model.get("conditional", False)),
            test_elbo=summary.get("elbo", last.get("test_elbo")),
            active_units=summary.get("active_units", last.get("active_units")),
            message=str(status.get("message", "")),
            updated=float(status.get("updated", 0.0) or 0.0),
        )

    def _write(self, name: str, obj: Any) -> None:
        # Never parents=True: a run folder deleted meanwhile must not come back.
        atomic_write_json(self.path / name, obj, parents=False)


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
        out = {k: v for k, v in asdict(self).items() if k not in ("updated", "extra")}
        return {**out, "path": str(self.path)}


def list_runs(root: Path | None = None) -> list[RunInfo]:
    """Every run under ``root`` (default: the runs folder), newest first."""
    root = runs_root() if root is None else Path(root)
    try:
        folders = [RunDir(p) for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []
    infos = [run.info() for run in folders if run.is_run()]
    return sorted(infos, key=lambda r: r.updated, reverse=True)


# The functions the app and the CLI call with a path (each one a RunDir method).


def write_status(run_dir: Path, state: str, **fields: Any) -> dict[str, Any]:
    return RunDir(run_dir).write_status(state, **fields)


def read_status(run_dir: Path) -> dict[str, Any]:
    return RunDir(run_dir).status()


def read_metrics(run_dir: Path, kind: str | None = None) -> list[dict[str, Any]]:
    return RunDir(run_dir).metrics(kind)


def request_stop(run_dir: Path) -> None:
    RunDir(run_dir).request_stop()


def stop_requested(run_dir: Path) -> bool:
    return RunDir(run_dir).stop_requested()


def latest_reconstruction(run_dir: Path) -> Path | None:
    return RunDir(run_dir).latest_reconstruction()


def run_info(run_dir: Path) -> RunInfo:
    return RunDir(run_dir).info()


def delete_run(run_dir: Path) -> None:
    RunDir(run_dir).delete()
