"""Tests of the negotiation analytics: reservation prices, acceptance curves, the zone and the best offer."""

from dataclasses import replace

import numpy as np
import pytest

from sim.analysis import negotiation
from sim.engine.driver import run_sample, sample
from sim.engine.intervals import format_probability, wilson
from sim.model.game import TALIBAN, TREE, US, Chance, Leaf, build_game, concession_line
from sim.model.solve import solve
from sim.spec.scenario import load_scenario

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
    np.testing.assert_allclose(curve.mean["distance_or_sever"],
                               prices.share_at_or_below(curve.grid, "distance_or_sever"), atol=1 / DRAWS)


def test_price_quantiles_and_histogram_describe_the_same_draws(prices):
    share = prices.share_with_price("distance_or_sever").mean
    assert sum(b["share"] for b in prices.histogram("distance_or_sever")) == pytest.approx(share)
    median = prices.quantiles("distance_or_sever")["p50"]
    assert median is not None and np.mean(prices.prices["distance_or_sever"] <= median) >= 0.5
    assert np.array_equal(prices.prices["distance_or_sever"],
                          np.minimum(prices.prices["distance"], prices.prices["sever"]))


def test_a_larger_concession_never_makes_a_break_less_likely(drawn, curve):
    assert np.all(np.diff(curve.mean["distance_or_sever"]) >= 0)
    qre = negotiation.acceptance_curve(_first_rows(drawn, 500), concept="qre", lam=2.0)
    assert np.all(np.diff(qre.mean["distance_or_sever"]) >= -1e-12)
    assert qre.mean["distance_or_sever"][-1] > qre.mean["distance_or_sever"][0]


def test_acceptance_curve_equals_a_full_run_at_the_same_concession(drawn):
    at = negotiation.acceptance_curve(drawn, [0.37])
    result = run_sample(drawn, {**drawn.scenario.levers, "concession": 0.37})
    for name in ("keep", "distance", "sever", "split", "eu_us"):
        assert at.mean[name][0] == pytest.approx(result.estimate(name).mean, abs=1e-12)


def test_curve_bands_are_wilson_intervals_never_of_zero_width(curve):
    for i, p in enumerate(curve.mean["sever"]):
        assert (curve.low["sever"][i], curve.high["sever"][i]) == pytest.approx(wilson(p * DRAWS, DRAWS))
    low, high = curve.band("distance_or_sever")
    assert np.all((low <= curve.mean["distance_or_sever"]) & (curve.mean["distance_or_sever"] <= high))
    assert np.all(curve.high["sever"] > curve.low["sever"]) and curve.mean["sever"][0] == 0


def test_more_verification_changes_the_distance_rate_at_a_fixed_concession(drawn):
    by_v = negotiation.verification_curve(drawn, [0.0, 1.0], levers={"concession": 0.6})
    assert by_v.grid.tolist() == [0.0, 1.0]
    assert by_v.mean["distance"][1] < by_v.mean["distance"][0]  # a pledge is worth less when checked


@pytest.mark.parametrize(("concept", "lam"), [("spe", 1.0), ("qre", 2.0)])
@pytest.mark.parametrize("seed", [7, 19, 2026])
def test_the_compiled_verification_curve_is_the_numpy_solvers(concept, lam, seed):
    """The page's verification curve from the compiled kernel (one pool for every point) against the
    whole game built and solved in numpy at each point: SPE choices exactly, values to rounding."""
    few = sample(load_scenario("what-if-major-concession"), 1500, seed=seed)
    grid, levers = np.linspace(0, 1, 6), {"concession": 0.55, "pressure": 0.3}
    fast = negotiation.verification_curve(few, grid, levers, concept, lam)
    slow = negotiation.reference_verification_curve(few, grid, levers, concept, lam)
    assert fast.lever == slow.lever == "verification" and np.array_equal(fast.grid, slow.grid)
    exact = concept == "spe"
    for name in negotiation.CURVE_OUTCOMES:
        for got, want in ((fast.mean, slow.mean), (fast.low, slow.low), (fast.high, slow.high)):
            if exact and name != "eu_us":
                assert np.array_equal(got[name], want[name]), name
            np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(fast.eu_us, slow.eu_us, rtol=0, atol=1e-12)
    assert np.array_equal(fast.moves, slow.moves)
    assert fast.mean["distance"][0] != fast.mean["distance"][-1]   # verification does move the answer


def test_best_offer_maximises_mean_us_utility_and_lists_the_offers_within_two_paired_se(drawn, curve):
    offer = negotiation.best_offer(curve)
    assert offer.eu_us.mean == curve.mean["eu_us"].max()
    result = run_sample(drawn, {**drawn.scenario.levers, "concession": offer.concession})
    assert offer.eu_us.mean == pytest.approx(result.estimate("eu_us").mean, abs=1e-12)
    assert offer.outcomes["keep"] + offer.outcomes["distance"] + offer.outcomes["sever"] == pytest.approx(1)
    i = list(curve.grid).index(offer.concession)
    for j, c in enumerate(curve.grid):
        gap = curve.eu_us[i] - curve.eu_us[j]
        near = gap.mean() <= 2 * gap.std(ddof=1) / np.sqrt(DRAWS)
        assert (c in offer.near) == near
    assert offer.concession in offer.near and len(offer.near) < curve.grid.size


def test_with_a_huge_political_cost_the_us_offers_nothing_and_no_deal_suits_it(drawn):
    costly = replace(drawn, params={**drawn.params, "us_political_cost": 1e6})
    assert negotiation.best_offer(negotiation.acceptance_curve(costly)).concession == 0.0
    zone = negotiation.bargaining_zone(costly)
    assert not zone.agreeable[1:].any()


def _spe(node, path, game, draw):
    """Brute-force backward induction for one draw: the payoff vector and the action taken at each node."""
    if isinstance(node, Leaf):
        return game.payoffs[node.key][:, draw], {}
    if isinstance(node, Chance):
        q = game.chance[node.prob][draw]
        (a, first), (b, second) = node.outcomes.items()
        va, ca = _spe(first, f"{path}/{a}", game, draw)
        vb, cb = _spe(second, f"{path}/{b}", game, draw)
        return q * va + (1 - q) * vb, {**ca, **cb}
    results = {a: _spe(child, f"{path}/{a}".lstrip("/"), game, draw) for a, child in node.actions.items()}
    best = max(results, key=lambda a: results[a][0][node.player])  # first of equals, like the solver
    choices = {k: v for _, c in results.values() for k, v in c.items()}
    return results[best][0], {**choices, path: best}


def test_the_zone_on_the_grid_agrees_with_brute_force_backward_induction(drawn):
    few = _first_rows(drawn, 150)
    grid = np.linspace(0, 1, 11)
    zone = negotiation.bargaining_zone(few, grid=grid)
    line = concession_line(few.params, few.scenario.levers)
    severs_with_faction_staying = 0
    for j, c in enumerate(grid):
        game = line.at(c)
        for d in range(few.draws):
            value, choice = _spe(TREE, "", game, d)
            keep_value, _ = _spe(TREE.actions["keep"], "keep", game, d)
            agree = choice[""] != "keep" and value[US] >= keep_value[US]
            assert zone.agreeable[j, d] == agree, (c, d)
            severs_with_faction_staying += agree and choice[""] == "sever" and choice["sever"] == "stay"
    assert zone.agreeable.any() and severs_with_faction_staying > 0
    first = np.argmax(zone.agreeable, axis=0)
    assert np.array_equal(zone.cheapest, np.where(zone.agreeable.any(axis=0), grid[first], np.inf))


def test_findings_report_the_zone_and_the_best_offer_with_their_uncertainty(drawn, prices, curve):
    zone = negotiation.bargaining_zone(drawn)
    offer = negotiation.best_offer(curve)
    text = " ".join(negotiation.findings(prices, curve, zone, offer))
    assert f"exists in {format_probability(zone.chance)}" in text and "%)" in text
    assert f"concession of {offer.concession:.2f}" in text and "paired standard errors" in text


def test_the_target_is_reached_first_by_the_intervals_upper_end_then_the_estimate_then_its_lower_end(curve):
    reach = negotiation.target_reach(curve, "sever", 0.1)
    assert reach.possibly <= reach.likely and (reach.surely is None or reach.likely <= reach.surely)
    i = list(curve.grid).index(reach.likely)
    assert i > 0 and curve.mean["sever"][i] >= 0.1 > curve.mean["sever"][i - 1]
    assert f"{reach.likely:.2f} is the smallest on the grid" in reach.sentence()
    never = negotiation.target_reach(curve, "split", 0.9)
    assert never.likely is None and "No concession up to a full withdrawal" in never.sentence()
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        negotiation.target_reach(curve, "sever", 1.0)


@pytest.mark.parametrize(("possibly", "surely", "says", "never_says"), [
    (0.85, 0.85, "sampling error does not move it", ("as low as", "From 0.85")),
    (0.80, 0.90, "as low as 0.80", ("does not move it",)),
    (0.85, None, "never reaches the target", ("as low as",)),
])
def test_the_target_sentence_names_only_the_bounds_that_differ_from_the_estimate(possibly, surely, says,
                                                                                 never_says):
    """One grid point for all three ends once read "as low as 0.85; by 0.85" (classroom issue, point 8)."""
    reach = negotiation.TargetReach("sever", 0.3, 0.85, possibly, surely, "12%")
    text = reach.sentence()
    assert "A concession of 0.85 is the smallest" in text and says in text
    assert not any(s in text for s in never_says)
