"""Scenario discovery a student can defend: a PRIM box that replicates on draws it was not fitted to.

PRIM (:mod:`sim.analysis.prim`) peels ever smaller boxes; on a rare outcome the smallest boxes fit
the noise of the draws they were peeled on. So here

* the draws are split in two halves: the box is **peeled on one half and chosen on the other**
  (the box of the trajectory with the best balance of coverage and density on the held-out half),
  and its density and coverage are reported on that held-out half;
* each restriction of the chosen box gets a **quasi-p value** on the held-out half: the chance of
  seeing at least as many events in the box if the restriction did nothing, that is if the box had
  the event rate of the same box without that restriction (a one-sided binomial test, as in the EMA
  Workbench; Bryant & Lempert 2010). Restrictions above 0.05 are dropped, the weakest first;
* the smallest box allowed (``min_mass``) scales with the base rate, so a rare outcome can have a
  box of its own size, and a warning says when the box chosen is the last, smallest one;
* with fewer than :data:`MIN_EVENTS` draws of either class the analysis is refused.

The p values are "quasi" because the restrictions were chosen by searching: they rank restrictions
rather than test them. A class-balanced shallow tree (CART) gives a second view, scored on the held-out
half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binomtest

from sim.analysis import prim

Array = NDArray[np.float64]
#: Fewest draws of each class (with the outcome, without it) PRIM and CART will work from.
MIN_EVENTS = 20
#: Restrictions whose quasi-p value on the held-out half exceeds this are dropped.
P_LIMIT = 0.05
#: The largest ``min_mass`` (the usual default); a rare outcome gets half its base rate instead.
MAX_MIN_MASS = 0.05
CART_DEPTH = 3


class TooFewEvents(ValueError):
    """The draws hold too few events of one class to say where the outcome happens."""


@dataclass(frozen=True)
class Restriction:
    """One condition of a box, with its quasi-p value on the held-out half."""

    name: str
    low: float | None
    high: float | None
    p_value: float

    def condition(self, label: str | None = None) -> str:
        name = label or self.name
        if self.low is not None and self.high is not None:
            return f"{name} between {prim._number(self.low)} and {prim._number(self.high)}"
        return f"{name} > {prim._number(self.low)}" if self.low is not None else \
            f"{name} < {prim._number(self.high)}"


@dataclass(frozen=True)
class BoxStats:
    """A box on some draws: density (event rate inside), coverage (share of events inside), mass."""

    density: float
    coverage: float
    mass: float
    draws_inside: int
    events_inside: int


@dataclass(frozen=True)
class HeldOutBox:
    """A PRIM box peeled on one half of the draws, chosen and tested on the other."""

    peeled: prim.PrimResult
    chosen: int
    restrictions: tuple[Restriction, ...]
    dropped: tuple[Restriction, ...]
    held_out: BoxStats
    fitted: BoxStats
    base_rate: float
    min_mass: float
    held_out_steps: tuple[BoxStats, ...]
    warnings: tuple[str, ...]

    def limits(self, labels: dict[str, str] | None = None) -> list[str]:
        """The box's conditions, e.g. ``["leader_legitimacy > 0.335"]`` (or with ``labels`` for names)."""
        return [r.condition((labels or {}).get(r.name)) for r in self.restrictions]

    def describe(self, outcome: str, labels: dict[str, str] | None = None) -> str:
        """The finding in one plain sentence, with its held-out figures."""
        s = self.held_out
        if not self.restrictions:
            return (f"No condition on the inputs replicates: on the held-out draws no box does clearly "
                    f"better than the base rate of {outcome} ({self.base_rate:.1%}).")
        return (f"{outcome[0].upper()}{outcome[1:]} happens in {s.density:.0%} of the held-out draws where "
                f"{prim._join(self.limits(labels))}, against {self.base_rate:.1%} overall; those draws are "
                f"{s.mass:.1%} of the held-out half and hold {s.coverage:.0%} of its events.")

    def to_rows(self) -> list[dict[str, object]]:
        """The peeling trajectory: fitted and held-out figures per step, the chosen step flagged."""
        rows = []
        for i, (box, test) in enumerate(zip(self.peeled.trajectory, self.held_out_steps, strict=True)):
            rows.append({"step": i, "restricted": len(box.restricted), "fitted_density": box.density,
                         "fitted_coverage": _none_if_nan(box.coverage), "held_out_density": test.density,
                         "held_out_coverage": _none_if_nan(test.coverage), "mass": box.mass,
                         "limits": "; ".join(self.peeled.limits(i)), "chosen": i == self.chosen})
        return rows


def scaled_min_mass(base_rate: float, draws: int) -> float:
    """The smallest box allowed: half the base rate (a box of the outcome's own size fits), at most
    :data:`MAX_MIN_MASS`, and never fewer than 10 draws."""
    return float(min(MAX_MIN_MASS, max(base_rate / 2, 10 / draws)))


def check_events(y: NDArray[np.bool_], outcome: str) -> None:
    """Refuse (:class:`TooFewEvents`) when either class holds fewer than :data:`MIN_EVENTS` draws."""
    events = int(np.count_nonzero(y))
    fewest = min(events, y.size - events)
    if fewest < MIN_EVENTS:
        which = f"have {outcome}" if events == fewest else f"do not have {outcome}"
        raise TooFewEvents(f"only {fewest} of {y.size:,} draws {which}; scenario discovery needs at least "
                           f"{MIN_EVENTS} of each. Use more draws or levers under which the outcome is "
                           f"less {'rare' if events == fewest else 'certain'}")


def halves(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The fitting half (even rows) and the held-out half (odd rows) of ``n`` draws."""
    rows = np.arange(n)
    return rows[0::2], rows[1::2]


def held_out_prim(x: Array, y: NDArray[np.bool_], names: Sequence[str], outcome: str = "the outcome",
                  alpha: float = 0.05) -> HeldOutBox:
    """Peel a PRIM box on half the draws, choose it and test its restrictions on the other half."""
    y = np.asarray(y, dtype=bool)
    check_events(y, outcome)
    fit, test = halves(y.size)
    base_rate = float(y[fit].mean())
    min_mass = scaled_min_mass(base_rate, fit.size)
    peeled = prim.prim(x[fit], y[fit], names, alpha=alpha, min_mass=min_mass)
    steps = tuple(_stats(_inside(_box_limits(peeled, i), x[test]), y[test])
                  for i in range(len(peeled.trajectory)))
    chosen = _best_f1(steps)
    kept, dropped = _prune(_box_limits(peeled, chosen), x[test], y[test], names)
    final = {names.index(r.name): (r.low, r.high) for r in kept}
    warnings = []
    if chosen == len(peeled.trajectory) - 1 and chosen > 0:
        warnings.append("The box chosen is the last, smallest one the peeling reached: the held-out draws "
                        "did not favour any larger box, so treat its limits as rough.")
    return HeldOutBox(peeled, chosen, kept, dropped, _stats(_inside(final, x[test]), y[test]),
                      _stats(_inside(final, x[fit]), y[fit]), base_rate, min_mass, steps,
                      tuple(warnings))


Limits = dict[int, tuple[float | None, float | None]]


def _box_limits(peeled: prim.PrimResult, step: int) -> Limits:
    """The restricted sides of trajectory box ``step``: column -> (low or None, high or None)."""
    b = peeled.trajectory[step]
    out: Limits = {}
    for j in range(len(peeled.names)):
        low = b.lows[j] if b.lows[j] > peeled.data_lows[j] else None
        high = b.highs[j] if b.highs[j] < peeled.data_highs[j] else None
        if low is not None or high is not None:
            out[j] = (low, high)
    return out


def _inside(limits: Limits, x: Array) -> NDArray[np.bool_]:
    """Which rows of ``x`` lie inside the box given by ``limits``."""
    inside = np.ones(x.shape[0], dtype=bool)
    for j, (low, high) in limits.items():
        if low is not None:
            inside &= x[:, j] >= low
        if high is not None:
            inside &= x[:, j] <= high
    return inside


def _stats(inside: NDArray[np.bool_], y: NDArray[np.bool_]) -> BoxStats:
    n_in, k_in, k = int(inside.sum()), int((inside & y).sum()), int(y.sum())
    return BoxStats(k_in / n_in if n_in else 0.0, k_in / k if k else float("nan"), n_in / y.size, n_in, k_in)


def _best_f1(steps: Sequence[BoxStats]) -> int:
    """The step with the highest held-out F1 (harmonic mean of coverage and density); ties: the larger box."""
    f1 = [2 * s.coverage * s.density / (s.coverage + s.density) if s.coverage + s.density > 0 else 0.0
          for s in steps]
    return int(np.argmax(np.nan_to_num(f1)))


def _prune(limits: Limits, x: Array, y: NDArray[np.bool_], names: Sequence[str]
           ) -> tuple[tuple[Restriction, ...], tuple[Restriction, ...]]:
    """Drop, one at a time, the restriction with the largest quasi-p value above :data:`P_LIMIT`."""
    limits = dict(limits)
    dropped: list[Restriction] = []
    while limits:
        p = {j: _quasi_p(limits, j, x, y) for j in limits}
        worst = max(p, key=lambda j: p[j])
        if p[worst] <= P_LIMIT:
            break
        dropped.append(Restriction(names[worst], *limits.pop(worst), p[worst]))
    kept = tuple(Restriction(names[j], *limits[j], _quasi_p(limits, j, x, y)) for j in sorted(limits))
    return kept, tuple(dropped)


def _quasi_p(limits: Limits, j: int, x: Array, y: NDArray[np.bool_]) -> float:
    """One-sided binomial p value of the box's events against the rate of the box without
    restriction ``j``."""
    inside = _inside(limits, x)
    relaxed = _inside({k: v for k, v in limits.items() if k != j}, x)
    n_in, k_in = int(inside.sum()), int((inside & y).sum())
    rate = float(y[relaxed].mean()) if relaxed.any() else 0.0
    if n_in == 0 or rate >= 1.0:
        return 1.0
    if rate <= 0.0:
        return 0.0 if k_in else 1.0
    return float(binomtest(k_in, n_in, rate, alternative="greater").pvalue)


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else value
