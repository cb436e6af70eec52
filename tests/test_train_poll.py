"""How often the Train page's live view polls: fast only for a run this session just started."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from vae import runs
from vae.app import train


@pytest.fixture
def session(monkeypatch):
    """A plain dict for st.session_state (the functions only get, set and pop keys)."""
    state: dict = {}
    monkeypatch.setattr(train.st, "session_state", state)
    return state


def info(state: str = "queued", epoch: int = 0, name: str = "mine") -> runs.RunInfo:
    return runs.RunInfo(name=name, path=Path("/runs") / name, state=state, epoch=epoch)


def test_a_run_started_here_polls_fast_until_its_first_epoch(session):
    train.started_here("mine")
    assert train.watch_poll(info("queued"), [], True) == train.FAST_POLL_SECONDS  # starting
    assert train.watch_poll(info("running"), [], True) == train.FAST_POLL_SECONDS
    # The first epoch is in: fast a moment longer, so the full rerun of the switch does
    # not land while the first curves are drawn, then the list's pace.
    assert train.watch_poll(info("running", epoch=1), [], True) == train.FAST_POLL_SECONDS
    assert session[train.STARTED_KEY]["until"] <= time.time() + train.SWITCH_DELAY_S
    session[train.STARTED_KEY]["until"] = time.time() - 0.01
    assert train.watch_poll(info("running", epoch=2), [], True) == train.POLL_SECONDS
    # Once switched, it never goes back to fast (e.g. records trimmed on resume).
    assert train.watch_poll(info("running"), [], True) == train.POLL_SECONDS
    assert train.STARTED_KEY not in session
    assert train.FAST_POLL_SECONDS < train.POLL_SECONDS


def test_other_tabs_other_runs_and_queued_runs_keep_the_slow_pace(session):
    assert train.watch_poll(info("running"), [], True) == train.POLL_SECONDS  # another tab's run
    train.started_here("mine")
    assert train.watch_poll(info("running", name="theirs"), [], True) == train.POLL_SECONDS
    waiting = info("queued")
    assert train.watch_poll(waiting, [waiting.path], True) == train.POLL_SECONDS
    assert session[train.STARTED_KEY]["since"] is None  # the limit counts from leaving the queue
    assert train.watch_poll(waiting, [], True) == train.FAST_POLL_SECONDS


def test_fast_polling_has_a_time_limit_and_none_without_activity(session):
    train.started_here("mine")
    assert train.watch_poll(info("running"), [], False) is None  # nothing active: no polling
    assert train.watch_poll(info("running"), [], True) == train.FAST_POLL_SECONDS
    session[train.STARTED_KEY]["since"] = time.time() - train.FAST_POLL_LIMIT_S - 1
    session[train.STARTED_KEY]["until"] = time.time() - 0.01
    assert train.watch_poll(info("running"), [], True) == train.POLL_SECONDS


def test_a_run_that_ended_before_its_first_epoch_stops_fast_polling(session):
    train.started_here("mine")
    assert train.watch_poll(info("failed"), [], True) == train.POLL_SECONDS
    assert train.STARTED_KEY not in session


def test_the_page_reruns_in_full_only_when_a_run_appears_goes_or_ends():
    before = train.run_activity([info("queued"), info("completed", name="old")])
    assert train.run_activity([info("running"), info("completed", name="old")]) == before
    assert train.run_activity([info("completed"), info("completed", name="old")]) != before
    assert train.run_activity([info("queued")]) != before
    assert train.run_activity(
        [info("queued"), info("completed", name="old"), info(name="new")]
    ) != (before)
