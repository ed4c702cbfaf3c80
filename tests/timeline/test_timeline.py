"""The alliance over time (issue 8): the historical replay, facts 4 and 10 as timeline tests, the
projections, the deal's life cycle, determinism and the validation of the ``timeline:`` section."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.model.game import MOVES, build_game
from sim.model.solve import solve
from sim.present.timeline_charts import survival_chart
from sim.spec.lenses import through_lens
from sim.spec.scenario import ScenarioError, parse_yaml
from sim.spec.timeline_section import SCRIPTABLE
from sim.timeline import project
from sim.timeline.summary import summary

ROOT = Path(__file__).resolve().parents[2]
REPLAY = "history-1996-2018"
OFFER_PRESET = "what-if-major-concession"
NO_HAZARDS = {f"timeline.hazards.{h}": 0.0
              for h in ("leader_death", "aq_leader_death", "aq_attack", "is_surge", "detection", "takeover")}


def central(name: str, changes: dict | None = None) -> sim.Scenario:
    """The scenario with every parameter fixed at its central value (one deterministic game a year)."""
    sc = sim.load_scenario(name, changes)
    return sc.updated({f"parameters.{n}": p.value for n, p in sc.params.items()})


def alive(pr) -> list[float]:
    return [t.alive / pr.draws for t in pr.tallies]


def by_year(pr) -> dict[int, float]:
    return dict(zip(pr.years, alive(pr), strict=True))


# -- the historical replay and fact 4 -------------------------------------------------------------


def test_the_replay_runs_from_1996_to_2018_by_default():
    pr = project(sim.load_scenario(REPLAY), draws=50)
    assert (pr.years[0], pr.years[-1]) == (1996, 2018)


def test_the_replay_keeps_the_alliance_on_its_central_path_through_every_recorded_shock():
    pr = project(central(REPLAY), draws=1)
    assert all(t.alive == 1 for t in pr.tallies)
    assert pr.tallies[-1].distance == 1          # 2018: the public pledge, not a break (fact 1)


def test_the_replay_under_qre_severs_few_trajectories_at_the_recorded_shocks_after_2001():
    years = by_year(project(sim.load_scenario(REPLAY), draws=2000, solution="qre"))
    assert years[2001] > 0.85
    assert years[2010] - years[2018] < 0.08


def test_the_replays_2001_is_an_ultimatum_refused_in_power():
    pr = project(central(REPLAY), draws=1, years=7)
    ultimatum = [e for e in pr.spec.events if e.year == 2001][0]
    assert ultimatum.ultimatum is not None and ultimatum.attack
    assert pr.tallies[5].alive == 1 and pr.tallies[5].keep == 1   # 2001: Omar keeps bin Laden


def fact4_drop(**changes: float) -> tuple[float, float]:
    """Survival in 2010 and its fall from 2010 to 2018, across bin Laden's death and the revelation."""
    years = by_year(project(sim.load_scenario(REPLAY, {f"parameters.{k}": v for k, v in changes.items()}),
                            draws=2000))
    return years[2010], years[2010] - years[2018]


def test_fact4_bin_ladens_death_and_omars_revelation_break_no_alliance_in_the_replay():
    before, drop = fact4_drop()
    assert before > 0.95 and drop < 0.01


def test_fact4_fails_without_the_bonds_of_shared_history_which_carry_it():
    """The companion: with the bonds off the two deaths sever a fifth of the trajectories."""
    assert fact4_drop(shared_history_bond=0.0)[1] > 0.12


def test_fact4_is_not_carried_by_the_chip_which_is_worth_little_before_talks():
    assert fact4_drop(chip_switch=0.0)[1] < 0.05


def test_fact4_fails_under_the_material_reading_which_does_not_survive_the_record():
    years = by_year(project(through_lens(sim.load_scenario(REPLAY), "material"), draws=2000))
    assert years[2011] < 0.5


# -- fact 10: backlash --------------------------------------------------------------------------------


def severs_after_an_attack(attack: bool, **changes: float) -> float:
    """Share of trajectories that sever in 2020-2022 when 2019 does (not) bring a scripted attack."""
    sc = sim.load_scenario("what-if-major-concession",
                           {"timeline.events": [{"year": 2019, "attack": attack}],
                            **{f"parameters.{k}": v for k, v in changes.items()}})
    pr = project(sc, years=5, draws=3000, solution="qre")
    years = by_year(pr)
    return years[2019] - years[2022]


def test_fact10_after_an_attack_and_retaliation_a_sever_is_less_likely_in_the_next_years():
    without, with_attack = severs_after_an_attack(False), severs_after_an_attack(True)
    assert without - with_attack > 0.02


def test_fact10_fails_when_retaliation_leaves_no_backlash():
    assert severs_after_an_attack(True, backlash_cost=0.0) == severs_after_an_attack(False, backlash_cost=0.0)


def plays_after_an_attack(events: list[dict], decay: float = 0.3) -> list[tuple[int, int, int]]:
    """Per year from 2019, (allied, keep, pledge) under the SPE with al-Qaeda's own attacks worth
    nothing (so the script alone sets the memory of retaliation)."""
    sc = sim.load_scenario(OFFER_PRESET, {"timeline.events": events, "timeline.memory_decay": decay,
                                          "timeline.start": 2019, "parameters.external_ops_value": 0.0,
                                          **NO_HAZARDS})
    return [(t.alive, t.keep, t.distance) for t in project(sc, years=5, draws=6000).tallies]


BY_HAND = [{"year": 2019}, *({"year": 2020 + k, "set": {"retaliation_memory": round(0.7 ** k, 6)}}
                            for k in range(4))]


def test_fact10_year_by_year_the_backlash_is_fresh_after_the_attack_then_fades_at_the_scenarios_rate():
    """An attack in 2019 plays, year by year, exactly like a memory of retaliation set by hand to 1 in
    2020 and multiplied by 1 - memory_decay (0.7) each year after: 1, 0.7, 0.49, 0.343."""
    attacked = plays_after_an_attack([{"year": 2019, "attack": True}])
    assert attacked == plays_after_an_attack(BY_HAND)
    assert len({keep for _, keep, _ in attacked[1:]}) > 1   # the fading memory moves the play


def test_fact10_year_by_year_fails_when_the_memory_fades_at_another_rate():
    faster = plays_after_an_attack([{"year": 2019, "attack": True}], decay=0.6)
    assert faster != plays_after_an_attack(BY_HAND)


# -- projections ----------------------------------------------------------------------------------------


def test_a_major_concession_ends_15_years_with_clearly_lower_survival_than_the_baseline():
    ends = {}
    for name in ("baseline-2018", "what-if-major-concession"):
        last = summary(project(sim.load_scenario(name), draws=2000))["survival"][-1]
        assert last["year"] == 2032
        ends[name] = last
    assert ends["what-if-major-concession"]["hi"] < ends["baseline-2018"]["lo"]
    assert ends["baseline-2018"]["p_alliance"] - ends["what-if-major-concession"]["p_alliance"] > 0.1


def test_two_years_computed_by_hand_match_the_timeline():
    """2018 and 2019 of the concession what-if at central values, no hazards, an attack scripted in
    2018: the second year's game differs by one more year together and a fresh memory of retaliation."""
    attack = [{"year": 2018, "attack": True}]
    sc = central("what-if-major-concession", {**NO_HAZARDS, "timeline.events": attack})
    pr = project(sc, years=2, draws=1)
    p = sc.values()
    levers = dict(sc.levers)
    year1 = solve(build_game(p, levers)).probs[""][:, 0]
    p2 = {**p, "years_together": p["years_together"] + 1, "retaliation_memory": 1.0}
    year2 = solve(build_game(p2, levers)).probs[""][:, 0]
    for tally, moves in zip(pr.tallies, (year1, year2), strict=True):
        played = dict(zip(MOVES, moves, strict=True))
        assert (tally.keep, tally.distance) == (played["keep"], played["distance"])
        assert tally.alive == 1 - played["sever"]
    assert pr.tallies[0].retaliation == 1


def test_with_no_events_and_no_hazards_no_break_happens_without_a_cause():
    pr = project(central("baseline-2018", NO_HAZARDS), draws=1)
    assert [t.alive for t in pr.tallies] == [1] * 15


def test_survival_never_increases():
    pr = project(sim.load_scenario("what-if-legitimacy-crisis"), years=20, draws=1500, solution="qre")
    assert np.all(np.diff(alive(pr)) <= 0)


def test_the_same_seed_gives_the_same_trajectories_whatever_the_chunking():
    sc = sim.load_scenario("what-if-major-concession")
    whole = project(sc, years=6, draws=5000, solution="qre", chunk_size=5000)
    parts = project(sc, years=6, draws=5000, solution="qre", chunk_size=1234)
    assert whole.tallies == parts.tallies
    assert np.array_equal(whole.sever_year, parts.sever_year)
    assert whole.deal == parts.deal


# -- the deal: a contract --------------------------------------------------------------------------------

DEAL = [{"year": 2019, "offer": {"concession": 0.5, "verification": 0.6}}, {"year": 2020, "sign": True},
        {"year": 2021, "deliver": True}]
PLEDGE_DEAL = [{"year": 2019, "offer": {"concession": 0.5, "verification": 0.6, "terms": "pledge"}},
               {"year": 2020, "sign": True}, {"year": 2021, "deliver": True}]
QUIET = {f"parameters.{k}": 0.0 for k in ("external_ops_value", "detect_active", "detect_low")}
#: The issue's projection: an offer for a Sever in 2019, signed 2021, delivered 2023.
CONTRACT = [{"year": 2019, "offer": {"concession": 0.7, "verification": 0.5}}, {"year": 2021, "sign": True},
            {"year": 2023, "deliver": True}]


def contract(terms: str = "sever", draws: int = 3000, **changes) -> sim.timeline.Projection:
    events = [dict(CONTRACT[0], offer={**CONTRACT[0]["offer"], "terms": terms}), *CONTRACT[1:]]
    sc = sim.load_scenario("baseline-2018", {"timeline.events": events, **changes})
    return project(sc, years=8, draws=draws, solution="qre")


def test_the_levers_after_a_delivered_concession_are_what_the_state_allows():
    pr = project(central("baseline-2018", {**NO_HAZARDS, **QUIET, "timeline.events": PLEDGE_DEAL}),
                 years=6, draws=1)
    assert pr.deal["signed"] == 1 and pr.deal["delivered"] == 1
    levers = {s["year"]: tuple(s["levers"].values()) for s in summary(pr)["shares"]}
    assert levers[2018] == pytest.approx((0.0, 0.3, 0.5))
    for year in (2019, 2020, 2021):   # the offer on the table, with its verification, until delivered
        assert levers[year] == pytest.approx((0.5, 0.6, 0.5))
    after = sim.timeline.parse_timeline(None, "x").after_delivery
    for year in (2022, 2023):   # the withdrawal is spent: only a government's wants, little monitoring
        assert levers[year] == pytest.approx((after.offer * after.value_share, 0.3 * after.verification_share,
                                              0.5 * after.pressure_share))


def test_a_pledge_under_sever_terms_is_neither_signed_nor_delivered():
    """The central 2018 draw pledges at an offer of 0.5: it meets pledge terms, not Sever terms."""
    pr = project(central("baseline-2018", {**NO_HAZARDS, **QUIET, "timeline.events": DEAL}), years=6, draws=1)
    assert all(t.alive == 1 and t.distance == 1 for t in pr.tallies)
    assert pr.deal["signed"] == 0 and pr.deal["delivered"] == 0


def severs_after_a_delivery(worth_share: float, **changes: float) -> float:
    """Share severed after a pledge deal delivered in 2021 (quiet, no hazards), when a government's
    wants, offered in full, are worth ``worth_share`` of a withdrawal."""
    sc = sim.load_scenario("baseline-2018", {
        **NO_HAZARDS, **QUIET, "timeline.events": PLEDGE_DEAL, "timeline.after_delivery.offer": 1.0,
        "timeline.after_delivery.value_share": worth_share,
        **{f"parameters.{k}": v for k, v in changes.items()}})
    pr = project(sc, years=8, draws=3000)
    assert pr.deal["delivered"] > 2500
    years = by_year(pr)
    return years[2021] - years[2025]


def test_after_a_delivery_the_wants_of_a_government_meet_the_chips_threshold_on_its_own_scale():
    """The chip's threshold is 0.6 of a withdrawal: Severs after the delivery jump where the wants'
    worth reaches it, and grow with the worth beyond it."""
    below, at = severs_after_a_delivery(0.59), severs_after_a_delivery(0.6)
    assert at - below > 0.008
    assert severs_after_a_delivery(1.0) > 0.2


def test_after_a_delivery_there_is_no_jump_at_the_threshold_without_the_chip():
    """The companion: without the chip the Severs grow smoothly with the worth (a step of 0.01 in the
    worth adds a few trajectories in a thousand, as the steps beside it do)."""
    below, at = (severs_after_a_delivery(w, chip_switch=0.0) for w in (0.59, 0.6))
    assert abs(at - below) < 0.004


def test_a_delivered_concession_cannot_be_offered_again():
    again = [*DEAL, {"year": 2023, "offer": {"concession": 0.8}}]
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario("baseline-2018", {"timeline.events": again})
    assert "cannot be offered again" in str(err.value)


def test_a_detected_tie_voids_a_signed_pledge_deal():
    detected = [*PLEDGE_DEAL[:2], {"year": 2021, "deliver": True, "detection": True}]
    sc = central("baseline-2018", {**NO_HAZARDS, **QUIET, "timeline.events": detected})
    pr = project(sc, years=6, draws=1)
    assert pr.deal["signed"] == 1
    assert pr.deal["voided_by_detection"] == 1 and pr.deal["delivered"] == 0


def test_no_delivery_ever_reaches_a_trajectory_that_did_not_meet_the_sever_terms():
    pr = contract()
    delivered = pr.delivery_year >= 0
    assert pr.deal["delivered"] == int(delivered.sum()) > 50
    assert np.all((pr.sever_year[delivered] >= 0) & (pr.sever_year[delivered] <= pr.delivery_year[delivered]))


def test_under_pledge_terms_deliveries_reach_trajectories_that_never_severed():
    """The companion: the terms, not something else, keep deliveries from pledging trajectories."""
    pr = contract("pledge")
    delivered = pr.delivery_year >= 0
    assert np.sum(delivered & (pr.sever_year < 0)) > 100


def test_a_sever_made_for_an_offer_leads_to_its_signature():
    pr = contract()
    severed_by_signature = int(np.sum((pr.sever_year >= 0) & (pr.sever_year <= 2021)))
    assert pr.deal["signed"] == severed_by_signature > 50


def test_signed_and_offered_deals_differ_in_play():
    """Under pledge terms a signed offer is more credible than an unsigned one, so the year after the
    signature fewer trajectories keep the alliance as it is (voids act only the year after: 2020's
    play differs by the credibility alone). The companion: when a signature adds no credibility, the
    two play alike."""
    def keeps_2020(sign: bool, offered: float, signed: float) -> int:
        events = [{"year": 2019, "offer": {"concession": 0.3, "terms": "pledge"}, "sign": sign}]
        changes = {"timeline.events": events, "timeline.credibility": {"offered": offered, "signed": signed},
                   **NO_HAZARDS}
        pr = project(sim.load_scenario("baseline-2018", changes), years=3, draws=3000, solution="qre")
        return pr.tallies[2].keep
    assert keeps_2020(False, 0.5, 1.0) - keeps_2020(True, 0.5, 1.0) > 80
    assert keeps_2020(False, 0.75, 0.75) == keeps_2020(True, 0.75, 0.75)


def test_a_withdrawal_without_delivery_ends_the_open_offer():
    events = [*CONTRACT[:1], {"year": 2020, "set": {"us_posture": "withdrawn"}}]
    pr = project(sim.load_scenario("baseline-2018", {"timeline.events": events, **NO_HAZARDS}),
                 years=4, draws=500)
    alive_2019 = pr.tallies[1].alive
    assert pr.deal["ended_by_withdrawal"] == 500 and alive_2019 < 500
    after = sim.timeline.parse_timeline(None, "x").after_delivery
    assert summary(pr)["shares"][3]["levers"]["concession"] == pytest.approx(after.offer * after.value_share)


@pytest.mark.subprocess
def test_the_timeline_command_fate_counts_add_up_for_a_sever_deal():
    """baseline-2018, an offer for a Sever in 2019, signed 2021, delivered 2023, hazards off."""
    events = json.dumps(CONTRACT)
    hazards = [f"--set=timeline.hazards.{h}=0" for h in
               ("leader_death", "aq_leader_death", "aq_attack", "is_surge", "detection", "takeover")]
    out = subprocess.run([sys.executable, "-m", "sim", "timeline", "baseline-2018", "--years", "8",
                          "--draws", "2000", "--solution", "qre", f"--set=timeline.events={events}", *hazards,
                          "--format", "json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    deal = data["deal"]
    by_2023 = data["survival"][5]
    assert by_2023["year"] == 2023
    severed_2023 = round((1 - by_2023["p_alliance"]) * 2000)
    voided = deal["voided_by_move"] + deal["voided_by_detection"] + deal["voided_by_attack"]
    assert 0 < deal["delivered"] <= deal["signed"]
    assert voided <= deal["signed"]
    assert deal["delivered"] <= severed_2023


# -- every hazard is also an event; levers by year ----------------------------------------------------------


@pytest.mark.parametrize("name", [*SCRIPTABLE, "attack"])
def test_a_scripted_event_equals_its_hazard_drawn_with_probability_one_that_year(name):
    hazard = "aq_attack" if name == "attack" else name
    base = {"timeline.start": 2018, "timeline.state": {"us_posture": "withdrawn"}}

    def run(changes: dict, years: int = 1):
        sc = sim.load_scenario("what-if-major-concession", {**base, **changes})
        pr = project(sc, years=years, draws=1500, solution="qre")
        return pr.tallies, pr.deal, pr.sever_year.tolist()

    scripted = run({"timeline.events": [{"year": 2018, name: True}]})
    assert scripted == run({f"timeline.hazards.{hazard}": 1.0})
    later = run({"timeline.events": [{"year": 2019, name: True}]}, years=3)
    assert later == run({"timeline.events": [{"year": 2019, "hazards": {hazard: 1.0}}]}, years=3)
    if name not in ("detection", "attack"):   # these act on a deal or on the next years, not on the play
        assert scripted != run({})


def test_a_succession_resets_what_belongs_to_the_person():
    """A leader's death scripted in 2020 plays exactly like setting by hand what a succession does:
    legitimacy times legitimacy_kept (0.5 -> 0.35), al-Qaeda's pledge no longer publicly accepted, the
    personal ties ended. The companion: a succession that restored full legitimacy would not."""
    def plays(events: list[dict]) -> list[tuple[int, int, int]]:
        sc = sim.load_scenario(OFFER_PRESET, {"timeline.events": events, "timeline.start": 2019,
                                              "parameters.leader_legitimacy": 0.5, **NO_HAZARDS})
        return [(t.alive, t.keep, t.distance) for t in project(sc, years=4, draws=3000).tallies]
    reset = {"bayat_public": 0.0, "personal_ties": 0.0}
    died = plays([{"year": 2020, "leader_death": True}])
    assert died == plays([{"year": 2020, "set": {"leader_legitimacy": 0.35, **reset}}])
    assert died != plays([{"year": 2020, "set": {"leader_legitimacy": 1.0, **reset}}])


def test_levers_scripted_for_a_year_hold_from_that_year_on():
    events = [{"year": 2020, "levers": {"pressure": 1.0, "verification": 0.8}}]
    pr = project(central("baseline-2018", {**NO_HAZARDS, "timeline.events": events}), years=4, draws=1)
    levers = {s["year"]: s["levers"] for s in summary(pr)["shares"]}
    assert (levers[2019]["pressure"], levers[2019]["verification"]) == pytest.approx((0.5, 0.3))
    for year in (2020, 2021):
        assert (levers[year]["pressure"], levers[year]["verification"]) == pytest.approx((1.0, 0.8))


# -- the state feeds back -----------------------------------------------------------------------------------


def projected(name: str, changes: dict, years: int = 6) -> tuple:
    pr = project(sim.load_scenario(name, changes), years=years, draws=3000, solution="qre")
    return pr.tallies, pr.sever_year.tolist()


def test_a_split_off_faction_changes_the_later_years():
    """It weakens the leadership and shelters al-Qaeda after a Sever; the companion: in the year of
    the split itself nothing differs, so the change is the state carried forward."""
    off = {"timeline.split": {"legitimacy_kept": 1.0, "hosts_al_qaeda": False}}
    assert projected(OFFER_PRESET, {}) != projected(OFFER_PRESET, off)
    assert projected(OFFER_PRESET, {}, years=1) == projected(OFFER_PRESET, off, years=1)


def test_with_the_sever_switch_off_severed_trajectories_may_ally_again():
    reversible = {"timeline.sever_absorbing": False}
    absorbing, not_absorbing = projected(OFFER_PRESET, {}), projected(OFFER_PRESET, reversible)
    assert not_absorbing[0][-1].alive - absorbing[0][-1].alive > 100
    assert projected(OFFER_PRESET, {}, years=1) == projected(OFFER_PRESET, reversible, years=1)


def test_who_governs_moves_a_projection_through_a_governments_costs_and_al_qaedas_haven():
    in_power = {"timeline.state": {"governs": "in_power"}}
    assert projected("baseline-2018", {}) != projected("baseline-2018", in_power)
    neutral = {"timeline.in_power_isolation": 0.0, "timeline.in_power_haven": 0.0}
    assert projected("baseline-2018", neutral) == projected("baseline-2018", {**in_power, **neutral})


def test_after_a_withdrawal_attacks_abroad_are_traced_only_sometimes():
    def retaliations(posture: str, trace: float) -> int:
        tallies, _ = projected("baseline-2018", {"timeline.state": {"us_posture": posture},
                                                 "timeline.after_delivery.trace": trace, **NO_HAZARDS})
        return sum(t.retaliation for t in tallies)
    assert retaliations("withdrawn", 1.0) - retaliations("withdrawn", 0.3) > 300
    assert retaliations("present", 1.0) == retaliations("present", 0.3)


# -- validation and the command line ----------------------------------------------------------------------


@pytest.mark.parametrize(("events", "path", "words"), [
    ([{"year": 2020}, {"year": 2019}], "events[1].year", "year order"),
    ([{"year": 2020, "set": {"morale": 0.5}}], "set.morale", "unknown state variable"),
    ([{"year": 2020, "set": {"is_threat": 1.5}}], "set.is_threat", "outside the allowed range"),
    ([{"year": 2020, "set": {"governs": "exile"}}], "set.governs", "not one of"),
    ([{"year": 2010}], "events[0].year", "before the timeline's start"),
    ([{"year": 2020, "hazards": {"plague": 0.5}}], "hazards.plague", "unknown hazard"),
    ([{"year": 2020, "hazards": {"is_surge": 1.5}}], "hazards.is_surge", "not a probability"),
    ([{"year": 2020, "levers": {"concession": 0.5}}], "levers.concession", "a concession is an offer"),
    ([{"year": 2020, "offer": {"concession": 0.5, "terms": "treaty"}}], "offer.terms", "sever"),
])
def test_a_bad_timeline_is_refused_naming_where(events, path, words):
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario("baseline-2018", {"timeline.events": events})
    text = str(err.value)
    assert "timeline" in text and path in text and words in text


@pytest.mark.subprocess
def test_the_timeline_command_prints_the_survival_curve_as_json():
    out = subprocess.run([sys.executable, "-m", "sim", "timeline", "what-if-major-concession", "--years", "3",
                          "--draws", "200", "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    data = json.loads(out)
    assert [s["year"] for s in data["survival"]] == [2018, 2019, 2020]
    first = data["survival"][0]
    assert first["lo"] <= first["p_alliance"] <= first["hi"]
    assert set(data["deal"]) == set(sim.timeline.engine.DEAL_FATES)


@pytest.mark.subprocess
def test_the_timeline_command_refuses_more_than_60_years():
    done = subprocess.run([sys.executable, "-m", "sim", "timeline", "baseline-2018", "--years", "61"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "61" in done.stderr


# -- the app page ----------------------------------------------------------------------------------------


def test_the_over_time_page_replays_the_record_with_its_events_on_the_axis(app):
    app.switch_page("app_pages/over_time.py").run()
    assert not app.exception
    assert app.selectbox(key="ot_scenario").value == REPLAY
    assert app.metric[0].label == "P(alliance not severed) by 2018"
    assert len(app.get("vega_lite_chart")) == 2
    app.selectbox(key="ot_scenario").set_value("what-if-major-concession").run()
    assert not app.exception and app.metric[0].label == "P(alliance not severed) by 2032"


def test_the_survival_chart_marks_each_scripted_event_within_the_span():
    sc = sim.load_scenario(REPLAY)
    pr = project(sc, draws=20)
    spec = survival_chart(summary(pr), pr.spec.events)
    marked = [m["year"] for m in spec["layer"][2]["data"]["values"]]
    assert marked == [e.year for e in pr.spec.events]
    assert len(spec["layer"][0]["data"]["values"]) == 23


def test_a_downloaded_timeline_scenario_reproduces_the_same_projection():
    sc = sim.load_scenario("baseline-2018", {"timeline.events": DEAL})
    again = sim.load_scenario(parse_yaml(sc.to_yaml(), "download.yaml"))
    assert again.timeline == sc.timeline
    assert project(again, years=4, draws=300).tallies == project(sc, years=4, draws=300).tallies
