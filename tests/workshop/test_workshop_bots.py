"""Bots in the manner of oTree's: eight teams play a whole three-round workshop through the store's API,
with a shock between rounds, and the export says exactly what they did and what the model answered."""

from __future__ import annotations

import csv
import io

import pytest

from sim.workshop import flows
from sim.workshop.cards import load_card
from sim.workshop.export import workshop_csv, workshop_rows
from sim.workshop.store import Store, WorkshopError

CARD = "1-price-of-a-deal"
TEAMS = 8
ROUNDS = 3
DRAWS = 2000


def bot_position(team_index: int, round_number: int) -> dict[str, float]:
    """Each bot offers more every round; bots 0 and 1 always offer the same."""
    return {"concession": min(1.0, 0.1 * max(team_index, 1) + 0.1 * round_number)}


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """One workshop played to the end, shared by the tests that only read it."""
    store = Store(tmp_path_factory.mktemp("bots") / "workshop.sqlite3")
    return store, *play_workshop(store)


def play_workshop(store):
    workshop, key = store.create_workshop(CARD)
    assert store.facilitate(workshop.code, key) == workshop
    bots = [store.join(workshop.code, f"Team {i}") for i in range(TEAMS)]
    for number in range(1, ROUNDS + 1):
        if number == 3:
            store.add_shock(workshop.id, "leader_dies")
        store.open_round(workshop.id, minutes=10, draws=DRAWS)
        for i, (team, token) in enumerate(bots):
            flows.submit(store, team, token, bot_position(i, number), "yes" if i % 2 else "no")
        flows.lock_and_adjudicate(store, workshop)
    return workshop, bots


def test_eight_bots_play_three_rounds_and_the_export_holds_every_position_and_result(played):
    store, workshop, _ = played
    card = load_card(CARD)
    rows = list(csv.DictReader(io.StringIO(workshop_csv(store, workshop, card))))
    assert len(rows) == TEAMS * ROUNDS
    for row in rows:
        i = int(row["team"].split()[1])
        assert float(row["concession"]) == pytest.approx(bot_position(i, int(row["round"]))["concession"])
        assert row["prediction"] == ("yes" if i % 2 else "no")
        assert row["draws"] == str(DRAWS)
        assert row["shocks"] == ("leader_dies" if row["round"] == "3" else "")
        low, mean, high = (float(row[f"p_{card.outcome}_{s}"]) for s in ("low", "mean", "high"))
        assert low <= mean <= high
        cut = card.threshold
        expected = "met" if low >= cut else "not met" if high < cut else "too close to call"
        assert row["verdict"] == expected


def test_equal_positions_in_a_round_get_equal_numbers_and_rounds_have_their_own_seed(played):
    store, workshop, _ = played
    rows = workshop_rows(store, workshop, load_card(CARD))
    by = {(r["team"], r["round"]): r for r in rows}
    for number in range(1, ROUNDS + 1):
        assert by["Team 0", number]["p_deal_mean"] == by["Team 1", number]["p_deal_mean"]
    assert len({r["seed"] for r in rows}) == ROUNDS


def test_the_shock_changes_the_numbers_of_the_round_after_it(played):
    store, workshop, _ = played
    card = load_card(CARD)
    rnd = store.rounds(workshop.id)[-1]
    with_shock = flows.adjudicate(card, bot_position(5, 3), ["leader_dies"], rnd.seed, DRAWS)
    without = flows.adjudicate(card, bot_position(5, 3), [], rnd.seed, DRAWS)
    stored = store.results(workshop.id)
    team5 = next(t for t in store.teams(workshop.id) if t.name == "Team 5")
    assert stored[team5.id, 3]["outcomes"] == with_shock["outcomes"]
    assert with_shock["outcomes"]["deal"]["mean"] != without["outcomes"]["deal"]["mean"]


def test_after_the_lock_no_bot_can_submit_and_nothing_is_written(played):
    store, workshop, bots = played
    before = len(store.all_submissions(workshop.id))
    team, token = bots[0]
    with pytest.raises(WorkshopError, match="No round is open"):
        flows.submit(store, team, token, {"concession": 0.5}, "yes")
    assert len(store.all_submissions(workshop.id)) == before


def test_a_shock_is_refused_while_a_round_is_open(store):
    workshop, _ = store.create_workshop(CARD)
    store.open_round(workshop.id, minutes=5, draws=DRAWS)
    with pytest.raises(WorkshopError, match="between rounds"):
        store.add_shock(workshop.id, "is_surge")
    assert store.shocks(workshop.id) == []
