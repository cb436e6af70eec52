"""Every input within a memory budget: sizes are checked before anything large is allocated,
and each refusal is one sentence naming the input and the limit (issue 24)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from vae.data import files as files_module
from vae.data import image_to_tensor, load_dataset
from vae.data.images import DEFAULT_MAX_SIDE, MAX_UPLOAD_SIDE
from vae.errors import DataError


def _png(side: int, mode: str = "L", value: int = 0) -> bytes:
    buffer = io.BytesIO()
    colour = (value,) * 3 if mode == "RGB" else value
    Image.new(mode, (side, side), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_npy_header_declaring_terabytes_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npy"
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f4", "fortran_order": False, "shape": (2**40, 2)}
        )
        handle.write(b"\0" * 64)
    with pytest.raises(DataError, match=r"declares an array of 2,199,023,255,552 values"):
        load_dataset(str(path))


def test_a_truncated_npy_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "short.npy"
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f4", "fortran_order": False, "shape": (1000, 10)}
        )
        handle.write(b"\0" * 400)
    with pytest.raises(DataError, match="truncated"):
        load_dataset(str(path))


@pytest.mark.parametrize("length", [150, 200_000])
def test_a_csv_cell_too_long_for_a_number_is_named_with_its_line(tmp_path, length):
    rows = ["a,b"] + ["1,2"] * 12 + ["3," + "9" * length]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 14") as found:
        load_dataset(str(tmp_path / "long.csv"))
    assert "_csv.Error" not in str(found.value) and len(str(found.value)) < 300


def test_a_csv_with_too_many_values_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(files_module, "MAX_CSV_CELLS", 100)
    (tmp_path / "wide.csv").write_text("\n".join([",".join(["1"] * 20)] * 20))
    with pytest.raises(DataError, match="more than 100 values"):
        load_dataset(str(tmp_path / "wide.csv"))


def test_large_images_in_a_zip_are_resized_to_a_size_the_form_shows(tmp_path):
    path = tmp_path / "pets.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(30):
            archive.writestr(f"{['cat', 'dog'][i % 2]}/{i}.png", _png(300, value=i * 8))
    data = load_dataset(str(path))
    assert data.input_shape == (1, DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE)  # not 4×4
    assert data.class_names == ["cat", "dog"] and "resized to 64×64" in data.description
    assert load_dataset(str(path), image_size=32).input_shape == (1, 32, 32)


def test_a_big_photo_is_reduced_before_it_becomes_floats_and_a_huge_one_refused():
    x = image_to_tensor(_png(3000, "RGB", 200), (1, 28, 28))
    assert x.shape == (1, 28, 28) and abs(float(x.mean()) - 200 / 255) < 0.01
    with pytest.raises(DataError, match=f"images up to {MAX_UPLOAD_SIDE}×{MAX_UPLOAD_SIDE}"):
        image_to_tensor(_png(MAX_UPLOAD_SIDE + 1), (1, 28, 28))
