"""The modality seam: every data kind has one modality, and each says how its examples look."""

import numpy as np
import pytest
import torch

from vae.errors import DataError
from vae.modalities import MODULES, for_kind, registered


def test_every_modality_is_registered_once_and_serves_distinct_kinds():
    modalities = registered()
    assert [m.name for m in modalities] == list(MODULES)
    kinds = [k for m in modalities for k in m.kinds]
    assert len(kinds) == len(set(kinds))
    for m in modalities:
        assert m.display in ("picture", "numbers", "text", "audio")
        assert set(m.inputs) <= {"draw", "upload", "numbers", "text", "microphone"}


def test_the_data_kinds_of_the_built_in_sets_have_a_modality():
    assert for_kind("image").name == "image"
    assert for_kind("points").name == for_kind("tabular").name == "points"
    with pytest.raises(DataError, match="No modality shows data of kind 'smell'"):
        for_kind("smell")


def test_an_image_renders_as_an_enlarged_picture_of_its_pixels():
    x = torch.zeros(2, 1, 8, 8)
    x[1, 0, :4] = 1.0  # top half white
    pictures = for_kind("image").render(x, target=64)
    assert len(pictures) == 2 and pictures[0].dtype == np.uint8
    assert pictures[0].shape[:2] == (80, 80)  # 8 pixels and a 1-pixel frame, enlarged ×8
    inside = [p[8:72, 8:72] for p in pictures]
    assert inside[0].max() == 0 and inside[1][:32].min() == 255 and inside[1][32:].max() == 0


def test_image_corruptions_hide_or_change_what_they_say():
    image = for_kind("image")
    x = torch.rand(4, 1, 10, 10)
    obs, missing = image.corrupt(x, "rectangle", 0.5)
    assert missing[:, :, :5].all() and not missing[:, :, 5:].any()
    assert torch.equal(obs[:, :, 5:], x[:, :, 5:]) and obs[:, :, :5].eq(0).all()
    obs, missing = image.corrupt(x, "missing", 0.3)
    assert missing.sum().item() == 4 * 30  # exactly 30 of 100 pixels in every image
    obs, missing = image.corrupt(x, "noise", 0.2)
    assert not missing.any() and 0 < (obs - x).abs().mean() < 0.2


def test_points_render_and_hover_as_their_coordinates():
    points = for_kind("points")
    x = torch.tensor([[0.5, -1.25], [2.0, 0.0]])
    assert points.render(x) == ["(0.50, −1.25)", "(2.00, 0.00)"]
    assert points.hover(x) == points.render(x)
    assert not points.can_corrupt and not points.shows_pictures


def test_distance_is_euclidean_over_all_values():
    a, b = torch.zeros(1, 1, 2, 2), torch.ones(2, 1, 2, 2)
    torch.testing.assert_close(for_kind("image").distance(a, b), torch.full((1, 2), 2.0))


def test_sessions_asking_at_once_on_a_fresh_process_all_find_their_modality():
    """The registry was marked loaded before its modules registered: a second thread then found
    no modality (a tab showed a DataError when five opened Interpolate at once)."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from vae import modalities\n"
        "errors = []\n"
        "def ask():\n"
        "    try:\n"
        "        modalities.for_kind('image')\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=ask) for _ in range(16)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "assert not errors, errors\n"
    )
    for _ in range(5):  # a race: several fresh processes
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-600:]


def _text():
    from vae.modalities.text import Text
    from vae.model.vocabulary import Vocabulary

    return Text(Vocabulary.build([["the", "cat", "sat", "on", "mat"]], "word"))


def test_text_renders_its_rows_as_sentences_and_escapes_the_hover():
    text = _text()
    x = text.read(["the cat sat", "the dog"], 6)
    assert text.render(x) == ["the cat sat", "the <unk>"]
    assert text.hover(x)[1] == "the &lt;unk&gt;"  # a tooltip would drop "<unk>" as a tag
    assert text.display == "text" and "text" in text.inputs and text.can_corrupt
    with pytest.raises(DataError, match="bind the modality"):
        for_kind("text").render(x)


def test_text_corruptions_mask_or_drop_words_but_never_the_end():
    text = _text()
    x = text.read(["the cat sat on the mat"] * 50, 8)
    masked, missing = text.corrupt(x, "mask", 0.5, seed=1)
    assert (masked[missing] == 1).all() and torch.equal(masked[~missing], x[~missing])
    assert 0.4 < float(missing[:, :6].double().mean()) < 0.6 and not missing[:, 6:].any()
    dropped, none = text.corrupt(x, "drop", 0.5, seed=1)
    assert not none.any()
    kept = (dropped != 0).sum(1) - 1  # words left before <eos>
    assert torch.equal(kept, 6 - missing.sum(1))  # the same words hit, removed instead
    assert (dropped.gather(1, kept[:, None]) == 3).all()  # each row still ends with <eos>


def test_text_distance_is_the_share_of_places_that_differ():
    text = _text()
    a = text.read(["the cat sat"], 6)
    b = text.read(["the cat sat", "the mat sat", "on on on on"], 6)
    torch.testing.assert_close(
        text.distance(a, b), torch.tensor([[0.0, 0.25, 1.0]], dtype=torch.float64)
    )
