"""Our solvers against Gambit's, on the same trees built independently with pygambit 17.

The tree is spelled out here by hand from the model document (not read from ``sim.model.game.TREE``),
and so are the numbers: the payoffs and detection probabilities come from the independent payoff
function of ``tests/independent_payoffs.py``, which agrees with ``build_game`` to 1e-12. Gambit's logit QRE
(``pygambit.qre.logit_solve_lambda``, a path-following solver) must match our closed-form backward
logit at every node, and backward induction done here on Gambit's own tree must match our SPE.
Gambit's ``lcp_solve`` is not used: it may return a Nash equilibrium that rests on a non-credible
threat, so it is no check of subgame perfection.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import independent_payoffs as independent
import numpy as np
import pygambit as gbt
import pytest
from pygambit import H

from sim.engine.driver import sample
from sim.model.efg import GAMBIT_PLAYERS, game_efg, scenario_efg
from sim.model.game import Game, build_game
from sim.model.solve import solve
from sim.spec.parameters import CATALOGUE, LEVERS
from sim.spec.scenario import load_scenario, preset_names

pytestmark = pytest.mark.slow

TALIBAN, FACTION, AL_QAEDA = GAMBIT_PLAYERS.values()
ROW = {name: row for row, name in GAMBIT_PLAYERS.items()}
LAMBDAS = (0.5, 2.0, 8.0, 32.0)
DRAWS_PER_SOURCE = 200
#: Gambit traces the logit path numerically; on these draws it agrees with ours to 1.4e-9.
QRE_TOLERANCE = 1e-7
EFG_DRAWS = 25


def independent_game(params: dict, levers: dict, n: int) -> Game:
    """The game of ``n`` draws, its numbers from the independent payoff function."""
    per_draw = []
    for i in range(n):
        one = {k: float(np.broadcast_to(v, (n,))[i]) for k, v in params.items()}
        per_draw.append((independent.payoffs(one, {k: float(v[i]) for k, v in levers.items()}),
                         independent.chances(one, {k: float(v[i]) for k, v in levers.items()})))
    payoffs = {key: np.array([d[0][key] for d in per_draw]).T for key in per_draw[0][0]}
    chance = {f"detect_{k}": np.array([d[1][k] for d in per_draw]) for k in per_draw[0][1]}
    return Game(payoffs, chance)


def uniform_draws(n: int, seed: int) -> Game:
    """Every parameter and lever uniform over its whole admissible range."""
    rng = np.random.default_rng(seed)
    params = {p.name: rng.uniform(p.low, p.high, n) for p in CATALOGUE}
    return independent_game(params, {lever: rng.uniform(0, 1, n) for lever in LEVERS}, n)


def baseline_draws(n: int, seed: int) -> Game:
    """Parameters drawn from the 2018 baseline's distributions, levers uniform."""
    drawn = sample(load_scenario("baseline-2018"), draws=n, seed=seed)
    rng = np.random.default_rng(seed)
    return independent_game(drawn.params, {lever: rng.uniform(0, 1, n) for lever in LEVERS}, n)


@pytest.fixture(scope="module", params=["uniform", "baseline"])
def game(request) -> Game:
    source = uniform_draws if request.param == "uniform" else baseline_draws
    return source(DRAWS_PER_SOURCE, seed=17)


def gambit_tree(game: Game, draw: int) -> gbt.ExtensiveGame:
    """The alliance game of one draw, built move by move with pygambit."""
    g = gbt.ExtensiveGame([TALIBAN, FACTION, AL_QAEDA], title="alliance")
    g.append_move(H.path(), TALIBAN, ["keep", "distance", "sever"])
    abroad = ["restrain", "attack"]
    g.append_move(H.path("keep"), AL_QAEDA, abroad)
    for move, responses in (("distance", ["lie_low", "active"]), ("sever", ["relocate", "underground"])):
        g.append_move(H.path(move), FACTION, ["stay", "split"])
        for faction in ("stay", "split"):
            g.append_move(H.path(move, faction), AL_QAEDA, responses)
            for response in responses:
                g.append_move(H.path(move, faction, response), AL_QAEDA, abroad)
    for faction in ("stay", "split"):
        for response in ("lie_low", "active"):
            detect = Decimal(repr(float(game.chance[f"detect_{response}"][draw])))
            odds = {"detected": detect, "undetected": 1 - detect}
            g.append_event(H.path("distance", faction, response, "restrain"), odds)
    for history in g.get_histories(H.path().plays):
        key = "/".join(history.actions)
        payoffs = game.payoffs[key][:, draw]
        g.make_outcome(H.path(*history.actions), {name: float(payoffs[ROW[name]]) for name in ROW}, key)
    return g


@dataclass(frozen=True)
class GambitNode:
    """What Gambit's tree holds at one node."""

    player: str | None
    actions: tuple[str, ...]
    chance: tuple[float, ...]
    payoffs: tuple[float, ...]


def gambit_nodes(g: gbt.ExtensiveGame) -> dict[tuple[str, ...], GambitNode]:
    """Every node of ``g``, keyed by the actions leading to it, read through Gambit's API."""
    nodes = {}
    for history in g.get_histories(H.after()):
        at = H.path(*history.actions)
        outcome = g.get_outcome(at)
        payoffs = g.get_outcome_payoffs(outcome) if outcome else {}
        nodes[history.actions] = GambitNode(
            player=g.get_player(at),
            actions=tuple(g.get_actions(at)),
            chance=tuple(float(p) for p in g.get_action_probs(at).values()),
            payoffs=tuple(float(payoffs[name]) for name in ROW) if payoffs else (),
        )
    return nodes


def backward_induction(nodes: dict[tuple[str, ...], GambitNode], at: tuple[str, ...] = (),
                       choices: dict[str, str] | None = None) -> tuple[np.ndarray, dict[str, str]]:
    """Subgame-perfect values and choices on Gambit's tree; ties go to the first action."""
    choices = {} if choices is None else choices
    node = nodes[at]
    if not node.actions:
        return np.array(node.payoffs), choices
    children = [backward_induction(nodes, (*at, a), choices)[0] for a in node.actions]
    if node.chance:
        return sum(p * v for p, v in zip(node.chance, children, strict=True)), choices
    mover = ROW[node.player]
    best = max(range(len(children)), key=lambda i: (children[i][mover], -i))
    choices["/".join(at)] = node.actions[best]
    return children[best], choices


def test_gambit_logit_qre_equals_ours_at_every_node_and_lambda(game):
    ours = {lam: solve(game, "qre", lam) for lam in LAMBDAS}
    worst = 0.0
    for draw in range(game.draws):
        g = gambit_tree(game, draw)
        decisions = [h.actions for name in ROW for h in g.get_infosets(name)]
        assert {"/".join(a) for a in decisions} == set(ours[LAMBDAS[0]].probs)
        for lam, qre in zip(LAMBDAS, gbt.qre.logit_solve_lambda(g, list(LAMBDAS)), strict=True):
            assert qre.lam == pytest.approx(lam, abs=1e-8)
            for actions in decisions:
                theirs = np.array([float(p) for _, p in qre.profile[H.path(*actions)]])
                mine = ours[lam].probs["/".join(actions)][:, draw]
                worst = max(worst, float(np.abs(theirs - mine).max()))
    assert worst < QRE_TOLERANCE


def test_our_spe_is_backward_induction_on_gambits_tree(game):
    spe = solve(game, "spe")
    for draw in range(game.draws):
        nodes = gambit_nodes(gambit_tree(game, draw))
        root_value, choices = backward_induction(nodes)
        assert set(choices) == set(spe.probs)
        for path, action in choices.items():
            offered = nodes[tuple(path.split("/")) if path else ()].actions
            assert spe.probs[path][:, draw].tolist() == [float(a == action) for a in offered]
        np.testing.assert_allclose(spe.values[""][[*GAMBIT_PLAYERS], draw], root_value, atol=1e-12)


def test_exported_efg_reads_back_as_the_same_game():
    game = uniform_draws(EFG_DRAWS, seed=5)
    for draw in range(EFG_DRAWS):
        exported = gbt.read_efg(io.StringIO(game_efg(game, draw)))
        assert list(exported.players) == [TALIBAN, FACTION, AL_QAEDA]
        assert gambit_nodes(exported) == gambit_nodes(gambit_tree(game, draw))


@pytest.mark.parametrize("name", preset_names())
def test_scenario_efg_holds_the_central_values_of_the_preset(name):
    scenario = load_scenario(name)
    exported = gbt.read_efg(io.StringIO(scenario_efg(scenario)))
    central = build_game(scenario.values(), scenario.levers)
    assert exported.title.startswith(scenario.name)
    for key, payoffs in central.payoffs.items():
        got = exported.get_outcome_payoffs(key)
        assert [float(got[name]) for name in ROW] == payoffs[[*GAMBIT_PLAYERS]].ravel().tolist()


def test_efg_export_refuses_a_draw_the_game_does_not_have():
    with pytest.raises(IndexError, match="draw 3"):
        game_efg(uniform_draws(3, seed=0), draw=3)
