"""The Taliban's reservation price: the smallest concession at which it prefers a break to Keep.

Per draw and separately for Distance and Sever, as a concession ``c`` in [0, 1]; ``inf`` where no
concession in that range is enough. Both methods work on the :class:`~sim.model.ConcessionLine`.

* **SPE, exact.** Al-Qaeda's payoffs do not involve ``c``, so the only choice that moves with ``c``
  is the hardline faction's stay-or-split, an affine comparison with one threshold. On each side of
  it the Taliban's value of the move is affine in ``c``, so its first crossing of the Keep value
  has a closed form.
* **QRE, numerical.** The values are smooth in ``c``; the crossing is found per draw by a
  vectorised Illinois (safeguarded regula falsi) iteration, with a bisection step every third
  iteration so the bracket always shrinks (Dowell & Jarratt 1971), and steps of at least half
  ``TOLERANCE``, until every bracket is narrower than ``TOLERANCE``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.model import FACTION, TALIBAN, ConcessionLine
from sim.solve import Solution, solve

Array = NDArray[np.float64]
BREAKS = ("distance", "sever")
TOLERANCE = 1e-10
MAX_STEPS = 100


def reservation_prices(line: ConcessionLine, concept: str = "spe", lam: float = 10.0) -> dict[str, Array]:
    """``{"distance": ..., "sever": ..., "break": ...}`` prices per draw (``inf`` where none)."""
    prices = _spe_prices(line) if concept == "spe" else _qre_prices(line, lam)
    prices["break"] = np.minimum(prices["distance"], prices["sever"])
    return prices


def _spe_prices(line: ConcessionLine) -> dict[str, Array]:
    lo, hi = solve(line.at(0.0), "spe"), solve(line.at(1.0), "spe")
    keep = lo.values["keep"][TALIBAN]
    out = {}
    for move in BREAKS:
        # The faction stays where stay_gap(c) = alpha + beta * c >= 0 (ties go to stay).
        alpha, beta = _affine(lo, hi, f"{move}/stay", FACTION, _value(lo, f"{move}/split", FACTION),
                              _value(hi, f"{move}/split", FACTION))
        stay_lo, stay_hi = _interval_where_nonneg(alpha, beta)
        split_lo, split_hi = _interval_where_nonneg(-alpha, -beta)
        a_stay, b_stay = _affine(lo, hi, f"{move}/stay", TALIBAN, keep, keep)
        a_split, b_split = _affine(lo, hi, f"{move}/split", TALIBAN, keep, keep)
        out[move] = np.minimum(_first_root(a_stay, b_stay, stay_lo, stay_hi),
                               _first_root(a_split, b_split, split_lo, split_hi))
    return out


def _value(sol: Solution, path: str, player: int) -> Array:
    return sol.values[path][player]


def _affine(lo: Solution, hi: Solution, path: str, player: int, minus_lo, minus_hi) -> tuple[Array, Array]:
    """Intercept and slope in ``c`` of ``value(path, player) - minus``, from its values at 0 and 1."""
    a = _value(lo, path, player) - minus_lo
    return a, _value(hi, path, player) - minus_hi - a


def _interval_where_nonneg(alpha: Array, beta: Array) -> tuple[Array, Array]:
    """The sub-interval of [0, 1] where ``alpha + beta * c >= 0`` (empty when lo > hi)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -alpha / beta
    lo = np.where(beta > 0, np.maximum(root, 0.0), 0.0)
    hi = np.where(beta < 0, np.minimum(root, 1.0), 1.0)
    never = (beta == 0) & (alpha < 0)
    return np.where(never, np.inf, lo), np.where(never, -np.inf, hi)


def _first_root(a: Array, b: Array, lo: Array, hi: Array) -> Array:
    """Smallest ``c`` in [lo, hi] with ``a + b * c >= 0``; ``inf`` if none."""
    with np.errstate(divide="ignore", invalid="ignore"):
        at_lo = a + b * lo >= 0
        root = -a / b
    rising = (b > 0) & (root <= hi) & (root >= lo)
    price = np.where(at_lo, lo, np.where(rising, root, np.inf))
    return np.where(lo <= hi, price, np.inf)


def _qre_prices(line: ConcessionLine, lam: float) -> dict[str, Array]:
    ends = [solve(line.at(c), "qre", lam).values for c in (0.0, 1.0)]
    out = {}
    for move in BREAKS:
        f0, f1 = (v[move][TALIBAN] - v["keep"][TALIBAN] for v in ends)
        price = np.where(f0 >= 0, 0.0, np.where(f1 >= 0, 1.0, np.inf))
        todo = np.flatnonzero((f0 < 0) & (f1 >= 0))
        if todo.size:
            price[todo] = _crossing(line.take(todo), move, lam, f0[todo], f1[todo])
        out[move] = price
    return out


def _gap(line: ConcessionLine, move: str, c: Array | float, lam: float) -> Array:
    """The Taliban's value of ``move`` less that of Keep at concession ``c``, under QRE."""
    values = solve(line.at(c), "qre", lam).values
    return values[move][TALIBAN] - values["keep"][TALIBAN]


def _crossing(line: ConcessionLine, move: str, lam: float, fa: Array, fb: Array) -> Array:
    """Where the gap, negative at 0 and non-negative at 1, first turns non-negative.

    Each step solves only a working set of draws, re-cut to the draws whose bracket is still wider
    than ``TOLERANCE`` whenever that falls to half of it (cutting every step costs more than it saves).
    """
    a, b = np.zeros(fa.size), np.ones(fa.size)
    kept = np.zeros(fa.size)  # which end the last step kept: -1 the lower, +1 the upper
    rows, work = np.arange(fa.size), line
    for step in range(MAX_STEPS):
        live = b - a > TOLERANCE
        if not live.any():
            break
        if 2 * np.count_nonzero(live[rows]) <= rows.size:
            rows = np.flatnonzero(live)
            work = line.take(rows)
        act = live[rows]
        ai, bi, fai, fbi, ki = a[rows], b[rows], fa[rows], fb[rows], kept[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = bi - fbi * (bi - ai) / (fbi - fai)
        bisect = (step % 3 == 2) | ~np.isfinite(secant) | (secant <= ai) | (secant >= bi)
        # A step of at least half the tolerance from either end, so that a secant creeping up on
        # the crossing from one side ends by bracketing it (as in Brent's method).
        c = np.clip(np.where(bisect, (ai + bi) / 2, secant), ai + TOLERANCE / 2, bi - TOLERANCE / 2)
        fc = _gap(work, move, c, lam)
        upper = act & (fc >= 0)  # the crossing lies in [a, c]
        lower = act & (fc < 0)   # it lies in [c, b]
        # Illinois: an end kept twice in a row has its value halved, so the secant moves past it.
        fai = np.where(upper & (ki < 0), fai / 2, fai)
        fbi = np.where(lower & (ki > 0), fbi / 2, fbi)
        a[rows], fa[rows] = np.where(lower, c, ai), np.where(lower, fc, fai)
        b[rows], fb[rows] = np.where(upper, c, bi), np.where(upper, fc, fbi)
        kept[rows] = np.where(upper, -1.0, np.where(lower, 1.0, ki))
    return b
