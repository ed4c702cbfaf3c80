"""Tests of the 95% intervals: they cover the truth, never have zero width, and say how they were made."""

import numpy as np
import pytest

from sim.engine.driver import run
from sim.engine.intervals import POOLED, WILSON, format_probability, probability_interval, wilson
from sim.engine.results import INTERVAL_OUTCOMES
from sim.spec.scenario import load_scenario

#: At this concession a Sever is rare in the baseline (under 2% of draws) and a Distance is common.
CONCESSION = 0.4
SEEDS = 200
DRAWS = 1000


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("baseline-2018").updated({"levers.concession": CONCESSION})


@pytest.fixture(scope="module")
def truth(scenario):
    """P(Sever) and P(Distance) from 10^6 plain Monte Carlo draws (ten runs of 10^5)."""
    runs = [run(scenario, 100_000, seed=10_000 + i) for i in range(10)]
    return {k: float(np.mean([r.estimate(k).mean for r in runs])) for k in ("sever", "distance")}


def test_the_truth_has_a_rare_sever_and_a_common_distance(truth):
    assert 0.001 < truth["sever"] < 0.02 and truth["distance"] > 0.1


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_95_percent_intervals_cover_the_truth_in_at_least_90_percent_of_200_seeds(scenario, truth, sampler):
    covered = {k: 0 for k in truth}
    methods = {k: set() for k in truth}
    for seed in range(SEEDS):
        result = run(scenario, DRAWS, seed=seed, sampler=sampler)
        for k in truth:
            iv = result.interval(k)
            covered[k] += iv.low <= truth[k] <= iv.high
            methods[k].add(iv.method)
    assert covered["sever"] >= 0.9 * SEEDS, (covered, methods)
    assert covered["distance"] >= 0.9 * SEEDS, (covered, methods)
    if sampler != "random":  # a rare Sever falls back on the pooled count; a common Distance uses replicates
        assert methods["sever"] == {POOLED} and methods["distance"] == {"t interval over 16 randomised "
                                                                          "replicates (95%)"}


def test_with_no_events_the_interval_is_an_upper_bound_and_never_zero_width():
    iv = probability_interval(np.zeros(10_000))
    assert iv.low == 0 and iv.high == pytest.approx(3.84 / 10_004, rel=0.01) and iv.method == WILSON
    assert format_probability(iv) == "< 0.04%"


def test_wilson_matches_the_textbook_value_and_stays_inside_zero_one():
    low, high = wilson(10, 100)  # Newcombe (1998), table I: 0.0552 to 0.1744
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
    assert wilson(100, 100)[1] == 1.0 and wilson(100, 100)[0] < 1.0


def test_the_formatter_shows_the_interval_at_a_precision_its_width_needs():
    assert format_probability(probability_interval(np.r_[np.ones(120), np.zeros(880)])) == "12% (10-14%)"
    assert format_probability(probability_interval(np.r_[np.ones(5), np.zeros(995)])) == "0.5% (0.2-1.2%)"


def test_a_runs_summary_gives_two_numbers_and_a_method_for_each_probability(scenario):
    summary = run(scenario, 2000, seed=1, sampler="lhs").summary()
    assert set(summary["intervals"]) == set(INTERVAL_OUTCOMES) == set(summary["interval_method"])
    for k, (low, high) in summary["intervals"].items():
        assert 0 <= low <= summary["outcomes"].get(k, summary.get(k)) <= high <= 1 and low < high
