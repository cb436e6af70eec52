"""Shared test set-up: small, seeded and quick on 2 cores."""

from __future__ import annotations

import os
import tempfile

import pytest
import torch

# Tests never reach the network and never write to the user's run folder.
os.environ.setdefault("VAE_LAB_OFFLINE", "1")
# No background UMAP compile from the app under test (tests/test_warmup.py covers it).
os.environ["VAE_LAB_WARMUP"] = "0"
# No standby supervisors waiting beside the tests (tests/test_standby.py turns them on).
os.environ["VAE_LAB_STANDBY"] = "0"
# Tiny models gain nothing from a second thread, and with pytest-xdist's workers
# sharing 2 cores, spinning OpenMP threads slow everything down many times over.
os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(1)
# Caches the app writes (results for bundled models, downloads) go to a fresh folder,
# so tests neither read another session's leftovers nor fill the user's cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="vae-lab-test-cache-")


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _bundled_models_stay_untouched():
    """Nothing the app computes may be written into the shipped bundles (see vae/runs/cache.py)."""
    from vae.runs.catalog import BUNDLED

    before = set(BUNDLED.glob("*/cache/*.npz"))
    yield
    added = set(BUNDLED.glob("*/cache/*.npz")) - before
    for path in added:
        path.unlink(missing_ok=True)
    assert not added, f"a test wrote into the bundled models: {sorted(map(str, added))[:3]}"


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    path = tmp_path / "runs"
    monkeypatch.setenv("VAE_LAB_RUNS", str(path))
    return path


# --- nothing outlives the suite ----------------------------------------------------------------

LEFTOVER_GRACE_S = 10.0  # a waiting standby ends within a second of its server (issue 24)


def _leftovers() -> list[tuple[int, str]]:
    """Training, supervisor and standby processes started for the tests that still run: their
    command lines name a pytest temporary folder."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ours = "-m vae " in cmdline or "vae.launcher" in cmdline
        if ours and "pytest-of" in cmdline:  # a run or runs folder of a test, not a person's
            found.append((int(entry), cmdline[:160]))
    return found


def pytest_sessionfinish(session, exitstatus):
    """The suite leaves nothing running: processes it started are gone at its end, or the run
    fails naming them (and they are ended)."""
    import contextlib
    import signal
    import time

    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks once
        return
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while _leftovers() and time.monotonic() < deadline:
        time.sleep(0.5)
    left = _leftovers()
    if left:
        for pid, _ in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        session.exitstatus = 1
        lines = "\n".join(f"  {pid}: {cmd}" for pid, cmd in left)
        print(f"\nThe test suite left {len(left)} process(es) running (now killed):\n{lines}")
