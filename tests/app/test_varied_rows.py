"""The lab's reconstructions show the data's variety, not the first examples (issue 27)."""

from __future__ import annotations

import torch

from vae.app.examples import varied_rows


def test_first_example_of_each_class_in_turn():
    labels = torch.tensor([0, 0, 0, 1, 0, 2, 1, 3])
    assert varied_rows(labels, 3) == [0, 3, 5]
    assert varied_rows(labels, 4) == [0, 3, 5, 7]


def test_fewer_classes_than_rows_fill_with_the_next_rows():
    labels = torch.tensor([0, 0, 1, 1, 0])
    assert varied_rows(labels, 4) == [0, 2, 1, 3]
    assert varied_rows(labels, 9) == [0, 2, 1, 3, 4]  # no more rows than examples


def test_without_labels_the_first_rows():
    assert varied_rows(None, 3) == [0, 1, 2]


def test_factor_labels_use_the_first_factor():
    labels = torch.tensor([[0, 5], [0, 6], [1, 5]])
    assert varied_rows(labels, 2) == [0, 2]
