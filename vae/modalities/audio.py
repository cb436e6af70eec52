"""Sounds: log-frequency spectrograms (1, 64, frames) shown as pictures and played as WAV.

A sound's example is its spectrogram (``vae.data.spectrogram``), a picture in
[0, 1] with low bands at the bottom, so every picture path of the app (grids,
traversals, maps, corruptions) shows it as it is; ``sound`` and ``sequence``
turn the same tensors into WAV bytes (band inversion + Griffin-Lim) for
the players the app puts beside them. Corruptions are the image ones, which on
a spectrogram mean: noise on the levels, time-frequency cells missing, and a
rectangle hidden (the top rows: the high frequencies; a column span: a gap in
time).
"""

from __future__ import annotations

import numpy as np
import torch

from vae.data import sounds
from vae.data import spectrogram as spec
from vae.modalities import register
from vae.modalities.image import Image

GAP_SECONDS = 0.12  # silence between the sounds of a sequence


@register
class Audio(Image):
    name = "audio"
    kinds = ("audio",)
    noun, plural = "sound", "sounds"
    display = "audio"
    inputs = ("microphone", "upload")
    upload_types = ("wav",)

    @property
    def shows_pictures(self) -> bool:
        return True  # its spectrogram

    def sound(self, x: torch.Tensor | np.ndarray) -> list[bytes]:
        """Each spectrogram of the batch as a WAV file (16 kHz, 16-bit, loudness kept)."""
        return [spec.wav_bytes(clip) for clip in spec.to_audio(x)]

    def sequence(self, x: torch.Tensor | np.ndarray) -> bytes:
        """The batch played one after the other, a short silence between: one WAV file."""
        clips = spec.to_audio(x)
        gap = torch.zeros(clips.shape[0], int(GAP_SECONDS * spec.SAMPLE_RATE))
        return spec.wav_bytes(torch.cat([clips, gap], dim=1).reshape(-1))

    def read_upload(self, data: bytes, name: str, input_shape: tuple[int, ...]) -> torch.Tensor:
        """A PCM WAV framed as the notes were made (``vae.data.sounds``): one spectrogram."""
        return sounds.sound_to_tensor(data, name)
