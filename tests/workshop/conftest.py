"""Fixtures for the workshop tests: a fresh database file per test."""

from __future__ import annotations

import pytest

from sim.workshop.store import DB_ENV, Store


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """A database path in a temporary folder, also set as the app's (so pages use it)."""
    path = tmp_path / "workshop.sqlite3"
    monkeypatch.setenv(DB_ENV, str(path))
    return path


@pytest.fixture
def store(db_path) -> Store:
    return Store(db_path)
