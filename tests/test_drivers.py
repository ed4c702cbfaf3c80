"""Tests of the driver analyses: Sobol', Morris and scenario discovery wired to the model."""

import numpy as np
import pytest

from sim.analysis import drivers
from sim.parameters import PARAMETERS
from sim.run import run_sample, sample
from sim.sampling import ppf, uncertain_names
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def offered():
    """Baseline 2018 with a concession of 0.8 on the table, so that breaks happen."""
    return load_scenario("baseline-2018").updated({"levers.concession": 0.8})


@pytest.fixture(scope="module")
def found(offered):
    return drivers.discover(offered, 4000)


@pytest.fixture(scope="module")
def sobol(offered):
    return drivers.sobol(offered, "sever", n=256)


def test_problem_ranges_are_each_distributions_range_or_lognormal_percentiles():
    sc = load_scenario("baseline-2018").updated(
        {"parameters.own_revenue.dist": {"kind": "lognormal", "sigma": 0.3}})
    problem = drivers.problem(sc)
    ranges = dict(zip(problem.names, problem.bounds, strict=True))
    percentiles = ppf(sc.params["own_revenue"], np.array([0.01, 0.99]))
    assert ranges["own_revenue"] == pytest.approx(tuple(percentiles))
    assert ranges["aq_expertise"] == (sc.params["aq_expertise"].dist.low, sc.params["aq_expertise"].dist.high)
    assert problem.groups == tuple(PARAMETERS[n].factor for n in problem.names)
    assert list(problem.names) == uncertain_names(sc)


def test_model_output_gives_the_same_numbers_as_a_run_on_the_same_draws(offered):
    drawn = sample(offered, 2000, seed=3)
    x = np.column_stack([drawn.params[n] for n in uncertain_names(offered)])
    result = run_sample(drawn)
    np.testing.assert_array_equal(drivers.model_output(offered, "sever")(x), result.per_draw["sever"])
    np.testing.assert_array_equal(drivers.model_output(offered, "split")(x), result.per_draw["split"])
    np.testing.assert_array_equal(drivers.model_output(offered, "price")(x),
                                  np.minimum(result.per_draw["price_sever"], drivers.PRICE_CAP))


def test_sobol_covers_every_uncertain_parameter_and_every_factor(offered, sobol):
    assert sobol.names == tuple(uncertain_names(offered))
    assert set(sobol.grouped.names) == {PARAMETERS[n].factor for n in sobol.names}
    assert sobol.n_evaluations == 256 * (len(sobol.names) + 2)


def test_us_parameters_have_no_effect_on_whether_the_taliban_severs(sobol):
    # The US moves before play: its payoffs never enter the Taliban's, faction's or al-Qaeda's choices.
    us = [i for i, n in enumerate(sobol.names) if PARAMETERS[n].factor == "united_states"]
    assert us and np.all(sobol.ST[us] == 0)
    assert sobol.grouped.ST[sobol.grouped.names.index("united_states")] == 0


def test_a_factors_total_index_is_at_least_that_of_each_of_its_parameters(sobol):
    problem_groups = [PARAMETERS[n].factor for n in sobol.names]
    for g, factor in enumerate(sobol.grouped.names):
        members = [i for i, f in enumerate(problem_groups) if f == factor]
        slack = sobol.grouped.ST_conf[g] + sobol.ST_conf[members].max()
        assert sobol.grouped.ST[g] + slack >= sobol.ST[members].max()


def test_the_deal_and_the_factions_drive_a_sever_most(sobol):
    top_two = {name for name, _ in drivers.factor_ranking(sobol)[:2]}
    assert top_two == {"deal", "factions"}


def test_morris_ranks_the_concessions_worth_among_the_top_screened_parameters(offered):
    result = drivers.morris(offered, "distance_or_sever", trajectories=20)
    ranked = [result.names[i] for i in np.argsort(-result.mu_star)]
    assert "concession_value" in ranked[:5]


def test_prim_finds_that_a_break_needs_a_concession_the_taliban_values(found):
    box = found.prim.box
    j = found.prim.names.index("concession_value")
    assert "concession_value" in box.restricted and box.lows[j] > found.prim.data_lows[j]
    assert box.density > 1.5 * found.break_rate
    assert "concession_value >" in found.prim.describe()


def test_cart_rules_beat_always_guessing_the_commoner_outcome(found):
    assert found.cart_accuracy > max(found.break_rate, 1 - found.break_rate)
    assert "concession_value" in found.cart_rules and "class: sever" in found.cart_rules


def test_an_unknown_output_is_refused(offered):
    with pytest.raises(ValueError, match="unknown output"):
        drivers.model_output(offered, "happiness")
