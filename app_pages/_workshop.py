"""Session helpers shared by the workshop pages: the store, and who this session is signed in as.

A session holds only a team's id and secret token (or the facilitator's code and key); every run
checks them against the store, so a tampered value in the session or the address gets a message and
no data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from sim.present.settings import escape_markdown
from sim.workshop.store import Store, StoreFault, Team, Workshop, WorkshopError, link_of, normal_code

TEAM, FACILITATOR = "ws_team", "ws_facilitator"
TEAM_PARAM, MAX_PARAM = "team", 80
#: The board's address carries the workshop's join code (public: teams type it), never the key.
BOARD_PARAM = "board"
#: The join link handed to teams (the board's QR code) carries ``join=<join code>``: public, it fills
#: the code in the team's join form.
JOIN_PARAM = "join"
#: Seconds between the board's live part's refreshes (the team page checks more often, see its PULSE_SECONDS).
REFRESH_SECONDS = 3


def store() -> Store:
    """The store at the configured path (cheap: a path and a schema check). A file that cannot be
    used stops the page with what happened and what to do; one that can only be read says so."""
    try:
        db = Store()
    except StoreFault as fault:
        show_fault(fault)
        st.stop()
    if db.read_only:
        st.warning("Read-only: the workshop database can be read but nothing new can be saved. "
                   + escape_markdown(StoreFault("read-only", "").todo))
    return db


def show_fault(fault: StoreFault) -> None:
    """What happened to the database and what to do, instead of a traceback (the path is shown as
    typed: it is the operator's, but may hold markdown)."""
    st.error(f"**The workshop's database cannot be used.** {escape_markdown(fault.what)}")
    st.info(f"**What to do.** {escape_markdown(fault.todo)}")


@contextmanager
def faults_shown() -> Iterator[None]:
    """Around a page or a fragment: a fault of the database met part way is shown, not raised."""
    try:
        yield
    except StoreFault as fault:
        show_fault(fault)


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
    """The team this session joined as, with its token, or ``None``.

    The team's page address carries ``team=<id>.<link>``: a reload, another device or a server restart
    finds the team again once its short re-entry code is typed (:func:`reentry_form`). The link alone
    opens nothing, so a projected screen or a browser history leaks no way in.
    """
    if TEAM not in st.session_state and TEAM_PARAM in st.query_params:
        team_id, _, link = st.query_params[TEAM_PARAM][:MAX_PARAM].partition(".")
        reentry_form(db, team_id, link)
        return None
    signed = _signed_in(TEAM, db.team)
    if signed is not None:
        st.query_params[TEAM_PARAM] = f"{signed[0].id}.{link_of(signed[1])}"
    return signed


def reentry_form(db: Store, team_id: str, link: str) -> None:
    """Ask for the re-entry code that completes the team's link; sign the session in if it matches."""
    ask_reentry(lambda code: db.resume(team_id, link, code), TEAM, team_id,
                "This is your team's page. Type the re-entry code you were shown when you joined "
                "(your facilitator can also find your team on the board).",
                "That re-entry code does not open this team's page: check it, or join again below.")


def ask_reentry(resume: Callable[[str], tuple[Any, str]], entry_key: str, first: str, why: str,
                refused: str) -> None:
    """The one way back in after a reload, for a team and for the facilitator alike: the address carries
    a link that opens nothing alone, and the short re-entry code typed here completes it."""
    with st.form("reentry"):
        st.header("Welcome back", anchor=False)
        st.caption(why)
        code = st.text_input("Re-entry code", max_chars=12, key="reentry_code")
        if not st.form_submit_button("Continue"):
            return
    try:
        _, secret = resume(code)
    except WorkshopError as exc:
        st.error(str(exc) if str(exc).startswith("Too many") else refused)
        return
    st.session_state[entry_key] = (first, secret)
    st.rerun()


def signed_in_facilitator(db: Store) -> tuple[Workshop, str] | None:
    """The workshop this session facilitates, with its key, or ``None``.

    The board's address carries ``board=<join code>.<link>`` (the key's public half), so that after a
    reload only the board's short re-entry code is typed, as for a team; the key itself is never in
    the address. A key of the older form (no re-entry part) puts the join code alone there.
    """
    if FACILITATOR not in st.session_state and BOARD_PARAM in st.query_params:
        code, _, link = st.query_params[BOARD_PARAM][:MAX_PARAM].partition(".")
        if link:
            ask_reentry(lambda typed: db.resume_board(code, link, typed), FACILITATOR, normal_code(code),
                        "This is your workshop's board. Type the board's re-entry code, shown with the "
                        "facilitator key when you created the workshop (or open it below with the full key).",
                        "That re-entry code does not open this board: check it, or type the full key below.")
    signed = _signed_in(FACILITATOR, db.facilitate)
    if signed is not None:
        workshop, key = signed
        st.query_params[BOARD_PARAM] = f"{workshop.code}.{link_of(key)}" if "." in key else workshop.code
    return signed


def show_problem(exc: Exception) -> None:
    """A refusal's message; the messages hold no text a user typed, so markdown is safe."""
    st.error(str(exc))
