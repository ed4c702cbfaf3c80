"""Results depend only on (scenario, seed, draws, sampler): never on chunking or on the route taken.

70,000 draws cross the boundary of the 65,536-row blocks in which plain Monte Carlo numbers are
generated, so a chunk of 1,000 or 7,777 rows straddles it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.driver import Result, run, run_sample, sample, sample_prices
from sim.engine.results import FIXED_POINT
from sim.model.game import MOVES, build_game
from sim.model.solve import solve
from sim.spec.scenario import load_scenario

DRAWS = 70_000
CHUNK_SIZES = (1000, 7777, 65536, 200000)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline-2018")


def assert_same_numbers(a: Result, b: Result) -> None:
    assert a.per_draw.keys() == b.per_draw.keys()
    for name, values in a.per_draw.items():
        np.testing.assert_array_equal(values, b.per_draw[name], err_msg=name)


@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_same_seed_gives_the_same_numbers_whatever_the_chunk_size(baseline, sampler):
    first, *others = (run(baseline, draws=DRAWS, seed=7, sampler=sampler, chunk_size=size)
                      for size in CHUNK_SIZES)
    for other in others:
        assert_same_numbers(first, other)


def test_qre_runs_do_not_depend_on_the_chunk_size_either(baseline):
    a, b = (run(baseline, draws=5000, seed=7, solution="qre", lam=3.0, chunk_size=size)
            for size in (777, 5000))
    assert_same_numbers(a, b)


@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_solving_a_kept_sample_gives_the_numbers_of_a_full_run(baseline, sampler):
    drawn = sample(baseline, draws=DRAWS, seed=11, sampler=sampler)
    assert_same_numbers(run_sample(drawn), run(baseline, draws=DRAWS, seed=11, sampler=sampler))


def test_a_kept_sample_solved_under_new_levers_matches_a_run_of_the_changed_scenario(baseline):
    levers = {"concession": 0.6, "verification": 0.8, "pressure": 0.1}
    changed = baseline.updated({f"levers.{k}": v for k, v in levers.items()})
    drawn = sample(baseline, draws=20_000, seed=3)
    assert_same_numbers(run_sample(drawn, levers=levers), run(changed, draws=20_000, seed=3))


def test_the_parameters_a_result_reports_are_the_ones_it_was_solved_with(baseline):
    drawn = sample(baseline, draws=DRAWS, seed=5)
    reported = run(baseline, draws=DRAWS, seed=5, chunk_size=7777).parameters
    assert reported.keys() and all(np.array_equal(v, drawn.params[k]) for k, v in reported.items())


@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_different_seeds_give_different_numbers(baseline, sampler):
    a, b = (sample(baseline, draws=1000, seed=seed, sampler=sampler) for seed in (1, 2))
    uncertain = [k for k, v in a.params.items() if isinstance(v, np.ndarray)]
    assert uncertain and all(not np.array_equal(a.params[k], b.params[k]) for k in uncertain)
    assert not np.array_equal(run_sample(a).per_draw["eu_taliban"], run_sample(b).per_draw["eu_taliban"])


def test_the_behaviour_summary_is_the_mean_of_the_solver_over_draws_whatever_the_chunking():
    scenario = load_scenario("what-if-major-concession")
    drawn = sample(scenario, draws=3000)
    sol = solve(build_game(drawn.params, scenario.levers), "qre", 5.0)
    result = run(scenario, draws=3000, solution="qre", lam=5.0, chunk_size=700)
    resolution = 1.0 / FIXED_POINT  # the summary's fixed-point unit
    for path, probs in sol.probs.items():
        np.testing.assert_allclose(result.behaviour[path], probs.mean(axis=1), rtol=0, atol=resolution)
    for path, q in sol.chance.items():
        np.testing.assert_allclose(result.behaviour[path], [q.mean(), 1 - q.mean()], rtol=0, atol=resolution)
    for key, mass in sol.reach.items():
        assert abs(result.reach[key] - mass.mean()) < resolution
    other = run(scenario, draws=3000, solution="qre", lam=5.0, chunk_size=1024)
    assert other.behaviour == result.behaviour and other.reach == result.reach


def test_prices_found_once_are_reused_when_only_the_concession_moves():
    scenario = load_scenario("baseline-2018")
    drawn = sample(scenario, draws=4000)
    prices = sample_prices(drawn, scenario.levers, "qre", 10.0)
    for c in (0.2, 0.9):
        levers = {**scenario.levers, "concession": c}
        fresh = run_sample(drawn, levers, "qre", 10.0)
        reused = run_sample(drawn, levers, "qre", 10.0, prices=prices)
        for name, values in fresh.per_draw.items():
            np.testing.assert_array_equal(reused.per_draw[name], values, err_msg=name)


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_the_number_of_threads_changes_no_number(sampler):
    scenario = load_scenario("baseline-2018")
    one = run(scenario, draws=40_000, sampler=sampler, chunk_size=5000, threads=1)
    three = run(scenario, draws=40_000, sampler=sampler, chunk_size=5000, threads=3)
    for name, values in one.per_draw.items():
        np.testing.assert_array_equal(three.per_draw[name], values, err_msg=name)
    assert one.behaviour == three.behaviour


def test_a_scenario_with_every_parameter_fixed_is_one_game_repeated(tmp_path):
    raw = load_scenario("baseline-2018").to_dict()
    for entry in raw["parameters"].values():
        entry.pop("dist", None)
    raw["levers"]["concession"] = 0.9
    fixed = load_scenario(raw)
    for concept in ("spe", "qre"):
        result = run(fixed, draws=500, solution=concept, chunk_size=200)
        for name, values in result.per_draw.items():
            assert np.all(values == values[0]), name
        assert sum(result.behaviour[""]) == pytest.approx(1.0)
        assert result.behaviour[""] == pytest.approx(tuple(result.per_draw[m][0] for m in MOVES), abs=1e-9)
