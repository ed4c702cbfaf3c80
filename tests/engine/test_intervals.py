"""Tests of the 95% intervals: they cover the truth, never have zero width, and say how they were made."""

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from sim.engine.driver import run
from sim.engine.intervals import WILSON, format_probability, probability_interval, replicate_method, wilson
from sim.engine.results import INTERVAL_OUTCOMES
from sim.engine.sampling import REPLICATES
from sim.engine.summary_runs import largest_stderr, run_summary, run_to_precision
from sim.spec.scenario import load_scenario

#: At this concession a Sever is rare in the baseline (about 3.4% of draws: where the first pass's
#: Latin hypercube and Sobol' intervals switched method with the estimate, issue 29) and a Distance
#: is common.
CONCESSION = 0.595
SEEDS = 200
DRAWS = 1000
#: Seeds of 200 whose interval must hold the truth: a method covering exactly 95% falls short of it
#: with probability FALSE_ALARM (about 0.1%; each of the checks below).
FLOOR = 180
FALSE_ALARM = float(binom.cdf(FLOOR - 1, SEEDS, 0.95))


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("baseline-2018").updated({"levers.concession": CONCESSION})


@pytest.fixture(scope="module")
def truth(scenario):
    """P(Sever), P(Distance), P(deal) (a fraction per draw) and the p10 of the Sever price (the median
    pledge price here is 0, a point mass any interval holds) from 10^6 plain Monte Carlo draws (ten
    runs of 10^5)."""
    runs = [run(scenario, 100_000, seed=10_000 + i) for i in range(10)]
    out = {k: float(np.mean([r.estimate(k).mean for r in runs])) for k in ("sever", "distance", "deal")}
    prices = np.concatenate([r.per_draw["price_sever"] for r in runs])
    out["sever_price_p10"] = float(np.quantile(prices, 0.1, method="inverted_cdf"))
    return out


def test_the_stated_false_alarm_rate_is_small():
    assert FALSE_ALARM < 0.005


@pytest.mark.slow
def test_the_truth_has_a_rare_sever_a_common_distance_and_a_fractional_deal(scenario, truth):
    deal = run(scenario, 2000, seed=1).per_draw["deal"]
    assert 0.02 < truth["sever"] < 0.05 and truth["distance"] > 0.1
    assert np.mean((deal > 0) & (deal < 1)) > 0.5   # most draws hold a fraction, not a 0 or 1
    assert 0.3 < truth["sever_price_p10"] < 1


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_95_percent_intervals_cover_the_truth_for_each_kind_of_number(scenario, truth, sampler):
    """Each interval a run's JSON gives (a rare and a common probability, the fraction P(deal), a
    Sever price's p10) holds the truth in at least FLOOR of 200 seeds, with one method per sampler
    whatever the estimate (issue 29, defects 3, 4 and 7)."""
    covered = dict.fromkeys(truth, 0)
    methods = {k: set() for k in ("sever", "distance", "deal")}
    for seed in range(SEEDS):
        summary = run(scenario, DRAWS, seed=seed, sampler=sampler).summary()
        for k in methods:
            low, high = summary["intervals"][k]
            covered[k] += low <= truth[k] <= high
            methods[k].add(summary["interval_method"][k])
        pair = summary["intervals"]["sever_price"]["p10"]
        covered["sever_price_p10"] += pair is not None and pair[0] <= truth["sever_price_p10"] <= (
            np.inf if pair[1] is None else pair[1])
    assert min(covered.values()) >= FLOOR, (covered, methods)
    expected = WILSON if sampler == "random" else replicate_method(REPLICATES)
    assert all(m == {expected} for m in methods.values()), methods


def test_a_fraction_per_draw_gets_an_interval_from_its_spread_narrower_than_wilson():
    """Issue 29, defect 3: P(deal) is a fraction per draw; a Wilson interval on its sum is far too wide."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0.6, 0.9, 2000)          # every draw a fraction: spread far below p (1 - p)
    iv = probability_interval(x)
    low, high = wilson(x.sum(), x.size)
    assert iv.low < x.mean() < iv.high and (iv.high - iv.low) < 0.5 * (high - low)
    assert iv.stderr == pytest.approx(x.std(ddof=1) / np.sqrt(x.size))
    assert iv.high - iv.low == pytest.approx(2 * 1.96 * iv.stderr, rel=0.01)


def test_for_0_1_draws_the_spread_interval_is_the_wilson_interval():
    x = np.r_[np.ones(120), np.zeros(880)]
    iv = probability_interval(x)
    assert (iv.low, iv.high) == pytest.approx(wilson(120, 1000), abs=2e-4)


def test_a_runs_json_gives_the_deal_interval_from_the_spread_and_the_standard_errors_behind_it(scenario):
    summary = run_summary(scenario, 20_000, seed=3).summary()
    low, high = summary["intervals"]["deal"]
    wl, wh = wilson(summary["deal"] * 20_000, 20_000)
    assert low < summary["deal"] < high and high - low < 0.9 * (wh - wl)
    assert high - low == pytest.approx(2 * 1.96 * summary["stderr"]["deal"], rel=0.02)


def test_precision_stops_when_every_json_stderr_is_below_target_and_reports_one_of_them():
    """Issue 29, defect 3: at 65,536 draws every standard error of the what-if was at most 0.00161, yet a
    target of 0.00165 doubled the draws, and the reported largest matched none of them."""
    scenario = load_scenario("what-if-major-concession")
    tally, reached = run_to_precision(scenario, 0.00165, seed=3, max_draws=131_072)
    stderr = tally.summary()["stderr"]
    headline = [stderr[k] for k in INTERVAL_OUTCOMES]
    assert reached and tally.draws == 65_536 and max(headline) <= 0.00165
    assert largest_stderr(tally) in headline


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
    assert set(INTERVAL_OUTCOMES) == set(summary["interval_method"])
    assert set(summary["intervals"]) == {*INTERVAL_OUTCOMES, "sever_price", "pledge_price"}
    for k in INTERVAL_OUTCOMES:
        low, high = summary["intervals"][k]
        assert 0 <= low <= summary["outcomes"].get(k, summary.get(k)) <= high <= 1 and low < high


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_every_price_quantile_in_the_json_has_an_interval_or_none_where_it_does_not_exist(scenario, sampler):
    """Issue 29, defect 4: ``intervals.sever_price`` and ``intervals.pledge_price``, each with p10, median
    and p90, the same from per-draw arrays and from running tallies."""
    result = run(scenario, 3000, seed=2, sampler=sampler)
    exact, tallied = result.summary(), run_summary(scenario, 3000, seed=2, sampler=sampler).summary()
    for summary in (exact, tallied):
        for key in ("sever_price", "pledge_price"):
            intervals = summary["intervals"][key]
            assert set(intervals) == {"p10", "median", "p90"}
            for q, pair in intervals.items():
                point = summary[key][q]
                assert (pair is None) == (point is None)
                if pair is not None:
                    assert pair[0] <= point and (pair[1] is None or point <= pair[1])
    for key in ("sever_price", "pledge_price"):
        for q, pair in exact["intervals"][key].items():
            other = tallied["intervals"][key][q]
            assert (pair is None) == (other is None)
            if pair is not None:   # the tally reads prices to 1e-4
                assert pair[0] == pytest.approx(other[0], abs=1e-4)


def test_the_docs_state_the_coverage_tests_actual_settings():
    """Issue 29, defect 9: docs/analytics.md gave the test at concession 0.6 while it ran at 0.4."""
    import test_interval_coverage as synthetic

    docs = (Path(__file__).parents[2] / "docs" / "analytics.md").read_text()
    assert f"concession {CONCESSION}" in docs
    assert f"{SEEDS} seeds of {DRAWS:,} draws" in docs and f"at least {FLOOR} of {SEEDS}" in docs
    assert f"{synthetic.SEEDS} seeds of {synthetic.DRAWS:,} draws" in docs
    assert f"at least {synthetic.FLOOR} of {synthetic.SEEDS}" in docs
    assert f"at most {synthetic.CEILING}" in docs and f"probability {FALSE_ALARM:.1%}" in docs
    assert f"false alarm {synthetic.FALSE_ALARM_LOW:.1%}" in docs


def test_qre_probabilities_are_fractions_per_draw_and_get_their_spread_interval(scenario):
    """Issue 29, defect 3: under the logit QRE every probability is a fraction of each draw."""
    result = run(scenario, 4000, seed=4, solution="qre", lam=2.0)
    x = result.per_draw["distance"]
    assert np.mean((x > 0) & (x < 1)) > 0.9
    iv = result.interval("distance")
    low, high = wilson(x.sum(), x.size)
    assert iv.method == WILSON and iv.low < x.mean() < iv.high and iv.high - iv.low < 0.9 * (high - low)
