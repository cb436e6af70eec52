"""The latent codes of a fixed test subset over training: what the map's movie plays.

Training keeps, in ``codes_history.npz`` of the run folder, the posterior means
of the first :data:`N_POINTS` test examples at the start (epoch 0) and after
epochs. The file stays small for runs of any length: it holds at most
:data:`MAX_FRAMES` frames, the epochs that are multiples of a power-of-two
stride (the smallest that fits) plus the latest epoch. Which epochs are kept
is a function of the latest epoch alone, so a run resumed from a checkpoint
(its later frames dropped by :func:`trim`) keeps exactly the frames the
uninterrupted run keeps. Codes are stored as float16: a 1,000-point, 16-D
history of 17 frames is about 0.5 MB.

    epochs   int32 (F,)           the epoch after which each frame was taken (0: untrained)
    codes    float16 (F, n, d)    the posterior means of test examples 0 … n−1
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from vae.io import atomic_write_bytes
from vae.runs.store import HISTORY_FILE

N_POINTS = 1000
# 17 frames keep a 16-D bundled MNIST model's history near 450 kB (its bundle under 3 MB).
MAX_FRAMES = 17


def stride_for(latest: int, max_frames: int = MAX_FRAMES) -> int:
    """The smallest power of two s with the multiples of s in 0 … latest, plus latest, ≤ max."""
    stride = 1
    while latest // stride + 1 + (latest % stride != 0) > max_frames:
        stride *= 2
    return stride


def kept_epochs(latest: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """The epochs a history whose latest frame is ``latest`` keeps, in order."""
    stride = stride_for(latest, max_frames)
    kept = list(range(0, latest + 1, stride))
    if kept[-1] != latest:
        kept.append(latest)
    return kept


def read(run_dir: str | Path) -> tuple[np.ndarray, np.ndarray] | None:
    """``(epochs, codes)`` of a run's history as float32 codes, or None if it has none."""
    path = Path(run_dir) / HISTORY_FILE
    try:
        with np.load(path, allow_pickle=False) as f:
            epochs, codes = f["epochs"].astype(np.int64), f["codes"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return None
    if codes.ndim != 3 or len(epochs) != len(codes) or len(epochs) == 0:
        return None
    return epochs, codes


def _write(run_dir: Path, epochs: np.ndarray, codes: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, epochs=epochs.astype(np.int32), codes=codes.astype(np.float16, copy=False)
    )
    # parents=False: a run folder deleted meanwhile stays deleted.
    atomic_write_bytes(run_dir / HISTORY_FILE, buffer.getvalue(), parents=False)


class History:
    """A run's history held in memory while it trains, written by :meth:`flush`.

    Training adds a frame every epoch but writes the file only beside its
    checkpoint, so the file never holds frames the checkpoint has not reached.
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        found = read(self.run_dir)
        self.epochs, self.codes = found if found is not None else (None, None)
        self.dirty = False

    def add(self, epoch: int, means: torch.Tensor) -> None:
        """Add the frame after ``epoch`` (the first :data:`N_POINTS` rows of ``means``)."""
        frame = means[:N_POINTS].detach().float().cpu().numpy()
        if self.codes is None or self.codes.shape[1:] != frame.shape:
            epochs, codes = np.zeros(0, np.int64), np.zeros((0, *frame.shape), np.float32)
        else:
            epochs, codes = self.epochs, self.codes
        earlier = epochs < epoch  # a frame of this epoch from before a resume is replaced
        epochs = np.append(epochs[earlier], epoch)
        codes = np.concatenate([codes[earlier], frame[None]])
        keep = np.isin(epochs, kept_epochs(epoch))
        self.epochs, self.codes, self.dirty = epochs[keep], codes[keep], True

    def flush(self) -> None:
        if self.dirty and self.codes is not None:
            _write(self.run_dir, self.epochs, self.codes)
            self.dirty = False


def record(run_dir: str | Path, epoch: int, means: torch.Tensor) -> None:
    """Add the frame after ``epoch`` to the run's file at once."""
    history = History(run_dir)
    history.add(epoch, means)
    history.flush()


def trim(run_dir: str | Path, epoch: int) -> None:
    """Drop frames after ``epoch`` (a resumed run's checkpoint): they are taken again."""
    run_dir = Path(run_dir)
    found = read(run_dir)
    if found is None:
        return
    epochs, codes = found
    if (epochs > epoch).any():
        keep = epochs <= epoch
        _write(run_dir, epochs[keep], codes[keep])


def thin(run_dir: str | Path, n_points: int) -> None:
    """Keep only the first ``n_points`` examples of a run's history (a bundle's size budget:
    1,000 codes of 128 dimensions over 17 frames are 2.5 MB; 250 of them a quarter)."""
    run_dir = Path(run_dir)
    found = read(run_dir)
    if found is not None and found[1].shape[1] > n_points:
        _write(run_dir, found[0], found[1][:, :n_points])

