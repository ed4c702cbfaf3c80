"""No secret in an address bar: a team's page address carries a link that opens nothing alone, completed
by a short re-entry code typed once after a reload; the board's address carries only its join code."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._workshop import BOARD_PARAM, FACILITATOR, TEAM, TEAM_PARAM
from sim.workshop.store import REENTRY_LENGTH, Store, WorkshopError, link_of, reentry_of

APP = Path(__file__).resolve().parents[2] / "app.py"
CARD = "1-price-of-a-deal"


def team_page(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).switch_page("app_pages/workshop_team.py")
    at.query_params.update(query)
    return at.run()


def press(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def test_a_teams_address_holds_no_secret_and_a_reload_asks_for_the_reentry_code(db_path):
    store = Store(db_path)
    workshop, _ = store.create_workshop(CARD)
    joined = team_page()
    joined.text_input(key="join_code").input(workshop.code)
    joined.text_input(key="join_name").input("Alpha")
    press(joined, "Join")
    team_id, token = joined.session_state[TEAM]
    reentry = reentry_of(token)
    assert len(reentry) == REENTRY_LENGTH and any(reentry in w.value for w in joined.warning)
    address = joined.query_params[TEAM_PARAM]
    address = address[0] if isinstance(address, list) else address
    assert address == f"{team_id}.{link_of(token)}" and reentry not in address and token not in address

    reloaded = team_page(**{TEAM_PARAM: address})   # a new session: a reload, another device, a history
    assert TEAM not in reloaded.session_state and not reloaded.get("slider")
    assert not any("Alpha" in m.value for m in reloaded.markdown)
    reloaded.text_input(key="reentry_code").input("ABCDEF" if reentry != "ABCDEF" else "GHJKMN")
    press(reloaded, "Continue")
    assert any("does not open" in e.value for e in reloaded.error) and TEAM not in reloaded.session_state
    reloaded.text_input(key="reentry_code").input(f" {reentry.lower()} ")
    press(reloaded, "Continue")
    assert reloaded.session_state[TEAM] == (str(team_id), token)
    assert any("Alpha" in m.value for m in reloaded.markdown) and reloaded.get("slider")
    assert any(reentry in c.value for c in reloaded.caption)


def board_page(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).switch_page("app_pages/workshop_board.py")
    at.query_params.update(query)
    return at


def test_the_boards_address_holds_no_key_and_a_reload_asks_for_the_boards_reentry_code(db_path):
    """The facilitator comes back as a team does: the address's link and the short code typed once."""
    store = Store(db_path)
    workshop, key = store.create_workshop(CARD)
    board = board_page()
    board.session_state[FACILITATOR] = (workshop.code, key)
    board.run()
    address = board.query_params[BOARD_PARAM]
    address = address[0] if isinstance(address, list) else address
    assert address == f"{workshop.code}.{link_of(key)}"
    assert key not in address and reentry_of(key) not in address

    reloaded = board_page(**{BOARD_PARAM: address}).run()
    assert FACILITATOR not in reloaded.session_state and not reloaded.get("dataframe")
    assert reloaded.text_input(key="resume_code").value == workshop.code   # the full key still works below
    reloaded.text_input(key="reentry_code").input("ABCDEF" if reentry_of(key) != "ABCDEF" else "GHJKMN")
    press(reloaded, "Continue")
    assert any("does not open this board" in e.value for e in reloaded.error)
    assert FACILITATOR not in reloaded.session_state
    reloaded.text_input(key="reentry_code").input(reentry_of(key).lower())
    press(reloaded, "Continue")
    assert reloaded.session_state[FACILITATOR] == (workshop.code, key)
    assert reloaded.get("dataframe")


def test_the_board_shows_its_reentry_code_once_and_the_full_key_still_opens_it(db_path):
    board = board_page().run()
    press(board, "Create")
    code, key = board.session_state[FACILITATOR]
    assert len(reentry_of(key)) == REENTRY_LENGTH
    assert any(reentry_of(key) in w.value and key in w.value for w in board.warning)
    assert not any(reentry_of(key) in w.value for w in board.run().warning)   # shown once
    other = board_page().run()
    other.text_input(key="resume_code").input(code)
    other.text_input(key="resume_key").input(key)
    press(other, "Open the board")
    assert other.session_state[FACILITATOR] == (code, key)


def test_guessing_a_boards_reentry_code_is_cut_off_too(store, monkeypatch):
    import sim.workshop.store as store_module

    monkeypatch.setattr(store_module, "_FAILURES", {})
    workshop, key = store.create_workshop(CARD)
    wrong = "ABCDEF" if reentry_of(key) != "ABCDEF" else "GHJKMN"
    for _ in range(store_module.MAX_REENTRY_FAILURES):
        with pytest.raises(WorkshopError, match="do not match"):
            store.resume_board(workshop.code, link_of(key), wrong)
    with pytest.raises(WorkshopError, match="Too many wrong re-entry codes for this board"):
        store.resume_board(workshop.code, link_of(key), reentry_of(key))


def test_guessing_a_reentry_code_is_cut_off_after_ten_wrong_codes(store, monkeypatch):
    import sim.workshop.store as store_module

    monkeypatch.setattr(store_module, "_FAILURES", {})
    workshop, _ = store.create_workshop(CARD)
    team, token = store.join(workshop.code, "Alpha")
    wrong = "ABCDEF" if reentry_of(token) != "ABCDEF" else "GHJKMN"
    for _ in range(store_module.MAX_REENTRY_FAILURES):
        with pytest.raises(WorkshopError, match="not signed in"):
            store.resume(team.id, link_of(token), wrong)
    with pytest.raises(WorkshopError, match="Too many wrong re-entry codes"):
        store.resume(team.id, link_of(token), reentry_of(token))   # even the right one, for a while
    other, other_token = store.join(workshop.code, "Bravo")
    assert store.resume(other.id, link_of(other_token), reentry_of(other_token))[0] == other
