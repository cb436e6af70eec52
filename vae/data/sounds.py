"""Sounds a person brings: one ``.wav`` (uploaded or recorded), or a folder or ``.zip`` of them.

Each clip is framed as the ``notes`` were made, so a model of them can read
it: mixed to mono, resampled to 16 kHz (polyphase, ``scipy.signal``), started
10 ms before its onset (the first sample above 1 % of its peak), cut or padded
with silence to one second, and scaled so that its peak is 0.5 (a note's
harmonics sum to 0.5); then turned into the lab's spectrogram picture
(``vae.data.spectrogram``). A folder or zip is labelled by its class
sub-folders, as image folders are.

Refused, each with one sentence and nothing kept: a file that is not PCM WAV
(8, 16, 24 or 32-bit integer; the standard ``wave`` module reads it), an empty
or silent clip, a clip over 30 s, more than 5,000 clips, fewer than 10.
"""

from __future__ import annotations

import io
import logging
import math
import wave
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import torch

import vae.data.spectrogram as spec
from vae.data.base import Dataset, TensorSplit
from vae.data.common import MIN_EXAMPLES, split_indices
from vae.data.images import folder_entries, zip_entries
from vae.data.notes import DEFAULTS as NOTES_DEFAULTS
from vae.errors import DataError

logger = logging.getLogger(__name__)

EXTENSIONS = (".wav",)
MAX_CLIP_SECONDS = 30.0
MAX_CLIPS = 5000
MAX_CHANNELS = 8
PEAK = 0.5
ONSET = 0.01  # of the peak
LEAD_IN = 0.01  # s before the onset
CLIP_SECONDS = 1.0
# The notes' settings, whose sounds are framed the same way (an epoch is the whole set).
DEFAULTS = {k: v for k, v in NOTES_DEFAULTS.items() if k != "epoch_size"}


def read_wav(data: bytes, source: str = "The sound") -> np.ndarray:
    """The samples of a PCM WAV file, mono float64 in [−1, 1] at 16 kHz."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate, n = (
                w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes(),
            )  # fmt: skip
            if not 1 <= channels <= MAX_CHANNELS or not 1 <= width <= 4 or rate < 1000:
                raise DataError(
                    f"{source} has {channels} channels of {8 * width}-bit samples at {rate} Hz; "
                    f"expected 1–{MAX_CHANNELS} channels of 8–32-bit PCM at 1 kHz or more."
                )
            if n == 0:
                raise DataError(f"{source} is empty (no samples); expected a recorded sound.")
            if n / rate > MAX_CLIP_SECONDS:
                raise DataError(
                    f"{source} lasts {n / rate:.1f} s; clips of up to {MAX_CLIP_SECONDS:.0f} s "
                    "are accepted (the model hears the first second after the onset)."
                )
            raw = w.readframes(n)
    except (wave.Error, EOFError) as exc:
        why = f" ({exc})" if str(exc) else ""
        raise DataError(
            f"{source} is not a PCM WAV file{why}; expected a .wav of 8–32-bit integer samples."
        ) from None
    samples = _pcm(raw, width).reshape(-1, channels).mean(1)
    return _resample(samples, rate)


def _pcm(raw: bytes, width: int) -> np.ndarray:
    if width == 1:  # unsigned
        return (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value / float(1 << 23)
    dtype = {2: "<i2", 4: "<i4"}[width]
    return np.frombuffer(raw, dtype).astype(np.float64) / float(1 << (8 * width - 1))


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == spec.SAMPLE_RATE:
        return samples
    from scipy.signal import resample_poly

    common = math.gcd(rate, spec.SAMPLE_RATE)
    return resample_poly(samples, spec.SAMPLE_RATE // common, rate // common)


def frame(samples: np.ndarray, source: str = "The sound") -> torch.Tensor:
    """One second from 10 ms before the onset, peak 0.5: float32 (16000,)."""
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak < 1e-4:
        raise DataError(f"{source} is silent (peak below −80 dB); expected a recorded sound.")
    onset = int(np.argmax(np.abs(samples) > ONSET * peak))
    start = max(0, onset - int(LEAD_IN * spec.SAMPLE_RATE))
    n = int(CLIP_SECONDS * spec.SAMPLE_RATE)
    clip = np.zeros(n)
    piece = samples[start : start + n]
    clip[: len(piece)] = piece
    return torch.from_numpy(clip * (PEAK / peak)).float()


def sound_to_tensor(data: bytes, source: str = "The sound") -> torch.Tensor:
    """A WAV file's bytes as the lab's spectrogram picture (1, 64, 126)."""
    return spec.spectrogram(frame(read_wav(data, source), source)[None])[0]


def is_sounds(names: list[PurePosixPath]) -> bool:
    """Whether a folder's or archive's files are sounds (at least one .wav, no pictures)."""
    suffixes = {n.suffix.lower() for n in names if not _hidden(n)}
    return ".wav" in suffixes and not suffixes & {".png", ".jpg", ".jpeg", ".bmp", ".gif"}


def _hidden(rel: PurePosixPath) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in rel.parts)


def sounds_to_dataset(entries: list, *, source: str, name: str, seed: int) -> Dataset:
    """The ``.wav`` entries (relative path, item name, reader) of a folder or archive."""
    kept = sorted(
        (e for e in entries if e[0].suffix.lower() in EXTENSIONS and not _hidden(e[0])),
        key=lambda e: e[0].as_posix(),
    )
    if len(kept) < MIN_EXAMPLES:
        raise DataError(
            f"{source} holds {len(kept)} .wav files; at least {MIN_EXAMPLES} are needed."
        )
    if len(kept) > MAX_CLIPS:
        raise DataError(
            f"{source} holds {len(kept):,} .wav files; up to {MAX_CLIPS:,} are accepted."
        )
    parts = [rel.parts for rel, _, _ in kept]
    while all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        parts = [p[1:] for p in parts]
    labels = [p[0] for p in parts] if all(len(p) > 1 for p in parts) else None
    clips = torch.stack([frame(read_wav(read(), item), item) for _, item, read in kept])
    x = spec.spectrogram(clips)
    class_names, y = None, None
    if labels is not None:
        class_names = sorted(set(labels))
        y = torch.tensor([class_names.index(label) for label in labels])
    labels_np = None if y is None else y.numpy()
    train_idx, test_idx = (torch.from_numpy(i) for i in split_indices(len(kept), seed, labels_np))

    def split(idx: torch.Tensor) -> TensorSplit:
        return TensorSplit(x[idx], None if y is None else y[idx])

    logger.info("%s: %d sounds, %s", source, len(kept), "labelled" if labels else "unlabelled")
    return Dataset(
        name=name, train=split(train_idx), test=split(test_idx), input_shape=tuple(x.shape[1:]),
        kind="audio", likelihood="gaussian", default_architecture="conv",
        class_names=class_names, defaults=dict(DEFAULTS),
        description=f"{len(kept)} sounds from {Path(source).name}, 1 s spectrograms",
    )  # fmt: skip


def load_sound_folder(path: Path, *, seed: int = 0) -> Dataset:
    return sounds_to_dataset(folder_entries(path), source=str(path), name=path.name, seed=seed)


def load_sound_zip(path: Path, *, seed: int = 0) -> Dataset:
    try:
        with zipfile.ZipFile(path) as archive:
            return sounds_to_dataset(
                zip_entries(archive, path), source=str(path), name=path.stem, seed=seed
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise DataError(
            f"{path} is not a readable zip archive ({exc}); expected a .zip of .wav files."
        ) from None
