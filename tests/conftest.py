"""Fixtures for the app's tests: a fresh AppTest with small runs, and a live server for the browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sim.local_server import HOST, free_port, start_app, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
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
    """The app's caches are process-wide: clear them so no test sees another's runs."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(fresh_cache) -> AppTest:
    """The app after its first run, on the scenario page, with the default preset."""
    at = new_app()
    at.run()
    return at


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> Iterator[str]:
    """``streamlit run app.py`` on a free local port; stopped at the end of the session."""
    port = free_port()
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("w")
    proc = start_app(port, log)
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url, proc, SERVER_START_SECONDS)
        yield url
    finally:
        stop(proc)
        log.close()
