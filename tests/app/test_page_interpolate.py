"""The Interpolate page under AppTest: every control, and the pictures equal the model's decodings.

The helpers here (opening a page by absolute path, capturing the media a run
stores, reading images and GIFs back) are shared with the β comparison and
Conditional page tests.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.app_helpers import assert_ok, open_app, svg_drawings, svg_titles
from vae.analysis import latent, own_input
from vae.images import display_scale, grid, upscale
from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def media(monkeypatch) -> dict[str, bytes]:
    """Every file a run stores (images, downloads) by its id: AppTest drops them after a run."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = self._files_by_id[file_id].content
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


def media_bytes(media: dict[str, bytes], url: str) -> bytes:
    return media[Path(url).stem]


def shown_images(at: AppTest, media: dict[str, bytes]) -> list[np.ndarray]:
    """The pixels of every st.image on the page, in page order (PNG, so exact)."""
    out = []
    for element in at.get("image"):
        for url in element.value:
            assert url.endswith(".png"), f"{url}: pictures must be sent as PNG to stay exact"
            out.append(np.asarray(Image.open(io.BytesIO(media_bytes(media, url)))))
    return out


def download(at: AppTest, media: dict[str, bytes], key: str) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key) or key in b.id)
    return media_bytes(media, button.proto.url)


def gif_frames(data: bytes) -> list[np.ndarray]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "GIF"
    frames = []
    for i in range(image.n_frames):
        image.seek(i)
        frames.append(np.asarray(image.convert("L")))
    return frames


def expected(images: torch.Tensor, ncol: int | None = None, target: int = 96) -> np.ndarray:
    """What vae.app.pictures.picture makes of decoded images, squeezed like a grayscale PNG read back."""
    picture = upscale(grid(images, ncol=ncol), display_scale(images.shape[-2], target))
    return picture[:, :, 0] if picture.shape[2] == 1 else picture


def same_picture(
    shown: np.ndarray, images: torch.Tensor, ncol: int | None = None, target: int = 96
):
    want = expected(images, ncol, target)
    assert shown.shape == want.shape, (shown.shape, want.shape)
    # decoding the same code twice can differ in the last float bit: allow one grey level
    assert np.abs(shown.astype(int) - want.astype(int)).max() <= 1


def bundled(name: str):
    model = load_model(BUNDLED / name)
    data = dataset_for(model_info(BUNDLED / name))
    return model, data


def slider_code(at: AppTest, name: str, d: int) -> torch.Tensor:
    return torch.tensor([at.slider(key=f"zslider_{name}_{i}").value for i in range(d)])


# --- the live decoder ----------------------------------------------------------------------------


def test_sliders_follow_kl_order_and_the_image_is_the_decoded_slider_code(media):
    at = open_app("interpolate", "digits-8d")
    model, data = bundled("digits-8d")
    summary = model_info(BUNDLED / "digits-8d").summary
    keys = [s.key for s in at.slider if s.key.startswith("zslider_")]
    assert keys == [f"zslider_digits-8d_{d}" for d in latent.kl_order(summary["kl_per_dim"])]
    inactive = [s.label for s in at.slider if "inactive" in s.label]
    assert len(inactive) == 8 - summary["active_units"]

    z0 = latent.encode_mean(model, data.test.x[:1])[0]
    code = slider_code(at, "digits-8d", 8)
    torch.testing.assert_close(code, z0.clamp(-4, 4).mul(100).round().div(100), atol=1e-6, rtol=0)
    images = shown_images(at, media)
    same_picture(images[0], data.test.x[:1], target=160)  # the example itself
    same_picture(images[1], latent.decode(model, code), target=160)

    top = keys[0]
    at.slider(key=top).set_value(3.0).run()
    assert_ok(at)
    moved = slider_code(at, "digits-8d", 8)
    assert moved[int(top.rsplit("_", 1)[1])] == pytest.approx(3.0)
    after = shown_images(at, media)
    same_picture(after[1], latent.decode(model, moved), target=160)
    assert not np.array_equal(after[1], images[1])

    at.button(key="interp_reset").click().run()
    assert_ok(at)
    torch.testing.assert_close(slider_code(at, "digits-8d", 8), code)


def test_start_controls_prior_random_and_upload(media):
    at = open_app("interpolate", "digits-8d")
    model, data = bundled("digits-8d")
    at.number_input(key="interp_index").set_value(7).run()
    assert_ok(at)
    z7 = latent.encode_mean(model, data.test.x[7:8])[0]
    torch.testing.assert_close(slider_code(at, "digits-8d", 8), z7.mul(100).round().div(100))
    at.button(key="interp_index_random").click().run()
    assert_ok(at)

    at.radio(key="interp_source").set_value("Prior sample").run()
    at.number_input(key="interp_seed").set_value(5).run()
    assert_ok(at)
    z = latent.prior_samples(1, 8, seed=5)[0]
    torch.testing.assert_close(slider_code(at, "digits-8d", 8), z.mul(100).round().div(100))
    same_picture(
        shown_images(at, media)[0],
        latent.decode(model, slider_code(at, "digits-8d", 8)),
        target=160,
    )
    at.button(key="interp_seed_new").click().run()
    assert_ok(at)

    at.radio(key="interp_source").set_value("Your own input").run()
    assert_ok(at)
    at.radio(key="interp_own_source").set_value("Upload").run()
    buffer = io.BytesIO()
    Image.fromarray((data.test.x[3, 0].numpy() * 255).astype(np.uint8)).resize((32, 32)).save(
        buffer, "PNG"
    )
    at.file_uploader(key="interp_own_upload").upload("three.png", buffer.getvalue(), "image/png")
    at.run()
    assert_ok(at)
    assert "three.png" in at.get("image")[0].captions[0]
    # The sliders start at the code of the upload as the model's data was framed.
    x = own_input.from_upload(buffer.getvalue(), "digits", (1, 8, 8))
    z = latent.encode_mean(model, x[None])[0]
    torch.testing.assert_close(slider_code(at, "digits-8d", 8), z.mul(100).round().div(100))
    # Back on the empty canvas, the page says which input is in use and shows it (issue 27).
    at.radio(key="interp_own_source").set_value("Draw").run()
    assert_ok(at)
    assert any("In use: " in c.value and "three.png" in c.value for c in at.caption)
    torch.testing.assert_close(slider_code(at, "digits-8d", 8), z.mul(100).round().div(100))
    at.radio(key="interp_own_source").set_value("Upload").run()
    # ... and it can be B of the A → B path.
    at.radio(key="ab_source").set_value("Your own input").run()
    assert_ok(at)
    at.file_uploader(key="interp_own_upload").upload("bad.png", b"not an image", "image/png").run()
    assert not at.exception
    assert at.error, "an unreadable upload says so on the page"


# --- A → B --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_a_to_b_strip_gif_png_and_map(media, method):
    at = open_app("interpolate", "digits-8d")
    model, data = bundled("digits-8d")
    at.radio(key="ab_method").set_value(method).run()
    at.slider(key="ab_steps").set_value(6).run()
    at.number_input(key="ab_b_index").set_value(12).run()
    assert_ok(at)
    z_a = latent.encode_mean(model, data.test.x[:1])[0]
    z_b = latent.encode_mean(model, data.test.x[12:13])[0]
    frames = latent.decode(model, latent.interpolate(z_a, z_b, 6, method))
    strip = shown_images(at, media)[2]
    same_picture(strip, frames, ncol=6)
    png = np.asarray(Image.open(io.BytesIO(download(at, media, "ab_png"))))
    np.testing.assert_array_equal(png, strip)
    gif = gif_frames(download(at, media, "ab_gif"))
    assert len(gif) == 6
    assert np.abs(gif[0].astype(int) - expected(frames[:1], target=128).astype(int)).max() <= 2

    (drawing,) = svg_drawings(at, "path-map")  # read-only: SVG, no Plotly chart
    assert svg_titles(drawing).count("frame 0") == 1 and "frame 5" in svg_titles(drawing)
    assert "frame 6" not in svg_titles(drawing)
    assert not at.get("plotly_chart")


def test_b_from_the_prior(media):
    at = open_app("interpolate", "digits-8d")
    at.radio(key="ab_source").set_value("Prior sample").run()
    at.button(key="ab_b_seed_new").click().run()
    assert_ok(at)


# --- traversal ----------------------------------------------------------------------------------


def test_traversal_rows_are_one_dimension_each_and_the_gif_loops(media):
    at = open_app("interpolate", "digits-8d")
    model, data = bundled("digits-8d")
    summary = model_info(BUNDLED / "digits-8d").summary
    at.toggle(key="trav_active_digits-8d").set_value(False).run()
    at.slider(key="trav_cols").set_value(5).run()
    at.slider(key="trav_range").set_value((-2.0, 2.0)).run()
    assert_ok(at)
    z = latent.encode_mean(model, data.test.x[:1])[0]
    order = latent.kl_order(summary["kl_per_dim"])
    images = shown_images(at, media)[3:]
    assert len(images) == 8
    values = latent.traversal_values(-2, 2, 5)
    for row, d in zip(images, order, strict=True):
        same_picture(
            row, latent.decode(model, latent.traversal_codes(z, [d], values)), ncol=5, target=64
        )
    gif = gif_frames(download(at, media, "trav_gif"))
    assert len(gif) == 2 * 5 - 2
    png = np.asarray(Image.open(io.BytesIO(download(at, media, "trav_png"))))
    same_picture(
        png, latent.decode(model, latent.traversal_codes(z, order, values)), ncol=5, target=64
    )

    at.toggle(key="trav_active_digits-8d").set_value(True).run()
    assert_ok(at)
    assert len(shown_images(at, media)[3:]) == summary["active_units"]


# --- other kinds of model -----------------------------------------------------------------------


def test_conditional_model_decodes_under_the_chosen_class(media):
    at = open_app("interpolate", "digits-cvae")
    model, data = bundled("digits-cvae")
    label = int(data.test.y[0])
    other = (label + 1) % 10
    at.selectbox(key="interp_class_0").set_value(other).run()
    assert_ok(at)
    code = slider_code(at, "digits-cvae", 4)
    z = latent.encode_mean(model, data.test.x[:1], other)[0]
    torch.testing.assert_close(code, z.mul(100).round().div(100))
    same_picture(shown_images(at, media)[1], latent.decode(model, code, other), target=160)


def test_points_model_shows_the_decoded_point_and_path():
    at = open_app("interpolate", "pinwheel-2d")
    assert not at.get("image")
    assert len(at.get("plotly_chart")) == 2  # the live point and the decoded path
    assert len(svg_drawings(at, "path-map")) == 1  # the latent path, beside them
    assert any("Traversal grids need an image or text model" in i.value for i in at.info)
    at.slider(key="zslider_pinwheel-2d_0").set_value(1.5).run()
    assert_ok(at)


def test_the_first_path_goes_from_one_class_to_another():
    at = open_app("interpolate", "mnist-16d")
    a, b = at.number_input(key="interp_index").value, at.number_input(key="ab_b_index").value
    from vae.data import load_dataset

    y = load_dataset("mnist-5k").test.y
    assert int(y[a]) != int(y[b])  # test examples 0 and 1 are both zeros: B is the next class
