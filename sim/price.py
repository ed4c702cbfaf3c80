"""The Taliban's reservation price: the smallest concession at which it prefers a break to Keep.

Per draw and separately for Distance and Sever, as a concession ``c`` in [0, 1]; ``inf`` where no
concession in that range is enough. Under the SPE the price is exact: every payoff is affine in
``c``, al-Qaeda's payoffs do not involve ``c``, so the only choice that moves with ``c`` is the
hardline faction's stay-or-split, itself an affine comparison; the Taliban's value of each move is
then affine on each side of the faction's threshold and its first crossing of the Keep value is
found in closed form. Under QRE the values are smooth, and a vectorised bisection is used.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from sim.model import FACTION, TALIBAN, Values, build_game
from sim.solve import solve

Array = NDArray[np.float64]
BREAKS = ("distance", "sever")
BISECTION_STEPS = 40


def reservation_prices(p: Values, levers: Mapping[str, float], concept: str = "spe",
                       lam: float = 10.0) -> dict[str, Array]:
    """``{"distance": ..., "sever": ..., "break": ...}`` prices per draw (``inf`` where none)."""
    prices = (_spe_prices(p, levers) if concept == "spe" else _bisection_prices(p, levers, lam))
    prices["break"] = np.minimum(prices["distance"], prices["sever"])
    return prices


def _solve_at(p: Values, levers: Mapping[str, float], c, concept: str, lam: float):
    return solve(build_game(p, {**levers, "concession": c}), concept, lam)


def _spe_prices(p: Values, levers: Mapping[str, float]) -> dict[str, Array]:
    lo, hi = _solve_at(p, levers, 0.0, "spe", 0.0), _solve_at(p, levers, 1.0, "spe", 0.0)
    keep = lo.values["keep"][TALIBAN]
    out = {}
    for move in BREAKS:
        # The faction stays where stay_gap(c) = alpha + beta * c >= 0 (ties go to stay).
        alpha, beta = _affine(lo, hi, f"{move}/stay", FACTION, f"{move}/split", FACTION)
        stay_lo, stay_hi = _interval_where_nonneg(alpha, beta)
        split_lo, split_hi = _interval_where_nonneg(-alpha, -beta)
        a_stay, b_stay = _affine(lo, hi, f"{move}/stay", TALIBAN, None, None, keep)
        a_split, b_split = _affine(lo, hi, f"{move}/split", TALIBAN, None, None, keep)
        out[move] = np.minimum(_first_root(a_stay, b_stay, stay_lo, stay_hi),
                               _first_root(a_split, b_split, split_lo, split_hi))
    return out


def _affine(lo, hi, path: str, player: int, minus_path, minus_player, minus_const=0.0):
    """Intercept and slope in ``c`` of ``value(path) - value(minus_path) - minus_const``."""
    def at(sol):
        v = sol.values[path][player] - minus_const
        return v - sol.values[minus_path][minus_player] if minus_path else v
    a = at(lo)
    return a, at(hi) - a


def _interval_where_nonneg(alpha: Array, beta: Array) -> tuple[Array, Array]:
    """The sub-interval of [0, 1] where ``alpha + beta * c >= 0`` (empty when lo > hi)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -alpha / beta
    lo = np.where(beta > 0, np.maximum(root, 0.0), 0.0)
    hi = np.where(beta < 0, np.minimum(root, 1.0), 1.0)
    flat_bad = (beta == 0) & (alpha < 0)
    return np.where(flat_bad, np.inf, lo), np.where(flat_bad, -np.inf, hi)


def _first_root(a: Array, b: Array, lo: Array, hi: Array) -> Array:
    """Smallest ``c`` in [lo, hi] with ``a + b * c >= 0``; ``inf`` if none."""
    at_lo = a + b * lo >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -a / b
    rising = (b > 0) & (root <= hi) & (root >= lo)
    price = np.where(at_lo, lo, np.where(rising, root, np.inf))
    return np.where(lo <= hi, price, np.inf)


def _bisection_prices(p: Values, levers: Mapping[str, float], lam: float) -> dict[str, Array]:
    def gaps(c):
        sol = _solve_at(p, levers, c, "qre", lam)
        keep = sol.values["keep"][TALIBAN]
        return {m: sol.values[m][TALIBAN] - keep for m in BREAKS}

    n = np.broadcast(*(np.asarray(v) for v in p.values())).shape
    at0, at1 = gaps(np.zeros(n)), gaps(np.ones(n))
    lo, hi = np.zeros((2, *n)), np.ones((2, *n))
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        g = gaps(mid[0]), gaps(mid[1])
        for i, m in enumerate(BREAKS):
            up = g[i][m] >= 0
            hi[i] = np.where(up, mid[i], hi[i])
            lo[i] = np.where(up, lo[i], mid[i])
    out = {}
    for i, m in enumerate(BREAKS):
        out[m] = np.where(at0[m] >= 0, 0.0, np.where(at1[m] >= 0, hi[i], np.inf))
    return out
