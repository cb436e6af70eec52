"""Shared test set-up: small, seeded and quick on 2 cores."""

from __future__ import annotations

import os

import pytest
import torch

# Tests never reach the network and never write to the user's run folder.
os.environ.setdefault("VAE_LAB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    path = tmp_path / "runs"
    monkeypatch.setenv("VAE_LAB_RUNS", str(path))
    return path
