"""Data sets: known answers for the built-ins and a sentence for every bad input."""

from __future__ import annotations

import io
import math
import shutil
import struct

import numpy as np
import pytest
import torch
from data_helpers import (
    IDX_FILES,
    UNPICKLED,
    Trap,
    class_images,
    idx_bytes,
    png_bytes,
    write_fake_dsprites,
    write_idx,
    write_image,
    write_mnist,
    write_zip,
)

from vae.data import (
    BUILTIN_DATASETS,
    Dataset,
    GroundTruth,
    TensorSplit,
    image_to_tensor,
    load_dataset,
)
from vae.data import common as common_module
from vae.data import files as files_module
from vae.data import idx as idx_module
from vae.data import images as images_module
from vae.data.dsprites import FILE_NAME as DSPRITES_FILE
from vae.data.shapes import (
    FACTOR_SIZES,
    N_IMAGES,
    factors_to_index,
    index_to_factors,
    render_shapes,
    shapes_render_speed,
)
from vae.errors import DataError


@pytest.fixture(autouse=True)
def _no_data_outside(tmp_path, monkeypatch):
    """No test sees the user's data folders or cache, or reaches the network."""
    monkeypatch.delenv("VAE_LAB_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def no_network(url, dest, timeout=0):
        raise OSError("the network is off in tests")

    monkeypatch.setattr(idx_module, "download_file", no_network)
    UNPICKLED.clear()


def refused(source, **kwargs) -> str:
    """The DataError message for loading ``source``, which must name it."""
    with pytest.raises(DataError) as caught:
        load_dataset(str(source), **kwargs)
    message = str(caught.value)
    assert str(source) in message
    return message


def test_builtin_names_have_descriptions():
    assert {"digits", "shapes", "moons", "pinwheel", "rings", "gaussians"} <= set(BUILTIN_DATASETS)
    assert {"mnist", "fashion-mnist", "dsprites"} <= set(BUILTIN_DATASETS)
    assert all(isinstance(d, str) and d for d in BUILTIN_DATASETS.values())


# --- digits ------------------------------------------------------------------------------


def test_digits_shapes_range_and_stratified_split():
    from sklearn.datasets import load_digits

    d = load_dataset("digits")
    assert isinstance(d, Dataset) and isinstance(d.test, TensorSplit)
    assert (len(d.train), len(d.test)) == (1437, 360)
    assert d.input_shape == (1, 8, 8) and d.train.x.shape == (1437, 1, 8, 8)
    assert d.train.x.dtype == torch.float32 and d.train.y.dtype == torch.int64
    assert d.train.x.min() == 0 and d.train.x.max() == 1
    assert d.class_names == [str(i) for i in range(10)]
    assert (d.kind, d.likelihood, d.default_architecture) == ("image", "bernoulli", "mlp")
    assert {"architecture", "latent_dim", "epochs", "batch_size", "lr"} <= set(d.defaults)
    # Stratified: every digit has 35 to 37 of the 360 test examples.
    counts = torch.bincount(d.test.y, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37
    # Pixels are scikit-learn's ink counts divided by 16, nothing lost or added.
    total = (d.train.x.sum() + d.test.x.sum()) * 16
    assert total.item() == pytest.approx(load_digits().images.sum())


def test_digits_split_is_fixed_by_seed():
    a, b, c = load_dataset("digits"), load_dataset("digits"), load_dataset("digits", seed=1)
    assert torch.equal(a.test.x, b.test.x) and torch.equal(a.train.y, b.train.y)
    assert not torch.equal(a.test.x, c.test.x)


# --- shapes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes() -> Dataset:
    return load_dataset("shapes")


def test_shapes_grid(shapes):
    assert len(shapes.train) == N_IMAGES == 737_280 == math.prod(FACTOR_SIZES)
    assert shapes.factor_names == ["shape", "scale", "orientation", "pos_x", "pos_y"]
    assert shapes.factor_sizes == [3, 6, 40, 32, 32]
    assert shapes.class_names == ["square", "ellipse", "heart"]
    assert shapes.input_shape == (1, 64, 64)
    assert (shapes.default_architecture, shapes.likelihood) == ("conv", "bernoulli")
    assert "epoch_size" in shapes.defaults
    assert isinstance(shapes.test, TensorSplit) and len(shapes.test) == 5000
    assert torch.equal(shapes.test.x, render_shapes(shapes.test.factors))
    assert torch.equal(shapes.test.y, shapes.test.factors[:, 0])


def test_shapes_index_and_factors_round_trip():
    index = torch.tensor([0, 1, 32, 1024, 40 * 1024, N_IMAGES - 1])
    factors = index_to_factors(index)
    assert factors.tolist() == [
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 1],  # pos_y is the fastest
        [0, 0, 0, 1, 0],
        [0, 0, 1, 0, 0],
        [0, 1, 0, 0, 0],
        [2, 5, 39, 31, 31],
    ]
    random_index = torch.randint(0, N_IMAGES, (1000,))
    assert torch.equal(factors_to_index(index_to_factors(random_index)), random_index)
    with pytest.raises(IndexError):
        index_to_factors(torch.tensor([N_IMAGES]))


def test_shapes_rendering_is_deterministic_binary_and_inside(shapes):
    index = torch.randint(0, N_IMAGES, (64,))
    a, b = shapes.train.get(index), shapes.train.get(index)
    assert torch.equal(a.x, b.x) and a.x.shape == (64, 1, 64, 64) and a.x.dtype == torch.float32
    assert set(a.x.unique().tolist()) <= {0.0, 1.0}
    assert (a.x.sum((1, 2, 3)) > 0).all()
    assert torch.equal(a.y, a.factors[:, 0])
    # The largest shapes at the extreme positions, at every orientation, stay inside.
    corners = torch.tensor(
        [[s, 5, o, px, py] for s in range(3) for o in range(40) for px in (0, 31) for py in (0, 31)]
    )
    x = render_shapes(corners)
    border = x[..., 0, :].sum() + x[..., -1, :].sum() + x[..., :, 0].sum() + x[..., :, -1].sum()
    assert border == 0


def test_shapes_mean_intensity_matches_dsprites():
    # dSprites' mean pixel is 0.0425; the shapes are sized to match it.
    factors = np.random.default_rng(0).integers(0, FACTOR_SIZES, size=(3000, 5))
    assert render_shapes(factors).mean().item() == pytest.approx(0.0425, abs=0.002)


def test_shapes_bigger_scale_more_pixels():
    for shape in range(3):
        areas = [render_shapes([[shape, s, 3, 16, 16]]).sum().item() for s in range(6)]
        assert areas == sorted(areas) and len(set(areas)) == 6
        # Area grows as scale², and the scale goes from 0.5 to 1.
        assert areas[5] / areas[0] == pytest.approx(4.0, rel=0.15)


def centre_of_mass(image: torch.Tensor) -> tuple[float, float]:
    rows, cols = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    mass = image[0].sum()
    return float((image[0] * rows).sum() / mass), float((image[0] * cols).sum() / mass)


def test_shapes_position_moves_the_centre_of_mass():
    for shape in range(3):
        x = render_shapes([[shape, 3, 7, px, 16] for px in range(32)])
        rows, cols = zip(*(centre_of_mass(img) for img in x), strict=True)
        assert all(b > a for a, b in zip(cols, cols[1:], strict=False))
        # The centre crosses 1 − 2 × 0.222 of the image, 35.6 pixels at 64×64.
        assert cols[31] - cols[0] == pytest.approx(0.556 * 64, abs=1.0)
        assert max(rows) - min(rows) < 1.0
        down = render_shapes([[shape, 3, 7, 16, 0], [shape, 3, 7, 16, 31]])
        assert centre_of_mass(down[1])[0] - centre_of_mass(down[0])[0] == pytest.approx(
            35.6, abs=1.0
        )


def test_shapes_orientation_0_and_2pi_are_the_same_image():
    for shape in range(3):
        x = render_shapes([[shape, 5, 0, 10, 20], [shape, 5, 39, 10, 20], [shape, 5, 5, 10, 20]])
        assert torch.equal(x[0], x[1])
        assert not torch.equal(x[0], x[2])


def test_shapes_image_size_option():
    d = load_dataset("shapes", image_size=32)
    assert d.input_shape == (1, 32, 32) and d.test.x.shape == (5000, 1, 32, 32)
    assert d.train.get(torch.tensor([0, 5, 9])).x.shape == (3, 1, 32, 32)
    assert d.ground_truth.observe(np.zeros((2, 5), np.int64)).shape == (2, 1, 32, 32)
    for bad in (2, 1000, "64"):
        with pytest.raises(DataError, match="image_size"):
            load_dataset("shapes", image_size=bad)


def test_shapes_ground_truth_observes_what_train_holds(shapes):
    truth = shapes.ground_truth
    assert isinstance(truth, GroundTruth)
    factors = truth.sample_factors(200, np.random.default_rng(0))
    assert factors.shape == (200, 5) and factors.dtype == np.int64
    assert (factors >= 0).all() and (factors < np.array(FACTOR_SIZES)).all()
    batch = shapes.train.get(factors_to_index(torch.from_numpy(factors)))
    assert torch.equal(truth.observe(factors), batch.x)
    assert torch.equal(batch.factors, torch.from_numpy(factors))


def test_shapes_render_speed_is_measured():
    assert shapes_render_speed(n=512, image_size=32) > 0


# --- 2-D points --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moons", "pinwheel", "rings", "gaussians"])
def test_toys_are_seeded_unit_scale_points(name):
    d = load_dataset(name)
    assert d.train.x.shape == (5000, 2) and d.test.x.shape == (1000, 2)
    assert d.train.x.dtype == torch.float32 and torch.isfinite(d.train.x).all()
    assert (d.kind, d.likelihood, d.input_shape) == ("points", "gaussian", (2,))
    assert d.train.x.mean(0).abs().max() < 0.2
    assert ((d.train.x.std(0) > 0.7) & (d.train.x.std(0) < 1.3)).all()
    assert torch.equal(d.train.x, load_dataset(name).train.x)
    assert not torch.equal(d.train.x, load_dataset(name, seed=1).train.x)


def test_toys_known_structure():
    rings = load_dataset("rings").train
    radius = rings.x.norm(dim=1)
    medians = [radius[rings.y == k].median().item() for k in range(3)]
    assert medians == pytest.approx([0.6, 1.2, 1.8], abs=0.03)
    gaussians = load_dataset("gaussians").train
    angle = 2 * math.pi * gaussians.y.double() / 8
    centres = 1.4 * torch.stack([angle.cos(), angle.sin()], 1)
    assert (gaussians.x.double() - centres).norm(dim=1).max() < 0.6
    assert load_dataset("pinwheel").n_classes == 5
    moons = load_dataset("moons")
    assert not moons.has_labels and moons.train.y is None


# --- mnist and fashion-mnist -------------------------------------------------------------


def test_mnist_from_idx_files_in_data_dir(tmp_path):
    arrays = write_mnist(tmp_path / "mnist")
    d = load_dataset("mnist", data_dir=str(tmp_path))
    assert (len(d.train), len(d.test), d.input_shape) == (20, 10, (1, 28, 28))
    assert torch.allclose(d.train.x[:, 0] * 255, torch.from_numpy(arrays["train_images"]).float())
    assert d.test.y.tolist() == arrays["test_labels"].tolist()
    assert d.class_names == [str(i) for i in range(10)] and d.likelihood == "bernoulli"


def test_fashion_mnist_gzipped_from_vae_lab_data(tmp_path, monkeypatch):
    arrays = write_mnist(tmp_path / "data", gz=True)
    monkeypatch.setenv("VAE_LAB_DATA", str(tmp_path / "data"))  # the folder itself
    d = load_dataset("fashion-mnist")
    assert d.class_names[0] == "T-shirt/top" and d.class_names[9] == "Ankle boot"
    assert d.train.y.tolist() == arrays["train_labels"].tolist()


def test_mnist_offline_error_names_the_folders_and_files(tmp_path, monkeypatch):
    monkeypatch.delenv("VAE_LAB_OFFLINE", raising=False)
    tried = []

    def failing(url, dest, timeout=0):
        tried.append(url)
        raise OSError("no route to host")

    monkeypatch.setattr(idx_module, "download_file", failing)
    with pytest.raises(DataError) as caught:
        load_dataset("mnist", data_dir=str(tmp_path / "mine"))
    message = str(caught.value)
    for expected in [str(tmp_path / "mine"), str(tmp_path / "cache" / "vae-lab" / "mnist")]:
        assert expected in message
    assert all(name in message for name in IDX_FILES.values())
    assert tried and tried[0].startswith("https://ossci-datasets.s3.amazonaws.com/mnist/")


def test_mnist_downloads_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("VAE_LAB_OFFLINE", raising=False)
    write_mnist(tmp_path / "mirror", gz=True)

    def fake_download(url, dest, timeout=0):
        shutil.copy(tmp_path / "mirror" / url.rsplit("/", 1)[1], dest)

    monkeypatch.setattr(idx_module, "download_file", fake_download)
    d = load_dataset("mnist")
    assert len(d.train) == 20
    assert (tmp_path / "cache" / "vae-lab" / "mnist" / "train-images-idx3-ubyte.gz").is_file()


@pytest.mark.parametrize("damage", ["truncated", "magic", "label count", "trailing"])
def test_mnist_damaged_files_are_refused(tmp_path, damage):
    arrays = write_mnist(tmp_path / "mnist")
    path = tmp_path / "mnist" / IDX_FILES["train_images"]
    data = idx_bytes(arrays["train_images"])
    if damage == "truncated":
        path.write_bytes(data[:-100])
    elif damage == "magic":
        path.write_bytes(b"\0\0\x0d\x03" + data[4:])
    elif damage == "trailing":
        path.write_bytes(data + b"\0")
    else:
        path = write_idx(tmp_path / "mnist" / IDX_FILES["train_labels"], arrays["train_labels"][:5])
    with pytest.raises(DataError) as caught:
        load_dataset("mnist", data_dir=str(tmp_path))
    assert str(path) in str(caught.value)


# --- dsprites ----------------------------------------------------------------------------


def test_dsprites_from_a_fake_npz_without_unpickling(tmp_path):
    path = tmp_path / "dsprites_small.npz"
    imgs, grid = write_fake_dsprites(path)
    d = load_dataset(str(path))
    assert len(d.train) == len(imgs) == 48 and d.factor_sizes == [3, 2, 2, 2, 2]
    assert d.input_shape == (1, 64, 64) and isinstance(d.test, TensorSplit) and len(d.test) == 9
    index = torch.tensor([0, 7, 47])
    batch = d.train.get(index)
    assert torch.equal(batch.x[:, 0], torch.from_numpy(imgs[index.numpy()]).float())
    assert torch.equal(batch.factors, torch.from_numpy(grid[index.numpy()]))
    # Looking factors up finds the right image though the rows are shuffled.
    assert torch.equal(d.ground_truth.observe(grid[[5, 6]]), d.train.get(torch.tensor([5, 6])).x)
    assert not UNPICKLED


def test_dsprites_by_name_from_data_dir_or_a_clear_error(tmp_path):
    with pytest.raises(DataError) as caught:
        load_dataset("dsprites", data_dir=str(tmp_path))
    assert DSPRITES_FILE in str(caught.value) and str(tmp_path) in str(caught.value)
    write_fake_dsprites(tmp_path / "dsprites" / DSPRITES_FILE, shuffle=False)
    d = load_dataset("dsprites", data_dir=str(tmp_path), image_size=32)
    assert d.train.get(torch.tensor([1])).x.shape == (1, 1, 32, 32)


# --- the user's arrays: .npz, .npy, .csv -------------------------------------------------


def save_npz(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_npz_images_channels_last_bytes(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (30, 8, 8, 3), dtype=np.uint8)
    d = load_dataset(str(save_npz(tmp_path, x=x)))
    assert (d.input_shape, d.kind, d.likelihood) == ((3, 8, 8), "image", "bernoulli")
    assert (len(d.train), len(d.test)) == (24, 6) and not d.has_labels
    all_x = torch.cat([d.train.x, d.test.x]) * 255
    assert sorted(all_x.sum((1, 2, 3)).round().tolist()) == sorted(x.sum((1, 2, 3)).astype(float))


@pytest.mark.parametrize("shape", [(30, 1, 6, 5), (30, 6, 5)])
def test_npz_grayscale_images(tmp_path, shape):
    d = load_dataset(str(save_npz(tmp_path, x=np.random.default_rng(0).random(shape))))
    assert d.input_shape == (1, 6, 5)
    resized = load_dataset(str(save_npz(tmp_path, x=np.zeros(shape))), image_size=4)
    assert resized.input_shape == (1, 4, 4)


def test_npz_table_is_standardised_with_train_statistics(tmp_path):
    x = np.random.default_rng(0).normal(3.0, 10.0, (100, 5))
    d = load_dataset(str(save_npz(tmp_path, x=x)))
    assert (d.kind, d.likelihood, d.input_shape) == ("tabular", "gaussian", (5,))
    assert d.train.x.mean(0).abs().max() < 1e-5
    assert (d.train.x.std(0, correction=0) - 1).abs().max() < 1e-5
    restored = torch.cat([d.train.x, d.test.x]) * d.std + d.mean
    assert sorted(restored[:, 0].tolist()) == pytest.approx(sorted(x[:, 0]), abs=1e-4)
    assert load_dataset(str(save_npz(tmp_path, "p.npz", x=x[:, :2]))).kind == "points"


def test_npz_labels_become_classes(tmp_path):
    x, y = np.random.default_rng(0).random((40, 3)), np.repeat([20, 10], 20)
    d = load_dataset(str(save_npz(tmp_path, x=x, y=y)))
    assert d.class_names == ["10", "20"] and d.n_classes == 2
    assert torch.bincount(d.test.y).tolist() == [4, 4]  # stratified


BAD_ARRAYS = {
    "no x": {"images": np.zeros((20, 4))},
    "1-D x": {"x": np.zeros(20)},
    "5-D x": {"x": np.zeros((20, 2, 2, 2, 2))},
    "5 channels": {"x": np.zeros((20, 8, 8, 5))},
    "NaN": {"x": np.full((20, 4), np.nan)},
    "inf": {"x": np.full((20, 4), np.inf)},
    "empty": {"x": np.zeros((0, 4))},
    "too few": {"x": np.zeros((5, 4))},
    "float pixels above 1": {"x": np.full((20, 8, 8), 2.0)},
    "integer pixels above 255": {"x": np.full((20, 8, 8), 300)},
    "too large images": {"x": np.zeros((10, 1100, 2), np.uint8)},
    "strings": {"x": np.array(["a"] * 20)},
    "short y": {"x": np.zeros((20, 4)), "y": np.zeros(19, int)},
    "fractional y": {"x": np.zeros((20, 4)), "y": np.full(20, 0.5)},
    "2-D y": {"x": np.zeros((20, 4)), "y": np.zeros((20, 2), int)},
}


@pytest.mark.parametrize("case", BAD_ARRAYS)
def test_bad_npz_is_refused_naming_the_file(tmp_path, case):
    refused(save_npz(tmp_path, **BAD_ARRAYS[case]))


@pytest.mark.parametrize("key", ["x", "y"])
def test_npz_object_arrays_are_refused_never_unpickled(tmp_path, key):
    arrays = {"x": np.zeros((20, 4)), key: np.array([Trap()] * 20, dtype=object)}
    assert "object array" in refused(save_npz(tmp_path, **arrays))
    assert not UNPICKLED


def test_npy_and_broken_archives(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((20, 3)))
    assert load_dataset(str(tmp_path / "x.npy")).input_shape == (3,)
    np.save(tmp_path / "o.npy", np.array([Trap()] * 20, dtype=object))
    refused(tmp_path / "o.npy")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    refused(tmp_path / "junk.npz")
    assert not UNPICKLED


def test_file_size_and_decompressed_size_limits(tmp_path, monkeypatch):
    path = save_npz(tmp_path, x=np.zeros((20, 50)))
    monkeypatch.setattr(files_module, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert "decompress" in refused(path)
    monkeypatch.setattr(common_module, "MAX_FILE_BYTES", 100)
    assert "are accepted" in refused(path)


def test_missing_paths_unknown_names_and_extensions(tmp_path):
    refused(tmp_path / "absent.npz")
    message = refused("no-such-data")
    assert all(name in message for name in ("digits", "shapes", "mnist"))
    (tmp_path / "notes.doc").write_text("1,2\n")
    assert ".csv" in refused(tmp_path / "notes.doc") and ".txt" in refused(tmp_path / "notes.doc")


def test_csv_with_header_and_label_column(tmp_path):
    rows = [f"{i},{i % 3 * 2.5},{['cat', 'dog'][i % 2]},{-i}" for i in range(30)]
    (tmp_path / "t.csv").write_text("a,b,Label,c\n" + "\n".join(rows) + "\n")
    d = load_dataset(str(tmp_path / "t.csv"))
    assert d.input_shape == (3,) and d.kind == "tabular" and d.class_names == ["cat", "dog"]
    assert len(d.train) + len(d.test) == 30
    (tmp_path / "n.csv").write_text("\n".join(f"{i};{i * i}" for i in range(12)))
    d = load_dataset(str(tmp_path / "n.csv"))
    assert d.kind == "points" and not d.has_labels and len(d.train) + len(d.test) == 12


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n" + "1,2\n" * 12 + "3,oops\n",
        "a,b\n" + "1,2\n" * 12 + "3\n",
        "",
        "a,b\n1,2\n",
        "a,b\n" + "1,nan\n" * 12,
    ],
    ids=["not a number", "ragged", "empty", "too few", "NaN"],
)
def test_bad_csv_is_refused_naming_the_file(tmp_path, text):
    (tmp_path / "bad.csv").write_text(text)
    message = refused(tmp_path / "bad.csv")
    if "oops" in text:
        assert "line 14" in message


# --- the user's images: folders and zips -------------------------------------------------


def write_classes(root, channels=0):
    for name, value in (("dog", 200), ("cat", 51)):
        for i, image in enumerate(class_images(6, value, channels=channels)):
            write_image(root / name / f"{i}.png", image)


def test_folder_with_class_subfolders(tmp_path):
    write_classes(tmp_path / "pets")
    (tmp_path / "pets" / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "pets" / ".DS_Store").write_bytes(b"\0\1")
    d = load_dataset(str(tmp_path / "pets"))
    assert d.class_names == ["cat", "dog"] and d.input_shape == (1, 8, 8)
    x, y = torch.cat([d.train.x, d.test.x]), torch.cat([d.train.y, d.test.y])
    assert torch.bincount(y).tolist() == [6, 6]
    assert x[y == 0][:, 0, 4, 4].tolist() == pytest.approx([0.2] * 6)  # 51 / 255


def test_flat_folder_has_no_labels_and_mixed_sizes_need_image_size(tmp_path):
    for i, image in enumerate(class_images(12, 100)):
        write_image(tmp_path / "flat" / f"{i}.png", image)
    assert not load_dataset(str(tmp_path / "flat")).has_labels
    write_image(tmp_path / "flat" / "big.png", np.zeros((16, 12), np.uint8))
    assert "image_size" in refused(tmp_path / "flat")
    assert load_dataset(str(tmp_path / "flat"), image_size=8).input_shape == (1, 8, 8)


def test_zip_with_a_wrapping_folder_and_colour(tmp_path):
    members = {}
    for name, value in (("a", 10), ("b", 250)):
        for i, image in enumerate(class_images(5, value, channels=3)):
            members[f"top/{name}/{i}.jpg"] = png_bytes(image, fmt="JPEG")
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = 200, 128  # half transparent over black
    members["top/b/rgba.png"] = png_bytes(rgba, "RGBA")
    members["__MACOSX/top/a/._0.jpg"] = b"resource fork"
    d = load_dataset(str(write_zip(tmp_path / "pets.zip", members)))
    assert d.class_names == ["a", "b"] and d.input_shape == (3, 8, 8)
    x = torch.cat([d.train.x, d.test.x])
    assert x.shape[0] == 11 and ((x - 200 * 128 / 255**2).abs() < 0.01).all((1, 2, 3)).sum() == 1


def test_corrupt_and_oversized_images_are_named(tmp_path):
    write_classes(tmp_path / "pets")
    bad = tmp_path / "pets" / "cat" / "broken.png"
    bad.write_bytes(b"\x89PNG not really")
    assert str(bad) in refused(tmp_path / "pets")
    bad.unlink()
    wide = write_image(tmp_path / "pets" / "dog" / "wide.png", np.zeros((4, 1100), np.uint8))
    assert str(wide) in refused(tmp_path / "pets")
    wide.unlink()
    write_image(tmp_path / "pets" / "loose.png", np.zeros((8, 8), np.uint8))
    assert "sub-folders" in refused(tmp_path / "pets")


def test_zip_limits(tmp_path, monkeypatch):
    members = {f"{i}.png": png_bytes(image) for i, image in enumerate(class_images(12, 9))}
    path = write_zip(tmp_path / "many.zip", members)
    monkeypatch.setattr(images_module, "MAX_ARCHIVE_MEMBERS", 5)
    assert "members" in refused(path)
    monkeypatch.setattr(images_module, "MAX_ARCHIVE_MEMBERS", 100)
    monkeypatch.setattr(images_module, "MAX_UNCOMPRESSED_BYTES", 500)
    assert "decompress" in refused(path)
    monkeypatch.setattr(images_module, "MAX_UNCOMPRESSED_BYTES", 10**6)
    monkeypatch.setattr(images_module, "MAX_IMAGE_FILE_BYTES", 20)
    assert "0.png" in refused(path)
    monkeypatch.setattr(images_module, "MAX_IMAGE_FILE_BYTES", 10**6)
    monkeypatch.setattr(images_module, "MAX_VALUES", 100)
    assert "pixel values" in refused(path)
    (tmp_path / "junk.zip").write_bytes(b"PK but no archive")
    refused(tmp_path / "junk.zip")


def test_zip_member_lying_about_its_size_is_not_read_past_its_claim(tmp_path, monkeypatch):
    members = {f"{i}.png": png_bytes(image) for i, image in enumerate(class_images(11, 9))}
    noise = np.random.default_rng(0).integers(0, 256, (40, 40), dtype=np.uint8)
    members["11.png"] = png_bytes(noise)  # about 1,700 bytes
    raw = bytearray(write_zip(tmp_path / "lying.zip", members).read_bytes())
    # Claim 100 bytes for the last member in the central directory, which zipfile trusts.
    entry = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<II", raw, entry + 20, 100, 100)
    (tmp_path / "lying.zip").write_bytes(bytes(raw))
    monkeypatch.setattr(images_module, "MAX_IMAGE_FILE_BYTES", 500)
    assert "11.png" in refused(tmp_path / "lying.zip")


# --- one uploaded image ------------------------------------------------------------------


def test_image_to_tensor_converts_channels_and_size(tmp_path):
    red = np.zeros((16, 16, 3), np.uint8)
    red[..., 0] = 255
    gray = image_to_tensor(png_bytes(red), (1, 8, 8))
    assert gray.shape == (1, 8, 8) and gray.dtype == torch.float32
    assert torch.allclose(gray, torch.full_like(gray, 0.299), atol=0.01)  # luma of pure red
    path = write_image(tmp_path / "g.png", np.full((5, 5), 255, np.uint8))
    assert torch.allclose(image_to_tensor(path, (3, 4, 4)), torch.ones(3, 4, 4))
    upload = io.BytesIO(png_bytes(red))
    upload.name = "red.png"
    assert image_to_tensor(upload, (3, 2, 2))[0].min() == 1


def test_image_to_tensor_crops_about_the_centre():
    wide = np.zeros((8, 16), np.uint8)
    wide[:, 8:] = 255  # left half black, right half white
    x = image_to_tensor(png_bytes(wide), (1, 8, 8))  # keeps columns 4 to 11
    assert x[0, :, :3].max() < 0.05 and x[0, :, 5:].min() > 0.95


def test_image_to_tensor_refuses_what_is_not_an_image():
    with pytest.raises(DataError, match="not an image"):
        image_to_tensor(b"definitely not a png", (1, 8, 8))
    with pytest.raises(DataError, match="does not take images"):
        image_to_tensor(png_bytes(np.zeros((4, 4), np.uint8)), (2,))
