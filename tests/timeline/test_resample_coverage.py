"""Honest intervals on a calibrated model's resample (issue 28), checked by simulation.

A calibrated run's rows are a systematic resample of importance-weighted prior draws: they repeat
draws, so they hold less information than as many independent draws. The runs' intervals use
``n_eff = 1 / (1/ESS + 1/rows)`` (:func:`sim.timeline.calibration.effective_draws`). Here the same
pipeline as the calibration's (Kish ESS of normalised weights, :func:`systematic_indices`, the
engine's score interval with ``effective_draws``) runs on a conjugate setting whose posterior is known
exactly: a parameter ``theta`` uniform on [0, 1] a priori, a record of ``k`` successes in ``trials``
Bernoulli(theta) trials, so the posterior is Beta(1 + k, 1 + trials - k). The outcome a row reports is
``theta > c`` (a deterministic function of the calibrated parameter, as an SPE move is: the case where
repeated rows cost the most), with ``c`` the posterior median, so the true probability is exactly 1/2.

**Band.** Over ``SEEDS = 400`` independent seeds (prior sample, resampling offset), the count of
intervals holding the truth must lie in [368, 392] (92% to 98%). For a method whose coverage is exactly
95% the count is Binomial(400, 0.95): it falls below 368 with probability 0.38% and above 392 with
probability 0.06%, so a correct method fails the two-sided check about 0.44% of the time (about once
in 230 seed sets; the seeds are fixed, so the outcome is too) and the one-sided check (at least 368)
0.38% of the time. The companion shows the old interval (the rows as independent draws) far below the
band where the ESS is below the rows. Where the ESS is above the rows the old interval covers about as
well (the rows are then the scarcer information); n_eff is conservative there (one-sided check).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from sim.analysis.negotiation import acceptance_curve, bargaining_zone, best_offer, price_distribution
from sim.app.calibrated import analyse_calibrated
from sim.cli.main import main
from sim.engine.driver import run, run_sample
from sim.engine.intervals import (
    WILSON,
    interval_from_moments,
    order_statistic_ranks,
    resample_ranks,
    score_interval,
    share_interval,
    wilson,
)
from sim.present.explain import headlines, paired_stderr
from sim.spec.scenario import load_scenario
from sim.timeline.calibration import (
    calibrate,
    calibrated_sample,
    effective_draws,
    kish,
    normalised,
    posterior_of,
    score,
    systematic_indices,
)
from sim.workshop import flows
from sim.workshop.cards import load_card

SEEDS = 400
TRUTH = 0.5   # P(theta > the posterior median), exactly
LOW, HIGH = 368, 392   # the binomial band on the count of the SEEDS intervals that hold the truth
#: Records as (successes, trials): a sharp one (posterior sd 0.045) and a vaguer one (sd 0.08).
SHARP, VAGUE = (30, 100), (9, 30)


def coverage(record: tuple[int, int], prior_draws: int, rows: int, effective) -> int:
    """How many of ``SEEDS`` 95% intervals hold the truth, each from a fresh prior sample of
    ``prior_draws`` draws weighted by the likelihood of ``record`` and systematically resampled to
    ``rows`` rows; the interval on ``effective(ess, rows)`` effective draws (``None``: the rows)."""
    k, trials = record
    threshold = float(stats.beta(1 + k, 1 + trials - k).median())
    held = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        theta = rng.random(prior_draws)
        weights = normalised(k * np.log(theta) + (trials - k) * np.log1p(-theta))
        y = (theta[systematic_indices(weights, rows, rng.random())] > threshold).astype(float)
        total = float(y.sum())   # 0/1 values: their squares sum to their sum
        iv = interval_from_moments(total, total, rows, effective_draws=effective(kish(weights), rows))
        held += iv.low <= TRUTH <= iv.high
    return held


def n_eff(ess: float, rows: int) -> float:
    return effective_draws(ess, rows)


def as_rows(ess: float, rows: int) -> None:
    return None   # the old interval: the rows taken as independent draws


def test_intervals_on_n_eff_cover_95_percent_where_the_ess_is_below_the_rows():
    """4,000 prior draws resampled to 4,000 rows on the sharp record, ESS about 640: the count lies
    in the band (measured 375 of 400)."""
    assert LOW <= coverage(SHARP, 4_000, 4_000, n_eff) <= HIGH


def test_companion_the_rows_taken_as_independent_draws_under_cover():
    """The same setting with the old interval (n = the 4,000 rows): far below the band (212 of 400)."""
    assert coverage(SHARP, 4_000, 4_000, as_rows) < LOW


def test_intervals_on_n_eff_do_not_under_cover_where_the_ess_is_above_the_rows():
    """40,000 prior draws resampled to 4,000 rows on the vaguer record (ESS about 11,500, above the
    rows, as a 10^5-draw calibration's ESS can be above its 20,000 rows): n_eff does not under-cover
    (measured 390 of 400; one-sided, as it is conservative there: the systematic resample errs less
    than the multinomial bound 1/rows assumes)."""
    assert coverage(VAGUE, 40_000, 4_000, n_eff) >= LOW


def resample_variance(record: tuple[int, int], prior_draws: int, rows: int, systematic: bool = True) -> float:
    """The variance over ``SEEDS`` seeds of the resample's share minus the weighted share (the
    resampling error alone), in units of the multinomial resample's ``p (1 - p) / rows``."""
    k, trials = record
    threshold = float(stats.beta(1 + k, 1 + trials - k).median())
    errors, spreads = [], []
    for seed in range(SEEDS):
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        theta = rng.random(prior_draws)
        weights = normalised(k * np.log(theta) + (trials - k) * np.log1p(-theta))
        above = theta > threshold
        idx = (systematic_indices(weights, rows, rng.random()) if systematic
               else rng.choice(prior_draws, size=rows, p=weights))
        weighted = float(weights @ above)
        errors.append(float(above[idx].mean()) - weighted)
        spreads.append(weighted * (1 - weighted) / rows)
    return float(np.var(errors) / np.mean(spreads))


def test_the_systematic_resample_errs_less_than_the_bound_1_over_rows():
    """Why n_eff is conservative: the systematic resample's own error has a variance well under
    sd^2 / rows (measured 0.04 where the ESS is below the rows, 0.62 where it is above)."""
    assert resample_variance(SHARP, 4_000, 4_000) < 0.2
    assert resample_variance(VAGUE, 40_000, 4_000) < 0.9


def test_companion_a_multinomial_resample_errs_as_the_bound_says():
    """The same measure on a multinomial resample: about 1 (the bound is its exact variance); the
    statistic's standard error over 400 seeds is about 0.07."""
    assert 0.75 < resample_variance(SHARP, 4_000, 4_000, systematic=False) < 1.3


@pytest.mark.parametrize("ess, rows", [(640.0, 4_000), (3_200.0, 4_000), (8_000.0, 20_000)])
def test_n_eff_is_below_both_the_ess_and_the_rows(ess, rows):
    ne = effective_draws(ess, rows)
    assert ne < min(ess, rows) and ne == pytest.approx(ess * rows / (ess + rows))


# -- a calibrated run reports them ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def calibrated_run():
    """A run of baseline-2018 on a small calibration's resample (3,000 prior draws and rows)."""
    posterior = posterior_of(calibrate(load_scenario("history-1996-2018"), 3_000))
    drawn = calibrated_sample(load_scenario("baseline-2018"), posterior, 7)
    return posterior, run_sample(drawn)


def test_a_calibrated_run_reports_every_interval_on_n_eff(calibrated_run):
    """Standard errors grow by sqrt(rows / n_eff), the probability and price intervals widen, the
    means stay; the same rows read as independent draws (the old intervals) are narrower."""
    posterior, result = calibrated_run
    rows = result.draws
    assert result.effective_draws == posterior.effective_draws < rows
    plain = replace(result, effective_draws=None)
    ratio = np.sqrt(rows / result.effective_draws)
    got, old = result.summary(), plain.summary()
    assert got["outcomes"] == old["outcomes"] and got["sever_price"] == old["sever_price"]
    for k in ("keep", "distance", "deal"):
        assert got["stderr"][k] == pytest.approx(old["stderr"][k] * ratio)
        (low, high), (old_low, old_high) = got["intervals"][k], old["intervals"][k]
        assert low < old_low and high > old_high
        assert got["intervals"][k] == pytest.approx(result.interval(k).pair(), abs=1e-9)
        assert "n_eff" in got["interval_method"][k] and "n_eff" not in old["interval_method"][k]
    for player, e in got["expected_utility"].items():
        assert e["stderr"] == pytest.approx(old["expected_utility"][player]["stderr"] * ratio)
    p90, old_p90 = got["intervals"]["pledge_price"]["p90"], old["intervals"]["pledge_price"]["p90"]
    assert p90[0] <= old_p90[0] and p90[1] >= old_p90[1] and p90 != old_p90
    assert result.price_exists("distance").stderr == pytest.approx(plain.price_exists("distance").stderr
                                                                   * ratio)


def test_a_run_on_the_prior_keeps_its_intervals_on_its_draws():
    result = run(load_scenario("baseline-2018"), draws=2_000)
    assert result.effective_draws is None and result.interval("keep").method == WILSON


def test_run_calibrated_names_n_eff_on_its_output(tmp_path, capsys):
    post = tmp_path / "post.npz"
    assert main(["calibrate", "history-1996-2018", "--draws", "3000", "--posterior", str(post)]) == 0
    capsys.readouterr()
    assert main(["run", "baseline-2018", "--calibrated", str(post), "--format", "json"]) == 0
    named = json.loads(capsys.readouterr().out)["calibrated"]
    assert named["effective_draws"] == pytest.approx(1 / (1 / named["ess"] + 1 / named["resample_rows"]))
    assert f"n_eff = {named['effective_draws']:,.0f}" in named["label"]
    assert main(["run", "baseline-2018", "--calibrated", str(post)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Calibrated: ")
    assert f"intervals use n_eff = {named['effective_draws']:,.0f}" in first


def test_the_ranks_of_a_resample_are_those_of_its_effective_draws_carried_over():
    assert resample_ranks(20_000, 0.9) == order_statistic_ranks(20_000, 0.9)
    assert resample_ranks(20_000, 0.9, 20_000.0) == order_statistic_ranks(20_000, 0.9)
    low, high = order_statistic_ranks(2_000, 0.9)
    assert resample_ranks(20_000, 0.9, 2_000.5) == ((low + 1) * 10 - 1, (high + 1) * 10 - 1)
    assert resample_ranks(100, 0.5, 1.0) == (-1, 100)   # one effective draw: open both ways


def test_a_share_of_a_resample_is_the_score_interval_of_its_effective_draws():
    assert share_interval(300, 1_000) == wilson(300, 1_000)   # independent draws: Wilson, to the bit
    low, high = share_interval(300, 1_000, 250.0)
    assert (low, high) == score_interval(0.3, 250.0)
    assert low < wilson(300, 1_000)[0] and high > wilson(300, 1_000)[1]


@pytest.mark.parametrize("card, position", [("1-price-of-a-deal", {"concession": 0.4}),
                                            ("7-the-long-game", {})])
def test_a_calibrated_workshop_round_judges_on_the_effective_draws(calibrated_run, card, position):
    """A stage card's and a timeline card's round on the resample: its shares' intervals (the stage
    card's 0/1 moves, the timeline card's yearly pledge shares) are those of n_eff draws, wider than
    the Wilson interval of the rows the old rounds gave."""
    posterior, _ = calibrated_run
    result = flows.adjudicate(load_card(card), position, [], 7, 2_000, posterior)
    rows, worth = result["draws"], posterior.effective_draws
    assert rows == posterior.rows.shape[0] and worth < rows
    shares = ([result["outcomes"][k] for k in ("keep", "distance")] if "path" not in result
              else [year["pledge"] for year in result["path"]])
    judged = [s for s in shares if 0 < s["mean"] < 1]
    assert judged
    for s in judged:
        count = round(s["mean"] * rows)
        assert (s["low"], s["high"]) == pytest.approx(share_interval(count, rows, worth), abs=1e-9)
        old = wilson(count, rows)
        assert s["low"] < old[0] and s["high"] > old[1]


def test_the_apps_calibrated_page_shows_intervals_on_n_eff(calibrated_run):
    """The scenario page's headlines on the calibrated model: intervals on n_eff, and the median
    prices' and comparison's standard errors grown by sqrt(rows / n_eff)."""
    posterior, _ = calibrated_run
    analysis = analyse_calibrated(load_scenario("baseline-2018"), posterior, "spe", 0.0)
    result = analysis.result
    assert result.effective_draws == posterior.effective_draws
    ratio = np.sqrt(result.draws / result.effective_draws)
    plain = replace(result, effective_draws=None)
    shown, old = headlines(result), headlines(plain)
    for h, o in zip(shown, old, strict=True):
        if h.interval is not None:
            assert "n_eff" in h.interval.method and (h.interval.high - h.interval.low) > (
                o.interval.high - o.interval.low)
        if h.stderr is not None and o.stderr:
            assert h.stderr == pytest.approx(o.stderr * ratio)
    moved = replace(result, per_draw=result.per_draw | {"keep": 1 - result.per_draw["keep"]})
    assert paired_stderr(result, moved, "keep") == pytest.approx(paired_stderr(plain, moved, "keep") * ratio)


def test_the_negotiation_analyses_on_a_resample_use_n_eff(calibrated_run):
    """analyze --calibrated's price, curve and zone: intervals of n_eff draws, wider than those of
    the rows (the same sample with no effective draws, as before)."""
    posterior, _ = calibrated_run
    drawn = calibrated_sample(load_scenario("baseline-2018"), posterior, 7)
    plain = replace(drawn, effective_draws=None)
    ratio = np.sqrt(drawn.draws / drawn.effective_draws)

    def wider(a, b) -> bool:
        return a[0] <= b[0] and a[1] >= b[1] and a != b

    prices, old_prices = price_distribution(drawn), price_distribution(plain)
    share, old_share = prices.share_with_price("distance"), old_prices.share_with_price("distance")
    assert wider(share.pair(), old_share.pair())
    assert wider(prices.quantile_intervals("distance")["p90"],
                 old_prices.quantile_intervals("distance")["p90"])
    grid = [0.0, 0.5, 1.0]
    curve, old_curve = acceptance_curve(drawn, grid), acceptance_curve(plain, grid)
    assert np.all(curve.low["keep"] <= old_curve.low["keep"])
    assert np.all(curve.high["keep"] > old_curve.high["keep"])
    assert (curve.high["eu_us"] - curve.mean["eu_us"]) == pytest.approx(
        (old_curve.high["eu_us"] - old_curve.mean["eu_us"]) * ratio)
    zone, old_zone = bargaining_zone(drawn, curve=curve), bargaining_zone(plain, curve=old_curve)
    assert wider(zone.chance.pair(), old_zone.chance.pair())
    assert best_offer(curve).eu_us.stderr == pytest.approx(best_offer(old_curve).eu_us.stderr * ratio)


def test_score_on_a_resample_gives_the_full_models_errors_on_n_eff(calibrated_run):
    """score --calibrated: the full model's Monte Carlo errors grow by sqrt(rows / n_eff) against
    the same resample read as independent draws (an ESS so large that n_eff is the rows); the
    material lens, on its prior, keeps its errors."""
    posterior, _ = calibrated_run
    as_independent = replace(posterior, meta=posterior.meta | {"ess": 1e15})
    record = load_scenario("history-1996-2018")
    got, old = (score(record, 1_000, posterior=p) for p in (posterior, as_independent))
    ratio = np.sqrt(posterior.rows.shape[0] / posterior.effective_draws)
    assert got["total"]["full"]["se"] == pytest.approx(old["total"]["full"]["se"] * ratio, rel=1e-6)
    assert got["total"]["material"] == old["total"]["material"]
    assert got["years"][0]["full"]["se"] == pytest.approx(old["years"][0]["full"]["se"] * ratio, rel=1e-6)
    assert got["calibrated"]["effective_draws"] == posterior.effective_draws
