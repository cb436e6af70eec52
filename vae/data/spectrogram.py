"""Sound as a picture and back: log-frequency spectrograms, Griffin-Lim and WAV bytes.

One convention for every sound of the lab: mono at 16 kHz, a Hann STFT of
1,024 samples every 128 (64 ms every 8 ms), 64 triangular bands equally spaced
in log frequency from 65 Hz (C2) to 8 kHz, 1.3 semitones apart (a
constant-Q-like scale), each band's power in dB mapped linearly from
[−40, 40] dB to [0, 1] and clipped. One second gives a (1, 64, 126) tensor in
[0, 1], stored as a picture is: row 0 is the *highest* band, so that every
picture of the lab shows low pitches at the bottom, as spectrograms are read.
The absolute dB reference is fixed (not each clip's own peak), so a quiet
sound stays quiet through the model and back to WAV.

Why log frequency and not mel: on a log axis a change of pitch moves a note's
whole harmonic pattern up or down unchanged, as a change of position moves a
sprite in dSprites, and the notes' two octaves of pitch move it over 18 of the
64 bands. On the mel scale (HTK, 40 Hz–8 kHz, 512-sample STFT, the first
version here) the fundamentals of those two octaves moved over 8 bands, near
linear, and no model of a pilot put pitch on one dimension (best I/H 0.29,
β-TCVAE and β = 8 after 114,000 notes each). Bands narrower than the STFT's
15.6 Hz bins are widened to one bin on each side, so no band is empty.

Back to sound: dB → band power; a non-negative linear-frequency power whose
bands give it back, found by 20 multiplicative updates of the Itakura-Saito
divergence (scale-free, so quiet bands count as much as loud ones: a
pseudo-inverse clipped at 0 was off by 10 dB on average on a low note; these
updates agree to 0.1 dB); then the fast Griffin-Lim of
Perraudin et al. (2013, momentum 0.99, as torchaudio's) finds phases for it
with ``torch.stft``/``torch.istft``. WAV bytes are 16-bit PCM written by the
standard ``wave`` module without any normalisation, so relative loudness is
kept (Streamlit rescales a numpy array to its own peak; bytes it plays as
they are).
"""

from __future__ import annotations

import functools
import io
import math
import wave

import numpy as np
import torch

SAMPLE_RATE = 16_000  # Hz
N_FFT = 1024  # samples: 64 ms
HOP = 128  # samples: 8 ms
N_BANDS = 64
F_MIN, F_MAX = 65.4, 8_000.0  # Hz: C2 to the Nyquist frequency
DB_LOW, DB_HIGH = -40.0, 40.0  # dB of band power mapped to 0 and 1
GRIFFIN_LIM_ITERATIONS = 32
BAND_INVERSION_ITERATIONS = 20
MOMENTUM = 0.99


def frames(n_samples: int) -> int:
    """STFT frames of a clip of ``n_samples`` (centred frames: one per hop, plus one)."""
    return 1 + n_samples // HOP


def band_edges() -> np.ndarray:
    """N_BANDS + 2 frequencies (Hz) equally spaced in log frequency: band b spans edges b to
    b + 2 and peaks at edge b + 1."""
    return F_MIN * (F_MAX / F_MIN) ** np.linspace(0.0, 1.0, N_BANDS + 2)


def band_centres() -> np.ndarray:
    """The centre frequency (Hz) of each band, lowest first."""
    return band_edges()[1:-1]


@functools.cache
def filterbank() -> torch.Tensor:
    """(N_BANDS, N_FFT // 2 + 1) triangles on the log-frequency axis, each 1 at its centre;
    a band narrower than the STFT's bins reaches at least one bin to each side."""
    edges = band_edges()
    bins = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    step = bins[1]
    centre = edges[1:-1, None]
    lower = np.minimum(edges[:-2, None], centre - step)
    upper = np.maximum(edges[2:, None], centre + step)
    rising = (bins[None, :] - lower) / (centre - lower)
    falling = (upper - bins[None, :]) / (upper - centre)
    return torch.from_numpy(np.clip(np.minimum(rising, falling), 0.0, None)).float()


def bands_to_linear(
    power: torch.Tensor, iterations: int = BAND_INVERSION_ITERATIONS
) -> torch.Tensor:
    """A non-negative power (…, N_FFT // 2 + 1, frames) whose bands are ``power`` (…, N_BANDS,
    frames): multiplicative updates minimising the Itakura-Saito divergence, from Bᵀ·power."""
    bank = filterbank()
    tiny = 1e-12
    linear = (bank.T @ power).clamp_min(tiny)
    for _ in range(iterations):
        bands = bank @ linear + tiny
        linear = linear * (bank.T @ (power / bands**2)) / (bank.T @ (1.0 / bands)).clamp_min(tiny)
    return linear


@functools.cache
def _window() -> torch.Tensor:
    return torch.hann_window(N_FFT)


def stft(audio: torch.Tensor) -> torch.Tensor:
    """The complex STFT (…, N_FFT // 2 + 1, frames) of ``audio`` (…, samples)."""
    lead = audio.shape[:-1]
    spec = torch.stft(
        audio.reshape(-1, audio.shape[-1]).float(), N_FFT, HOP, window=_window(), center=True,
        return_complex=True,
    )  # fmt: skip
    return spec.reshape(*lead, *spec.shape[-2:])


def istft(spec: torch.Tensor, length: int) -> torch.Tensor:
    lead = spec.shape[:-2]
    audio = torch.istft(
        spec.reshape(-1, *spec.shape[-2:]), N_FFT, HOP, window=_window(), center=True,
        length=length,
    )  # fmt: skip
    return audio.reshape(*lead, length)


def band_power(audio: torch.Tensor) -> torch.Tensor:
    """Band powers (…, N_BANDS, frames), lowest band first, of ``audio`` (…, samples)."""
    return filterbank() @ stft(audio).abs().pow(2)


def to_unit(power: torch.Tensor) -> torch.Tensor:
    """Band powers → the lab's [0, 1] scale (``DB_LOW`` … ``DB_HIGH`` dB, clipped)."""
    db = 10.0 * torch.log10(power.clamp_min(1e-12))
    return ((db - DB_LOW) / (DB_HIGH - DB_LOW)).clamp(0.0, 1.0)


def from_unit(x: torch.Tensor) -> torch.Tensor:
    """The lab's [0, 1] scale → band powers; 0 (at or below ``DB_LOW``) is silence."""
    x = x.float()
    power = 10.0 ** ((x * (DB_HIGH - DB_LOW) + DB_LOW) / 10.0)
    return torch.where(x > 0, power, torch.zeros_like(power))


def spectrogram(audio: torch.Tensor) -> torch.Tensor:
    """Clips (n, samples) → pictures (n, 1, N_BANDS, frames) in [0, 1], high bands on top."""
    return to_unit(band_power(audio)).flip(-2).unsqueeze(-3)


def griffin_lim(
    magnitude: torch.Tensor, length: int, iterations: int = GRIFFIN_LIM_ITERATIONS, seed: int = 0
) -> torch.Tensor:
    """A signal (…, length) whose STFT magnitude approaches ``magnitude`` (…, bins, frames).

    Fast Griffin-Lim (Perraudin et al. 2013): each step projects onto consistent
    spectrograms (iSTFT then STFT), adds momentum, and keeps only the phase.
    """
    generator = torch.Generator().manual_seed(seed)
    phase = torch.rand(magnitude.shape, generator=generator) * (2 * math.pi)
    angles = torch.polar(torch.ones_like(magnitude), phase)
    previous = torch.zeros_like(angles)
    for _ in range(iterations):
        rebuilt = stft(istft(magnitude * angles, length))
        angles = rebuilt - previous * (MOMENTUM / (1 + MOMENTUM))
        angles = angles / (angles.abs() + 1e-16)
        previous = rebuilt
    return istft(magnitude * angles, length)


def to_audio(
    x: torch.Tensor | np.ndarray, iterations: int = GRIFFIN_LIM_ITERATIONS
) -> torch.Tensor:
    """Spectrogram pictures (n, 1, N_BANDS, frames) → clips (n, samples) at ``SAMPLE_RATE``."""
    x = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).float()
    x = x.reshape(-1, N_BANDS, x.shape[-1]).flip(-2).clamp(0.0, 1.0)
    length = (x.shape[-1] - 1) * HOP
    with torch.no_grad():
        return griffin_lim(bands_to_linear(from_unit(x)).sqrt(), length, iterations)


def spectral_convergence(target: torch.Tensor, audio: torch.Tensor) -> float:
    """‖|STFT(audio)| − target‖_F / ‖target‖_F: 0 when the magnitudes agree exactly."""
    rebuilt = stft(audio).abs()
    return float(torch.linalg.norm(rebuilt - target) / torch.linalg.norm(target))


def wav_bytes(audio: torch.Tensor | np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """One clip (samples,) in [−1, 1] as a 16-bit mono WAV file, loudness as it is (clipped)."""
    samples = np.clip(np.asarray(audio, dtype=np.float64).reshape(-1), -1.0, 1.0)
    pcm = np.round(samples * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
