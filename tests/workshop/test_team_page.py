"""The team's page as a class meets it: the result appears the moment the round is locked, drawn when
the live part sees the lock (no reload), a role and a table are asked only on a card that seats
roles, no prediction is chosen for the team, the status never contradicts itself, and a reload finds
the last position."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest, local_script_runner

from app_pages._workshop import JOIN_PARAM, TEAM
from sim.workshop import flows
from sim.workshop.store import Store, reentry_of

APP = Path(__file__).resolve().parents[2] / "app.py"
CARD, ROLES_CARD = "1-price-of-a-deal", "6-three-player-table"
DRAWS = 2000


def team_page(**query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).switch_page("app_pages/workshop_team.py")
    at.query_params.update(query)
    return at.run()


def press(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label.startswith(label)).click().run()


def joined(code: str, name: str = "Alpha") -> AppTest:
    at = team_page()
    at.text_input(key="join_code").input(code)
    at.text_input(key="join_name").input(name)
    return press(at, "Join")


@pytest.fixture
def deltas(monkeypatch) -> list:
    """Every delta the last run sent, with the fragment it belongs to (``''`` outside any)."""
    sent: list = []
    parse = local_script_runner.parse_tree_from_messages

    def keep(messages):
        sent[:] = [m.delta for m in messages if m.HasField("delta")]
        return parse(messages)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", keep)
    return sent


def in_fragment(deltas: list, label: str) -> bool | None:
    """Whether the metric labelled ``label`` was drawn inside a fragment (``None``: not drawn)."""
    for delta in deltas:
        if delta.HasField("new_element") and delta.new_element.WhichOneof("type") == "metric" \
                and delta.new_element.metric.label == label:
            return bool(delta.fragment_id)
    return None


def test_the_status_is_checked_by_the_refreshing_fragment_and_a_lock_redraws_the_page(db_path, deltas,
                                                                                      monkeypatch):
    """The page's live part reruns every second on its own and draws the status; when it sees the round
    locked (or opened, or a result arrive) it draws the whole page again, results included, so a result
    shows within about a second of the lock with no reload. Here the lock lands between the page's
    drawing and the check, as it does in a class."""
    store = Store(db_path)
    workshop, _ = store.create_workshop(CARD)
    store.open_round(workshop.id, 10, DRAWS)
    team = joined(workshop.code)
    assert in_fragment(deltas, "Round 1: time left") is True
    team.radio(key="prediction").set_value("no")
    press(team, "Submit our position")
    own_results = Store.own_results
    calls = []

    def lock_after_the_page_read(self, *args):
        got = own_results(self, *args)
        calls.append(1)
        if len(calls) == 1:   # the page has read the open round: the facilitator locks now
            flows.lock_and_adjudicate(store, workshop)
        return got

    monkeypatch.setattr(Store, "own_results", lock_after_the_page_read)
    team.run()
    assert len(calls) >= 3   # the page, its check (which saw the lock), the page drawn again
    assert in_fragment(deltas, "P(sever or unexposed pledge)") is False
    assert in_fragment(deltas, "P(sever)") is False
    labels = [m.label for m in team.metric]
    assert "P(pledge)" in labels and not any("distance" in label for label in labels)   # one vocabulary
    assert any("Round 1 is locked: its result is below" in i.value for i in team.info)


def test_a_card_without_roles_asks_no_role_and_a_card_with_roles_asks_them_next(db_path):
    store = Store(db_path)
    plain, _ = store.create_workshop(CARD)
    seated, _ = store.create_workshop(ROLES_CARD)
    at = team_page()
    assert not at.selectbox and not at.number_input        # nothing about roles before the code is known
    at = joined(plain.code)
    assert TEAM in at.session_state and store.teams(plain.id)[0].role is None

    at = joined(seated.code, "Bravo")
    assert TEAM not in at.session_state and at.selectbox(key="join_role").value is None
    press(at, "Join")                                        # no role chosen: refused, nothing written
    assert any("Choose the role" in e.value for e in at.error) and store.teams(seated.id) == []
    press(at, "Back")                                        # back to the first step, nothing lost
    assert at.text_input(key="join_code").value == seated.code
    assert at.text_input(key="join_name").value == "Bravo"
    press(at, "Join")
    at.selectbox(key="join_role").set_value("taliban")
    at.number_input(key="join_table").set_value(2)
    press(at, "Join")
    team = store.teams(seated.id)[0]
    assert TEAM in at.session_state and (team.name, team.role, team.table) == ("Bravo", "taliban", 2)


def test_the_join_link_fills_the_code(db_path):
    workshop, _ = Store(db_path).create_workshop(CARD)
    at = team_page(**{JOIN_PARAM: workshop.code.lower()})
    assert at.text_input(key="join_code").value == workshop.code


def test_no_prediction_is_chosen_for_the_team_and_submitting_without_one_is_refused(db_path):
    store = Store(db_path)
    workshop, _ = store.create_workshop(CARD)
    store.open_round(workshop.id, 10, DRAWS)
    team = joined(workshop.code)
    assert team.radio(key="prediction").value is None
    team.slider(key="ctl:concession").set_value(0.4)
    press(team, "Submit our position")
    assert any("choose your prediction" in e.value for e in team.error)
    assert store.all_submissions(workshop.id) == []
    assert team.slider(key="ctl:concession").value == 0.4    # what was set is still there


def test_the_status_agrees_with_the_confirmation_and_a_reload_shows_the_last_position(db_path):
    store = Store(db_path)
    workshop, _ = store.create_workshop(CARD)
    store.open_round(workshop.id, 10, DRAWS)
    team = joined(workshop.code)
    assert any("Not submitted yet" in c.value for c in team.caption)
    team.slider(key="ctl:concession").set_value(0.7)
    team.radio(key="prediction").set_value("no")
    press(team, "Submit our position")
    assert any("Position recorded" in s.value for s in team.success)
    assert not any("Not submitted yet" in c.value for c in team.caption)
    assert any("Your position is recorded" in c.value for c in team.caption)

    team_id, token = team.session_state[TEAM]
    reloaded = team_page(team=team.query_params["team"][0] if isinstance(team.query_params["team"], list)
                         else team.query_params["team"])
    reloaded.text_input(key="reentry_code").input(reentry_of(token))
    press(reloaded, "Continue")
    assert reloaded.session_state[TEAM] == (str(team_id), token)
    assert reloaded.slider(key="ctl:concession").value == 0.7
    assert reloaded.radio(key="prediction").value == "no"
    assert not reloaded.warning or not any("Session State" in w.value for w in reloaded.warning)


def test_between_the_lock_and_the_results_a_team_that_submitted_is_told_its_result_is_coming(db_path):
    """The lock is stored before the games are solved; a refresh in between must not tell a team that
    submitted that it had no position (it did, and its result follows)."""
    store = Store(db_path)
    workshop, _ = store.create_workshop(CARD)
    store.open_round(workshop.id, 10, DRAWS)
    alpha, bravo = joined(workshop.code), joined(workshop.code, "Bravo")
    alpha.radio(key="prediction").set_value("yes")
    press(alpha, "Submit our position")
    locked = store.lock_round(workshop.id)
    status = {name: " ".join(i.value for i in at.run().info) for name, at in (("a", alpha), ("b", bravo))}
    assert "being worked out" in status["a"] and "no position" not in status["a"], status
    assert "it had no position from your team" in status["b"], status
    flows.adjudicate_round(store, workshop, locked)
    assert any("Round 1 is locked: its result is below" in i.value for i in alpha.run().info)
