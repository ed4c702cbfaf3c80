"""The facts of the model brief (v2), checked on the shipped presets.

Each fact is an assumption of one analyst (Bacon 2018). Every test asserts a decision or a
probability of the solved game, never an inequality between parameters, and each fact has a
companion that switches off or reverses the mechanism behind it (a scenario setting, never a change
to the test's own numbers) and shows that the fact then fails. Comparisons use common random numbers
(every parameter owns its own column of random numbers) and demand a gap of several paired Monte
Carlo standard errors. Fact 10 (backlash after retaliation) is dynamic and lives with the timeline.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.driver import run_sample, sample
from sim.spec.lenses import through_lens
from sim.timeline import project

DRAWS = 20_000
OFFER = "what-if-major-concession"  # the 2018 baseline with a concession of 0.7 on the table
MODERATE = 0.5                      # a moderate offer (talks and more, short of a phased withdrawal)


def run(name: str, lens: str = "full", **changes: float) -> sim.Result:
    return sim.run(through_lens(sim.load_scenario(name, changes), lens), draws=DRAWS)


def p(result: sim.Result, outcome: str) -> float:
    return result.estimate(outcome).mean


def modal(result: sim.Result) -> str:
    shares = {m: p(result, m) for m in ("keep", "distance", "sever")}
    return max(shares, key=shares.get)


def clearly_more(more: sim.Result, fewer: sim.Result, outcome: str = "sever",
                 sigmas: float = 5, at_least: float = 0.02) -> bool:
    """``more`` has ``outcome`` more often than ``fewer`` over the same draws, by ``at_least`` and by
    more than ``sigmas`` paired Monte Carlo standard errors."""
    d = more.per_draw[outcome] - fewer.per_draw[outcome]
    gap, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
    return gap > sigmas * se and gap > at_least


# -- fact 1: the 2018 posture is a pledge, not a break -------------------------------------------


def test_fact1_in_2018_with_nothing_offered_the_taliban_pledges_and_does_not_sever():
    result = run("baseline-2018")
    assert modal(result) == "distance"
    assert p(result, "sever") < 0.01
    # Al-Qaeda keeps most of what the alliance gives it under the pledge (Prospects ¶4).
    kept = result.per_draw["aq_value_distance"].mean() / result.per_draw["aq_value_keep"].mean()
    assert kept > 0.75


def test_fact1_fails_without_the_pledges_relief_from_isolation():
    result = run("baseline-2018", **{"parameters.pledge_relief": 0.0})
    assert modal(result) == "keep"


# -- fact 2: the material reading favours a break, the full model persists -----------------------


def test_fact2_the_material_reading_severs_at_a_moderate_offer_and_the_full_model_does_not():
    material = run("baseline-2018", "material", **{"levers.concession": MODERATE})
    full = run("baseline-2018", **{"levers.concession": MODERATE})
    assert p(material, "sever") > 0.5
    assert p(full, "sever") < 0.1


def test_fact2_fails_when_al_qaeda_money_is_pivotal_as_in_the_1990s():
    money = {"parameters.aq_money": 0.5, "parameters.own_revenue": 0.6, "parameters.funding_weight": 2.0}
    material = run("baseline-2018", "material", **{"levers.concession": MODERATE}, **money)
    assert p(material, "sever") < 0.5


# -- fact 3: al-Qaeda gains more from the alliance -----------------------------------------------


def al_qaeda_loses_more(result: sim.Result) -> float:
    return float(np.mean(result.per_draw["aq_net_gain"] > result.per_draw["taliban_sever_loss"]))


def test_fact3_al_qaeda_loses_more_than_the_taliban_from_a_sever_in_nine_draws_in_ten():
    assert al_qaeda_loses_more(run("baseline-2018")) >= 0.9


def test_fact3_fails_without_al_qaedas_foothold_legitimacy_and_haven():
    off = {f"parameters.{n}": 0.0 for n in ("aq_foothold", "aq_legitimacy_vs_is", "haven_prospect")}
    assert al_qaeda_loses_more(run("baseline-2018", **off)) < 0.5


# -- fact 4: the deaths of the founders do not end the alliance ----------------------------------


@pytest.mark.parametrize("preset", ["2011", "2015"])
def test_fact4_after_bin_ladens_death_and_omars_revelation_the_alliance_is_kept(preset):
    result = run(preset)
    assert modal(result) == "keep"
    assert p(result, "sever") < 0.02


def test_fact4_fails_in_2011_if_the_bond_was_only_the_founders_personal_one():
    assert modal(run("2011", **{"parameters.shared_history_bond": 0.0})) != "keep"


def test_fact4_fails_in_2011_under_the_material_reading():
    assert p(run("2011", "material"), "sever") > 0.5


# -- fact 5: a weaker leader severs less -----------------------------------------------------------


def test_fact5_weaker_leader_legitimacy_makes_a_sever_less_likely():
    weak = run(OFFER, **{"parameters.leader_legitimacy": 0.2})
    strong = run(OFFER, **{"parameters.leader_legitimacy": 0.8})
    assert clearly_more(strong, weak)
    assert p(run("what-if-legitimacy-crisis"), "sever") < p(run(OFFER), "sever")


def test_fact5_fails_when_legitimacy_neither_shields_the_reversal_nor_holds_the_faction():
    off = {"parameters.legitimacy_shield": 0.0, "parameters.faction_loyalty": 0.0,
           "parameters.endorsement_value": 0.0}
    weak = run(OFFER, **off, **{"parameters.leader_legitimacy": 0.2})
    strong = run(OFFER, **off, **{"parameters.leader_legitimacy": 0.8})
    assert not clearly_more(strong, weak, sigmas=2, at_least=0.0)


FACT5_CHANNELS = ("legitimacy_shield", "faction_loyalty", "endorsement_value")


@pytest.mark.parametrize(("channel", "at_least"), [("legitimacy_shield", 0.05), ("faction_loyalty", 0.05),
                                                   ("endorsement_value", 0.005)])
def test_fact5_holds_through_each_channel_alone(channel, at_least):
    """Separate companions: with the other two channels off, each one alone still makes a weaker
    leader sever less (the shield of the reversal cost, the faction's loyalty, the endorsement's worth
    to a leader short of legitimacy), so a fault in any one channel shows."""
    off = {f"parameters.{c}": 0.0 for c in FACT5_CHANNELS if c != channel}
    weak = run(OFFER, **off, **{"parameters.leader_legitimacy": 0.2})
    strong = run(OFFER, **off, **{"parameters.leader_legitimacy": 0.8})
    assert clearly_more(strong, weak, at_least=at_least)


# -- fact 6: the Haqqanis' rise makes a sever less likely ---------------------------------------------


def test_fact6_more_haqqani_influence_makes_a_sever_less_likely():
    low = run(OFFER, **{"parameters.haqqani_rank": 0.1})
    high = run(OFFER, **{"parameters.haqqani_rank": 1.0})
    assert clearly_more(low, high)
    assert p(run("what-if-haqqani-ascendant"), "sever") < p(run(OFFER), "sever")


def test_fact6_fails_when_the_haqqanis_are_not_close_to_al_qaeda():
    off = {"parameters.haqqani_closeness": 0.0}
    low = run(OFFER, **off, **{"parameters.haqqani_rank": 0.1})
    high = run(OFFER, **off, **{"parameters.haqqani_rank": 1.0})
    np.testing.assert_array_equal(low.per_draw["sever"], high.per_draw["sever"])


@pytest.mark.parametrize(("channel_off", "through"), [("haqqani_cost", "the hardline faction"),
                                                    ("split_cost", "the leadership's cost of breaking")])
def test_fact6_holds_through_each_channel_alone(channel_off, through):
    """Separate companions: the Haqqanis weigh on a Sever through the leadership's own cost of breaking
    (`haqqani_cost`) and through the hardline faction's offence, which costs the leadership a split
    (`split_cost`); with either off, the other alone still makes the rank matter."""
    off = {f"parameters.{channel_off}": 0.0}
    low = run(OFFER, **off, **{"parameters.haqqani_rank": 0.1})
    high = run(OFFER, **off, **{"parameters.haqqani_rank": 1.0})
    assert clearly_more(low, high, at_least=0.2), through


# -- fact 7: larger offers never deter; a Sever price exists in part of the space ------------------


def distance_or_sever_by_offer(name: str, **changes: float) -> np.ndarray:
    drawn = sample(sim.load_scenario(name, changes), draws=DRAWS)
    levers = drawn.scenario.levers
    return np.stack([run_sample(drawn, {**levers, "concession": c}).per_draw["distance_or_sever"]
                     for c in np.linspace(0, 1, 11)])


def test_fact7_a_larger_concession_never_makes_distance_or_sever_less_likely_draw_by_draw():
    assert np.all(np.diff(distance_or_sever_by_offer("baseline-2018"), axis=0) >= 0)


def test_fact7_some_sever_price_exists_in_part_of_the_space_but_not_everywhere():
    share = run("baseline-2018").price_exists("sever").mean
    assert 0.2 < share < 0.95


def test_fact7_fails_when_the_deal_is_worth_nothing_to_the_taliban():
    worthless = {"parameters.concession_value": 0.0, "parameters.moderate_discontent": 0.0}
    assert run("baseline-2018", **worthless).price_exists("sever").mean < 0.2


# -- fact 8: a pledge where a sever is not ----------------------------------------------------------


def test_fact8_for_a_range_of_offers_the_taliban_pledges_rather_than_severs():
    for offer in (0.3, 0.5, 0.7):
        result = run("baseline-2018", **{"levers.concession": offer})
        assert p(result, "distance") > p(result, "sever") + 0.3


def test_fact8_reversed_when_a_pledge_costs_as_much_as_a_sever_and_keeps_nothing():
    result = run(OFFER, **{"parameters.distance_cost_share": 1.0, "parameters.covert_retention": 0.0})
    assert p(result, "distance") < p(result, "sever")


# -- fact 9: 1990s money raises the Sever price -------------------------------------------------------


NINETIES_MONEY = {"parameters.aq_money": 0.5, "parameters.own_revenue": 0.6}


def test_fact9_with_1990s_funding_the_sever_price_is_higher_than_with_2018_funding():
    now = run(OFFER)
    then = run(OFFER, **NINETIES_MONEY)
    assert clearly_more(now, then)
    assert then.price_exists("sever").mean < now.price_exists("sever").mean - 0.02


def test_fact9_fails_when_money_counts_for_nothing():
    off = {"parameters.funding_weight": 0.0}
    now, then = run(OFFER, **off), run(OFFER, **off, **NINETIES_MONEY)
    np.testing.assert_array_equal(now.per_draw["sever"], then.per_draw["sever"])


# -- fact 11: a pledge does not stop al-Qaeda's operations abroad --------------------------------------


def test_fact11_after_a_pledge_al_qaeda_still_attacks_abroad_where_it_values_it():
    result = run("baseline-2018")
    assert p(result, "external_op_if_distance") > 0.05
    assert result.summary()["external_op"]["after_distance"] > 0.05


def test_fact11_a_pledge_buys_the_taliban_no_immunity_from_us_retaliation():
    # In the 1990s al-Qaeda often attacks abroad; dearer retaliation does not make a pledge pay more.
    cheap, dear = (run("1990s", **{"parameters.retaliation_cost": r}) for r in (0.25, 1.5))
    assert abs(p(dear, "distance") - p(cheap, "distance")) < 0.01
    assert p(dear, "keep") < p(cheap, "keep") - 0.1


def test_fact11_fails_if_al_qaeda_heeded_the_pledge():
    assert p(run("baseline-2018", **{"parameters.pledge_restraint": 1.0}), "external_op_if_distance") < 0.005


# -- fact 12: the bargaining chip makes the acceptance curve jump -------------------------------------


def sever_jump_at_threshold(**changes: float) -> tuple[float, float]:
    """P(Sever) just above the chip threshold less just below it, over the same draws, and its s.e."""
    drawn = sample(sim.load_scenario("baseline-2018", changes), draws=DRAWS)
    threshold = drawn.scenario.params["chip_threshold"].value
    below, above = (run_sample(drawn, {**drawn.scenario.levers, "concession": c}).per_draw["sever"]
                    for c in (threshold - 0.001, threshold))
    d = above - below
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


def test_fact12_with_the_chip_hypothesis_on_the_sever_curve_jumps_at_the_threshold():
    jump, se = sever_jump_at_threshold()
    assert jump > 0.02 and jump > 10 * se


def test_fact12_with_the_chip_hypothesis_off_the_curve_does_not_jump():
    jump, se = sever_jump_at_threshold(**{"parameters.chip_switch": 0.0})
    assert jump < 0.002


# -- mechanisms the facts rest on -------------------------------------------------------------------


def test_refusing_an_offer_costs_the_leadership_with_the_pro_negotiation_side():
    """Negotiations ¶3: the leadership answers to the side that wants talks, so refusing a substantial
    offer costs it; with the concession of 0.7 on the table, Keep is clearly rarer than if a refusal
    cost nothing (the same draws)."""
    free = run(OFFER, **{"parameters.moderate_discontent": 0.0})
    assert clearly_more(free, run(OFFER), outcome="keep")


def test_monitoring_makes_a_pledge_with_covert_ties_worth_less():
    """Monitoring detects covert ties with a chance that rises with verification (Prospects ¶3-4):
    on the baseline, strong monitoring leaves a pledge clearly rarer than weak monitoring."""
    weak, strong = (run("baseline-2018", **{"levers.verification": v}) for v in (0.1, 0.9))
    assert clearly_more(weak, strong, outcome="distance", at_least=0.3)


def test_monitoring_changes_nothing_when_it_cannot_detect():
    """The companion: with no chance of detecting covert ties, verification changes no draw's move."""
    blind = {"parameters.detect_low": 0.0, "parameters.detect_active": 0.0}
    weak, strong = (run("baseline-2018", **blind, **{"levers.verification": v}) for v in (0.1, 0.9))
    np.testing.assert_array_equal(weak.per_draw["distance"], strong.per_draw["distance"])


# -- fact 13: 2001 was an ultimatum, and the leadership refused -------------------------------------------

#: The bonds of shared history and personal ties (Prospects ¶1) and the accepted pledge of allegiance
#: (Intro ¶5; Prospects ¶2).
BONDS_OFF = {"parameters.shared_history_bond": 0.0, "parameters.personal_ties": 0.0,
             "parameters.bayat_public": 0.0}


def ultimatum_2001(**changes: float) -> tuple[float, bool]:
    """P(Sever: al-Qaeda's leader handed over) in 2001 under the preset's ultimatum (the Taliban in
    power, an attack, the threat of invasion, nothing offered), and whether the central draw severs."""
    sc = sim.load_scenario("2001", changes)
    share = 1 - project(sc, years=1, draws=DRAWS // 4).tallies[0].alive / (DRAWS // 4)
    central = sc.updated({f"parameters.{n}": q.value for n, q in sc.params.items()})
    return share, project(central, years=1, draws=1).tallies[0].alive == 0


def test_fact13_under_the_2001_ultimatum_the_leadership_refuses_to_hand_over_al_qaedas_leader():
    share, central_severs = ultimatum_2001()
    assert not central_severs
    assert share < 0.3


def test_fact13_fails_without_the_bonds_the_personal_ties_and_the_accepted_pledge():
    share, central_severs = ultimatum_2001(**BONDS_OFF)
    assert central_severs
    assert share > 0.5
