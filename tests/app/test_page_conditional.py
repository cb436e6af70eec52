"""The Conditional generation page under AppTest: samples, class swaps and class interpolation."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from test_page_interpolate import (
    assert_ok,
    bundled,
    download,
    expected,
    gif_frames,
    media,
    open_app,
    same_picture,
    shown_images,
)

from tests.app_helpers import set_widgets
from vae.analysis import latent

__all__ = ["media"]  # the fixture, imported for these tests


def open_cvae(changes: list[tuple[str, str, object]]):
    """The Conditional page on the bundled digits CVAE, with these widgets set; and the model."""
    at = set_widgets(open_app("conditional", "digits-cvae"), changes)
    assert_ok(at)
    return (at, *bundled("digits-cvae"))


def test_samples_of_a_class_follow_count_temperature_and_seed(media):
    at, model, _ = open_cvae([("selectbox", "cond_class", 7), ("slider", "cond_count", 8),
                              ("slider", "cond_temp", 0.5), ("number_input", "cond_seed", 11)])  # fmt: skip
    z = latent.prior_samples(8, 4, 0.5, seed=11)
    grid = shown_images(at, media)[0]
    same_picture(grid, latent.decode(model, z, 7), ncol=8, target=72)
    png = np.asarray(Image.open(io.BytesIO(download(at, media, "cond_samples_png"))))
    np.testing.assert_array_equal(png, grid)
    at.button(key="cond_seed_new").click().run()
    assert_ok(at)


def assert_columns_decode(images, model, codes) -> None:
    """Column c of the style × class grid is the codes decoded under class c."""
    for c, image in enumerate(images):
        same_picture(image, latent.decode(model, codes, c), ncol=1, target=64)


def test_every_class_column_decodes_the_same_codes(media):
    at = open_app("conditional", "digits-cvae")
    model, data = bundled("digits-cvae")
    at.slider(key="cond_rows").set_value(3).run()
    at.number_input(key="cond_first").set_value(20).run()
    assert_ok(at)
    images = shown_images(at, media)
    x = data.test.x[20:23]
    codes = latent.encode_mean(model, x, data.test.y[20:23])
    same_picture(images[1], x, ncol=1, target=64)
    assert_columns_decode(images[2:12], model, codes)
    captions = [el.captions[0] for el in at.get("image")[1:12]]
    assert captions == ["input"] + [f"y = {c}" for c in range(10)]

    at.radio(key="cond_rows_from").set_value("Prior samples").run()
    at.number_input(key="cond_rows_seed").set_value(2).run()
    assert_ok(at)
    images = shown_images(at, media)
    codes = latent.prior_samples(3, 4, seed=2)
    assert_columns_decode(images[1:11], model, codes)
    at.button(key="cond_rows_seed_new").click().run()
    assert_ok(at)


def test_class_interpolation_ends_at_the_two_classes_and_the_gif_has_every_frame(media):
    at, model, data = open_cvae([("number_input", "cond_mix_index", 5), ("selectbox", "cond_mix_a", 3),
                                 ("selectbox", "cond_mix_b", 8), ("slider", "cond_mix_steps", 5)])  # fmt: skip
    z = latent.encode_mean(model, data.test.x[5:6], data.test.y[5:6])[0]
    strip = shown_images(at, media)[-1]
    mix = latent.decode_label_mix(model, z, latent.label_mix(3, 8, 10, 5))
    same_picture(strip, mix, ncol=5, target=80)
    # the ends are the model's own decodings under class 3 and class 8
    first = expected(latent.decode(model, z, 3), target=80)
    same_picture(strip[:, : first.shape[1]], latent.decode(model, z, 3), target=80)
    frames = gif_frames(download(at, media, "cond_mix_gif"))
    assert len(frames) == 5
    assert (
        np.abs(frames[-1].astype(int) - expected(latent.decode(model, z, 8), target=128)).max() <= 2
    )
    at.button(key="cond_mix_index_random").click().run()
    at.button(key="cond_first_random").click().run()
    assert_ok(at)


def test_a_model_that_is_not_conditional_shows_the_bundled_one_and_points_to_train():
    at = open_app("conditional", "digits-8d")
    assert at.info and "not conditional" in at.info[0].value
    assert "Shown here: the bundled" in at.info[0].value
    links = at.get("page_link")
    assert links and links[0].proto.page == "train"
    # The page already shows a conditional model's samples (issue 27: the best example first),
    # the digits one for a digits model; the sidebar keeps the person's model.
    assert at.get("image"), "the bundled conditional model's samples are shown"
    assert at.session_state["model_name"] == "digits-8d"
    assert at.selectbox(key="cond_class").value == 0
    at = open_app("conditional", "mnist-2d")
    at.button(key="use_suggested").click().run()
    assert_ok(at)
    assert at.session_state["model_name"] == "mnist-cvae"
    assert at.get("image"), "the conditional model's samples are shown"
