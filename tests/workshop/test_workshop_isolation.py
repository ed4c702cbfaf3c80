"""Isolation: one team's session cannot reach another team's data by the URL, by the session state or
by a crafted form value, and a team's token does not open the facilitator's board."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._workshop import FACILITATOR, TEAM
from sim.workshop import flows
from sim.workshop.store import WorkshopError, reentry_of

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def two_teams(store):
    workshop, key = store.create_workshop("6-three-player-table")
    us = store.join(workshop.code, "Washington", role="us", table=1)
    aq = store.join(workshop.code, "Network", role="al_qaeda", table=1)
    store.open_round(workshop.id, minutes=5, draws=2000)
    flows.submit(store, *us, {"concession": 0.8, "verification": 0.4, "pressure": 0.2}, "yes")
    return workshop, key, us, aq


def test_a_session_reaches_no_team_by_url_or_by_a_guessed_token_in_its_state(db_path, two_teams):
    workshop, key, (us, us_token), _ = two_teams
    at = AppTest.from_file(str(APP), default_timeout=30).switch_page("app_pages/workshop_team.py")
    at.query_params.update({"team": f"{us.id}.a-guessed-token", "token": us_token})
    at.run()   # a link opens nothing by itself: the page asks for the team's re-entry code
    assert TEAM not in at.session_state and at.text_input(key="reentry_code")
    assert not any("Washington" in m.value for m in at.markdown) and not at.get("slider")
    at.text_input(key="reentry_code").input(reentry_of(us_token))
    next(b for b in at.button if b.label == "Continue").click().run()   # the right code, a wrong link
    assert "does not open this team's page" in "\n".join(e.value for e in at.error)
    assert TEAM not in at.session_state
    assert not any("Washington" in m.value for m in at.markdown) and not at.get("slider")
    at.query_params.clear()
    at.session_state[TEAM] = (us.id, "a-guessed-token")
    at.run()
    assert "not signed in as that team" in "\n".join(e.value for e in at.error)
    assert not any("Washington" in m.value for m in at.markdown) and not at.get("slider")
    at.switch_page("app_pages/workshop_board.py")
    at.session_state[FACILITATOR] = (workshop.code, us_token)
    at.run()
    assert "do not match a workshop" in "\n".join(e.value for e in at.error)
    assert not at.get("dataframe")


@pytest.mark.parametrize("form", [
    {"operations": "operations abroad"},                                  # another role's control
    {"concession": 0.8, "verification": 0.4, "pressure": 0.2, "team": 1},  # a smuggled extra field
    {"concession": 0.8, "verification": 0.4, "pressure": 9.0},            # out of the card's range
])
def test_a_crafted_form_value_is_refused_and_nothing_is_written(store, two_teams, form):
    workshop, _, (us, us_token), _ = two_teams
    with pytest.raises(WorkshopError, match="not recorded"):
        flows.submit(store, us, us_token, form, "yes")
    assert len(store.all_submissions(workshop.id)) == 1


def test_a_team_can_neither_read_nor_write_as_another_team(store, two_teams):
    workshop, _, (us, _), (aq, aq_token) = two_teams
    with pytest.raises(WorkshopError, match="not signed in"):
        store.own_submission(us, aq_token, 1)
    with pytest.raises(WorkshopError, match="not signed in"):
        flows.submit(store, us, aq_token, {"concession": 0.1, "verification": 0.1, "pressure": 0.1}, "no")
    assert [s.position["concession"] for s in store.all_submissions(workshop.id)] == [0.8]
