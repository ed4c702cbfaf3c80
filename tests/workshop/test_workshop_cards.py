"""Exercise cards and roles: the shipped cards are valid and open questions; a bad card is named
precisely; a role's announced move replaces that player's decision and the others answer it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.driver import sample
from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.scenario import load_scenario
from sim.workshop.cards import MAX_CARD_BYTES, MAX_LEVEL, CardError, card_ids, load_card, parse_card
from sim.workshop.flows import adjudicate

DRAWS = 2000


def test_at_least_six_cards_ship_from_easy_to_hard_with_a_two_lens_a_roles_and_a_timeline_card():
    cards = [load_card(c) for c in card_ids()]
    assert len(cards) >= 6
    assert {c.level for c in cards} == set(range(1, MAX_LEVEL + 1))
    assert any(c.timeline is not None for c in cards)
    lenses = [o for c in cards for ctl in c.controls if ctl.options for o in ctl.options.values()]
    assert any(o.changes and set(o.changes.values()) == {0} for o in lenses)
    assert any(c.roles == ["us", "taliban", "al_qaeda"] for c in cards)


def one_at_a_time(card):
    """The card's default position, and each control moved alone to each end or option."""
    start = {c.name: c.start for c in card.controls}
    yield start
    for c in card.controls:
        for value in (c.options or [c.low, c.high]):
            yield {**start, c.name: value}


@pytest.mark.parametrize("card_id", card_ids())
def test_every_card_asks_an_open_question_some_positions_meet_it_and_some_do_not(card_id):
    card = load_card(card_id)
    verdicts = {adjudicate(card, p, [], 11, DRAWS)["verdict"] for p in one_at_a_time(card)}
    assert {"met", "not met"} <= verdicts


BASE_CARD = load_card("1-price-of-a-deal").model_dump_json()


@pytest.mark.parametrize(("text", "problem"), [
    ("title: [unclosed", "not valid YAML"),
    ("x" * (MAX_CARD_BYTES + 1), "larger than"),
    (BASE_CARD.replace('"level":1', '"level":9'), "level"),
    (BASE_CARD.replace('"preset":"baseline-2018"', '"preset":"nowhere"'), "no preset 'nowhere'"),
    (BASE_CARD.replace('"high":1.0', '"high":7.0'), "must lie inside"),
    (BASE_CARD.replace('"shocks":[', '"shocks":["meteor",'), "no shock 'meteor'"),
    (BASE_CARD.replace('"path":"levers.concession"', '"path":null')
     .replace('"options":null', '"options":{"a":{"forced":{"keep/nowhere":"attack"}}}'), "no decision node"),
    (BASE_CARD.replace('"title"', '"surprise":1,"title"'), "surprise"),
], ids=["yaml", "size", "level", "preset", "range", "shock", "forced node", "unknown key"])
def test_a_bad_card_is_refused_with_a_message_naming_the_file_and_the_problem(text, problem):
    with pytest.raises(CardError, match=problem) as info:
        parse_card(text, "bad.yaml")
    assert str(info.value).startswith("bad.yaml")


def test_a_forced_move_replaces_that_players_decision_and_the_others_solve_against_it():
    drawn = sample(load_scenario("what-if-major-concession"), DRAWS, 3)
    game = build_game(drawn.params, drawn.scenario.levers)
    free = solve(game)
    forced = solve(game, forced={"keep": "attack"})
    assert np.all(forced.probs["keep"][1] == 1.0)
    assert free.probs["keep"][1].mean() < 0.5
    # The Taliban answers the announced attack: keeping is dearer, so it keeps less often.
    assert forced.probs[""][0].mean() < free.probs[""][0].mean() - 0.05
    assert all(np.array_equal(forced.probs[p], free.probs[p]) for p in free.probs if p.startswith("sever"))


def test_forcing_a_node_or_action_that_does_not_exist_is_an_error():
    drawn = sample(load_scenario("baseline-2018"), 10, 1)
    game = build_game(drawn.params, drawn.scenario.levers)
    for forced in ({"keep/nowhere": "attack"}, {"keep": "dance"}, {"keep/restrain": "x"}):
        with pytest.raises(ValueError, match="no decision node"):
            solve(game, forced=forced)


def test_a_roles_result_shows_the_models_own_choice_beside_the_announced_one():
    card = load_card("6-three-player-table")
    result = adjudicate(card, {"operations": "operations abroad"}, [], 5, DRAWS)
    assert result["forced"] == {"keep": "attack"}
    model = result["model_choice"]["keep"]
    assert set(model) == {"restrain", "attack"} and sum(model.values()) == pytest.approx(1.0)
    assert model["attack"] < 0.5
