"""The ten facts of the model brief, checked on the shipped presets.

Each fact is an assumption of one analyst (Bacon 2018); where the model lets a student switch it off
or reverse it, a second test shows that the parameter that encodes it really does so. Comparisons
use the same seed on both sides (common random numbers) and demand a gap of several paired Monte
Carlo standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model import break_cost, taliban_terms
from sim.run import run_sample, sample

DRAWS = 20_000
OFFER = "what-if-major-concession"  # the 2018 baseline with a concession of 0.7 on the table


def run(name: str, **changes: float) -> sim.Result:
    return sim.run(sim.load_scenario(name, changes), draws=DRAWS)


def breaks(result: sim.Result) -> np.ndarray:
    return 1.0 - result.per_draw["keep"]


def assert_more_breaks(fewer: sim.Result, more: sim.Result, sigmas: float = 5, at_least: float = 0.05):
    """``more`` breaks more often than ``fewer`` over the same draws: by ``at_least`` and by more
    than ``sigmas`` paired Monte Carlo standard errors."""
    d = breaks(more) - breaks(fewer)
    gap, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
    assert gap > sigmas * se and gap > at_least


def test_fact1_without_a_concession_the_2018_taliban_keeps_the_alliance():
    assert run("baseline-2018").estimate("keep").mean >= 0.9


def test_fact2_material_gain_is_small_and_persistence_rests_on_bonds_factions_and_the_chip():
    baseline = run("baseline-2018", **{"levers.concession": 0.3})
    assert baseline.estimate("material_net").mean <= 0.05
    assert np.mean(baseline.per_draw["material_net"] <= 0.1) >= 0.9
    no_persistence = run(
        "baseline-2018",
        **{"levers.concession": 0.3},
        **{f"parameters.{name}": 0.0 for name in (
            "shared_history_bond", "personal_ties", "haqqani_cost", "split_cost", "reversal_cost",
            "bayat_cost", "chip_value", "endorsement_value")},
    )
    assert breaks(baseline).mean() < 0.1
    assert breaks(no_persistence).mean() > 0.5


def test_fact3_al_qaedas_net_gain_from_the_alliance_is_clearly_positive():
    result = run("baseline-2018")
    assert result.estimate("aq_net_gain").mean > 0.2
    assert np.mean(result.per_draw["aq_net_gain"] > 0) >= 0.95


@pytest.mark.parametrize("preset", ["2011", "2015"])
def test_fact4_the_deaths_of_bin_laden_and_omar_do_not_break_the_alliance(preset):
    assert run(preset).estimate("keep").mean >= 0.9


def test_fact5_weaker_leader_legitimacy_makes_a_break_less_likely():
    weak = run(OFFER, **{"parameters.leader_legitimacy": 0.2})
    strong = run(OFFER, **{"parameters.leader_legitimacy": 0.8})
    assert_more_breaks(weak, strong)
    assert breaks(run("what-if-legitimacy-crisis")).mean() < breaks(run(OFFER)).mean()


def test_fact5_can_be_switched_off_legitimacy_then_changes_nothing():
    off = {"parameters.legitimacy_shield": 0.0, "parameters.faction_loyalty": 0.0}
    weak = run(OFFER, **off, **{"parameters.leader_legitimacy": 0.2})
    strong = run(OFFER, **off, **{"parameters.leader_legitimacy": 0.8})
    np.testing.assert_array_equal(weak.per_draw["keep"], strong.per_draw["keep"])


def test_fact6_more_haqqani_influence_makes_a_break_less_likely():
    low = run(OFFER, **{"parameters.haqqani_rank": 0.1})
    high = run(OFFER, **{"parameters.haqqani_rank": 1.0})
    assert_more_breaks(high, low)
    assert breaks(run("what-if-haqqani-ascendant")).mean() < breaks(run(OFFER)).mean()


def test_fact7_a_larger_concession_never_makes_a_break_less_likely_draw_by_draw():
    drawn = sample(sim.load_scenario("baseline-2018"), draws=DRAWS)
    keep = [run_sample(drawn, {**drawn.scenario.levers, "concession": c}).per_draw["keep"]
            for c in np.linspace(0, 1, 11)]
    assert np.all(np.diff(np.stack(keep), axis=0) <= 0)


def test_fact7_some_price_exists_in_part_of_the_space_but_not_everywhere():
    share = run("baseline-2018").price_exists().mean
    assert 0.2 < share < 0.95


def test_fact8_public_distancing_costs_the_leader_less_than_severing():
    scenario = sim.load_scenario("baseline-2018")
    drawn = sample(scenario, draws=DRAWS)
    terms = taliban_terms(drawn.params, scenario.levers)
    severing = break_cost(terms)
    distancing = drawn.params["distance_cost_share"] * severing
    assert np.all(distancing < severing)
    result = run(OFFER)
    assert result.estimate("distance").mean > result.estimate("sever").mean


def test_fact8_reversed_when_distancing_costs_as_much_as_severing_and_buys_less():
    result = run(OFFER, **{"parameters.distance_cost_share": 1.0, "parameters.covert_retention": 0.0})
    assert result.estimate("distance").mean < result.estimate("sever").mean


def test_fact9_al_qaeda_money_mattered_in_the_1990s_and_no_longer_does():
    then = run("1990s").estimate("funding_dependence").mean
    now = run("baseline-2018").estimate("funding_dependence").mean
    assert then > 0.3
    assert now < 0.1
    assert then > 10 * now


def test_fact10_us_coercion_hardens_taliban_support_rather_than_breaking_it():
    light = run(OFFER, **{"levers.pressure": 0.1})
    heavy = run(OFFER, **{"levers.pressure": 0.9})
    assert_more_breaks(heavy, light, sigmas=3, at_least=0.0)


def test_fact10_reversed_without_backlash_pressure_then_pushes_toward_a_break():
    off = {"parameters.coercion_backlash": 0.0}
    light = run(OFFER, **off, **{"levers.pressure": 0.1})
    heavy = run(OFFER, **off, **{"levers.pressure": 0.9})
    assert_more_breaks(light, heavy)
