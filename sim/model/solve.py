"""Solving the game for every draw at once: subgame-perfect equilibrium and logit agent QRE.

Both solvers walk :data:`sim.model.game.TREE` backward once; every step is a numpy operation over all
draws, so there is no Python loop per draw (Nashpy's style: pure functions over arrays).

* **SPE** by backward induction (Selten 1965): each mover takes the action with the highest
  continuation value; ties go to the first listed action (keep / stay / the quieter al-Qaeda move).
* **Logit agent QRE** (McKelvey & Palfrey 1998): at each node the mover plays action ``a`` with
  probability proportional to ``exp(lam * U(a))``, ``U`` the continuation value under the QRE play
  below. At ``lam = 0`` play is uniform; as ``lam`` grows it converges to the SPE. ``lam`` is in
  inverse utility points, on raw payoffs, as in Gambit's ``logit_solve_lambda``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.model.game import TREE, Chance, Decision, Game, Leaf

Array = NDArray[np.float64]
Chooser = Callable[[Array, str], Array]


@dataclass(frozen=True)
class Solution:
    """Behaviour and values of one solved game, per draw.

    ``probs[path]`` is the ``(k, n)`` probability of each action at the decision node reached by
    ``path`` (``""`` for the root, ``"distance/stay"`` ...); ``values[path]`` the ``(4, n)`` expected
    payoffs there; ``reach[key]`` the ``(n,)`` probability that play ends at terminal ``key``;
    ``chance[path]`` the ``(n,)`` probability of the first outcome at each chance node.
    """

    probs: dict[str, Array]
    values: dict[str, Array]
    reach: dict[str, Array]
    chance: dict[str, Array]


def spe_choice(utilities: Array, path: str = "") -> Array:
    """One-hot best responses ``(k, n)``; ties go to the first action.

    A running comparison over the few actions is several times faster than ``argmax`` on axis 0.
    """
    best_value, best = utilities[0], np.zeros(utilities.shape[1], dtype=np.intp)
    for i in range(1, utilities.shape[0]):
        better = utilities[i] > best_value
        best = np.where(better, i, best)
        best_value = np.where(better, utilities[i], best_value)
    return (np.arange(utilities.shape[0])[:, None] == best[None, :]).astype(float)


def logit_choice(lam: float) -> Chooser:
    """Logit response with precision ``lam``: P(a) proportional to exp(lam * U(a))."""

    def choose(utilities: Array, path: str = "") -> Array:
        z = lam * (utilities - utilities.max(axis=0, keepdims=True))
        w = np.exp(z)
        return w / w.sum(axis=0)

    return choose


def solve(game: Game, concept: str = "spe", lam: float = 10.0,
          forced: Mapping[str, str] | None = None) -> Solution:
    """Solve every draw of ``game`` by ``concept`` (``"spe"`` or ``"qre"`` at precision ``lam``).

    ``forced`` maps decision-node paths to an action announced before play (a workshop team's
    choice for that player): the node plays it for sure and the other movers solve against it.
    """
    if concept == "spe":
        choose = spe_choice
    elif concept == "qre":
        if not lam >= 0:
            raise ValueError(f"lambda must be non-negative, got {lam}")
        choose = logit_choice(lam)
    else:
        raise ValueError(f"unknown solution concept '{concept}' (choose spe or qre)")
    probs: dict[str, Array] = {}
    values: dict[str, Array] = {}
    _backward(TREE, "", game, _forcing(choose, forced or {}), probs, values)
    reach: dict[str, Array] = {}
    chance: dict[str, Array] = {}
    _forward(TREE, "", np.ones(game.draws), game, probs, reach, chance)
    return Solution(probs, values, reach, chance)


def _forcing(choose: Chooser, forced: Mapping[str, str]) -> Callable[[Array, str, Decision], Array]:
    """The chooser, except at forced nodes, where the announced action has probability one."""
    index = {}
    for path, action in forced.items():
        node = node_at(path)
        if node is None or action not in node.actions:
            raise ValueError(f"no decision node {path!r} with an action {action!r}")
        index[path] = list(node.actions).index(action)

    def choose_at(utilities: Array, path: str, node: Decision) -> Array:
        if path not in index:
            return choose(utilities)
        return (np.arange(utilities.shape[0])[:, None] == index[path]) * np.ones(utilities.shape[1])

    return choose_at


def node_at(path: str) -> Decision | None:
    """The decision node reached by ``path`` (``""`` is the root), or ``None``."""
    node = TREE
    for step in filter(None, path.split("/")):
        children = node.actions if isinstance(node, Decision) else getattr(node, "outcomes", {})
        if step not in children:
            return None
        node = children[step]
    return node if isinstance(node, Decision) else None


def _join(path: str, step: str) -> str:
    return f"{path}/{step}" if path else step


def _backward(node, path: str, game: Game, choose: Callable, probs: dict, values: dict) -> Array:
    if isinstance(node, Leaf):
        return game.payoffs[node.key]
    if isinstance(node, Chance):
        first, second = (_backward(child, _join(path, name), game, choose, probs, values)
                         for name, child in node.outcomes.items())
        q = game.chance[node.prob]
        return q * first + (1 - q) * second
    children = [_backward(child, _join(path, name), game, choose, probs, values)
                for name, child in node.actions.items()]                   # k arrays (4, n)
    p = choose(np.stack([c[node.player] for c in children]), path, node)
    probs[path] = p
    # The expected payoffs, accumulated in place (cheaper than stacking the (k, 4, n) children).
    value = children[0] * p[0]
    for child, weight in zip(children[1:], p[1:], strict=True):
        value += child * weight
    values[path] = value
    return value


def _forward(node, path: str, mass: Array, game: Game, probs: dict, reach: dict, chance: dict) -> None:
    if isinstance(node, Leaf):
        reach[node.key] = mass
    elif isinstance(node, Chance):
        q = chance[path] = game.chance[node.prob]
        (n1, c1), (n2, c2) = node.outcomes.items()
        _forward(c1, _join(path, n1), mass * q, game, probs, reach, chance)
        _forward(c2, _join(path, n2), mass * (1 - q), game, probs, reach, chance)
    else:
        for i, (name, child) in enumerate(node.actions.items()):
            _forward(child, _join(path, name), mass * probs[path][i], game, probs, reach, chance)


def values_under(probs: dict[str, Array], game: Game, rows: tuple[int, ...] | None = None
                 ) -> dict[str, Array]:
    """The expected payoffs at every decision node when play follows ``probs`` (``rows``: only those
    players' payoffs, which is all the price search needs).

    Linear in the payoffs: the same behaviour applied to a game's slope in the concession gives the
    slope of every node's value (see :mod:`sim.model.price`).
    """
    values: dict[str, Array] = {}
    pick = list(rows) if rows is not None else slice(None)
    _walk_values(TREE, "", game, probs, pick, values)
    return values


def _walk_values(node, path: str, game: Game, probs: dict[str, Array], pick, values: dict) -> Array:
    """:func:`values_under` below ``node`` (a module function: a recursive closure would form a
    reference cycle that keeps every chunk's game alive until a full garbage collection)."""
    if isinstance(node, Leaf):
        return game.payoffs[node.key][pick]
    if isinstance(node, Chance):
        first, second = (_walk_values(child, _join(path, name), game, probs, pick, values)
                         for name, child in node.outcomes.items())
        q = game.chance[node.prob]
        return second + q * (first - second)
    weights = probs[path]
    value = None
    for i, (name, child) in enumerate(node.actions.items()):
        term = _walk_values(child, _join(path, name), game, probs, pick, values) * weights[i]
        value = term if value is None else value + term
    values[path] = value
    return value


def reach_below(sol: Solution, game: Game, path: str) -> dict[str, Array]:
    """Probability of each terminal under the node at ``path``, given that play gets there."""
    node = TREE
    for step in filter(None, path.split("/")):
        node = node.actions[step] if isinstance(node, Decision) else node.outcomes[step]
    reach: dict[str, Array] = {}
    _forward(node, path, np.ones(game.draws), game, sol.probs, reach, {})
    return reach


def terminal_mass(sol: Solution, prefix: str = "", segment: str | None = None) -> Array:
    """Probability that play ends under ``prefix`` and passes an action named ``segment``."""
    total = None
    for key, mass in sol.reach.items():
        parts = key.split("/")
        if key.startswith(prefix) and (segment is None or segment in parts):
            total = mass if total is None else total + mass
    if total is None:
        raise KeyError(f"no terminal matches {prefix!r} / {segment!r}")
    return total
