"""``notes``: synthetic musical notes with known factors, the dSprites of sound.

Each clip is one second at 16 kHz of an additive-synthesis note, made from
six independent factors, each on a fixed grid (24 × 4 × 2 × 3 × 3 × 3 = 5,184
notes; a flat index is the mixed-radix number of the codes, vibrato fastest):

- ``pitch``: the fundamental, 24 values a semitone apart from 110 Hz (A2) to
  415 Hz (G♯4), i.e. log-uniform (a pilot two semitones apart left neighbouring
  pitches with hardly an overlapping harmonic, and no model put pitch on one
  dimension);
- ``tilt``: the spectral slope of the harmonics' amplitudes, −3, −6, −9 or
  −12 dB per octave (bright to dull);
- ``odd_only``: every harmonic, or only the odd ones (a clarinet's hollow
  sound);
- ``attack``: a linear rise over 5, 50 or 200 ms;
- ``decay``: an exponential decay of time constant 0.1, 0.3 or 1 s;
- ``vibrato``: 0, 1 or 2 semitones of sinusoidal vibrato at 5.5 Hz (a band is 1.3
  semitones wide, so less would not show).

Harmonics stop below 7.6 kHz (under the 8 kHz Nyquist frequency) and at 48;
their starting phases come from the note's index, so a note sounds the same
every time it is made. Loudness: the harmonics' amplitudes sum to 0.5 at the
end of the attack. Nothing is stored: clips are rendered when a batch asks for
them and turned into spectrogram pictures (``vae.data.spectrogram``).
"""

from __future__ import annotations

import logging
import math
import threading
import time

import numpy as np
import torch

import vae.data.spectrogram as spec
from vae.data.base import Batch, Dataset, Entry, TensorSplit
from vae.errors import DataError

logger = logging.getLogger(__name__)

FACTOR_NAMES = ["pitch", "tilt", "odd_only", "attack", "decay", "vibrato"]
PITCHES = 110.0 * 2.0 ** (np.arange(24) / 12)  # Hz
TILTS = np.array([-3.0, -6.0, -9.0, -12.0])  # dB per octave
ODD_ONLY = np.array([0, 1])
ATTACKS = np.array([0.005, 0.05, 0.2])  # s
DECAYS = np.array([0.1, 0.3, 1.0])  # s, time constant
VIBRATOS = np.array([0.0, 1.0, 2.0])  # semitones
VIBRATO_RATE = 5.5  # Hz
VALUES = [PITCHES, TILTS, ODD_ONLY, ATTACKS, DECAYS, VIBRATOS]
FACTOR_SIZES = [len(v) for v in VALUES]
FACTOR_UNITS = ["Hz", "dB/octave", "", "s", "s", "semitones"]
N_NOTES = math.prod(FACTOR_SIZES)  # 5,184
DURATION = 1.0  # s
N_SAMPLES = int(DURATION * spec.SAMPLE_RATE)
MAX_HARMONICS = 48
TOP_FREQUENCY = 7_600.0  # Hz
LOUDNESS = 0.5  # the sum of the harmonics' amplitudes
N_TEST = 512
_STRIDES = [math.prod(FACTOR_SIZES[i + 1 :]) for i in range(len(FACTOR_SIZES))]
DESCRIPTION = (
    "5,184 synthetic notes with 6 known factors (pitch, spectral tilt, odd harmonics, attack, "
    "decay, vibrato), 1 s at 16 kHz as 64-band log-frequency spectrograms, made on demand"
)
DEFAULTS = {
    "architecture": "conv",
    "latent_dim": 10,
    "likelihood": "gaussian",
    "gaussian_scale": 0.2,
    "epochs": 60,
    "epoch_size": 5184,
    "batch_size": 64,
    "lr": 1e-3,
}


def index_to_factors(index: torch.Tensor) -> torch.Tensor:
    """The factor codes (n, 6) of flat indices into the grid (vibrato fastest)."""
    index = torch.as_tensor(index, dtype=torch.int64).reshape(-1, 1)
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= N_NOTES):
        raise IndexError(f"notes indices must be in [0, {N_NOTES}).")
    return (index // torch.tensor(_STRIDES)) % torch.tensor(FACTOR_SIZES)


def factors_to_index(factors: torch.Tensor | np.ndarray) -> torch.Tensor:
    return _check(factors) @ torch.tensor(_STRIDES, dtype=torch.int64)


def _check(factors: torch.Tensor | np.ndarray) -> torch.Tensor:
    factors = torch.as_tensor(np.asarray(factors)).to(torch.int64).reshape(-1, len(FACTOR_SIZES))
    if factors.numel() and bool(((factors < 0) | (factors >= torch.tensor(FACTOR_SIZES))).any()):
        raise DataError(
            f"notes factor codes must be integers below {FACTOR_SIZES} "
            f"for {', '.join(FACTOR_NAMES)}."
        )
    return factors


def factor_value(factor: int, code: int) -> str:
    """A factor's value for people: "220 Hz", "−6 dB/octave", "odd only", "50 ms"."""
    value = VALUES[factor][code]
    if FACTOR_NAMES[factor] == "odd_only":
        return "odd only" if value else "all harmonics"
    if FACTOR_UNITS[factor] == "s":
        return f"{value * 1000:.0f} ms"
    return f"{value:g} {FACTOR_UNITS[factor]}"


def render_audio(factors: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The clips (n, N_SAMPLES) of factor codes (n, 6), float32 in [−1, 1]."""
    factors = _check(factors)
    t = torch.arange(N_SAMPLES, dtype=torch.float64) / spec.SAMPLE_RATE
    out = torch.empty(factors.shape[0], N_SAMPLES)
    for row, codes in enumerate(factors.tolist()):
        out[row] = _note([v[c] for v, c in zip(VALUES, codes, strict=True)], codes, t)
    return out


def _note(values: list[float], codes: list[int], t: torch.Tensor) -> torch.Tensor:
    f0, tilt, odd, attack, decay, depth = values
    count = min(MAX_HARMONICS, int(TOP_FREQUENCY / (f0 * 2.0 ** (depth / 12))))
    h = torch.arange(1, count + 1, dtype=torch.float64)
    if odd:
        h = h[h % 2 == 1]
    amplitude = 10.0 ** (tilt * torch.log2(h) / 20.0)
    amplitude *= LOUDNESS / amplitude.sum()
    # The phase of the fundamental is 2π ∫ f(t) dt, with f(t) = f0 · 2^(depth/12 · sin(2π r t)).
    ratio = 2.0 ** (depth / 12.0 * torch.sin(2 * math.pi * VIBRATO_RATE * t))
    phase = 2 * math.pi * torch.cumsum(f0 * ratio, 0) / spec.SAMPLE_RATE
    start = torch.from_numpy(
        np.random.default_rng(int(factors_to_index(torch.tensor(codes)))).uniform(
            0, 2 * math.pi, len(h)
        )
    )
    wave = (amplitude[:, None] * torch.sin(h[:, None] * phase[None, :] + start[:, None])).sum(0)
    envelope = torch.clamp(t / attack, max=1.0) * torch.exp(-torch.clamp(t - attack, min=0) / decay)
    return (wave * envelope).float()


def render_notes(factors: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The spectrogram pictures (n, 1, 64, 126) of factor codes (n, 6)."""
    return spec.spectrogram(render_audio(factors))


# Every note made so far, by flat index: the grid is small (5,184 × 32 KiB = 162 MiB at most),
# and training, the test sample and the metrics' ground truth ask for the same notes again.
_MADE: dict[int, torch.Tensor] = {}
_MADE_LOCK = threading.Lock()


def notes_of(factors: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The spectrogram pictures (n, 1, 64, 126) of factor codes (n, 6), each note made once."""
    keys = factors_to_index(factors).tolist()
    with _MADE_LOCK:
        todo = sorted({k for k in keys if k not in _MADE})
    if todo:
        made = render_notes(index_to_factors(torch.tensor(todo)))
        with _MADE_LOCK:
            _MADE.update(zip(todo, made, strict=True))
    return torch.stack([_MADE[k] for k in keys])


class NotesGroundTruth:
    """The generative process of ``notes``: uniform independent factors, made exactly."""

    factor_names = list(FACTOR_NAMES)
    factor_sizes = list(FACTOR_SIZES)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, FACTOR_SIZES, size=(n, len(FACTOR_SIZES)), dtype=np.int64)

    def observe(self, factors: np.ndarray) -> torch.Tensor:
        return notes_of(factors)


class NotesSplit:
    """All 5,184 notes, each made when first asked for."""

    def __len__(self) -> int:
        return N_NOTES

    def get(self, idx: torch.Tensor) -> Batch:
        factors = index_to_factors(idx)
        return Batch(notes_of(factors), factors[:, 0].clone(), factors)

    def labels(self, idx: torch.Tensor) -> torch.Tensor:
        """The labels (pitch codes) of these notes, without making them."""
        return index_to_factors(idx)[:, 0].clone()


def load_notes(image_size: int | None = None, seed: int = 0, **_: object) -> Dataset:
    """The note grid; ``seed`` picks the fixed 512-note test sample (pages show its first notes)."""
    if image_size not in (None, spec.N_BANDS):
        raise DataError("notes are 64 frequency bands × 126 frames; leave the image size unset.")
    rng = np.random.default_rng(seed)
    test_index = torch.from_numpy(rng.choice(N_NOTES, size=N_TEST, replace=False))
    factors = index_to_factors(test_index)
    test = TensorSplit(notes_of(factors), factors[:, 0].clone(), factors)
    return Dataset(
        name="notes",
        train=NotesSplit(),
        test=test,
        input_shape=tuple(test.x.shape[1:]),
        kind="audio",
        likelihood="gaussian",
        default_architecture="conv",
        class_names=[f"{f:.0f} Hz" for f in PITCHES],
        factor_names=list(FACTOR_NAMES),
        factor_sizes=list(FACTOR_SIZES),
        ground_truth=NotesGroundTruth(),
        description=DESCRIPTION,
        defaults=dict(DEFAULTS),
    )


def notes_render_speed(n: int = 256) -> float:
    """Notes made per second (audio and spectrogram), in batches of 64 as in training."""
    rng = np.random.default_rng(0)
    factors = NotesGroundTruth().sample_factors(n, rng)
    start = time.perf_counter()
    for begin in range(0, n, 64):
        render_notes(factors[begin : begin + 64])
    return n / (time.perf_counter() - start)


ENTRIES = (Entry("notes", DESCRIPTION, DEFAULTS, load_notes),)
