"""Training a VAE into a run directory: :func:`train`.

``train`` checks the run folder (a new run, or ``resume`` of one), then hands the
work to ``vae.training.loop.Trainer`` (the loop and its checkpoints), which writes the
folder through ``vae.runs.store.RunDir`` (what the folder holds) and trains under
``torchrun`` with ``vae.training.distributed``:

- deterministic for a seed; ``resume=True`` continues from the last checkpoint
  and ends where the same run without interruption ends; a run killed before
  its first checkpoint starts again from the beginning with its saved settings;
- SIGTERM or a ``stop`` file end the run cleanly (status ``stopped``); a loss
  of NaN or inf ends it with status ``failed`` and keeps the last good weights;
- a run folder deleted while training ends the training quietly, not recreated.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from vae import threads
from vae.data import Dataset
from vae.errors import RunError
from vae.model.config import TrainConfig, VAEConfig
from vae.runs.store import RunDir
from vae.training import distributed
from vae.training.loop import Progress, Trainer
from vae.training.signals import Signals

log = logging.getLogger(__name__)


def train(
    model_config: VAEConfig,
    train_config: TrainConfig,
    run_dir: str | Path,
    *,
    resume: bool = False,
    data: Dataset | None = None,
    progress: Progress | None = None,
) -> Path:
    """Train a model into ``run_dir`` and return it; ``resume`` continues a stopped run.

    On resume the run's own model configuration is used and training goes on up
    to ``train_config.epochs``. The final status is one of completed, stopped or
    failed; read it with ``vae.runs.store.read_status``.
    """
    run_dir = Path(run_dir)
    run = RunDir(run_dir)
    saved = None
    if resume:
        saved = run.config()
        if saved is None or not saved.model:
            raise RunError(
                f"{run_dir} holds no run to resume (config.json is missing or unreadable)."
            )
        if run.status().get("state") in ("running", "stopping"):
            raise RunError(f"{run_dir} is still training; it cannot be resumed twice.")
        model_config = VAEConfig.from_dict(saved.model)
        # Runs from before the precision setting trained in fp32.
        previous = TrainConfig.from_dict({"precision": "fp32", **saved.train})
        train_config = TrainConfig.from_dict(
            {**previous.to_dict(), "epochs": train_config.epochs, "device": train_config.device}
        )
        if not run.has_checkpoint():
            log.warning(
                "%s has no checkpoint yet, so it starts again from the beginning with its "
                "saved settings.",
                run_dir,
            )
            run.clear_partial()
            resume = False
    elif run.config_file.exists() or run.checkpoint_file.exists():
        raise RunError(
            f"{run_dir} already holds a run; pass --resume to continue it or choose a new folder."
        )
    trainer = Trainer(model_config, train_config, run_dir, data=data, progress=progress)
    threads_before = torch.get_num_threads()
    threads.use(run_threads(saved.raw.get("threads") if resume else None, trainer.world))
    try:
        return _train(trainer, resume)
    except Exception:
        if run.exists():
            raise
        # The folder was deleted while training (every write fails): end quietly, and do
        # not recreate it.
        log.warning("%s was deleted while training; the training ended.", run_dir)
        return run_dir
    finally:
        threads.use(threads_before)


def run_threads(recorded: object, world: int) -> int:
    """Threads of one training process: the count the run recorded, when it is resumed.

    A new run takes ``vae.threads.training_threads`` (measured at the start, or
    the override), divided among torchrun's processes; the trainer records the
    count in ``config.json``. The thread count changes the order of sums, so a
    resumed run keeps it, whatever the machine's load or the environment says now.
    """
    if isinstance(recorded, int) and recorded > 0:
        if threads.overridden() and threads.training_threads() != recorded:
            log.warning("resuming with the run's own %d thread(s), not the override", recorded)
        return recorded
    if world > 1 and not threads.overridden():
        return max(1, threads.cores() // world)  # ranks probing at once would mislead each other
    return max(1, threads.training_threads() // world)


def _train(trainer: Trainer, resume: bool) -> Path:
    run = trainer.folder
    if trainer.main:
        run.path.mkdir(parents=True, exist_ok=True)
        run.clear_stop()
        run.remove_stray_temp_files()
        trainer.write_config()
    if resume:
        trainer.load_checkpoint()
    trainer.status("running", message="")
    with Signals() as signals:
        try:
            outcome = trainer.run(signals)
        except BaseException as exc:
            if run.exists():
                trainer.status("failed", message=f"{type(exc).__name__}: {exc}")
            raise
    replica_diff = distributed.replica_difference(trainer.model, trainer.world, trainer.device)
    # Drop DDP (and its reducer's pending gloo work) while every rank is still here.
    distributed.barrier(trainer.world)
    trainer.net = trainer.model
    distributed.shut_down(trainer.world)
    if not trainer.main:
        return run.path
    if outcome == "stopped":
        trainer.status("stopped", message="stopped on request; resume to continue")
    elif outcome == "completed":
        trainer.finish(replica_diff)
        if trainer.train_config.baseline and trainer.model_config.architecture == "gru":
            from vae.training.baseline import train_language_model

            trainer.status("running", message="training the baseline language model")
            figures = train_language_model(
                trainer.data, trainer.model_config, trainer.train_config, run.path
            )
            run.write_summary({**run.summary(), "baseline": figures})
        trainer.status("completed", message="")
    run.clear_stop()
    return run.path
