"""Session helpers shared by the workshop pages: the store, and who this session is signed in as.

A session holds only a team's id and secret token (or the facilitator's code and key); every run
checks them against the store, so a tampered value in the session gets a message and no data.
"""

from __future__ import annotations

import streamlit as st

from sim.workshop.store import Store, Team, Workshop, WorkshopError

TEAM, FACILITATOR, NOTICE = "ws_team", "ws_facilitator", "ws_notice"
#: Seconds between the live parts' refreshes (board, countdown).
REFRESH_SECONDS = 3


def store() -> Store:
    """The store at the configured path (cheap: a path and a schema check)."""
    return Store()


def signed_in_team(db: Store) -> tuple[Team, str] | None:
    """The team this session joined as, or ``None``; a session whose token fails is signed out."""
    entry = st.session_state.get(TEAM)
    if entry is None:
        return None
    try:
        team_id, token = entry
        return db.team(team_id, token), token
    except (WorkshopError, TypeError, ValueError):
        st.session_state.pop(TEAM, None)
        st.error("This session is not signed in as that team: join again with your code.")
        return None


def signed_in_facilitator(db: Store) -> tuple[Workshop, str] | None:
    entry = st.session_state.get(FACILITATOR)
    if entry is None:
        return None
    try:
        code, key = entry
        return db.facilitate(code, key), key
    except (WorkshopError, TypeError, ValueError):
        st.session_state.pop(FACILITATOR, None)
        st.error("That join code and facilitator key do not match a workshop.")
        return None


def show_problem(exc: Exception) -> None:
    """A refusal's message; the messages hold no text a user typed, so markdown is safe."""
    st.error(str(exc))
