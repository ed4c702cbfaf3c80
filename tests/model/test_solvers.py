"""The solvers on games whose answers are worked out by hand, and their general properties.

``ROUND`` gives every parameter of the catalogue a round number so that each terminal
payoff of ``sim/model/game.py`` can be written out below as arithmetic; the cases after it change a few
numbers to send the subgame-perfect path down every branch of the tree.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.game import (
    AL_QAEDA,
    TALIBAN,
    TREE,
    Chance,
    Decision,
    Game,
    Leaf,
    build_game,
    concession_line,
)
from sim.model.price import reservation_prices
from sim.model.solve import Solution, reach_below, solve
from sim.spec.parameters import CATALOGUE, LEVERS


def random_draws(n: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Parameters and levers uniform over their admissible ranges."""
    rng = np.random.default_rng(seed)
    return ({p.name: rng.uniform(p.low, p.high, n) for p in CATALOGUE},
            {lever: rng.uniform(0, 1, n) for lever in LEVERS})


def one_draw(seed: int = 0) -> Game:
    params, levers = random_draws(1, seed)
    return build_game(params, levers)


def plain_backward_induction(game: Game, draw: int, node=TREE, path: str = "") -> tuple[np.ndarray, dict]:
    """Subgame-perfect values and choices of one draw in plain Python (ties to the first action)."""
    if isinstance(node, Leaf):
        return game.payoffs[node.key][:, draw], {}
    if isinstance(node, Chance):
        (_, first), (_, second) = node.outcomes.items()
        q = float(game.chance[node.prob][draw])
        return q * game.payoffs[first.key][:, draw] + (1 - q) * game.payoffs[second.key][:, draw], {}
    best, choices = None, {}
    for i, (action, child) in enumerate(node.actions.items()):
        value, below = plain_backward_induction(game, draw, child, f"{path}/{action}" if path else action)
        choices.update(below)
        if best is None or value[node.player] > best[1][node.player]:
            best = (i, value)
    choices[path] = best[0]
    return best[1], choices


def test_subgame_perfect_choices_at_every_node_match_a_plain_backward_induction():
    params, levers = random_draws(300, seed=11)
    game = build_game(params, levers)
    sol = solve(game, "spe")
    for draw in range(game.draws):
        value, choices = plain_backward_induction(game, draw)
        assert set(choices) == set(sol.probs)
        for path, chosen in choices.items():
            assert int(np.argmax(sol.probs[path][:, draw])) == chosen, path
        np.testing.assert_allclose(sol.values[""][:, draw], value, atol=1e-12)


def test_below_each_move_the_solved_paths_of_random_games_reach_every_terminal():
    params, levers = random_draws(5000, seed=12)
    game = build_game(params, levers)
    sol = solve(game, "spe")
    reached = {key for move in ("keep", "distance", "sever")
               for key, mass in reach_below(sol, game, move).items() if mass.max() > 0}
    assert reached == set(game.payoffs)


def test_qre_at_lambda_zero_is_uniform_at_every_node():
    params, levers = random_draws(500, seed=1)
    sol = solve(build_game(params, levers), "qre", 0.0)
    for path, probs in sol.probs.items():
        np.testing.assert_allclose(probs, 1 / probs.shape[0], atol=1e-15, err_msg=path)


def test_qre_precision_is_in_inverse_utility_points():
    # With lambda = ln 3, a utility gap of g makes the better action 3**g times as likely. After
    # keep, al-Qaeda weighs restraint against an attack abroad, a node with leaves only.
    game = one_draw(seed=3)
    sol = solve(game, "qre", np.log(3.0))
    gap = game.payoffs["keep/attack"][AL_QAEDA, 0] - game.payoffs["keep/restrain"][AL_QAEDA, 0]
    np.testing.assert_allclose(sol.probs["keep"][1, 0] / sol.probs["keep"][0, 0], 3.0**gap, rtol=1e-12)


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


@pytest.mark.slow
def test_spe_reservation_price_equals_a_grid_search_over_the_concession():
    params, levers = random_draws(300, seed=4)
    price = reservation_prices(concession_line(params, levers), "spe")["distance_or_sever"]
    grid_break = first_breaking_concession(params, levers, lambda g: solve(g, "spe").probs[""][0] == 0)
    interior = (price > 0) & (price < 1)
    assert interior.sum() >= 30
    assert_price_is_first_grid_break(price, grid_break)
    # Exact, not just to the grid: a hair below the price the Taliban keeps, a hair above it breaks.
    line = concession_line(params, levers)
    for shift, keeps in ((-1e-9, 1.0), (1e-9, 0.0)):
        root = solve(line.at(np.where(interior, price + shift, 0.5)), "spe").probs[""][0]
        assert np.all(root[interior] == keeps)


def taliban_best(move: str, concept: str, lam: float = 10.0):
    """Per game, whether ``move`` is worth at least as much to the leadership as both others."""
    def best(game: Game) -> np.ndarray:
        v = solve(game, concept, lam).values
        return np.all([v[move][TALIBAN] >= v[o][TALIBAN] for o in ("keep", "distance", "sever") if o != move],
                      axis=0)
    return best


@pytest.mark.slow
@pytest.mark.parametrize("concept", ["spe", "qre"])
@pytest.mark.parametrize("move", ["sever", "distance"])
def test_sever_and_pledge_prices_equal_a_grid_search_over_the_concession(concept, move):
    params, levers = random_draws(300, seed=6)
    price = reservation_prices(concession_line(params, levers), concept, 10.0)[move]
    grid_first = first_breaking_concession(params, levers, taliban_best(move, concept))
    assert np.sum((price > 0) & (price < 1)) >= 10
    assert_price_is_first_grid_break(price, grid_first)


@pytest.mark.slow
@pytest.mark.parametrize("lam", [1.0, 10.0])
def test_qre_reservation_price_equals_a_grid_search_over_the_concession(lam):
    params, levers = random_draws(200, seed=5)
    price = reservation_prices(concession_line(params, levers), "qre", lam)["distance_or_sever"]

    def prefers_a_break(game: Game) -> np.ndarray:
        values = solve(game, "qre", lam).values
        return np.maximum(values["distance"][TALIBAN], values["sever"][TALIBAN]) >= values["keep"][TALIBAN]

    grid_break = first_breaking_concession(params, levers, prefers_a_break)
    assert np.sum((price > 0) & (price < 1)) >= 20
    assert_price_is_first_grid_break(price, grid_break)

