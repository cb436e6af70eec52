"""The background UMAP compile the web server starts on a cold numba cache."""

import os
import subprocess

import pytest

from vae.maps import warmup


@pytest.fixture
def cold_cache(tmp_path, monkeypatch):
    """A numba cache folder without the marker (numba itself keeps its own, already read)."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(warmup.ENV_SWITCH, "1")
    return tmp_path


def test_a_cold_cache_starts_one_low_priority_process(cold_cache, monkeypatch):
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: started.append((args, kw)))
    assert not warmup.is_warm()
    assert warmup.start_in_background() is True
    ((args, kw),) = started
    assert args[1:] == ["-c", warmup.CHILD]
    assert kw["preexec_fn"] is not None and kw["env"]["OMP_NUM_THREADS"] == "1"
    assert kw["stdout"] == subprocess.DEVNULL and kw["start_new_session"]


def test_nothing_starts_when_warm_or_switched_off(cold_cache, monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("started a process"))
    warmup.marker_path().write_text("warm")
    assert warmup.start_in_background() is False
    warmup.marker_path().unlink()
    monkeypatch.setenv(warmup.ENV_SWITCH, "0")
    assert warmup.start_in_background() is False


def test_a_failed_start_is_only_logged(cold_cache, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no processes left")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert warmup.start_in_background() is False


def test_the_marker_names_the_versions_it_was_compiled_for(cold_cache):
    name = warmup.marker_path().name
    assert name.startswith("vae-lab-umap-warm-") and name.count("-") >= 6
    assert warmup.marker_path().parent == cold_cache


@pytest.mark.slow
def test_warm_up_draws_a_map_and_leaves_the_marker(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    monkeypatch.setattr(warmup, "marker_path", lambda: marker)
    warmup.warm_up()
    assert marker.is_file()


def test_the_test_suite_runs_with_the_warm_up_off():
    assert os.environ[warmup.ENV_SWITCH] == "0"
