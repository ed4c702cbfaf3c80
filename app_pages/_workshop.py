"""Session helpers shared by the workshop pages: the store, and who this session is signed in as.

A session holds only a team's id and secret token (or the facilitator's code and key); every run
checks them against the store, so a tampered value in the session gets a message and no data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from sim.workshop.store import Store, Team, Workshop, WorkshopError

TEAM, FACILITATOR, NOTICE = "ws_team", "ws_facilitator", "ws_notice"
#: Seconds between the live parts' refreshes (board, countdown).
REFRESH_SECONDS = 3


def store() -> Store:
    """The store at the configured path (cheap: a path and a schema check)."""
    return Store()


def _signed_in(entry_key: str, check: Callable[[Any, Any], Any]) -> tuple[Any, str] | None:
    """``check(*entry)`` on the session's entry, or ``None``; a failing entry is dropped, with a message."""
    entry = st.session_state.get(entry_key)
    if entry is None:
        return None
    try:
        first, secret = entry
        return check(first, secret), secret
    except WorkshopError as exc:
        message = str(exc)
    except (TypeError, ValueError):  # not a (name, secret) pair: a tampered session
        message = "This session is not signed in: join or open the workshop again."
    st.session_state.pop(entry_key, None)
    st.error(message)
    return None


def signed_in_team(db: Store) -> tuple[Team, str] | None:
    """The team this session joined as, with its token, or ``None``."""
    return _signed_in(TEAM, db.team)


def signed_in_facilitator(db: Store) -> tuple[Workshop, str] | None:
    """The workshop this session facilitates, with its key, or ``None``."""
    return _signed_in(FACILITATOR, db.facilitate)


def show_problem(exc: Exception) -> None:
    """A refusal's message; the messages hold no text a user typed, so markdown is safe."""
    st.error(str(exc))
