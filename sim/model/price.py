"""The Taliban's prices: the smallest concession at which it severs, and at which it pledges.

Per draw, as a concession ``c`` in [0, 1]; ``inf`` where no concession in that range is enough.

* The **Sever price** is the smallest ``c`` at which Sever is the leadership's best move (worth at
  least as much as Keep and as Distance); the **pledge price** the smallest ``c`` at which Distance
  is. Their minimum is the smallest concession at which the Taliban does anything but Keep (the
  "Distance or Sever" price). ``reservation_price`` in a run's JSON is the Sever price.

Both methods rest on one fact of the model (:class:`~sim.model.game.ConcessionLine`): neither al-Qaeda
nor nature moves with ``c``. So below each of the hardline faction's choices every player's value
is affine in ``c``, and can be read off one solution: the behaviour below the faction applied to the
game at ``c = 0`` and to its slope. Only three things move with ``c``: the faction's stay-or-split
choice, the chip (charged to a Sever below the threshold) and the Keep value's refusal cost.

* **SPE, exact.** The faction's switch points and the chip threshold cut [0, 1] into at most four
  pieces on which every value is affine; on each, the set where a move is best is an interval in
  closed form.
* **QRE, numerical.** The faction's logit choice makes the values smooth between the chip's jump;
  the first crossing is found per draw by a scan, then bisection, on closed-form values (no tree is
  re-solved) until every bracket is narrower than ``TOLERANCE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.model.game import FACTION, TALIBAN, ConcessionLine, Game
from sim.model.solve import Solution, solve, values_under

Array = NDArray[np.float64]
PRICED = ("sever", "distance")
TOLERANCE = 1e-10
#: Points per piece of [0, 1] scanned for the first crossing before bisecting.
SCAN = 9
#: Bisection halves [0, 1] below TOLERANCE in 34 steps.
STEPS = int(np.ceil(np.log2(1 / TOLERANCE))) + 1


@dataclass(frozen=True)
class Affine:
    """``a + b * c`` per draw."""

    a: Array
    b: Array

    def at(self, c: Array | float) -> Array:
        return self.a + self.b * c


@dataclass(frozen=True)
class BranchLines:
    """The Taliban's and the faction's values below each faction choice, and Keep's, as lines in c."""

    keep: Affine                                   # the Taliban's value of Keep
    taliban: dict[tuple[str, str], Affine]         # (move, stay|split) -> the Taliban's value
    faction: dict[tuple[str, str], Affine]         # (move, stay|split) -> the faction's value
    chip: Array
    threshold: Array

    def take(self, rows: NDArray[np.intp]) -> BranchLines:
        def cut(x: Array) -> Array:
            return x[rows] if np.ndim(x) and np.size(x) > 1 else x

        def line(x: Affine) -> Affine:
            return Affine(cut(x.a), cut(x.b))

        return BranchLines(line(self.keep), {k: line(v) for k, v in self.taliban.items()},
                           {k: line(v) for k, v in self.faction.items()}, cut(self.chip), cut(self.threshold))

    def faction_stays(self, move: str, c: Array | float) -> Array:
        """SPE: the faction stays where staying is worth at least splitting (ties go to stay)."""
        return self.faction[move, "stay"].at(c) >= self.faction[move, "split"].at(c)

    def values(self, c: Array | float, stay: dict[str, Array], chip_on: Array) -> dict[str, Array]:
        """The Taliban's value of each move at ``c`` given the faction's P(stay) per move."""
        out = {"keep": self.keep.at(c)}
        for move in PRICED:
            s = stay[move]
            out[move] = s * self.taliban[move, "stay"].at(c) + (1 - s) * self.taliban[move, "split"].at(c)
        out["sever"] = out["sever"] - np.where(chip_on, self.chip, 0.0)
        return out


def branch_lines(line: ConcessionLine, sol: Solution | None = None) -> BranchLines:
    """Read the lines off ``sol``, a solution of ``line`` at any concession (solved at 0 if absent)."""
    sol = sol or solve(line.at(0.0), "spe")
    rows = (TALIBAN, FACTION)   # only the leadership's and the faction's values move a price
    at_zero = values_under(sol.probs, line.at_zero, rows)
    slope = values_under(sol.probs, _slope_game(line), rows)

    def affine(path: str, player: int) -> Affine:
        return Affine(at_zero[path][rows.index(player)], slope[path][rows.index(player)])

    branches = [(m, s) for m in PRICED for s in ("stay", "split")]
    return BranchLines(affine("keep", TALIBAN),
                       {(m, s): affine(f"{m}/{s}", TALIBAN) for m, s in branches},
                       {(m, s): affine(f"{m}/{s}", FACTION) for m, s in branches},
                       np.asarray(line.chip, dtype=float), np.asarray(line.threshold, dtype=float))


def _slope_game(line: ConcessionLine) -> Game:
    return Game(line.slope, line.at_zero.chance)


def reservation_prices(line: ConcessionLine, concept: str = "spe", lam: float = 10.0,
                       sol: Solution | None = None) -> dict[str, Array]:
    """``{"sever": ..., "distance": ..., "distance_or_sever": ...}`` prices per draw (``inf`` where none).

    ``sol`` may pass in a solution of ``line`` at any concession under the same concept (its
    behaviour below the faction does not depend on the concession), which saves a solve.
    """
    sol = sol or solve(line.at(0.0), concept, lam)
    lines = branch_lines(line, sol)
    prices = _spe_prices(lines) if concept == "spe" else _qre_prices(lines, lam)
    prices["distance_or_sever"] = np.minimum(prices["distance"], prices["sever"])
    return prices


# ----------------------------------------------------------------------------- SPE, exact


def _spe_prices(lines: BranchLines) -> dict[str, Array]:
    cuts = [_root_in_unit(lines.faction[m, "stay"], lines.faction[m, "split"]) for m in PRICED]
    cuts.append(np.clip(lines.threshold + 0 * lines.keep.a, 0.0, 1.0))
    edges = np.sort(np.stack([np.zeros_like(lines.keep.a), *np.broadcast_arrays(*cuts),
                              np.ones_like(lines.keep.a)]), axis=0)
    prices = {m: np.full(lines.keep.a.shape, np.inf) for m in PRICED}
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mid = (lo + hi) / 2   # which side of every switch the piece lies on
        stay = {m: lines.faction_stays(m, mid).astype(float) for m in PRICED}
        chip_on = mid < lines.threshold
        v0, v1 = lines.values(0.0, stay, chip_on), lines.values(1.0, stay, chip_on)
        lines_here = {k: Affine(v0[k], v1[k] - v0[k]) for k in v0}
        for move in PRICED:
            others = [k for k in lines_here if k != move]
            start, end = lo, hi
            for other in others:
                mine, theirs = lines_here[move], lines_here[other]
                gap = Affine(mine.a - theirs.a, mine.b - theirs.b)
                g_lo, g_hi = _where_nonneg(gap)
                start, end = np.maximum(start, g_lo), np.minimum(end, g_hi)
            prices[move] = np.where(start <= end, np.minimum(prices[move], start), prices[move])
    return prices


def _root_in_unit(x: Affine, y: Affine) -> Array:
    """Where ``x - y`` crosses zero, clipped to [0, 1] (0 where it never does)."""
    a, b = x.a - y.a, x.b - y.b
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.where(b != 0, -a / b, 0.0)
    return np.clip(np.nan_to_num(root, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)


def _where_nonneg(g: Affine) -> tuple[Array, Array]:
    """The interval of the real line where ``a + b * c >= 0`` (empty when lo > hi)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -g.a / g.b
    lo = np.where(g.b > 0, root, -np.inf)
    hi = np.where(g.b < 0, root, np.inf)
    never = (g.b == 0) & (g.a < 0)
    return np.where(never, np.inf, lo), np.where(never, -np.inf, hi)


# ----------------------------------------------------------------------------- QRE, numerical


def _qre_values(lines: BranchLines, lam: float, c: Array | float, chip_on: Array) -> dict[str, Array]:
    stay = {}
    for m in PRICED:
        z = lam * (lines.faction[m, "stay"].at(c) - lines.faction[m, "split"].at(c))
        stay[m] = 0.5 * (1 + np.tanh(z / 2))   # the two-action logit, without overflow
    return lines.values(c, stay, chip_on)


def _qre_gap(lines: BranchLines, lam: float, move: str, c: Array | float, chip_on: Array) -> Array:
    """How much better ``move`` is than the better of the other two, at ``c`` (non-negative: best)."""
    v = _qre_values(lines, lam, c, chip_on)
    return v[move] - np.maximum(*(v[k] for k in v if k != move))


def _qre_prices(lines: BranchLines, lam: float) -> dict[str, Array]:
    """The first concession at which each move leads the better of the other two.

    Searches are split at the chip threshold (where Sever's value jumps up). The first is on the
    move's lead over the better of the others. Leads rise with ``c`` in most of the parameter space;
    in odd corners that search can miss a narrow window, so the draws it leaves without a price are
    searched again on the pairwise leads (Sever from where it has caught up with both; Distance from
    where it catches up with Keep). A candidate counts only where the move really is best.
    """
    out = {}
    for move in PRICED:
        price = _best_from(lines, lam, move, _first_lead(lines, lam, move))
        rows = np.flatnonzero(~np.isfinite(price))
        if rows.size:
            sub = lines.take(rows)
            if move == "sever":
                again = np.maximum(_first_lead(sub, lam, "sever", "keep"),
                                   _first_lead(sub, lam, "sever", "distance"))
            else:
                again = _first_lead(sub, lam, "distance", "keep")
            price[rows] = _best_from(sub, lam, move, again)
        out[move] = price
    return out


def _first_lead(lines: BranchLines, lam: float, move: str, over: str | None = None) -> Array:
    """Per draw, the first ``c`` at which ``move`` leads ``over`` (or both others), in two pieces."""
    n = lines.keep.a.shape
    theta = np.broadcast_to(np.clip(lines.threshold, 0.0, 1.0), n)

    def lead(chip_on: bool):
        def f(L: BranchLines, c: Array) -> Array:
            v = _qre_values(L, lam, c, np.bool_(chip_on))
            others = [v[k] for k in v if k != move] if over is None else [v[over]]
            return v[move] - np.maximum.reduce(others)
        return f

    before = _first_crossing(lines, lead(True), np.zeros(n), theta, strict_end=True)
    after = _first_crossing(lines, lead(False), theta, np.ones(n))
    return np.where(np.isfinite(before), before, after)


def _best_from(lines: BranchLines, lam: float, move: str, candidate: Array) -> Array:
    """``candidate`` where ``move`` really is the leadership's best there, else ``inf``."""
    at = np.where(np.isfinite(candidate), candidate, 0.0)
    best = _qre_gap(lines, lam, move, at, at < lines.threshold) >= 0
    return np.where(np.isfinite(candidate) & best, candidate, np.inf)


def _first_crossing(lines: BranchLines, f, lo: Array, hi: Array, strict_end: bool = False) -> Array:
    """Per draw, where ``f(lines, c)`` first turns non-negative on [lo, hi] (``inf`` if it does not).

    A scan of ``SCAN`` evenly spaced points finds the first cell where ``f`` turns non-negative
    (the gaps rise with ``c`` in all but odd corners of the parameter space, where this still finds
    the first crossing wider than a cell); only draws with a crossing inside are then bisected.
    ``strict_end``: the piece is [lo, hi) and ``f`` holds only below ``hi``; a crossing that would
    land on ``hi`` is left to the next piece.
    """
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    empty = lo >= hi if strict_end else lo > hi
    ts = np.linspace(0.0, 1.0, SCAN)
    points = lo[None, :] + ts[:, None] * (hi - lo)[None, :]
    ok = np.stack([f(lines, x) >= 0 for x in points]) & ~empty[None, :]
    found = ok.any(axis=0)
    first = np.argmax(ok, axis=0)
    price = np.where(found & (first == 0), lo, np.inf)
    rows = np.flatnonzero(found & (first > 0))
    if rows.size:
        cell = first[rows]
        sub, a, b = lines.take(rows), points[cell - 1, rows], points[cell, rows]
        for _ in range(STEPS):
            mid = (a + b) / 2
            up = f(sub, mid) >= 0
            a, b = np.where(up, a, mid), np.where(up, mid, b)
            if np.all(b - a <= TOLERANCE):
                break
        price[rows] = np.where(b < hi[rows], b, np.inf) if strict_end else b
    return price
