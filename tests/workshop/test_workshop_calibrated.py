"""A workshop made calibrated: stored with the workshop, its rounds adjudicated on the standard
posterior's resample (numbers that differ from the prior's and equal the calibrated run's), and the
model named on the board, the team page and every export."""

from __future__ import annotations

import csv
import html
import io
import sqlite3

import pytest
from test_workshop_app import BOARD, button, open_round, page, team_joins

from app_pages._workshop import FACILITATOR
from sim.engine.driver import run_sample
from sim.timeline.calibration import CALIBRATED, calibrated_sample, standard_posterior
from sim.workshop import flows
from sim.workshop.cards import load_card
from sim.workshop.export import MODEL_WORDS, team_debrief_html, workshop_csv
from sim.workshop.store import MIGRATIONS, Store, WorkshopError

CARD = "1-price-of-a-deal"
POSITION = {"concession": 0.4}
NAMED = "calibrated on history-1996-2018"


def play_one_round(store: Store, model: str, seed_from=None):
    """One team, one round at ``POSITION``, locked and adjudicated; returns the workshop and result."""
    workshop, _ = store.create_workshop(CARD, model)
    team, token = store.join(workshop.code, "Alpha")
    store.open_round(workshop.id, minutes=10, draws=2000)
    flows.submit(store, team, token, POSITION, "yes")
    rnd = flows.lock_and_adjudicate(store, workshop)
    return workshop, rnd, store.results(workshop.id)[team.id, rnd.number]


def test_the_model_is_stored_with_the_workshop_and_a_wrong_one_refused(store):
    workshop, key = store.create_workshop(CARD, CALIBRATED)
    assert workshop.model == CALIBRATED
    assert store.facilitate(workshop.code, key).model == CALIBRATED
    assert store.workshop(workshop.code).model == CALIBRATED
    assert store.model_of(workshop.id) == CALIBRATED
    assert store.create_workshop(CARD)[0].model == "prior"   # the default
    with pytest.raises(WorkshopError, match="model"):
        store.create_workshop(CARD, "<script>")


def test_a_workshop_from_before_the_choice_is_the_priors(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.executescript(";".join(MIGRATIONS[:2]) + "; PRAGMA user_version = 2;")
        con.execute("INSERT INTO workshops (code, card, key_digest, created) VALUES ('ABCDEF', ?, 'x', 0)",
                    (CARD,))
    assert Store(path).workshop("ABCDEF").model == "prior"


def test_a_calibrated_workshop_adjudicates_with_the_posterior(store):
    workshop, rnd, result = play_one_round(store, CALIBRATED)
    posterior = standard_posterior()
    scenario, _ = flows.round_scenario(load_card(CARD), POSITION, [])
    calibrated = run_sample(calibrated_sample(scenario, posterior, rnd.seed))   # as run --calibrated
    assert result["draws"] == calibrated.draws == posterior.rows.shape[0]
    for name in ("keep", "distance", "sever", "deal"):
        assert result["outcomes"][name]["mean"] == pytest.approx(float(calibrated.per_draw[name].mean()),
                                                                 abs=1e-12)
    assert result["model"] == CALIBRATED and result["model_label"] == posterior.label()
    # the companion: the prior's numbers on the same seed and as many draws are not these
    prior = flows.adjudicate(load_card(CARD), POSITION, [], rnd.seed, result["draws"])
    assert "model" not in prior   # a result that names no model is the prior's
    assert prior["outcomes"]["keep"]["mean"] != result["outcomes"]["keep"]["mean"]


def test_a_position_on_a_calibrated_parameter_keeps_the_teams_value(store):
    """Card 3's teams set the backlash cost: a calibrated round keeps their value and says so."""
    card = load_card("3-pressure-and-backlash")
    position = {c.name: c.start for c in card.controls}
    result = flows.adjudicate(card, position, [], 7, 2000, standard_posterior())
    assert "backlash_cost" in result["own_parameters"]
    scenario, _ = flows.round_scenario(card, position, [])
    drawn = flows.round_sample(scenario, standard_posterior(), 7)
    assert drawn.params["backlash_cost"] == scenario.params["backlash_cost"].value


def test_every_export_names_the_model(store):
    workshop, rnd, result = play_one_round(store, CALIBRATED)
    card = load_card(CARD)
    rows = list(csv.DictReader(io.StringIO(workshop_csv(store, workshop, card))))
    assert rows[0]["model"] == CALIBRATED and rows[0]["model_label"].startswith(NAMED)
    team = store.teams(workshop.id)[0]
    assert NAMED in team_debrief_html(card, team, {rnd.number: result})
    prior_workshop, prior_rnd, prior_result = play_one_round(store, "prior")
    prior_rows = list(csv.DictReader(io.StringIO(workshop_csv(store, prior_workshop, card))))
    assert prior_rows[0]["model"] == "prior"
    assert html.escape(MODEL_WORDS["prior"]) in team_debrief_html(card, store.teams(prior_workshop.id)[0],
                                                     {prior_rnd.number: prior_result})


@pytest.mark.subprocess
def test_the_board_creates_a_calibrated_workshop_and_the_team_page_names_it(db_path):
    board = page(BOARD)
    board.radio(key="create_model").set_value(CALIBRATED)
    board.selectbox(key="create_card").set_value(CARD)
    button(board, "Create").click().run()
    assert not board.exception
    code, _ = board.session_state[FACILITATOR]
    assert Store(db_path).workshop(code).model == CALIBRATED
    assert any("calibrated to the 1996-2018 record" in c.value.replace("\\", "") for c in board.caption)
    open_round(board)
    team = team_joins(code, "Alpha")
    assert any("calibrated to the 1996-2018" in m.value.replace("\\", "") for m in team.markdown)
    team.slider(key="ctl:concession").set_value(0.4)
    team.radio(key="prediction").set_value("yes")
    button(team, "Submit our position").click().run()
    button(board.run(), "Lock round 1").click().run()
    team.run()
    assert not team.exception
    assert any(NAMED in c.value.replace("\\", "") for c in team.caption)
