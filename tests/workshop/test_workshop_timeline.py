"""The timeline card: it validates (a broken timeline section is named field by field), a round projects
the scenario year by year with the round's seed, equal levers get equal numbers, the criterion moves with
the lever that should matter and not once its mechanism is off, and a whole round plays through the
store's API into the CSV, the board's chart and the printable debrief."""

from __future__ import annotations

import csv
import io
import json

import pytest

from sim.workshop import flows
from sim.workshop.cards import MAX_LEVEL, CardError, card_ids, load_card, parse_card
from sim.workshop.export import path_chart, positions_chart, team_debrief_html, workshop_csv, workshop_rows
from sim.workshop.store import WorkshopError

CARD = "7-the-long-game"
DRAWS = 1000
SEED = 17
START = {"concession": 0.3, "verification": 0.3, "pressure": 0.5}
STRONG = {"concession": 1.0, "verification": 1.0, "pressure": 1.0}


def card_text(**timeline) -> str:
    """The shipped card as JSON (valid YAML) with its timeline section changed."""
    raw = json.loads(load_card(CARD).model_dump_json(exclude_defaults=True))
    raw["timeline"].update(timeline)
    return json.dumps(raw)


def test_the_shipped_timeline_card_is_the_hardest_and_judges_the_share_severed_by_2030():
    card = load_card(CARD)
    assert card.level == MAX_LEVEL == max(load_card(c).level for c in card_ids())
    assert card.criterion == "P(severed by 2030) at least 33%"
    assert card.timeline_start == 2018 and card.timeline_by == 2030
    assert [e.year for e in card.timeline.events] == [2019, 2021]


@pytest.mark.parametrize(("change", "problem"), [
    ({"years": 0}, r"timeline\.years: Input should be greater than or equal to 1"),
    ({"by": 2040}, r"timeline\.by: 2040 is outside the projected years 2018-2030"),
    ({"solution": "magic"}, r"timeline\.solution"),
    ({"hazards": {"meteor": 0.1}}, r"timeline\.hazards\.meteor"),
    ({"hazards": {"leader_death": 1.5}}, r"timeline\.hazards\.leader_death: Input should be less than"),
    ({"events": [{"year": 2019, "set": {"morale": 1}}]}, r"events\.0: .*set\.morale: unknown state"),
    ({"events": [{"year": 2010, "sign": True}]}, r"timeline\.events\[0\]\.year: 2010 is before the timeline"),
    ({"surprise": 1}, r"timeline\.surprise: Extra inputs are not permitted"),
], ids=["years", "by", "solution", "hazard name", "hazard range", "event state", "event year", "unknown key"])
def test_a_broken_timeline_section_is_refused_with_a_message_naming_the_field(change, problem):
    with pytest.raises(CardError, match=problem) as info:
        parse_card(card_text(**change), "bad.yaml")
    assert str(info.value).startswith("bad.yaml")


def test_an_outcome_over_years_needs_a_timeline_and_a_timeline_judges_only_outcomes_over_years():
    raw = json.loads(load_card(CARD).model_dump_json(exclude_defaults=True))
    with pytest.raises(CardError, match="outcome 'severed' is judged over years: add a timeline section"):
        parse_card(json.dumps({k: v for k, v in raw.items() if k != "timeline"}), "bad.yaml")
    with pytest.raises(CardError, match="a timeline card judges severed or allied, not 'deal'"):
        parse_card(json.dumps({**raw, "outcome": "deal"}), "bad.yaml")
    forced = {**raw, "controls": [*raw["controls"], {"name": "ops", "label": "AQ", "options": {
        "attack": {"forced": {"keep": "attack"}}}}]}
    with pytest.raises(CardError, match="cannot force moves"):
        parse_card(json.dumps(forced), "bad.yaml")


def test_a_card_without_a_timeline_is_judged_in_one_stage_game_as_before():
    card = load_card("1-price-of-a-deal")
    assert card.timeline is None and card.timeline_by is None
    result = flows.adjudicate(card, {"concession": 0.5}, [], SEED, DRAWS)
    assert "path" not in result and set(result["outcomes"]) == {"keep", "distance", "sever", "split", "deal"}
    assert result["expected_utility"] and "utility_note" not in result


def test_equal_levers_get_equal_numbers_and_the_result_carries_the_yearly_path_with_intervals():
    card = load_card(CARD)
    first = flows.adjudicate(card, STRONG, ["leader_dies"], SEED, DRAWS)
    again = flows.adjudicate(card, dict(STRONG), ["leader_dies"], SEED, DRAWS)
    assert first == again
    assert [p["year"] for p in first["path"]] == list(range(2018, 2031))
    severed = first["outcomes"]["severed"]
    assert first["path"][-1]["severed"] == severed
    assert severed["low"] <= severed["mean"] <= severed["high"]
    assert first["outcomes"]["allied"]["mean"] == pytest.approx(1 - severed["mean"])
    # the share severed never falls: a Sever is absorbing
    means = [p["severed"]["mean"] for p in first["path"]]
    assert means == sorted(means)
    assert first["expected_utility"] == {} and "foresight" in first["utility_note"]
    other_seed = flows.adjudicate(card, STRONG, ["leader_dies"], SEED + 1, DRAWS)
    assert other_seed["outcomes"] != first["outcomes"]


def test_the_verdict_follows_the_interval_and_the_why_compares_the_position_with_the_cards_start():
    card = load_card(CARD)
    result = flows.adjudicate(card, STRONG, [], SEED, DRAWS)
    severed = result["outcomes"]["severed"]
    assert severed["low"] >= card.threshold and result["verdict"] == "met"
    why = " ".join(result["why"])
    assert "severed by 2030" in why and "the first year" in why and "The deal was signed" in why
    assert "At the card's starting position" in why and "your levers' doing" in why
    start = flows.adjudicate(card, START, [], SEED, DRAWS)
    assert start["verdict"] == "not met"
    assert "You kept the card's starting position" in " ".join(start["why"])


def test_the_offer_moves_the_criterion_and_stops_moving_it_once_the_offer_carries_nothing_for_the_taliban():
    card = load_card(CARD)

    def severed(c, position):
        return flows.adjudicate(c, {**STRONG, **position}, [], SEED, DRAWS)["outcomes"]["severed"]

    small, large = severed(card, {"concession": 0.3}), severed(card, {"concession": 1.0})
    assert small["high"] < card.threshold <= large["low"]
    # the offer's three channels switched off: its worth, the cost of refusing it, the chip spent below it
    off = {f"parameters.{name}": 0.0 for name in ("concession_value", "moderate_discontent", "chip_switch")}
    worthless = card.model_copy(update={"setup": off})
    assert severed(worthless, {"concession": 0.3}) == severed(worthless, {"concession": 1.0})


def test_a_later_sever_is_set_beside_the_hazards_that_came_before_it_and_chance():
    card = load_card(CARD)
    result = flows.adjudicate(card, {**STRONG, "concession": 0.7}, [], SEED, 4000)
    later = [line for line in result["why"] if "severed after 2018" in line]
    assert len(later) == 1
    assert "the Taliban leader had died in" in later[0] and "chance over the same years" in later[0]


def test_a_timeline_round_is_bounded_in_trajectories_times_years():
    card = load_card(CARD)
    most = flows.max_draws(card)
    assert most * card.timeline.years <= 520_000 < (most + 1) * card.timeline.years
    assert flows.draws_for(most, card) == most
    with pytest.raises(WorkshopError, match="between 1,000 and"):
        flows.draws_for(most + 1, card)
    with pytest.raises(WorkshopError, match="At most"):
        flows.adjudicate(card, START, [], SEED, most + 1)


def test_three_bots_play_two_timeline_rounds_through_the_store_and_the_exports_show_the_years(store):
    card = load_card(CARD)
    workshop, _ = store.create_workshop(CARD)
    bots = [store.join(workshop.code, f"Team {i}") for i in range(3)]
    positions = [STRONG, STRONG, START]
    for number in (1, 2):
        if number == 2:
            store.add_shock(workshop.id, "leader_dies")
        store.open_round(workshop.id, minutes=5, draws=DRAWS)
        for (team, token), position in zip(bots, positions, strict=True):
            flows.submit(store, team, token, position, "yes")
        flows.lock_and_adjudicate(store, workshop)
    rows = list(csv.DictReader(io.StringIO(workshop_csv(store, workshop, card))))
    assert len(rows) == 6
    for row in rows:
        assert row["criterion"] == "P(severed by 2030) at least 33%"
        assert float(row["p_severed_low"]) <= float(row["p_severed_mean"]) <= float(row["p_severed_high"])
        assert float(row["severed_by_2030"]) == float(row["p_severed_mean"])
        assert float(row["severed_by_2018"]) <= float(row["severed_by_2030"])
    by = {(r["team"], r["round"]): r for r in rows}
    for number in ("1", "2"):
        assert by["Team 0", number]["p_severed_mean"] == by["Team 1", number]["p_severed_mean"]
    assert by["Team 0", "1"]["p_severed_mean"] != by["Team 0", "2"]["p_severed_mean"]  # the shock
    chart = positions_chart(workshop_rows(store, workshop, card), card)
    assert len(chart["layer"][1]["encoding"]) and len(chart["data"]["values"]) == 6
    assert chart["layer"][0]["encoding"]["x"]["title"] == "P(severed by 2030) with 95% interval"
    team = bots[2][0]
    own = {rnd: r for (tid, rnd), r in store.results(workshop.id).items() if tid == team.id}
    page = team_debrief_html(card, team, own)
    assert page.count("<table class='path'>") == 2 and "P(severed by 2030)" in page and "2030</th>" in page
    spec = path_chart(own[1]["path"], own[1]["by"], card.threshold)
    assert [r["year"] for r in spec["data"]["values"]] == list(range(2018, 2031))
