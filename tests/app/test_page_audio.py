"""Every page with a sound model under AppTest: spectrograms with players that play WAV, or why not.

A player's bytes are captured as the run stores them (``media``) and decoded
with the standard ``wave`` module: 16 kHz, mono, 16-bit, the length the
modality says.
"""

from __future__ import annotations

import io
import wave

import numpy as np

from tests.app.test_page_interpolate import media  # noqa: F401  (the media a run stores)
from tests.app_helpers import assert_ok, open_app
from vae.data import spectrogram as spec

PLAIN, PITCH = "notes-beta1", "notes-tcvae"


def players(at, stored: dict[str, bytes]) -> list[np.ndarray]:
    """The samples of every audio player on the page, each checked to be a 16 kHz mono WAV."""
    out = []
    for element in at.get("audio"):
        url = element.proto.url
        data = stored[url.rsplit("/", 1)[-1].split(".")[0]]
        with wave.open(io.BytesIO(data)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16_000)
            out.append(np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32767.0)
    return out


def captions(at) -> str:
    return " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)


def test_interpolate_plays_the_sliders_the_path_and_each_traversal_row(media):  # noqa: F811
    at = open_app("interpolate", PITCH)
    sounds = players(at, media)
    one = spec.SAMPLE_RATE  # a second
    # the start, the sliders' decoding, A → B, then one row per active dimension
    assert [len(s) for s in sounds[:2]] == [one, one]
    assert len(sounds[2]) > 9 * one  # the ten frames of A → B one after another
    assert len(sounds) >= 3 + 2
    assert all(0.01 < np.abs(s).max() <= 1.0 for s in sounds)  # audible, never clipped by scaling
    assert "pitch (I/H" in captions(at)  # traversal rows are named by the factor they hold


def test_a_slider_changes_what_is_heard(media):  # noqa: F811
    at = open_app("interpolate", PITCH)
    before = players(at, media)[1]
    slider = next(s for s in at.slider if s.key.startswith(f"zslider_{PITCH}_"))
    slider.set_value(2.5).run()
    assert_ok(at)
    after = players(at, media)[1]
    assert not np.allclose(before, after)


def test_beta_comparison_shows_the_audio_factors_and_names_the_rows_it_plays(media):  # noqa: F811
    at = open_app("beta_comparison", PLAIN, {"runs": f"{PLAIN},{PITCH}"})
    text = captions(at)
    assert "pitch" in text and "I/H" in text
    assert len(players(at, media)) >= 4  # rows of both models, each one player


def test_latent_map_density_denoise_and_posterior_lab_work_with_sounds(media):  # noqa: F811
    for page, params in (("latent_map", None), ("density", None), ("denoise", None),
                         ("posterior_lab", None), ("posterior_lab", {"section": "collapse"})):  # fmt: skip
        at = open_app(page, PITCH, params)
        assert_ok(at)
        if page in ("density", "denoise"):
            assert players(at, media), f"{page} plays its sounds"


def test_conditional_says_why_not_and_offers_a_model():
    at = open_app("conditional", PITCH)
    said = [e.value for kind in ("info", "warning", "markdown") for e in getattr(at, kind)]
    assert any("is not conditional" in text for text in said)


def test_an_uploaded_wav_is_framed_reconstructed_placed_and_scored(media):  # noqa: F811
    from tests.data.test_sound import wav_file

    at = open_app("latent_map", PITCH)
    at.session_state["map_own_open"] = True  # the section is drawn once opened
    at.run()
    at.radio(key="map_own_source").set_value("Upload a WAV").run()
    at.file_uploader(key="map_own_wav").upload("a440.wav", wav_file(220.0, 0.8), "audio/wav").run()
    assert_ok(at)
    assert any("log p(x)" in m.value for m in at.markdown)
    assert len(players(at, media)) >= 2  # the input as the model hears it, its reconstruction
    at.file_uploader(key="map_own_wav").upload("bad.wav", b"not a sound", "audio/wav").run()
    assert not at.exception
    assert any("is not a PCM WAV file" in e.value for e in at.error)


def test_the_train_form_takes_the_notes_with_their_own_settings():
    from tests.app_helpers import open_page

    at = open_page("train")
    at.selectbox(key="train_dataset").set_value("notes").run()
    assert_ok(at)
    assert at.selectbox(key="train_architecture").value == "conv"
    assert at.selectbox(key="train_likelihood").value == "gaussian"
    assert any("5184 training and 512 test examples of 1×64×126" in c.value for c in at.caption)
