"""The workshop pages through AppTest: the facilitator's flow, the team's flow, and every bad input
(wrong code, duplicate name, a submission after the lock, a tampered team id) answered with a message
and nothing written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app_pages._workshop import FACILITATOR, TEAM
from sim.workshop.store import Store

APP = Path(__file__).resolve().parents[2] / "app.py"
BOARD, TEAM_PAGE = "app_pages/workshop_board.py", "app_pages/workshop_team.py"
CARD = "1-price-of-a-deal"
DRAWS = 2000


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    return at.switch_page(path).run()  # straight to the page: the scenario page's run is not needed


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What the pages offer for download, by file name."""
    served: dict[str, bytes] = {}
    add = MediaFileManager.add

    def keep_a_copy(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        served[file_name] = data if isinstance(data, bytes) else data.encode()
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", keep_a_copy)
    return served


def facilitator_creates(card: str = CARD) -> AppTest:
    at = page(BOARD)
    at.selectbox(key="create_card").set_value(card)
    button(at, "Create").click().run()
    return at


def open_round(at: AppTest) -> AppTest:
    at.number_input(key="round_draws").set_value(DRAWS)
    return button(at, "Open round").click().run()


def team_joins(code: str, name: str) -> AppTest:
    at = page(TEAM_PAGE)
    at.text_input(key="join_code").input(code)
    at.text_input(key="join_name").input(name)
    return button(at, "Join").click().run()


def test_the_facilitator_creates_opens_a_round_locks_it_injects_a_shock_and_exports(db_path, downloads):
    board = facilitator_creates()
    assert not board.exception
    code, key = board.session_state[FACILITATOR]
    assert any(key in w.value for w in board.warning)
    assert any(code in h.value for h in board.header)
    open_round(board)
    assert button(board, "Lock round 1")
    assert board.button(key="inject").disabled
    team = team_joins(code, "Alpha")
    team.slider(key="ctl:concession").set_value(0.9)
    team.radio(key="prediction").set_value("yes")
    button(team, "Submit our position").click().run()
    board.run()
    assert board.dataframe[0].value["submitted this round"].tolist() == [True]
    button(board, "Lock round 1").click().run()
    assert not board.exception
    board.selectbox(key="shock_choice").set_value("is_surge")
    board.button(key="inject").click().run()
    store = Store(db_path)
    workshop = store.workshop(code)
    assert store.shocks(workshop.id) == [("is_surge", 2)]
    assert len(board.get("vega_lite_chart")) == 1
    rows = list(csv.DictReader(io.StringIO(downloads[f"workshop-{code}.csv"].decode())))
    assert [(r["team"], r["concession"], r["round_status"]) for r in rows] == [("Alpha", "0.9", "locked")]
    assert b"Alpha" in downloads[f"debrief-{store.teams(workshop.id)[0].id}.html"]


def join_again(at: AppTest, code: str, name: str) -> AppTest:
    """The same browser session fills the join form again."""
    at.text_input(key="join_code").input(code)
    at.text_input(key="join_name").input(name)
    return button(at, "Join").click().run()


def test_the_team_flow_answers_each_bad_input_with_a_message_and_writes_nothing(db_path, downloads):
    """One session per team, as in a room: each refusal leaves the store as it was."""
    board = facilitator_creates()
    code, _ = board.session_state[FACILITATOR]
    store = Store(db_path)
    workshop = store.workshop(code)
    open_round(board)

    alpha = team_joins("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY", "Alpha")
    assert "No workshop has that join code" in errors(alpha)
    assert TEAM not in alpha.session_state and store.teams(workshop.id) == []
    join_again(alpha, code.lower(), "Alpha")
    assert not alpha.exception and TEAM in alpha.session_state

    bravo = team_joins(code, "  ALPHA ")
    assert "already joined" in errors(bravo)
    assert TEAM not in bravo.session_state and [t.name for t in store.teams(workshop.id)] == ["Alpha"]
    join_again(bravo, code, "Bravo")

    alpha.slider(key="ctl:concession").set_value(1.0)
    alpha.radio(key="prediction").set_value("yes")
    button(alpha, "Submit our position").click().run()
    assert any("Position recorded" in s.value for s in alpha.success)

    alpha_id, _ = alpha.session_state[TEAM]
    _, bravo_token = bravo.session_state[TEAM]
    bravo.session_state[TEAM] = (alpha_id, bravo_token)
    bravo.run()
    assert "not signed in as that team" in errors(bravo)
    assert not any("Alpha" in m.value for m in bravo.markdown) and not bravo.get("slider")
    recorded = [(s.team, s.position) for s in store.all_submissions(workshop.id)]
    assert recorded == [(alpha_id, {"concession": 1.0})]

    button(board.run(), "Lock round 1").click().run()
    alpha.run()
    labels = [m.label for m in alpha.metric]
    assert "P(sever or unexposed pledge)" in labels and "P(sever)" in labels
    assert any("95%:" in c.value for c in alpha.caption)
    assert any("P(sever) at least 25%" in m.value for m in alpha.markdown)
    assert any("keeps the alliance" in m.value for m in alpha.markdown)
    assert b"@media print" in downloads["debrief.html"]

    button(alpha, "Submit our position").click().run()
    assert "No round is open" in errors(alpha)
    assert len(store.all_submissions(workshop.id)) == 1


def test_a_team_sees_a_timeline_round_as_its_yearly_path_with_intervals_and_no_invented_utilities(
        db_path, downloads):
    board = facilitator_creates("7-the-long-game")
    code, _ = board.session_state[FACILITATOR]
    assert board.number_input(key="round_draws").max == 40_000   # 520,000 trajectory-years over 13 years
    open_round(board)
    team = team_joins(code, "Alpha")
    team.slider(key="ctl:concession").set_value(1.0)
    team.slider(key="ctl:verification").set_value(1.0)
    team.radio(key="prediction").set_value("yes")
    button(team, "Submit our position").click().run()
    button(board.run(), "Lock round 1").click().run()
    assert not board.exception and board.get("vega_lite_chart")
    team.run()
    assert not team.exception
    assert [m.label for m in team.metric][-2:] == ["P(severed by 2030)", "P(allied by 2030)"]
    assert any("P(severed by 2030) at least 33%: met" in m.value for m in team.markdown)
    assert any("trajectories, seed" in m.value for m in team.markdown)
    path = team.get("vega_lite_chart")
    assert len(path) == 1 and '"datum": 2030' in path[0].proto.spec   # the criterion's year
    table = team.dataframe[0].value
    assert table["year"].tolist() == list(range(2018, 2031))
    assert (table["95% low"] <= table["severed"]).all() and (table["severed"] <= table["95% high"]).all()
    assert any("foresight" in c.value for c in team.caption)
    assert b"<table class='path'>" in downloads["debrief.html"]


def test_the_next_round_starts_from_the_last_rounds_draws_and_minutes(db_path):
    """The draws and minutes inputs are not drawn while a round is open, so Streamlit forgets them: the
    next round must not fall back to 20,000 draws and 10 minutes behind the facilitator's back."""
    board = facilitator_creates()
    assert board.number_input(key="round_draws").value == 20_000
    board.number_input(key="round_minutes").set_value(5)
    open_round(board)
    button(board, "Lock round 1").click().run()
    assert board.number_input(key="round_draws").value == DRAWS
    assert board.number_input(key="round_minutes").value == 5
