"""The training loop: one :class:`Trainer` per run, writing through ``vae.runs.store.RunDir``.

The loop is the textbook one: shuffle, batch, ``loss.backward()``, Adam step.
What it adds is what makes a run trustworthy: deterministic for a seed; a
checkpoint (weights, optimiser, RNG, position inside the epoch) after the first
epoch, then at an epoch end every ``SAVE_SECONDS`` at most, after the last epoch
and when stopping, from which :meth:`Trainer.load_checkpoint` continues exactly;
SIGTERM or a ``stop`` file end the run cleanly; a loss of NaN or inf fails it and
keeps the last good weights; optional early stopping on the test ELBO. Under
``torchrun`` it trains with DistributedDataParallel (``vae.training.distributed``), rank 0
writing. ``vae.training.train.train`` is the entry point.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from vae.data import Dataset, load_dataset
from vae.errors import ConfigError
from vae.images import grid, png_bytes
from vae.io import atomic_write_bytes
from vae.model.autoencoder import VAE
from vae.model.config import TrainConfig, VAEConfig
from vae.model.evaluation import active_units, elbo_stats, encode_means, summarize
from vae.model.objectives.schedules import beta_schedule
from vae.runs import code_history
from vae.runs.store import RunDir
from vae.training import distributed
from vae.training.checkpoint import load_checkpoint, save_checkpoint
from vae.training.configs import prepare_config
from vae.training.device import precision_name, resolve_device, resolve_precision
from vae.training.optim import adam, scheduled_lr
from vae.training.signals import Signals

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, Any]], None]


# The IWAE log p(x) of summary.json uses this many test examples (k = 100): a 64×64
# conv model's full 5,000 would keep a finished run busy for minutes.
# ``python -m vae evaluate`` measures the whole split.
FINAL_IWAE_EXAMPLES = 1000
# Weights, checkpoint and code history are written at the first epoch's end, then at an
# epoch's end once this long has passed since the last write, and always after the last
# epoch and when stopping: on
# digits an epoch takes ~0.1 s and writing them every epoch was ~20 % of the run. A
# killed run loses at most this much training; resume stays bit-exact from any checkpoint.
SAVE_SECONDS = 2.0
STATUS_SECONDS = 0.5  # the status file's progress between epochs, at most this often


class Trainer:
    """One run's training state: the model, the optimiser, the position, the run folder."""

    def __init__(
        self,
        model_config: VAEConfig,
        train_config: TrainConfig,
        run_dir: Path,
        data: Dataset | None = None,
        progress: Progress | None = None,
    ) -> None:

        self.run_dir = Path(run_dir)
        self.folder = RunDir(self.run_dir)
        self.train_config = train_config
        self.progress = progress
        self.rank, self.world = distributed.rank_and_world()
        self.main = self.rank == 0
        if train_config.batch_size % self.world:
            raise ConfigError(
                f"batch_size {train_config.batch_size} must be divisible by the {self.world} processes."
            )
        self.data = data or load_dataset(
            train_config.dataset,
            image_size=train_config.image_size,
            data_dir=train_config.data_dir,
            seed=0,
            tokens=train_config.tokens,
        )
        self.model_config = prepare_config(model_config, self.data)
        self.device = distributed.rank_device(self.world, train_config.device) or resolve_device(
            train_config.device
        )
        torch.manual_seed(train_config.seed + self.rank)
        self.model = VAE(self.model_config, self.data.input_shape).to(self.device)
        self.model.objective.n_train = len(self.data.train)  # β-TCVAE's data set size N
        self.model.train_dtype = resolve_precision(
            train_config.precision, self.device, self.model_config.architecture
        )
        self.optimizer = adam(self.model, train_config.lr)
        self.net: torch.nn.Module = distributed.wrap(self.model, self.world, self.device)
        # Shuffling has its own generator, shared by all ranks, so every rank sees the same order.
        self.generator = torch.Generator().manual_seed(train_config.seed)
        n = len(self.data.train)
        self.epoch_size = min(train_config.epoch_size or n, n)
        self.steps_per_epoch = max(1, self.epoch_size // train_config.batch_size)
        self.total_steps = self.steps_per_epoch * train_config.epochs
        self.epoch = 0  # completed epochs
        self.batch = 0  # batches done inside the current epoch
        self.step = 0
        self.history: code_history.History | None = None
        self._saved_at: float | None = None  # the first epoch's end always saves
        self._status_at = time.monotonic()
        self.order: torch.Tensor | None = None
        self.accum = {"elbo": 0.0, "recon": 0.0, "kl": 0.0, "n": 0, "seconds": 0.0}
        self.best_elbo = -math.inf
        self.bad_epochs = 0
        self.elapsed = 0.0
        test = self.data.test
        self.test_x = test.x.to(self.device)
        self.test_y = None if test.y is None else test.y.to(self.device)
        k = min(train_config.n_recon_examples, len(test)) if self.data.is_image else 0
        self.recon_x = self.test_x[:k]
        self.recon_y = None if self.test_y is None else self.test_y[:k]

    # --- files ---------------------------------------------------------------------------

    def write_config(self) -> None:
        data = self.data
        self.folder.write_config(
            model=self.model_config.to_dict(),
            input_shape=data.input_shape,
            train=self.train_config.to_dict(),
            dataset={
                "name": data.name,
                "kind": data.kind,
                "n_train": len(data.train),
                "n_test": len(data.test),
                "class_names": data.class_names,
                "factor_names": data.factor_names,
                "factor_sizes": data.factor_sizes,
            },
            world_size=self.world,
            # What precision "auto" became on this machine.
            precision_used=precision_name(self.model.train_dtype),
            threads=torch.get_num_threads(),  # vae.training.train.run_threads: resume keeps it
        )
        if data.vocabulary is not None:  # what a text model's ids mean, beside its weights
            data.vocabulary.save(self.run_dir)

    def save_checkpoint(self) -> None:
        tensors = {"rng_torch": torch.get_rng_state(), "rng_data": self.generator.get_state()}
        if self.order is not None:
            tensors["order"] = self.order
        state = {
            "epoch": self.epoch,
            "batch": self.batch,
            "step": self.step,
            "accum": self.accum,
            "best_elbo": self.best_elbo if math.isfinite(self.best_elbo) else None,
            "bad_epochs": self.bad_epochs,
            "elapsed": self.elapsed,
        }
        self.model.objective.save_into(tensors, state)
        save_checkpoint(self.folder.checkpoint_file, self.model, self.optimizer, tensors, state)
        if self.history is not None:  # frames up to the checkpoint, never beyond it
            self.history.flush()
        self._saved_at = time.monotonic()

    def load_checkpoint(self) -> None:
        """Continue from the run's checkpoint: weights, optimiser, RNG and position."""
        extra, state = load_checkpoint(self.folder.checkpoint_file, self.model, self.optimizer)
        self.model.objective.load_from(extra, state)
        torch.set_rng_state(extra["rng_torch"])
        self.generator.set_state(extra["rng_data"])
        self.order = extra.get("order")
        self.epoch, self.batch, self.step = state["epoch"], state["batch"], state["step"]
        self.accum = state["accum"]
        self.best_elbo = -math.inf if state["best_elbo"] is None else state["best_elbo"]
        self.bad_epochs = state["bad_epochs"]
        self.elapsed = state["elapsed"]
        if self.batch == 0:
            self.order = None
        if self.main:
            # Records logged after the checkpoint (a kill before the next one) come again.
            self.folder.trim_metrics(self.step)
            code_history.trim(self.run_dir, self.epoch)

    def status(self, state: str, **fields: Any) -> None:
        self._status_at = time.monotonic()
        if self.main:
            self.folder.write_status(
                state,
                epoch=self.epoch,
                epochs=self.train_config.epochs,
                step=self.step,
                total_steps=self.total_steps,
                **fields,
            )

    # --- the loop ------------------------------------------------------------------------

    def _new_order(self) -> torch.Tensor:
        n = len(self.data.train)
        if self.epoch_size < n:  # a random subset each epoch, for data too large to sweep
            return torch.randint(n, (self.epoch_size,), generator=self.generator)
        return torch.randperm(n, generator=self.generator)

    def run(self, signals: Signals) -> str:
        config = self.train_config
        per_rank = config.batch_size // self.world
        if self.main and self.epoch == 0 and self.batch == 0:  # the untrained map, frame 0
            self._record_codes(encode_means(self.model, *self._history_subset()))
        while self.epoch < config.epochs:
            if self.order is None:
                self.order = self._new_order()
                self.batch = 0
            self.model.train()
            tick = time.perf_counter()
            while self.batch < self.steps_per_epoch:
                start = self.batch * config.batch_size + self.rank * per_rank
                idx = self.order[start : start + per_rank]
                batch = self.data.train.get(idx)
                x = batch.x.to(self.device, non_blocking=True)
                labelled = batch.y is not None and self.model_config.conditional
                y = batch.y.to(self.device) if labelled else None
                beta, capacity = beta_schedule(self.model_config, self.step, self.total_steps)
                lr = scheduled_lr(config.lr, config.lr_decay, self.step, self.total_steps)
                self.optimizer.param_groups[0]["lr"] = lr  # constant unless lr_decay > 0
                terms = self.net(x, y, beta, capacity)
                failed = not torch.isfinite(terms.loss).item()
                stop, failed = distributed.agree(
                    signals.stop or self.folder.stop_requested(),
                    failed,
                    main=self.main,
                    world=self.world,
                    device=self.device,
                )
                if failed:
                    return self._fail(f"the loss became {terms.loss.item()} at step {self.step}")
                self.optimizer.zero_grad(set_to_none=True)
                terms.loss.backward()
                self.optimizer.step()
                self.model.objective.step(terms)  # an objective's own parts (FactorVAE's D)
                self.batch += 1
                self.step += 1
                m = x.shape[0]
                values = terms.as_floats()
                for key in ("elbo", "recon", "kl"):
                    self.accum[key] += values[key] * m
                self.accum["n"] += m
                if self.main and self.step % config.log_every == 0:
                    record = {
                        "type": "step",
                        "step": self.step,
                        "epoch": self.epoch + self.batch / self.steps_per_epoch,
                    }
                    record.update(values)
                    record["lr"] = self.optimizer.param_groups[0]["lr"]
                    self.folder.append_metrics(record)
                    if time.monotonic() - self._status_at >= STATUS_SECONDS:
                        self.status("running")
                    self._report(record)
                if stop:
                    self.accum["seconds"] += time.perf_counter() - tick
                    self.elapsed += time.perf_counter() - tick
                    if self.main:
                        self.save_checkpoint()
                    return "stopped"
            self.accum["seconds"] += time.perf_counter() - tick
            self.elapsed += time.perf_counter() - tick
            self.epoch += 1
            self.batch = 0
            self.order = None
            if self._end_epoch():
                return "completed"
        return "completed"

    def _end_epoch(self) -> bool:
        """Log the epoch, checkpoint, and say whether early stopping ends the run."""
        if not self.main:
            return False
        n = max(self.accum["n"], 1)
        samples_per_s = self.accum["n"] * self.world / max(self.accum["seconds"], 1e-9)
        test = elbo_stats(self.model, self.test_x, self.test_y, seed=self.train_config.seed)
        means = encode_means(self.model, self.test_x, self.test_y)
        n_active, _ = active_units(means)
        self._record_codes(means)
        beta, capacity = beta_schedule(self.model_config, self.step, self.total_steps)
        remaining = (
            (self.total_steps - self.step) * self.train_config.batch_size / max(samples_per_s, 1e-9)
        )
        record = {
            "type": "epoch",
            "epoch": self.epoch,
            "step": self.step,
            "train_elbo": self.accum["elbo"] / n,
            "train_recon": self.accum["recon"] / n,
            "train_kl": self.accum["kl"] / n,
            "test_elbo": test["elbo"],
            "test_recon": test["recon"],
            "test_kl": test["kl"],
            "kl_per_dim": test["kl_per_dim"],
            "active_units": n_active,
            "beta": beta,
            "capacity": capacity,
            "lr": self.optimizer.param_groups[0]["lr"],
            "samples_per_s": samples_per_s,
            "elapsed_s": self.elapsed,
            "eta_s": remaining,
            "load_1min": os.getloadavg()[0],  # the machine's load: figures are read beside it
        }
        self.folder.append_metrics(record)
        self.accum = {"elbo": 0.0, "recon": 0.0, "kl": 0.0, "n": 0, "seconds": 0.0}
        self._save_reconstructions()
        improved = test["elbo"] > self.best_elbo
        if improved:
            self.best_elbo = test["elbo"]
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        patience = self.train_config.early_stopping
        stopping = patience is not None and self.bad_epochs >= patience
        due = stopping or self.epoch >= self.train_config.epochs or self._save_due()
        if (improved and patience is not None) or (patience is None and due):
            self._gone_check()  # VAE.save creates its folder: a deleted run must not come back
            self.model.save(self.run_dir)
        if due:
            self.save_checkpoint()
        self.status("running", samples_per_s=samples_per_s, eta_s=remaining)
        self._report(record)
        if stopping:
            log.info("early stopping: no better test ELBO for %d epochs", patience)
        return stopping

    def _save_due(self) -> bool:
        return self._saved_at is None or time.monotonic() - self._saved_at >= SAVE_SECONDS

    def _history_subset(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        n = code_history.N_POINTS
        return self.test_x[:n], None if self.test_y is None else self.test_y[:n]

    def _record_codes(self, means: torch.Tensor) -> None:
        if self.history is None:  # read after load_checkpoint trimmed the file
            self.history = code_history.History(self.run_dir)
        self.history.add(self.epoch, means)

    def _save_reconstructions(self) -> None:
        if self.recon_x.shape[0] == 0:
            return
        self.model.eval()
        with torch.inference_mode():
            y = self.recon_y if self.model_config.conditional else None
            recon = self.model.reconstruct(self.recon_x, y)
        picture = grid(torch.cat([self.recon_x, recon]).cpu(), ncol=self.recon_x.shape[0])
        self._gone_check()
        self.folder.recon_dir.mkdir(exist_ok=True)
        atomic_write_bytes(
            self.folder.reconstruction_file(self.epoch), png_bytes(picture), parents=False
        )

    def _fail(self, reason: str) -> str:
        log.error("training failed: %s; the last good checkpoint is kept", reason)
        self.status("failed", message=f"{reason}; the last good checkpoint is kept")
        return "failed"

    def _report(self, record: dict[str, Any]) -> None:
        if self.progress is not None:
            self.progress(
                {**record, "total_steps": self.total_steps, "epochs": self.train_config.epochs}
            )

    def _gone_check(self) -> None:
        if not self.folder.exists():
            raise FileNotFoundError(f"{self.run_dir} was deleted while training")

    def finish(self, replica_diff: float | None = None) -> None:
        """Evaluate the kept weights on the test split into summary.json."""
        best = VAE.load(self.run_dir, device=self.device)
        summary = summarize(
            best,
            self.test_x,
            self.test_y,
            k=100,
            seed=self.train_config.seed,
            iwae_examples=FINAL_IWAE_EXAMPLES,
        )
        summary["epochs_trained"] = self.epoch
        summary["steps"] = self.step
        summary["train_seconds"] = self.elapsed
        summary["images_seen"] = self.step * self.train_config.batch_size * self.world
        loads = [r["load_1min"] for r in self.folder.metrics("epoch") if "load_1min" in r]
        if loads:  # the 1-minute load average at each epoch's end, over the whole run
            summary["load_1min"] = {"mean": sum(loads) / len(loads), "max": max(loads)}
        if replica_diff is not None:
            summary["world_size"] = self.world
            summary["ddp_replica_max_abs_diff"] = replica_diff
        self.folder.write_summary(summary)
