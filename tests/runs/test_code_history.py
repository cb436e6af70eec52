"""The codes kept over training: bounded, thinned the same way however a run is cut."""

from __future__ import annotations

import numpy as np
import torch

from vae.runs import code_history
from vae.runs.code_history import MAX_FRAMES, kept_epochs, stride_for


def test_every_epoch_is_kept_while_they_fit():
    assert kept_epochs(5) == [0, 1, 2, 3, 4, 5]
    assert kept_epochs(MAX_FRAMES - 1) == list(range(MAX_FRAMES))


def test_a_long_run_keeps_a_power_of_two_stride_plus_the_latest_epoch():
    assert stride_for(MAX_FRAMES) == 2
    assert kept_epochs(MAX_FRAMES) == [*range(0, MAX_FRAMES, 2), MAX_FRAMES]
    kept = kept_epochs(1000)
    assert len(kept) <= MAX_FRAMES and kept[0] == 0 and kept[-1] == 1000
    assert len(set(np.diff(kept[:-1]))) == 1 and stride_for(1000) == kept[1]


def test_the_frames_kept_only_ever_shrink_to_a_subset_plus_the_new_epoch():
    # Why a resumed run ends with the same frames: a frame dropped once never comes back.
    for latest in range(1, 2000):
        assert len(kept_epochs(latest)) <= MAX_FRAMES
        assert set(kept_epochs(latest)) <= set(kept_epochs(latest - 1)) | {latest}, latest


def test_recording_thins_and_trim_drops_later_frames(tmp_path):
    for epoch in range(0, 40):
        code_history.record(tmp_path, epoch, torch.full((5, 3), float(epoch)))
    epochs, codes = code_history.read(tmp_path)
    assert epochs.tolist() == kept_epochs(39)
    assert codes.shape == (len(epochs), 5, 3) and codes.dtype == np.float32
    assert np.array_equal(codes[:, 0, 0], epochs.astype(np.float32))  # each frame its own codes
    code_history.trim(tmp_path, 20)
    assert code_history.read(tmp_path)[0].tolist() == [e for e in kept_epochs(39) if e <= 20]


def test_only_the_first_points_are_kept_and_a_missing_or_broken_file_reads_none(tmp_path):
    code_history.record(tmp_path, 0, torch.zeros(code_history.N_POINTS + 50, 2))
    assert code_history.read(tmp_path)[1].shape == (1, code_history.N_POINTS, 2)
    assert code_history.read(tmp_path / "missing") is None
    (tmp_path / code_history.HISTORY_FILE).write_bytes(b"not an npz")
    assert code_history.read(tmp_path) is None


def test_thinning_keeps_the_first_examples_of_every_frame(tmp_path):
    # What a bundle of 128-D codes ships: the first 250 examples, every kept epoch.
    history = code_history.History(tmp_path)
    frames = [torch.randn(1000, 128) for _ in range(3)]
    for epoch, means in enumerate(frames):
        history.add(epoch, means)
    history.flush()
    code_history.thin(tmp_path, 250)
    epochs, codes = code_history.read(tmp_path)
    assert list(epochs) == [0, 1, 2] and codes.shape == (3, 250, 128)
    np.testing.assert_allclose(codes[2], frames[2][:250].numpy(), atol=2e-3, rtol=1e-3)
    code_history.thin(tmp_path, 500)  # never grows
    assert code_history.read(tmp_path)[1].shape == (3, 250, 128)
