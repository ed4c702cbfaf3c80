"""One draw of the alliance game as a Gambit extensive-form file (``.efg``).

Gambit (McKelvey, McLennan & Turocy, *Gambit: Software Tools for Game Theory*) reads the file, so a
student can open the game drawn by :mod:`sim.model.game` in Gambit's graphical interface or solve it with
its command-line tools, and the tests can check our solvers against Gambit's on the same tree. The
text is written by hand, so the program needs no ``pygambit`` to export. Format: "Extensive form
games (.efg)" in Gambit's documentation, file format version 2.

Gambit's players are the three movers. The United States is not one: its levers are fixed before
play (see :mod:`sim.model.game`), so its payoff is left out of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, localcontext
from itertools import count

import numpy as np

from sim.model.game import AL_QAEDA, FACTION, TALIBAN, TREE, Chance, Decision, Game, Leaf, build_game
from sim.spec.scenario import Scenario

#: Gambit's player numbers (1, 2, 3) follow the rows of :data:`sim.model.game.PLAYERS`.
GAMBIT_PLAYERS = {TALIBAN: "Taliban leadership", FACTION: "Hardline faction", AL_QAEDA: "al-Qaeda"}
DEFAULT_TITLE = "Taliban / al-Qaeda alliance game"
NOTE = ("One draw of the alliance bargaining game of alliance-sim; payoffs in utility points of each "
        "player. The United States is not a mover (its concession, verification and pressure are set "
        "before play), so its payoff is not part of this game.")
#: Enough decimal digits to write 1 - q exactly for any double q in [0, 1] (the smallest is 5e-324).
_EXACT_DIGITS = 400


def game_efg(game: Game, draw: int = 0, title: str = DEFAULT_TITLE) -> str:
    """The text of an ``.efg`` file holding draw ``draw`` of ``game``.

    Parameters
    ----------
    game
        Payoffs and chance probabilities from :func:`sim.model.game.build_game`.
    draw
        Which Monte Carlo draw to write.
    title
        The game's title, shown by Gambit.

    Returns
    -------
    str
        Players Taliban leadership, Hardline faction and al-Qaeda (1, 2, 3); every decision node is
        its own information set (perfect information), nature decides detection, and every terminal
        node's outcome is labelled by its key in ``game.payoffs`` (``"distance/split/active/detected"``).
    """
    if not 0 <= draw < game.draws:
        raise IndexError(f"draw {draw} is outside the game's {game.draws} draws")
    players = " ".join(_quote(name) for name in GAMBIT_PLAYERS.values())
    numbers = {who: count(1) for who in (*GAMBIT_PLAYERS, "chance", "outcome")}
    lines = [f"EFG 2 R {_quote(title)} {{ {players} }}", _quote(NOTE), ""]
    lines += _node_lines(TREE, "", game, draw, numbers)
    return "\n".join(lines) + "\n"


def scenario_efg(scenario: Scenario) -> str:
    """The ``.efg`` text of ``scenario``'s game with every parameter at its central value."""
    central = {name: np.array([value]) for name, value in scenario.values().items()}
    levers = ", ".join(f"{name} {value:g}" for name, value in scenario.levers.items())
    return game_efg(build_game(central, scenario.levers),
                    title=f"{scenario.name} at central values ({levers})")


def _node_lines(node: Decision | Chance | Leaf, path: str, game: Game, draw: int,
                numbers: dict[object, count]) -> Iterator[str]:
    """The lines of ``node`` and its subtree, in the pre-order Gambit expects."""
    if isinstance(node, Leaf):
        payoffs = ", ".join(repr(float(x)) for x in game.payoffs[node.key][list(GAMBIT_PLAYERS), draw])
        yield f"t {_quote(node.key)} {next(numbers['outcome'])} {_quote(node.key)} {{ {payoffs} }}"
        return
    if isinstance(node, Chance):
        children = node.outcomes
        probs = _exact_pair(float(game.chance[node.prob][draw]))
        branches = " ".join(f"{_quote(name)} {p}" for name, p in zip(children, probs, strict=True))
        yield f"c {_quote(path)} {next(numbers['chance'])} {_quote(path)} {{ {branches} }} 0"
    else:
        children = node.actions
        actions = " ".join(_quote(name) for name in children)
        yield (f"p {_quote(path)} {node.player + 1} {next(numbers[node.player])} {_quote(path)} "
               f"{{ {actions} }} 0")
    for name, child in children.items():
        yield from _node_lines(child, f"{path}/{name}" if path else name, game, draw, numbers)


def _exact_pair(q: float) -> tuple[str, str]:
    """``q`` and ``1 - q`` as decimals summing to exactly one (Gambit rejects any other sum)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"chance probability {q} is outside [0, 1]")
    with localcontext(prec=_EXACT_DIGITS):
        first = Decimal(repr(q))
        return f"{first:f}", f"{1 - first:f}"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
