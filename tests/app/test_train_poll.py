"""How often the Train page's live view polls: fast only for a run this session just started."""

from __future__ import annotations

import time

import pytest

from vae.app import train
from vae.runs import store as runs


@pytest.fixture
def session(monkeypatch):
    """A plain dict for st.session_state (the functions only get, set and pop keys)."""
    state: dict = {}
    monkeypatch.setattr(train.st, "session_state", state)
    return state


@pytest.fixture
def root(tmp_path):
    for name in ("mine", "theirs"):
        (tmp_path / name).mkdir()
    return tmp_path


def info(root, state: str = "queued", name: str = "mine") -> runs.RunInfo:
    return runs.RunInfo(name=name, path=root / name, state=state)


def first_point(root, name: str = "mine") -> None:
    runs.RunDir(root / name).append_metrics({"type": "step", "step": 1, "epoch": 0.1})


def next_poll(session) -> None:
    """As if the next poll came: past the moment the switch waits for."""
    session[train.STARTED_KEY]["until"] = time.time() - 0.01


def test_a_run_started_here_polls_fast_until_its_first_point(session, root):
    train.started_here("mine")
    assert train.watch_poll(info(root, "queued"), [], True) == train.FAST_POLL_SECONDS  # starting
    assert train.watch_poll(info(root, "running"), [], True) == train.FAST_POLL_SECONDS
    first_point(root)
    # The poll that draws the first point stays fast (the switch is a full rerun)...
    assert train.watch_poll(info(root, "running"), [], True) == train.FAST_POLL_SECONDS
    assert session[train.STARTED_KEY]["until"] <= time.time() + train.SWITCH_DELAY_S
    next_poll(session)
    # ... the next one goes back to the list's pace, for good.
    assert train.watch_poll(info(root, "running"), [], True) == train.POLL_SECONDS
    assert train.STARTED_KEY not in session
    (root / "mine" / runs.METRICS_FILE).unlink()  # e.g. records trimmed on resume
    assert train.watch_poll(info(root, "running"), [], True) == train.POLL_SECONDS
    assert train.SWITCH_DELAY_S < train.FAST_POLL_SECONDS < train.POLL_SECONDS


def test_other_tabs_other_runs_and_queued_runs_keep_the_slow_pace(session, root):
    assert train.watch_poll(info(root, "running"), [], True) == train.POLL_SECONDS  # another tab's
    train.started_here("mine")
    assert train.watch_poll(info(root, "running", "theirs"), [], True) == train.POLL_SECONDS
    waiting = info(root, "queued")
    assert train.watch_poll(waiting, [waiting.path], True) == train.POLL_SECONDS
    assert session[train.STARTED_KEY]["since"] is None  # the limit counts from leaving the queue
    assert train.watch_poll(waiting, [], True) == train.FAST_POLL_SECONDS


def test_fast_polling_has_a_time_limit_and_none_without_activity(session, root):
    train.started_here("mine")
    assert train.watch_poll(info(root, "running"), [], False) is None  # nothing active: no polling
    assert train.watch_poll(info(root, "running"), [], True) == train.FAST_POLL_SECONDS
    session[train.STARTED_KEY]["since"] = time.time() - train.FAST_POLL_LIMIT_S - 1
    assert train.watch_poll(info(root, "running"), [], True) == train.FAST_POLL_SECONDS
    next_poll(session)
    assert train.watch_poll(info(root, "running"), [], True) == train.POLL_SECONDS


def test_a_run_that_ended_before_its_first_point_stops_fast_polling(session, root):
    train.started_here("mine")
    assert train.watch_poll(info(root, "failed"), [], True) == train.POLL_SECONDS
    assert train.STARTED_KEY not in session


def test_points_are_step_or_epoch_records(root):
    assert not train.has_points(root / "mine")
    runs.RunDir(root / "mine").append_metrics({"type": "other"})
    assert not train.has_points(root / "mine")
    runs.RunDir(root / "mine").append_metrics({"type": "epoch", "epoch": 1})
    assert train.has_points(root / "mine")


def test_the_page_reruns_in_full_only_when_a_run_appears_goes_or_ends(root):
    before = train.run_activity([info(root, "queued"), info(root, "completed", "theirs")])
    assert train.run_activity([info(root, "running"), info(root, "completed", "theirs")]) == before
    assert train.run_activity([info(root, "completed"), info(root, "completed", "theirs")]) != (
        before
    )
    assert train.run_activity([info(root, "queued")]) != before
    more = [info(root, "queued"), info(root, "completed", "theirs"), info(root, "queued", "new")]
    assert train.run_activity(more) != before
