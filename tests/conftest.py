"""Fixtures for the app's tests: a fresh AppTest with small runs, and a live server for the browser."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
#: What ``streamlit run`` serves: the pages of APP behind a wrapper that spares direct page addresses
#: their 404s (see serve.py).
SERVE = ROOT / "serve.py"
#: Small runs keep the app tests fast; the app's own default is 100,000 draws.
TEST_DRAWS = "2000"
SERVER_START_SECONDS = 60


def new_app(**query: str) -> AppTest:
    """An AppTest of the app whose URL carries ``query`` (and small draws unless ``query`` says)."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update({"draws": TEST_DRAWS, **query})
    return at


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """``st.cache_data`` is process-wide: clear it so no test sees another's runs."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def app(fresh_cache) -> AppTest:
    """The app after its first run, on the scenario page, with the default preset."""
    at = new_app()
    at.run()
    return at


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> Iterator[str]:
    """``streamlit run serve.py`` on a free local port; stopped at the end of the session."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(SERVE), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer at {url} within {SERVER_START_SECONDS} s")
