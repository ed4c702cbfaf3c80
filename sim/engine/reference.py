"""The numpy reference of a chunk's evaluation: the model's game solved by :mod:`sim.model.solve`
and priced by :mod:`sim.model.price`, reduced to the same per-draw outputs and fixed-point node sums the
compiled kernel gives (``tests/engine/test_kernel.py`` holds the two equal). The mutation check runs it
(``ALLIANCE_SIM_KERNEL=reference``), and the workshop solves its rounds with forced moves through it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from sim.engine.kernel.layout import AQ_RESPONSES
from sim.engine.results import FIXED_POINT, Chunk
from sim.model.game import (
    AL_QAEDA,
    MOVES,
    PLAYERS,
    TALIBAN,
    Game,
    concession_line,
    funding_dependence,
    material_net,
    taliban_terms,
)
from sim.model.price import reservation_prices
from sim.model.solve import Solution, reach_below, solve, terminal_mass

Array = NDArray[np.float64]


def evaluate_reference(params, levers, concept: str, lam: float, n: int,
                       prices: Mapping[str, Array] | None = None) -> Chunk:
    """:func:`evaluate` in numpy (:mod:`sim.model.solve`, :mod:`sim.model.price`): the reference in tests."""
    line = concession_line(params, levers)
    game = line.at(levers["concession"])
    sol = solve(game, concept, lam)
    out = outcome_arrays(sol, game, params)
    if prices is None:
        prices = {f"price_{k}": v for k, v in reservation_prices(line, concept, lam, sol).items()}
    out.update(prices)
    terms = taliban_terms(params, levers)
    out["material_net"] = material_net(terms)
    out["funding_dependence"] = funding_dependence(params)
    per_draw = {k: per_draw_array(v, n) for k, v in out.items()}
    return Chunk(per_draw, node_sums(sol, n), tuple(sol.reach))


def per_draw_array(values: Array | float, n: int) -> Array:
    """``values`` as an ``(n,)`` float array (a fixed parameter's scalar is repeated)."""
    values = np.asarray(values, dtype=float)
    return values if values.shape == (n,) else np.full(n, values)


def node_sums(sol: Solution, n: int) -> dict[str, Array]:
    """Fixed-point sums over the draws of the branch probabilities at every node and of the reach
    of every terminal (``"reach"``, in ``sol.reach`` order)."""
    sums = {path: _fixed_sum(p, n) for path, p in sol.probs.items()}
    sums.update({path: _fixed_sum(np.stack([q, 1 - q]), n) for path, q in sol.chance.items()})
    sums["reach"] = _fixed_sum(np.stack(list(sol.reach.values())), n)
    return sums


def _fixed_sum(p: Array, n: int) -> Array:
    """Row sums over ``n`` draws of ``(k, n)`` probabilities (or ``(k, 1)`` for a game with every
    parameter fixed) in exact fixed point; int64 holds 2**31 draws a chunk."""
    return np.rint(np.broadcast_to(p, (p.shape[0], n)) * FIXED_POINT).astype(np.int64).sum(axis=1)


def _derived_values(keep_t, distance_t, sever_t, keep_aq, distance_aq, sever_aq) -> dict[str, Array]:
    """What each move is worth against the others, from the values at the move nodes."""
    return {
        "net_alliance_value": keep_t - np.maximum(distance_t, sever_t),
        # What a Sever costs each side against Keep (fact 3): al-Qaeda's loss, the Taliban's loss.
        "aq_net_gain": keep_aq - sever_aq,
        "taliban_sever_loss": keep_t - sever_t,
        # What a pledge leaves al-Qaeda of its Keep value (fact 1: it hardly falls).
        "aq_value_keep": keep_aq,
        "aq_value_distance": distance_aq,
    }


def outcome_arrays(sol: Solution, game: Game, params: Mapping[str, Array | float]) -> dict[str, Array]:
    """Outcome probabilities, al-Qaeda's responses, expected utilities and derived values per draw."""
    root = sol.probs[""]
    out = {m: root[i] for i, m in enumerate(MOVES)}
    out["distance_or_sever"] = out["distance"] + out["sever"]
    out["split"] = terminal_mass(sol, segment="split")
    out["split_if_sever"] = sol.probs["sever"][1]
    out["detected"] = terminal_mass(sol, "distance", "detected")
    out["deal"] = terminal_mass(sol, "sever") + terminal_mass(sol, "distance", "undetected")
    out.update({f"aq_{r}": terminal_mass(sol, segment=r) for r in AQ_RESPONSES})
    out["external_op"] = out["aq_attack"]
    for m in MOVES:   # al-Qaeda's attack abroad after each move, whether or not the move is played
        below = reach_below(sol, game, m)
        out[f"external_op_if_{m}"] = sum(r for k, r in below.items() if k.endswith("attack"))
    # An attack falls on the Taliban where it is traced to Afghan soil: always while al-Qaeda is
    # hosted (Keep, Distance), from underground after a Sever with probability sever_trace.
    from_underground = sum(r for k, r in sol.reach.items()
                           if k.startswith("sever") and "underground/attack" in k)
    out["retaliation"] = (terminal_mass(sol, "keep", "attack") + terminal_mass(sol, "distance", "attack")
                          + params["sever_trace"] * from_underground)
    out.update({f"eu_{pl}": sol.values[""][i] for i, pl in enumerate(PLAYERS)})
    v = sol.values
    out.update(_derived_values(v["keep"][TALIBAN], v["distance"][TALIBAN], v["sever"][TALIBAN],
                               v["keep"][AL_QAEDA], v["distance"][AL_QAEDA], v["sever"][AL_QAEDA]))
    return out
