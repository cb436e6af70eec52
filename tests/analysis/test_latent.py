"""vae.analysis.latent: interpolation, traversals, prior samples and class swaps, with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae.analysis import latent
from vae.runs.catalog import BUNDLED, load_model


def test_linear_midpoint_and_endpoints():
    a, b = torch.tensor([0.0, 2.0, -4.0]), torch.tensor([2.0, 0.0, 4.0])
    path = latent.interpolate(a, b, 5, "linear")
    assert path.shape == (5, 3)
    torch.testing.assert_close(path[0], a)
    torch.testing.assert_close(path[-1], b)
    torch.testing.assert_close(path[2], torch.tensor([1.0, 1.0, 0.0]))
    # equal steps along a straight line
    gaps = (path[1:] - path[:-1]).norm(dim=1)
    torch.testing.assert_close(gaps, torch.full((4,), gaps[0].item()))


def test_slerp_keeps_unit_vectors_on_the_sphere():
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    path = latent.interpolate(a, b, 7, "slerp")
    torch.testing.assert_close(path[0], a)
    torch.testing.assert_close(path[-1], b)
    torch.testing.assert_close(path.norm(dim=1), torch.ones(7))
    # the midpoint of a quarter circle is at 45°
    torch.testing.assert_close(path[3], torch.tensor([math.sqrt(0.5), math.sqrt(0.5), 0.0]))
    # equal angles between consecutive frames
    cos = (path[1:] * path[:-1]).sum(dim=1)
    torch.testing.assert_close(cos, torch.full((6,), math.cos(math.pi / 12)))


def test_slerp_of_random_unit_vectors_in_high_dimension():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(64, generator=g), torch.randn(64, generator=g)
    a, b = a / a.norm(), b / b.norm()
    path = latent.interpolate(a, b, 11, "slerp")
    torch.testing.assert_close(path.norm(dim=1), torch.ones(11), atol=1e-5, rtol=0)
    # a straight line between them cuts inside the sphere
    assert latent.interpolate(a, b, 11, "linear")[5].norm() < 0.8


def test_slerp_falls_back_to_a_line_for_parallel_and_opposite_codes():
    a = torch.tensor([1.0, 2.0])
    torch.testing.assert_close(latent.interpolate(a, 3 * a, 3, "slerp")[1], 2 * a)
    torch.testing.assert_close(latent.interpolate(a, -a, 3, "slerp")[1], torch.zeros(2))
    torch.testing.assert_close(latent.interpolate(torch.zeros(2), a, 3, "slerp")[1], a / 2)


def test_interpolate_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        latent.interpolate(torch.zeros(2), torch.ones(2), 3, "cubic")
    with pytest.raises(ValueError, match="at least 2"):
        latent.interpolate(torch.zeros(2), torch.ones(2), 1)
    with pytest.raises(ValueError, match="same shape"):
        latent.interpolate(torch.zeros(2), torch.ones(3), 3)


def test_kl_order_puts_the_largest_kl_first_and_keeps_ties_in_order():
    assert latent.kl_order([0.1, 2.0, 0.0, 2.0, 0.5]) == [1, 3, 4, 0, 2]


def test_dimensions_marks_inactive_units_from_the_variance_of_the_means():
    dims = latent.dimensions([0.5, 0.0, 1.5], [0.2, 0.001, 0.9])
    assert dims.order == [2, 0, 1]
    assert dims.active.tolist() == [True, False, True]
    assert dims.label(1) == "z1 · KL 0.00 · inactive"
    assert dims.label(2) == "z2 · KL 1.50"


def test_traversal_codes_change_one_dimension_per_row():
    z = torch.tensor([0.5, -1.0, 2.0])
    values = latent.traversal_values(-1, 1, 3)
    codes = latent.traversal_codes(z, [2, 0], values)
    expected = torch.tensor(
        [
            [0.5, -1.0, -1.0], [0.5, -1.0, 0.0], [0.5, -1.0, 1.0],  # row 0: z2
            [-1.0, -1.0, 2.0], [0.0, -1.0, 2.0], [1.0, -1.0, 2.0],  # row 1: z0
        ]
    )  # fmt: skip
    torch.testing.assert_close(codes, expected)


def test_traversal_frames_go_there_and_back():
    images = torch.arange(2 * 4, dtype=torch.float32).reshape(8, 1, 1, 1)
    frames = latent.traversal_frames(images, rows=2, cols=4)
    assert len(frames) == 6
    firsts = [int(f[0, 0, 0, 0]) for f in frames]
    assert firsts == [0, 1, 2, 3, 2, 1]
    assert [int(f[1, 0, 0, 0]) for f in frames] == [4, 5, 6, 7, 6, 5]


def test_prior_samples_are_reproducible_and_scaled_by_temperature():
    a = latent.prior_samples(2000, 4, 1.0, seed=3)
    torch.testing.assert_close(a, latent.prior_samples(2000, 4, 1.0, seed=3))
    torch.testing.assert_close(latent.prior_samples(2000, 4, 0.5, seed=3), 0.5 * a)
    assert abs(a.std().item() - 1.0) < 0.05
    assert not torch.equal(a, latent.prior_samples(2000, 4, 1.0, seed=4))


def test_class_swap_repeats_each_code_under_every_class():
    z = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    codes, labels = latent.class_swap(z, 3)
    assert labels.tolist() == [0, 1, 2, 0, 1, 2]
    torch.testing.assert_close(codes[:3], z[0].expand(3, 2))
    torch.testing.assert_close(codes[3:], z[1].expand(3, 2))


def test_label_mix_rows_sum_to_one_and_end_at_one_hots():
    mix = latent.label_mix(2, 5, 10, 5)
    torch.testing.assert_close(mix.sum(dim=1), torch.ones(5))
    assert mix[0].argmax() == 2 and mix[0, 2] == 1
    assert mix[-1].argmax() == 5 and mix[-1, 5] == 1
    torch.testing.assert_close(mix[2, [2, 5]], torch.tensor([0.5, 0.5]))


def test_decode_label_mix_ends_equal_the_models_own_decoding():
    model = load_model(BUNDLED / "digits-cvae")
    z = latent.prior_samples(1, model.config.latent_dim, seed=0)[0]
    mix = latent.decode_label_mix(model, z, latent.label_mix(3, 7, 10, 4))
    with torch.no_grad():
        torch.testing.assert_close(mix[0], model.decode(z[None], 3)[0])
        torch.testing.assert_close(mix[-1], model.decode(z[None], 7)[0])
    assert not torch.allclose(mix[1], mix[0])


def test_decode_batches_give_the_same_images():
    model = load_model(BUNDLED / "digits-8d")
    z = latent.prior_samples(10, 8, seed=2)
    with torch.no_grad():
        torch.testing.assert_close(latent.decode(model, z, batch_size=3), model.decode(z))


def test_projection_pca_of_a_line_and_2d_identity():
    t = np.linspace(-1, 1, 50)
    means = np.stack([t, 2 * t, np.zeros_like(t)], axis=1) + 5
    proj = latent.fit_projection(means)
    xy = proj(means)
    np.testing.assert_allclose(xy[:, 1], 0, atol=1e-9)  # all the spread is on PC1
    np.testing.assert_allclose(np.abs(xy[:, 0]), np.abs(t) * math.sqrt(5), atol=1e-9)
    assert proj.axis_titles[0].startswith("PC1 (100%")
    flat = latent.fit_projection(np.random.default_rng(0).normal(size=(20, 2)))
    np.testing.assert_allclose(flat(np.array([[0.3, -0.2]])), [[0.3, -0.2]])


def test_small_decodes_leave_the_thread_count_as_they_found_it():
    model = load_model(BUNDLED / "digits-8d")
    before = torch.get_num_threads()
    latent.decode(model, torch.zeros(3, 8))
    latent.encode_mean(model, torch.zeros(2, 1, 8, 8))
    assert torch.get_num_threads() == before
