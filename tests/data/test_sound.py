"""Known answers for the lab's sound: frequency bands, Griffin-Lim, WAV bytes, the notes grid."""

from __future__ import annotations

import io
import math
import wave

import numpy as np
import pytest
import torch

from vae.data import notes
from vae.data import spectrogram as spec
from vae.errors import DataError


def tone(frequency: float, amplitude: float = 0.3, seconds: float = 1.0) -> torch.Tensor:
    t = torch.arange(int(seconds * spec.SAMPLE_RATE), dtype=torch.float64) / spec.SAMPLE_RATE
    return (amplitude * torch.sin(2 * math.pi * frequency * t)).float()


@pytest.mark.parametrize("frequency", [130.0, 440.0, 1000.0, 3150.0, 6000.0])
def test_a_pure_tone_peaks_in_the_band_whose_centre_is_nearest(frequency):
    power = spec.band_power(tone(frequency)[None])[0].mean(-1)
    centres = spec.band_centres()
    assert int(power.argmax()) == int(np.abs(centres - frequency).argmin())


def test_the_picture_puts_high_bands_on_top():
    low, high = spec.spectrogram(tone(200.0)[None]), spec.spectrogram(tone(5000.0)[None])
    rows = torch.arange(spec.N_BANDS, dtype=torch.float32)
    centre = lambda x: float((x[0, 0].mean(-1) * rows).sum() / x[0, 0].mean(-1).sum())  # noqa: E731
    assert centre(low) > 40 > 20 > centre(high)  # row 0 is the top of the picture


def test_a_second_is_64_bands_by_126_frames_in_the_unit_interval():
    x = spec.spectrogram(tone(440.0)[None])
    assert x.shape == (1, 1, 64, 126)
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0


def test_the_db_scale_is_fixed_so_loudness_survives():
    # 20 dB quieter (×0.1 in amplitude) is 20/80 = 0.25 lower on the unit scale, at the peak band.
    loud, quiet = (spec.spectrogram(tone(440.0, a)[None]).max() for a in (0.3, 0.03))
    assert float(loud - quiet) == pytest.approx(0.25, abs=0.005)


def test_unit_scale_round_trip():
    power = torch.tensor([1e-3, 1.0, 50.0, 5000.0])
    assert torch.allclose(spec.from_unit(spec.to_unit(power)), power, rtol=1e-4)
    assert float(spec.from_unit(torch.zeros(1))) == 0.0  # the floor is silence


def test_griffin_lim_recovers_a_rendered_notes_magnitude():
    # 32 fast Griffin-Lim iterations: spectral convergence below 0.15 on a real note (0.10 measured).
    audio = notes.render_audio(torch.tensor([[5, 1, 0, 1, 2, 1]]))
    magnitude = spec.stft(audio).abs()
    rebuilt = spec.griffin_lim(magnitude, audio.shape[-1])
    assert spec.spectral_convergence(magnitude, rebuilt) < 0.15
    random_phase = spec.griffin_lim(magnitude, audio.shape[-1], iterations=0)
    assert spec.spectral_convergence(magnitude, random_phase) > 0.3  # the iterations do the work


def test_log_mel_round_trip_through_sound_stays_close():
    x = notes.render_notes(torch.tensor([[8, 0, 1, 0, 1, 0]]))
    back = spec.spectrogram(spec.to_audio(x))
    assert float((back - x).abs().mean()) < 0.03  # 2.4 dB on the 80 dB scale


@pytest.mark.parametrize("codes", [[8, 0, 1, 0, 1, 0], [23, 0, 0, 0, 2, 1], [0, 3, 0, 2, 0, 2]])
def test_the_band_inversion_gives_the_bands_back_within_a_tenth_of_a_db(codes):
    bands = spec.from_unit(notes.render_notes(torch.tensor([codes]))[0, 0].flip(0))
    again = spec.filterbank() @ spec.bands_to_linear(bands)
    assert float((spec.to_unit(again) - spec.to_unit(bands)).abs().mean()) < 0.1 / 80


def test_wav_bytes_decode_to_the_same_samples():
    audio = tone(440.0, 0.5)[:1600]
    data = spec.wav_bytes(audio)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert np.abs(pcm / 32767.0 - audio.numpy()).max() <= 0.5 / 32767 + 1e-7
    assert pcm.max() == pytest.approx(0.5 * 32767, abs=1)  # not rescaled to the peak


def test_notes_factors_and_index_are_inverse():
    index = torch.arange(notes.N_NOTES)
    assert torch.equal(notes.factors_to_index(notes.index_to_factors(index)), index)
    assert notes.N_NOTES == 5184
    with pytest.raises(DataError, match="notes factor codes"):
        notes.factors_to_index(torch.tensor([[24, 0, 0, 0, 0, 0]]))


def test_a_note_sounds_at_its_pitch():
    for code in (0, 7, 23):
        audio = notes.render_audio(torch.tensor([[code, 3, 0, 0, 2, 0]]))  # dull, steady
        spectrum = torch.fft.rfft(audio[0]).abs()
        peak_hz = float(spectrum.argmax()) * spec.SAMPLE_RATE / audio.shape[-1]
        assert peak_hz == pytest.approx(notes.PITCHES[code], rel=0.01)


def test_odd_only_has_no_second_harmonic():
    f0 = notes.PITCHES[4]
    spectra = [
        torch.fft.rfft(notes.render_audio(torch.tensor([[4, 0, odd, 0, 2, 0]]))[0]).abs()
        for odd in (0, 1)
    ]
    second = round(2 * f0)  # 1-second clips: bin = Hz
    assert spectra[0][second] > 10 * spectra[1][second]


def test_notes_are_made_the_same_every_time_and_stay_in_range():
    factors = torch.tensor([[3, 2, 1, 2, 0, 2], [23, 0, 0, 0, 2, 1]])
    a, b = notes.render_audio(factors), notes.render_audio(factors)
    assert torch.equal(a, b) and float(a.abs().max()) <= 1.0
    assert torch.equal(notes.notes_of(factors), notes.render_notes(factors))


def test_the_notes_data_set_has_its_factors():
    data = notes.load_notes()
    assert data.kind == "audio" and data.input_shape == (1, 64, 126)
    assert data.factor_names == notes.FACTOR_NAMES and data.factor_sizes == [24, 4, 2, 3, 3, 3]
    batch = data.train.get(torch.tensor([0, notes.N_NOTES - 1]))
    assert batch.factors.tolist() == [[0] * 6, [s - 1 for s in data.factor_sizes]]
    with pytest.raises(DataError, match="64 frequency bands"):
        notes.load_notes(image_size=32)


# --- a person's sounds -----------------------------------------------------------------------


def wav_file(frequency: float, seconds: float = 0.6, rate: int = 16000, width: int = 2,
             channels: int = 1, amplitude: float = 0.4) -> bytes:  # fmt: skip
    t = np.arange(int(seconds * rate)) / rate
    mono = amplitude * np.sin(2 * np.pi * frequency * t)
    samples = np.repeat(mono[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = np.round(samples * 127 + 128).astype(np.uint8).tobytes()
    else:
        raw = np.round(samples * (2 ** (8 * width - 1) - 1)).astype(f"<i{width}").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return buffer.getvalue()


@pytest.mark.parametrize("rate, width, channels", [(16000, 2, 1), (44100, 2, 2), (8000, 1, 1),
                                                   (48000, 4, 1)])  # fmt: skip
def test_a_wav_is_framed_as_the_notes_were_made(rate, width, channels):
    from vae.data import sounds

    x = sounds.sound_to_tensor(wav_file(440.0, rate=rate, width=width, channels=channels))
    assert x.shape == (1, 64, 126)
    reference = spec.spectrogram(tone(440.0, 0.5, 0.6)[None])[0]  # peak scaled to 0.5
    assert int(x[0, :, 30].argmax()) == int(reference[0, :, 30].argmax())
    if width > 1:  # 8-bit samples carry a noise floor above the scale's −40 dB
        assert float((x[..., :60] - reference[..., :60]).abs().mean()) < 0.02


@pytest.mark.parametrize(
    "data, message",
    [
        (b"RIFF....WAVEfmt not really", "not a PCM WAV file"),
        (wav_file(440.0, seconds=0.0), "is empty"),
        (wav_file(440.0, seconds=0.2, amplitude=0.0), "is silent"),
        (wav_file(440.0, seconds=31.0, rate=1000, width=1), "lasts 31.0 s"),
    ],
)
def test_a_bad_wav_is_refused_in_one_sentence(data, message):
    from vae.data import sounds

    with pytest.raises(DataError, match=message) as caught:
        sounds.sound_to_tensor(data, "my.wav")
    assert str(caught.value).count(". ") == 0 and str(caught.value).startswith("my.wav")


def test_a_zip_of_wav_files_is_a_labelled_sound_data_set(tmp_path):
    import zipfile

    from vae.data import load_dataset

    path = tmp_path / "my_sounds.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for label, base in (("low", 150.0), ("high", 900.0)):
            for i in range(8):
                archive.writestr(f"sounds/{label}/{i}.wav", wav_file(base * (1 + i / 50)))
        archive.writestr("sounds/readme.txt", "not a sound")
    data = load_dataset(str(path))
    assert data.kind == "audio" and data.input_shape == (1, 64, 126)
    assert data.class_names == ["high", "low"] and len(data.train) + len(data.test) == 16
    assert data.likelihood == "gaussian" and data.default_architecture == "conv"


def test_a_zip_with_a_broken_wav_keeps_nothing(tmp_path):
    import zipfile

    from vae.data import load_dataset

    path = tmp_path / "broken.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(11):
            archive.writestr(f"{i}.wav", wav_file(300.0) if i != 7 else b"junk")
    with pytest.raises(DataError, match=r"broken.zip:7.wav is not a PCM WAV file"):
        load_dataset(str(path))
