"""A real browser on the real app: Streamlit served on localhost, driven by headless Chromium.

See ../shared/TESTING.md. One server per test session (all browser tests run on
one pytest-xdist worker, grouped by the ``browser`` mark); screenshots go to
``test-artifacts/screenshots``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


RUNS_SEEN_BY_TESTS = "VAE_LAB_BROWSER_RUNS"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    port = _free_port()
    runs = tmp_path_factory.mktemp("runs")
    env = {**os.environ, "VAE_LAB_RUNS": str(runs), "OMP_NUM_THREADS": "1"}
    os.environ[RUNS_SEEN_BY_TESTS] = str(runs)  # where a test finds the runs it started
    log = open(tmp_path_factory.mktemp("server") / "streamlit.log", "w")  # noqa: SIM115 (lives as long as the server)
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
            "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the Streamlit server did not answer /_stcore/health within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()


class StreamlitServer:
    """One ``streamlit run app.py`` of its own, for tests that need a freshly started server.

    ``root`` is the app's folder (another checkout, e.g. a ``git worktree`` of an older
    commit, to show that a test fails there); ``restart()`` stops it and starts it again on
    the same port, as when a teacher restarts the server with tabs left open. The
    server's output goes to ``log_path``; ``log_tail()`` is for failure messages.
    """

    def __init__(self, root: Path, runs: Path, log_path: Path, env: dict[str, str] | None = None):
        self.root = Path(root)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "VAE_LAB_RUNS": str(runs),
            "OMP_NUM_THREADS": "1",
            "VAE_LAB_WARMUP": "0",
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None
        Path(runs).mkdir(parents=True, exist_ok=True)

    def start(self, timeout: float = 90) -> StreamlitServer:
        log = open(self.log_path, "a")  # noqa: SIM115 (the child keeps its own copy)
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless=true", "--server.address=127.0.0.1",
                f"--server.port={self.port}", "--server.fileWatcherType=none",
                "--browser.gatherUsageStats=false",
            ],
            cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"the Streamlit server exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"the Streamlit server did not answer /_stcore/health within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self) -> StreamlitServer:
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


@pytest.fixture
def fresh_server(tmp_path):
    """A factory of freshly started servers (stopped at the end): ``fresh_server(root=ROOT)``."""
    servers: list[StreamlitServer] = []

    def start(root: Path = ROOT, **env: str) -> StreamlitServer:
        n = len(servers)
        server = StreamlitServer(
            root, tmp_path / f"runs{n}", tmp_path / f"streamlit{n}.log", env=env or None
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
