"""The Latent map's hands-on tools under AppTest: your own input, decoding a spot, attribute vectors."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image

from tests.app.test_page_interpolate import media, same_picture  # noqa: F401 (a fixture)
from tests.app.test_page_latent_map import array
from tests.app_helpers import open_page, plotly_figures
from vae.analysis import attributes, latent
from vae.app.attributes import SECTION_KEY
from vae.figures import map_overlays
from vae.maps import inverse as map_inverse
from vae.maps import projection
from vae.runs.catalog import BUNDLED, dataset_for, load_model, model_info

N_TEST = 360


def bundled(name: str):
    path = BUNDLED / name
    model = load_model(path)
    data = dataset_for(model_info(path))
    return path, model, data


def png_of_digit(image: np.ndarray, side: int = 96, dark_on_white: bool = True) -> bytes:
    """A photo-like PNG of an 8×8 digit: enlarged, padded, dark ink on white paper."""
    grey = (image * 255).astype(np.uint8)
    big = Image.fromarray(grey).resize((side // 2, side // 2), Image.NEAREST)
    canvas = Image.new("L", (side, side), 0)
    canvas.paste(big, (side // 5, side // 6))
    if dark_on_white:
        canvas = Image.eval(canvas, lambda v: 255 - v)
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return buffer.getvalue()


def trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def images(at, media) -> list[np.ndarray]:  # noqa: F811
    out = []
    for element in at.get("image"):
        for item in element.proto.imgs:
            file_id = item.url.rsplit("/", 1)[-1].split(".")[0]
            out.append(np.asarray(Image.open(io.BytesIO(media[file_id]))))
    return out


def captioned(at, media, fragment: str) -> np.ndarray:  # noqa: F811
    """The picture of the first image whose caption holds ``fragment``."""
    for element in at.get("image"):
        for item, caption in zip(element.proto.imgs, element.captions, strict=True):
            if fragment in (caption or ""):
                file_id = item.url.rsplit("/", 1)[-1].split(".")[0]
                return np.asarray(Image.open(io.BytesIO(media[file_id])))
    raise AssertionError(f"no image captioned {fragment!r}")


def test_an_uploaded_digit_lands_on_the_map_and_is_reconstructed_by_decode(media):  # noqa: F811
    at = open_page("latent_map", "digits-8d")
    path, model, data = bundled("digits-8d")
    # Folded and not drawn on arrival (its canvas and uploader cost every visit otherwise).
    assert not at.session_state["map_own_open"]
    with pytest.raises(KeyError):
        at.radio(key="map_own_source")
    at.session_state["map_own_open"] = True  # what opening the expander does
    at.run()
    at.radio(key="map_own_source").set_value("Upload").run()
    upload = png_of_digit(data.test.x[3, 0].numpy())
    at.file_uploader(key="map_own_upload").upload("three.png", upload, "image/png").run()
    assert not at.exception, [e.message for e in at.exception]
    from vae.analysis import own_input

    x = own_input.from_upload(upload, "digits", (1, 8, 8))
    z = latent.encode_mean(model, x[None])
    # The reconstruction shown is model.decode of the posterior mean.
    shown = images(at, media)
    same_picture(shown[1], latent.decode(model, z), target=112)
    same_picture(shown[0], x[None], target=112)
    # The input is a marked point on the UMAP map, where vae.maps.inverse places it.
    fig = plotly_figures(at)[0]
    own = trace(fig, map_overlays.OWN_NAME)
    codes = projection.test_codes(path, model, data, N_TEST)
    xy = projection.cached_projection(path, codes, "umap")
    expected = map_inverse.place(codes, xy, "umap", z.numpy())[0]
    np.testing.assert_allclose([own["x"][0], own["y"][0]], expected, rtol=1e-5)
    assert any("log p(x)" in m.value and "%" in m.value for m in at.markdown)
    # On PCA the point is the exact projection of its code.
    at.selectbox(key="map_method").set_value("pca").run()
    own = trace(plotly_figures(at)[0], map_overlays.OWN_NAME)
    mean, axes = projection.pca_axes(codes)
    np.testing.assert_allclose(
        [own["x"][0], own["y"][0]], (z.numpy()[0] - mean) @ axes.T, rtol=1e-5, atol=1e-6
    )
    # A bad file: one sentence, no exception, and the input kept from before stays.
    at.file_uploader(key="map_own_upload").upload("bad.png", b"not an image", "image/png").run()
    assert not at.exception
    assert len(at.error) == 1 and "not an image that can be read" in at.error[0].value
    # Folded, the input stays on the map; a visit with no state for the section (the page
    # opened again) finds it open, showing the input.
    at.session_state["map_own_open"] = False
    at.run()
    assert trace(plotly_figures(at)[0], map_overlays.OWN_NAME)
    with pytest.raises(KeyError):
        at.radio(key="map_own_source")
    del at.session_state["map_own_open"]
    at.run()
    assert at.session_state["map_own_open"]
    assert at.radio(key="map_own_source").value == "Draw"  # the picker starts empty, as on arrival
    assert any(c.value.startswith("In use: ") for c in at.caption), [c.value for c in at.caption]


def spot_click(at, x: float, y: float) -> None:
    at.session_state["map_chart"] = {
        "selection": {
            "points": [{"customdata": -7, "x": x, "y": y, "curve_number": 0, "point_index": 6}],
            "point_indices": [6],
            "box": [],
            "lasso": [],
        }
    }
    at.run()


def test_a_click_on_an_empty_pca_spot_decodes_the_exact_inverse(media):  # noqa: F811
    at = open_page("latent_map", "digits-8d")
    at.selectbox(key="map_method").set_value("pca").run()
    path, model, data = bundled("digits-8d")
    codes = projection.test_codes(path, model, data, N_TEST)
    xy = projection.cached_projection(path, codes, "pca")
    spot = xy.min(axis=0) + 0.1 * np.ptp(xy, axis=0)  # a corner of the map, away from the codes
    spot_click(at, *spot)
    assert not at.exception, [e.message for e in at.exception]
    assert any(map_inverse.CAVEATS["pca"] in m.value for m in at.markdown)
    assert any("Reprojection error" in m.value for m in at.markdown)
    mean, axes = projection.pca_axes(codes)
    z = torch.as_tensor(mean + spot @ axes, dtype=torch.float32)
    same_picture(captioned(at, media, "decoded at"), latent.decode(model, z), target=128)
    # A second spot decodes the path between the two. (In a browser the on_select callback
    # keeps the first spot before the rerun that draws its marker; here that rerun comes first.)
    at.run()
    spot_click(at, *(spot + 0.5 * np.ptp(xy, axis=0)))
    assert any(
        "the path from the spot before" in (c or "") for i in at.get("image") for c in i.captions
    )


@pytest.mark.slow
def test_a_click_on_an_empty_umap_spot_shows_a_decoded_image_and_the_caveat():
    at = open_page("latent_map", "digits-8d")
    path, model, data = bundled("digits-8d")
    xy = projection.cached_projection(
        path, projection.test_codes(path, model, data, N_TEST), "umap"
    )
    grid = map_overlays.spot_grid(xy)
    far = np.linalg.norm(grid[:, None] - xy[None], axis=-1).min(axis=1).argmax()  # emptiest spot
    spot_click(at, *grid[far])
    assert not at.exception, [e.message for e in at.exception]
    assert any(map_inverse.CAVEATS["umap"] in m.value for m in at.markdown)
    assert any("Reprojection error" in m.value for m in at.markdown)
    assert any("decoded at" in (c or "") for i in at.get("image") for c in i.captions)
    at.run()  # the rerun a browser's on_select callback starts: the spot is marked on the map
    assert trace(plotly_figures(at)[0], map_overlays.SPOT_NAME)


def opened(at, key: str = SECTION_KEY):
    """The page with one of its lower sections open (shell.lazy_section), as a click opens it."""
    at.session_state[key] = True
    return at.run()


def test_a_class_vector_walks_a_code_towards_the_other_class_and_is_saved():
    at = opened(open_page("latent_map", "digits-8d"))
    _, _, data = bundled("digits-8d")
    at.selectbox(key="attr_class_a").set_value(1).run()
    at.selectbox(key="attr_class_b").set_value(7).run()
    one = int(np.flatnonzero(data.test.y.numpy() == 1)[0])
    at.number_input(key="attr_start_index").set_value(one).run()
    assert not at.exception, [e.message for e in at.exception]
    probe = next(f for f in plotly_figures(at) if "probe" in f["layout"]["title"]["text"])
    p7 = array(trace(probe, "7")["y"])
    p1 = array(trace(probe, "1")["y"])
    assert p7[-1] > p7[0] + 0.2 and p1[-1] < p1[0]
    at.text_input(key="attr_name").set_value("one to seven").run()
    at.button(key="attr_save").click().run()
    assert not at.exception
    saved = attributes.load_vectors(BUNDLED / "digits-8d")
    assert [v.name for v in saved] == ["one to seven"]
    assert not attributes.vectors_path(BUNDLED / "digits-8d").is_relative_to(BUNDLED)
    assert json.loads(attributes.vectors_path(BUNDLED / "digits-8d").read_text())["vectors"]
    at.radio(key="attr_way").set_value("saved").run()
    assert not at.exception
    assert at.selectbox(key="attr_saved").value == "one to seven"


def test_a_factor_vector_on_shapes_walks_and_the_shape_probe_answers():
    at = opened(open_page("latent_map", "shapes-beta4"))
    at.selectbox(key="map_method").set_value("pca").run()
    at.radio(key="attr_way").set_value("a factor's value").run()
    at.selectbox(key="attr_factor").set_value(1).run()  # scale: small against large
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("α from 0 to 1" in (c or "") for i in at.get("image") for c in i.captions)
    probe = next(f for f in plotly_figures(at) if "probe" in f["layout"]["title"]["text"])
    assert [t["name"] for t in probe["data"]] == ["square", "ellipse", "heart"]
