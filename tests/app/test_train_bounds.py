"""The Train form holds the settings table's bounds: a bad value is named and starts nothing, a
double click starts one run, and a run recorded beyond the bounds never breaks the page."""

from __future__ import annotations

import json
import shutil

from tests.app_helpers import open_page
from vae.jobs import queue as run_queue
from vae.runs import store as runs
from vae.runs.catalog import BUNDLED


def _no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def test_an_out_of_range_value_is_named_and_starts_nothing(runs_dir, monkeypatch):
    submitted = []
    monkeypatch.setattr(run_queue, "submit", lambda s, name=None: submitted.append(s))
    for key, value, named in (("train_latent_dim", -5, "latent_dim must be an integer from 1 "
                               "to 1024, got -5"), ("train_batch_size", 0, "batch_size"),
                              ("train_lr", 5.0, "lr must be a number in (0, 1]"),
                              ("train_epochs", 99_999_999, "epochs must be an integer from 1 to "
                               "10000")):  # fmt: skip
        at = open_page("train")
        at.number_input(key=key).set_value(value).run()
        _no_exception(at)
        assert len(at.error) == 1 and at.error[0].value.startswith("Not started: ")
        assert named in at.error[0].value
        assert at.button(key="start").disabled
    assert submitted == []


def test_two_quick_presses_of_start_make_one_run(runs_dir, monkeypatch):
    submitted = []

    def submit(settings, name=None):
        submitted.append(settings)
        path = runs_dir / f"run{len(submitted)}"
        path.mkdir(parents=True)
        return path

    monkeypatch.setattr(run_queue, "submit", submit)
    at = open_page("train")
    at.button(key="start").click().run()
    at.button(key="start").click().run()
    _no_exception(at)
    assert len(submitted) == 1


def test_a_run_recorded_beyond_the_bounds_still_draws_with_resume(runs_dir):
    run_dir = runs_dir / "huge"
    shutil.copytree(BUNDLED / "digits-2d", run_dir, ignore=shutil.ignore_patterns("cache"))
    config = json.loads((run_dir / "config.json").read_text())
    config["train"]["epochs"] = 99_999_999
    (run_dir / "config.json").write_text(json.dumps(config))
    runs.write_status(run_dir, "stopped", epoch=3, epochs=99_999_999)
    at = open_page("train")
    _no_exception(at)
    assert at.button(key="resume").label == "Resume"
    assert at.number_input(key="resume_epochs").value == 10_000
    assert at.button(key="delete") is not None


def test_one_tab_may_hold_two_runs_of_the_queue_at_once(runs_dir, monkeypatch):
    def submit(settings, name=None):
        path = runs_dir / f"mine{settings['epochs']}"
        path.mkdir(parents=True)
        runs.write_status(path, "queued")
        return path

    monkeypatch.setattr(run_queue, "submit", submit)
    monkeypatch.setattr(run_queue, "dispatch", lambda root=None: [])  # nothing really starts
    at = open_page("train")
    for epochs in (2, 3, 4):
        at.number_input(key="train_epochs").set_value(epochs).run()
        at.button(key="start").click().run()
        _no_exception(at)
    assert sorted(p.name for p in runs_dir.glob("mine*")) == ["mine2", "mine3"]
    assert any("up to 2 at once are accepted" in e.value for e in at.error)


def test_in_class_mode_a_tab_stops_and_deletes_only_its_own_runs(runs_dir, monkeypatch):
    run_dir = runs_dir / "someone-else"
    shutil.copytree(BUNDLED / "digits-2d", run_dir, ignore=shutil.ignore_patterns("cache"))
    runs.write_status(run_dir, "stopped", epoch=3, epochs=60)
    at = open_page("train")
    assert at.button(key="delete") is not None  # a laptop: every run is the person's own
    monkeypatch.setenv("VAE_LAB_CLASS_MODE", "1")
    at = open_page("train")
    _no_exception(at)
    assert not [b for b in at.button if b.key in ("delete", "resume", "stop")]
    assert any("Started from another tab" in c.value for c in at.caption)
    at.session_state["train_mine"] = ["someone-else"]  # as if this tab had started it
    at.run()
    assert at.button(key="delete") is not None
