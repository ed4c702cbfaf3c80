"""The solvers on games whose answers are worked out by hand, and their general properties.

``ROUND`` gives every parameter of the catalogue a round number so that each terminal
payoff of ``sim/model.py`` can be written out below as arithmetic; the cases after it change a few
numbers to send the subgame-perfect path down every branch of the tree.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import (
    TALIBAN,
    TREE,
    Chance,
    Decision,
    Game,
    Leaf,
    build_game,
    concession_line,
)
from sim.parameters import CATALOGUE, LEVERS
from sim.price import reservation_prices
from sim.solve import Solution, solve

ROUND = {
    # Taliban benefits: expertise 0.25 + 0.25; funding 2 * 1 / (1 + 3); help against IS 0.5 * 0.5;
    # endorsement 1 * 0.5; bonds 1 * 10 / (10 + 10) + 0.25.
    "aq_expertise": 0.25, "aq_manpower": 0.25, "aq_money": 1.0, "own_revenue": 3.0, "funding_weight": 2.0,
    "is_threat": 0.5, "is_help_value": 0.5, "endorsement_value": 1.0, "aq_leader_standing": 0.5,
    "shared_history_bond": 1.0, "years_together": 10.0, "personal_ties": 0.25,
    # Costs: isolation 0.5, strife 0.25, coercion 0.5 (pressure lever) * 1.
    "isolation_cost": 0.5, "internal_strife": 0.25, "pressure_cost": 1.0, "retaliation_cost": 1.0,
    # Breaking: reversal 1 * (1 - 0.5 * 0.5) + bayat 1 * 0.5; chip 0.25; Haqqani 1 * (0.5 * 0.5);
    # backlash 0.5 * coercion 0.5.
    "reversal_cost": 1.0, "legitimacy_shield": 0.5, "leader_legitimacy": 0.5, "bayat_cost": 1.0,
    "bayat_public": 0.5, "chip_value": 0.25, "haqqani_closeness": 0.5, "haqqani_rank": 0.5,
    "haqqani_cost": 1.0, "coercion_backlash": 0.5, "split_cost": 1.0,
    # The deal: concession 0.5 * 4; a pledge earns half of it and halves the isolation.
    "concession_value": 4.0, "pledge_credit": 0.5, "pledge_relief": 0.5, "detection_penalty": 1.0,
    "distance_cost_share": 0.5, "covert_retention": 0.5,
    # The hardline faction: loyalty 1 * 0.5; attachment 0.75 + Haqqani 0.25; outside 0.25 + 0.5 * 0.5.
    "faction_loyalty": 1.0, "faction_deal_share": 0.5, "hardliner_attachment": 0.75,
    "split_outside_option": 0.25, "is_pull": 0.5, "splinter_aq_support": 0.5,
    # Al-Qaeda: gain 1 + 1 * 0.5 + 0.5 + 2 * 0.25 - 0.5.
    "aq_foothold": 1.0, "aq_legitimacy_vs_is": 1.0, "haven_prospect": 0.5, "haqqani_protection": 2.0,
    "aq_resources": 0.5, "external_ops_value": 1.0, "attack_haven_loss": 2.0, "lie_low_cost": 0.5,
    "strike_cost": 1.0, "relocation_value": 0.5, "exposure_cost": 1.0,
    # Verification (times the lever 0.5) and the United States.
    "detect_low": 0.2, "detect_active": 0.8,
    "us_security_value": 2.0, "us_political_cost": 1.0, "us_attack_harm": 4.0, "us_pledge_share": 0.5,
    "us_underground_share": 0.5,
}
ROUND_LEVERS = {"concession": 0.5, "verification": 0.5, "pressure": 0.5}

# The building blocks at ROUND, by hand.
BENEFITS = 0.5 + 0.5 + 0.25 + 0.5 + 0.75                 # 2.5
ISOLATION, STRIFE, COERCION = 0.5, 0.25, 0.5
BREAK_COST = (0.75 + 0.5) + 0.25 + 0.25 + 0.25            # 2.0
DEAL = 0.5 * 4.0                                          # 2.0
AQ_GAIN = 1.0 + 0.5 + 0.5 + 0.5 - 0.5                     # 2.0
ATTACHMENT = 0.75 + 0.25                                  # 1.0
LOYALTY = 1.0 * 0.5
OUTSIDE = 0.25 + 0.5 * 0.5                                # the faction's payoff after a split
# Distance: half the benefits kept covertly, half the break cost paid; while the pledge holds, half
# the deal is credited and half the isolation and half the pressure are lifted.
COMMON = 0.5 * BENEFITS - STRIFE - 0.5 * BREAK_COST      # 0.0
PLEDGE_DEAL = 0.5 * DEAL                                  # 1.0
KEPT = COMMON + PLEDGE_DEAL - (1 - 0.5) * ISOLATION - (1 - 0.5) * COERCION   # 0.5
VOIDED = COMMON - ISOLATION - COERCION - 1.0              # -2.0, covert ties detected
AQ_COVERT = 0.5 * AQ_GAIN                                 # 1.0
US_PLEDGE = 0.5 * 2.0 - 1.0 * 0.5 * 0.5                   # 0.75
SEVER = DEAL - BREAK_COST                                 # 0.0

HAND_PAYOFFS = {
    # key: (Taliban, faction, al-Qaeda, US)
    "keep/restrain": (BENEFITS - ISOLATION - STRIFE - COERCION, 0.0, AQ_GAIN, 0.0),
    "keep/attack": (BENEFITS - ISOLATION - STRIFE - COERCION - 1.0, 0.0, AQ_GAIN + 1.0 - 2.0, -4.0),
    "distance/stay/lie_low/undetected": (KEPT, LOYALTY + 0.5 * PLEDGE_DEAL - ATTACHMENT * 0.5,
                                         AQ_COVERT * (1 - 0.5), US_PLEDGE),
    "distance/stay/lie_low/detected": (VOIDED, LOYALTY - ATTACHMENT * 0.5, AQ_COVERT * (1 - 0.5) - 1.0, 0.0),
    "distance/stay/active/undetected": (KEPT, LOYALTY + 0.5 * PLEDGE_DEAL - ATTACHMENT * 0.5, AQ_COVERT,
                                        US_PLEDGE),
    "distance/stay/active/detected": (VOIDED, LOYALTY - ATTACHMENT * 0.5, AQ_COVERT - 1.0, 0.0),
    "distance/split/lie_low/undetected": (KEPT - 1.0, OUTSIDE, AQ_COVERT * (1 - 0.5), US_PLEDGE),
    "distance/split/lie_low/detected": (VOIDED - 1.0, OUTSIDE, AQ_COVERT * (1 - 0.5) - 1.0, 0.0),
    "distance/split/active/undetected": (KEPT - 1.0, OUTSIDE, AQ_COVERT, US_PLEDGE),
    "distance/split/active/detected": (VOIDED - 1.0, OUTSIDE, AQ_COVERT - 1.0, 0.0),
    "sever/stay/relocate": (SEVER, LOYALTY + 0.5 * DEAL - ATTACHMENT * 1.0, 0.5, 2.0 - 1.0 * 0.5),
    "sever/stay/underground": (SEVER, LOYALTY + 0.5 * DEAL - ATTACHMENT * 1.0, -1.0, 0.5 * 2.0 - 1.0 * 0.5),
    "sever/split/relocate": (SEVER - 1.0, OUTSIDE, 0.5, 2.0 - 1.0 * 0.5),
    "sever/split/underground": (SEVER - 1.0, OUTSIDE + 0.5, 2.0 * 0.25 + 1.0 - 0.5, 0.5 * 2.0 - 1.0 * 0.5),
}


def one_draw(changes: dict[str, float] | None = None, levers: dict[str, float] | None = None) -> Game:
    params = {**ROUND, **(changes or {})}
    return build_game({k: np.array([v]) for k, v in params.items()}, {**ROUND_LEVERS, **(levers or {})})


def random_draws(n: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Parameters and levers uniform over their admissible ranges."""
    rng = np.random.default_rng(seed)
    return ({p.name: rng.uniform(p.low, p.high, n) for p in CATALOGUE},
            {lever: rng.uniform(0, 1, n) for lever in LEVERS})


def test_round_numbers_cover_every_parameter_the_model_reads():
    assert set(ROUND) == {p.name for p in CATALOGUE}


def test_terminal_payoffs_equal_the_formulas_worked_by_hand():
    game = one_draw()
    assert set(game.payoffs) == set(HAND_PAYOFFS)
    for key, expected in HAND_PAYOFFS.items():
        np.testing.assert_allclose(game.payoffs[key][:, 0], expected, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(game.chance["detect_lie_low"], 0.5 * 0.2)
    np.testing.assert_allclose(game.chance["detect_active"], 0.5 * 0.8)


# Each case: parameter changes, lever changes, the terminals the SPE reaches (with nature's odds),
# and the Taliban's value at the root, worked out by hand from HAND_PAYOFFS and the changes.
CASES = {
    # Al-Qaeda restrains (2 > 1). After distance the faction splits and al-Qaeda stays active,
    # 0.4 * -3 + 0.6 * (0.5 - 1) = -1.5; after sever it splits, 0 - 1 = -1.
    "keep, al-Qaeda restrains": ({}, {}, {"keep/restrain": 1.0}, 1.25),
    # Attacking abroad now pays al-Qaeda 2 + 3 - 2 = 3 > 2; the Taliban bears the retaliation.
    "keep, al-Qaeda attacks": ({"external_ops_value": 3.0}, {}, {"keep/attack": 1.0}, 0.25),
    # Full concession, deal 4: sever with the faction staying (0.5 + 2 - 1 = 1.5 > split 0.5 + 0.5)
    # is worth 4 - 2 = 2 > keep 1.25; distance gives 0.4 * -2 + 0.6 * (0 + 2 - 0.25 - 0.25) = 0.1.
    "sever, faction stays, al-Qaeda relocates": ({}, {"concession": 1.0}, {"sever/stay/relocate": 1.0}, 2.0),
    # As above, but with nowhere to go (-1) and no exposure in hiding (0), al-Qaeda goes underground.
    "sever, faction stays, al-Qaeda goes underground": (
        {"relocation_value": -1.0, "exposure_cost": 0.0}, {"concession": 1.0},
        {"sever/stay/underground": 1.0}, 2.0),
    # Deal 5 and no share for the faction: it splits (0.5 + 0.5 > 0.5 + 0 - 1); sever is worth
    # 5 - 2 - 1 = 2 > keep 1.25 > distance 0.4 * -3 + 0.6 * (0 + 2.5 - 0.25 - 0.25 - 1) = -0.6.
    "sever, faction splits, al-Qaeda goes underground": (
        {"concession_value": 5.0, "faction_deal_share": 0.0}, {"concession": 1.0},
        {"sever/split/underground": 1.0}, 2.0),
    # The same with a good place to relocate to (2 > 1): the faction still splits (0.5 > -0.5).
    "sever, faction splits, al-Qaeda relocates": (
        {"concession_value": 5.0, "faction_deal_share": 0.0, "relocation_value": 2.0}, {"concession": 1.0},
        {"sever/split/relocate": 1.0}, 2.0),
    # Full credit for a pledge (all the deal, no pressure while it holds) and weak monitoring
    # (detection 0.05 lying low, 0.2 active): al-Qaeda stays active (0.8 * 1 > 0.05 * -0.5 + 0.95 * 0.5),
    # the faction stays (0.8 * 2 > 0.5), and the Taliban gets 0.2 * -2 + 0.8 * (4 - 0.25) = 2.6 > sever
    # 2 > keep 1.25.
    "distance, faction stays, al-Qaeda active": (
        {"pledge_credit": 1.0}, {"concession": 1.0, "verification": 0.25},
        {"distance/stay/active/detected": 0.2, "distance/stay/active/undetected": 0.8}, 2.6),
    # Lying low now costs al-Qaeda nothing: 0.05 * -1 + 0.95 * 1 = 0.9 > 0.8. Taliban:
    # 0.05 * -2 + 0.95 * 3.75 = 3.4625.
    "distance, faction stays, al-Qaeda lies low": (
        {"pledge_credit": 1.0, "lie_low_cost": 0.0}, {"concession": 1.0, "verification": 0.25},
        {"distance/stay/lie_low/detected": 0.05, "distance/stay/lie_low/undetected": 0.95}, 3.4625),
    # A better outside option (2 + 0.25 > 0.95 * 2) makes the faction split; the Taliban still
    # prefers distance, 0.05 * -3 + 0.95 * 2.75 = 2.4625, to sever (faction splits: 4 - 2 - 1 = 1).
    "distance, faction splits, al-Qaeda lies low": (
        {"pledge_credit": 1.0, "lie_low_cost": 0.0, "split_outside_option": 2.0},
        {"concession": 1.0, "verification": 0.25},
        {"distance/split/lie_low/detected": 0.05, "distance/split/lie_low/undetected": 0.95}, 2.4625),
    # Active al-Qaeda and a splitting faction: 0.2 * -3 + 0.8 * 2.75 = 1.6 > keep 1.25 > sever 1.
    "distance, faction splits, al-Qaeda active": (
        {"pledge_credit": 1.0, "split_outside_option": 2.0}, {"concession": 1.0, "verification": 0.25},
        {"distance/split/active/detected": 0.2, "distance/split/active/undetected": 0.8}, 1.6),
}


@pytest.mark.parametrize("changes, levers, path, taliban_value", CASES.values(), ids=CASES.keys())
def test_subgame_perfect_path_in_every_branch_matches_the_hand_solution(changes, levers, path, taliban_value):
    sol = solve(one_draw(changes, levers), "spe")
    reached = {key: float(mass[0]) for key, mass in sol.reach.items() if mass[0] > 0}
    assert reached == pytest.approx(path, abs=1e-12)
    assert sol.values[""][TALIBAN, 0] == pytest.approx(taliban_value, abs=1e-12)


def test_the_hand_solved_paths_reach_every_terminal_of_the_tree():
    assert {key for _, _, path, _ in CASES.values() for key in path} == set(HAND_PAYOFFS)


def test_qre_at_lambda_zero_is_uniform_at_every_node():
    params, levers = random_draws(500, seed=1)
    sol = solve(build_game(params, levers), "qre", 0.0)
    for path, probs in sol.probs.items():
        np.testing.assert_allclose(probs, 1 / probs.shape[0], atol=1e-15, err_msg=path)


def test_qre_precision_is_in_inverse_utility_points():
    # With lambda = ln 3, a utility gap of 1 makes the better action three times as likely.
    sol = solve(one_draw(), "qre", np.log(3.0))
    # After keep al-Qaeda weighs restrain 2 against attack 1; after sever and a split, relocating
    # 0.5 against going underground 1.
    np.testing.assert_allclose(sol.probs["keep"][:, 0], [3 / 4, 1 / 4])
    np.testing.assert_allclose(sol.probs["sever/split"][:, 0], [1 / (1 + 3**0.5), 3**0.5 / (1 + 3**0.5)])


def action_values(node, path: str, game: Game, sol: Solution) -> np.ndarray:
    """``(4, n)`` expected payoffs of reaching ``node`` when play below follows ``sol``."""
    if isinstance(node, Leaf):
        return game.payoffs[node.key]
    if isinstance(node, Chance):
        first, second = (game.payoffs[leaf.key] for leaf in node.outcomes.values())
        q = game.chance[node.prob]
        return q * first + (1 - q) * second
    return sol.values[path]


def smallest_gap(game: Game, sol: Solution, node=TREE, path: str = "") -> np.ndarray:
    """Per draw, the smallest margin by which any mover's chosen action beats its next best."""
    if not isinstance(node, Decision):
        return np.full(game.draws, np.inf)
    children = [(f"{path}/{a}" if path else a, child) for a, child in node.actions.items()]
    utilities = np.sort([action_values(c, p, game, sol)[node.player] for p, c in children], axis=0)
    gaps = [utilities[-1] - utilities[-2], *(smallest_gap(game, sol, c, p) for p, c in children)]
    return np.min(gaps, axis=0)


def test_qre_converges_to_the_spe_as_lambda_grows():
    params, levers = random_draws(2000, seed=2)
    game = build_game(params, levers)
    spe, qre = solve(game, "spe"), solve(game, "qre", 1e4)
    clear = smallest_gap(game, spe) > 0.01      # exp(-1e4 * 0.01) is far below the tolerance
    assert clear.mean() > 0.5
    for path in spe.probs:
        np.testing.assert_allclose(qre.probs[path][:, clear], spe.probs[path][:, clear], atol=1e-6)
    distance = [np.abs(solve(game, "qre", lam).probs[""] - spe.probs[""]).mean() for lam in (1, 10, 100, 1e4)]
    assert distance == sorted(distance, reverse=True)


@pytest.mark.parametrize("concept, lam", [("spe", 0.0), ("qre", 0.3), ("qre", 5.0), ("qre", 200.0)])
def test_move_and_terminal_probabilities_sum_to_one(concept, lam):
    params, levers = random_draws(3000, seed=3)
    sol = solve(build_game(params, levers), concept, lam)
    for path, probs in sol.probs.items():
        np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-12, err_msg=path)
    np.testing.assert_allclose(sum(sol.reach.values()), 1.0, atol=1e-12)


def test_solve_rejects_a_negative_lambda_and_an_unknown_concept():
    game = one_draw()
    with pytest.raises(ValueError, match="non-negative"):
        solve(game, "qre", -1.0)
    with pytest.raises(ValueError, match="unknown solution concept"):
        solve(game, "nash")


GRID = np.linspace(0.0, 1.0, 2001)
STEP = GRID[1] - GRID[0]


def first_breaking_concession(params, levers, breaks) -> np.ndarray:
    """Per draw, the first grid concession at which ``breaks(game)`` holds (``inf`` if none)."""
    n = len(levers["concession"])
    tiled = {k: np.tile(v, len(GRID)) for k, v in params.items()}
    tiled_levers = {**{k: np.tile(v, len(GRID)) for k, v in levers.items()},
                    "concession": np.repeat(GRID, n)}
    broken = breaks(build_game(tiled, tiled_levers)).reshape(len(GRID), n)
    return np.where(broken.any(axis=0), GRID[np.argmax(broken, axis=0)], np.inf)


def assert_price_is_first_grid_break(price: np.ndarray, grid_break: np.ndarray) -> None:
    finite = np.isfinite(price)
    np.testing.assert_array_equal(np.isfinite(grid_break), finite)
    assert np.all(grid_break[finite] >= price[finite] - 1e-9)
    assert np.all(grid_break[finite] - price[finite] <= STEP + 1e-9)


def test_spe_reservation_price_equals_a_grid_search_over_the_concession():
    params, levers = random_draws(300, seed=4)
    price = reservation_prices(concession_line(params, levers), "spe")["break"]
    grid_break = first_breaking_concession(params, levers, lambda g: solve(g, "spe").probs[""][0] == 0)
    interior = (price > 0) & (price < 1)
    assert interior.sum() >= 30
    assert_price_is_first_grid_break(price, grid_break)
    # Exact, not just to the grid: a hair below the price the Taliban keeps, a hair above it breaks.
    line = concession_line(params, levers)
    for shift, keeps in ((-1e-9, 1.0), (1e-9, 0.0)):
        root = solve(line.at(np.where(interior, price + shift, 0.5)), "spe").probs[""][0]
        assert np.all(root[interior] == keeps)


@pytest.mark.parametrize("lam", [1.0, 10.0])
def test_qre_reservation_price_equals_a_grid_search_over_the_concession(lam):
    params, levers = random_draws(200, seed=5)
    price = reservation_prices(concession_line(params, levers), "qre", lam)["break"]

    def prefers_a_break(game: Game) -> np.ndarray:
        values = solve(game, "qre", lam).values
        return np.maximum(values["distance"][TALIBAN], values["sever"][TALIBAN]) >= values["keep"][TALIBAN]

    grid_break = first_breaking_concession(params, levers, prefers_a_break)
    assert np.sum((price > 0) & (price < 1)) >= 20
    assert_price_is_first_grid_break(price, grid_break)

