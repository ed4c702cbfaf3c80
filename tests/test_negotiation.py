"""Tests of the negotiation analytics: reservation prices, acceptance curves, the zone and the best offer."""

from dataclasses import replace

import numpy as np
import pytest

from sim.analysis import negotiation
from sim.model import TALIBAN, US, build_game, concession_line
from sim.run import run_sample, sample
from sim.scenario import load_scenario
from sim.solve import solve

DRAWS = 3000


@pytest.fixture(scope="module")
def drawn():
    return sample(load_scenario("baseline-2018"), DRAWS, seed=7)


@pytest.fixture(scope="module")
def prices(drawn):
    return negotiation.price_distribution(drawn)


@pytest.fixture(scope="module")
def curve(drawn):
    return negotiation.acceptance_curve(drawn)


def _first_rows(drawn, n):
    params = {k: (v[:n] if isinstance(v, np.ndarray) else v) for k, v in drawn.params.items()}
    return replace(drawn, draws=n, params=params)


def test_reservation_prices_equal_a_brute_force_search_over_concessions(drawn, prices):
    few = _first_rows(drawn, 300)
    grid = np.linspace(0, 1, 401)
    first = {m: np.full(few.draws, np.inf) for m in ("distance", "sever")}
    for c in grid[::-1]:  # walking down leaves, per draw, the smallest c that buys each move
        sol = solve(build_game(few.params, {**few.scenario.levers, "concession": c}))
        v = {k: sol.values[k][TALIBAN] for k in ("keep", "distance", "sever")}
        for m in first:   # the move is the leadership's best: worth at least both others
            accepts = np.all([v[m] >= v[o] for o in v if o != m], axis=0)
            first[m] = np.where(accepts, c, first[m])
    for m, found in first.items():
        exact = prices.prices[m][:few.draws]
        assert np.array_equal(np.isfinite(exact), np.isfinite(found))
        ok = np.isfinite(exact)
        # The exact price lies in the grid cell that ends at the first accepted grid point.
        assert np.all(exact[ok] <= found[ok] + 1e-9) and np.all(exact[ok] > found[ok] - grid[1] - 1e-9)


def test_share_breaking_at_each_concession_equals_share_with_a_price_at_or_below_it(prices, curve):
    expected = prices.share_at_or_below(curve.grid, "distance_or_sever")
    np.testing.assert_allclose(curve.mean["distance_or_sever"], expected, atol=1 / DRAWS)


def test_price_quantiles_and_histogram_describe_the_same_draws(prices):
    share = prices.share_with_price("distance_or_sever").mean
    assert sum(b["share"] for b in prices.histogram("distance_or_sever")) == pytest.approx(share)
    median = prices.quantiles("distance_or_sever")["p50"]
    assert median is not None and np.mean(prices.prices["distance_or_sever"] <= median) >= 0.5


def test_a_larger_concession_never_makes_a_break_less_likely(drawn, curve):
    assert np.all(np.diff(curve.mean["distance_or_sever"]) >= 0)
    qre = negotiation.acceptance_curve(_first_rows(drawn, 500), concept="qre", lam=2.0)
    assert np.all(np.diff(qre.mean["distance_or_sever"]) >= -1e-12)
    assert qre.mean["distance_or_sever"][-1] > qre.mean["distance_or_sever"][0]


def test_acceptance_curve_equals_a_full_run_at_the_same_concession(drawn):
    at = negotiation.acceptance_curve(drawn, [0.37])
    result = run_sample(drawn, {**drawn.scenario.levers, "concession": 0.37})
    for name in ("keep", "distance", "sever", "eu_us"):
        assert at.mean[name][0] == pytest.approx(result.estimate(name).mean, abs=1e-12)


def test_curve_bands_are_the_monte_carlo_standard_error_of_an_indicator(curve):
    p = curve.mean["sever"]
    np.testing.assert_allclose(curve.stderr["sever"], np.sqrt(p * (1 - p) / (DRAWS - 1)), atol=1e-12)
    low, high = curve.band("distance_or_sever")
    assert np.all((low <= curve.mean["distance_or_sever"]) & (curve.mean["distance_or_sever"] <= high))


def test_more_verification_changes_the_break_rate_at_a_fixed_concession(drawn):
    by_v = negotiation.verification_curve(drawn, [0.0, 1.0], levers={"concession": 0.6})
    assert by_v.grid.tolist() == [0.0, 1.0]
    assert by_v.mean["distance"][1] < by_v.mean["distance"][0]  # a pledge is worth less when checked


def test_best_offer_maximises_mean_us_utility_on_the_grid(drawn, curve):
    offer = negotiation.best_offer(curve)
    assert offer.eu_us.mean == curve.mean["eu_us"].max()
    result = run_sample(drawn, {**drawn.scenario.levers, "concession": offer.concession})
    assert offer.eu_us.mean == pytest.approx(result.estimate("eu_us").mean, abs=1e-12)
    assert offer.outcomes["keep"] + offer.outcomes["distance"] + offer.outcomes["sever"] == pytest.approx(1)


def test_with_a_huge_political_cost_the_us_offers_nothing(drawn):
    costly = replace(drawn, params={**drawn.params, "us_political_cost": 1e6})
    assert negotiation.best_offer(negotiation.acceptance_curve(costly)).concession == 0.0
    assert negotiation.bargaining_zone(costly).willingness.max() < 1e-3


def test_a_zone_exists_where_the_price_is_at_or_below_what_the_us_would_pay(drawn, prices):
    zone = negotiation.bargaining_zone(drawn, prices=prices)
    price = prices.prices["sever"]
    assert np.array_equal(zone.exists, np.isfinite(price) & (price <= zone.willingness))
    assert 0 < zone.chance.mean <= prices.share_with_price("sever").mean


def test_at_its_willingness_to_pay_the_us_is_indifferent_between_the_break_and_keep(drawn, prices):
    zone = negotiation.bargaining_zone(drawn, prices=prices)
    inside = np.isfinite(zone.price) & (zone.willingness > zone.price) & (zone.willingness < 1)
    line = concession_line(drawn.params, drawn.scenario.levers)
    at_price = solve(line.at(np.minimum(zone.price, 1)))
    at_wtp = solve(line.at(np.clip(zone.willingness, 0, 1)))
    # Where nobody below the Taliban changes their response between the two concessions:
    same = np.all([np.all(at_price.probs[p] == at_wtp.probs[p], axis=0) for p in at_price.probs if p], axis=0)
    checked = inside & same
    assert checked.sum() > 100
    gap = np.where(zone.move == "sever", at_wtp.values["sever"][US], at_wtp.values["distance"][US])
    np.testing.assert_allclose((gap - at_wtp.values["keep"][US])[checked], 0, atol=1e-9)


def test_findings_report_the_zone_and_the_best_offer(drawn, prices, curve):
    zone = negotiation.bargaining_zone(drawn, prices=prices)
    offer = negotiation.best_offer(curve)
    text = " ".join(negotiation.findings(prices, curve, zone, offer))
    assert f"exists in {zone.chance.mean:.0%}" in text
    assert f"concession of {offer.concession:.2f}" in text
