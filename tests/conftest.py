"""Fixtures for the app's tests: a fresh AppTest with small runs, a live server and Chromium for the
browser, and a fresh workshop database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from live_server import APP, ROOT, chromium, start_streamlit, stop
from playwright.sync_api import Browser
from streamlit.testing.v1 import AppTest

from sim.app.pool import shared_pool
from sim.present.layout import REST
from sim.spec.parameters import GROUPS
from sim.workshop.store import DB_ENV, Store

__all__ = ["APP", "ROOT", "new_app", "open_parameter_groups", "opened"]
#: Small runs keep the app tests fast; the app's own default is 100,000 draws.
TEST_DRAWS = "2000"


def new_app(**query: str) -> AppTest:
    """An AppTest of the app whose URL carries ``query`` (and small draws unless ``query`` says)."""
    shared_pool()  # the server's worker processes start once, before any run is timed
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update({"draws": TEST_DRAWS, **query})
    return at


def opened(at: AppTest) -> AppTest:
    """``at`` as a browser shows it: a session's first run draws the headlines, and the browser then
    presses the hidden button that asks for the rest of the page, if the run drew it (a run that
    failed shows its error instead; see ``app_pages.scenario.rest_to_come``). AppTest runs no
    script, so it is pressed here."""
    at.run()
    if any(b.key == REST for b in at.button):
        at.button(key=REST).click().run()
    return at


def open_parameter_groups(at: AppTest) -> AppTest:
    """Open every parameter group of the scenario page (their sliders are drawn only when open)."""
    for group in GROUPS:
        at.session_state[f"group:{group}"] = True
    return at.run()


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
    """The app as first shown, on the scenario page, with the default preset."""
    return opened(new_app())


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> Iterator[str]:
    """``streamlit run app.py`` on a free local port; stopped at the end of the session."""
    with (tmp_path_factory.mktemp("server") / "streamlit.log").open("w") as log:
        url, proc = start_streamlit(log)
        try:
            yield url
        finally:
            stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for the browser tests of one module."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """A workshop database in a temporary folder, also set as the app's (so the pages use it)."""
    path = tmp_path / "workshop.sqlite3"
    monkeypatch.setenv(DB_ENV, str(path))
    return path


@pytest.fixture
def store(db_path) -> Store:
    return Store(db_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under ``tests/e2e`` drives a real server and browser: marked ``browser`` and ``slow``."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
