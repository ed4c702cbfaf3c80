"""Scenario discovery a student can defend: a PRIM box tested on draws that neither found nor chose it.

PRIM (:mod:`sim.analysis.prim`) peels ever smaller boxes; on a rare outcome the smallest boxes fit
the noise of the draws they were peeled on, and a box chosen on some draws looks better on them than
it is. So here the draws are split in **three disjoint parts** (:func:`thirds`):

* the box is **peeled** on the first part, half the draws (peeling needs the most);
* it is **chosen** on the second, a quarter, by a stated rule (:data:`RULES`): for an outcome in at
  most half the draws, the box of the trajectory with the best balance of coverage and density (F1);
  for a common outcome, where that balance always favours the whole range, the largest box whose
  density reaches a target that halves the share of draws without the outcome. On the same part
  each restriction of the chosen box gets a **quasi-p value** (the chance of seeing at least as many
  events in the box if the restriction did nothing: a one-sided binomial test against the box
  without it, as in the EMA Workbench; Bryant & Lempert 2010), **multiplied by the number of
  restrictions tried** (Bonferroni); restrictions above 0.05 are dropped, the weakest first;
* the final box's density, coverage and mass, and a one-sided binomial test of its density against
  the base rate, are measured on the third part (the last quarter) only: none of these draws touched
  the box, so the figures are unbiased and the test is a real test.

The smallest box allowed (``min_mass``) scales with the base rate, a warning says when the box
chosen is the last, smallest one, and with fewer than :data:`MIN_EVENTS` draws of either class the
analysis is refused. When no box is chosen the message names the rule that declined; it never says
that nothing beats the base rate unless the test part says so.

A class-balanced shallow tree (CART) gives a second view: fitted on one half, its balanced accuracy
(with a 95% interval) and each leaf's share of draws with the outcome measured on the other half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binomtest

from sim.analysis import prim
from sim.engine.intervals import wilson

Array = NDArray[np.float64]
#: Fewest draws of each class (with the outcome, without it) PRIM and CART will work from.
MIN_EVENTS = 20
#: Restrictions whose quasi-p value (Bonferroni-corrected) on the choosing part exceeds this are dropped;
#: the test part's p value below it is what "does better than the base rate" means.
P_LIMIT = 0.05
#: How the box is chosen on the choosing part, by the base rate there.
RULES = {"f1": "the box with the best balance of coverage and density (F1) on the choosing draws",
         "density": "the largest box whose density on the choosing draws reaches {target:.1%}, halving "
                    "the share of draws without the outcome (the outcome is common: F1 would always "
                    "keep the whole range)"}
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
    """A PRIM box peeled on one part of the draws, chosen and pruned on a second and tested on a third.

    ``held_out`` holds the final box's figures on the test part, ``fitted`` on the peeling part and
    ``held_out_steps`` each trajectory box's on the choosing part. ``test_p`` is the one-sided binomial
    p value of the box's events on the test part against the test part's base rate (``None`` with no
    box); ``density_interval`` the 95% Wilson interval of its density there.
    """

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
    rule: str = "f1"
    target: float | None = None
    tried: int = 0
    test_base_rate: float = float("nan")
    test_p: float | None = None
    density_interval: tuple[float, float] | None = None

    @property
    def rule_text(self) -> str:
        return RULES[self.rule].format(target=self.target or 0.0)

    @property
    def replicates(self) -> bool:
        """Whether the box does better than the base rate on the test part (p at most :data:`P_LIMIT`)."""
        return self.test_p is not None and self.test_p <= P_LIMIT

    def limits(self, labels: dict[str, str] | None = None) -> list[str]:
        """The box's conditions, e.g. ``["leader_legitimacy > 0.335"]`` (or with ``labels`` for names)."""
        return [r.condition((labels or {}).get(r.name)) for r in self.restrictions]

    def describe(self, outcome: str, labels: dict[str, str] | None = None) -> str:
        """The finding in plain sentences, with its figures on the test part and the rule that chose it."""
        s = self.held_out
        if not self.restrictions:
            why = ("no box of the trajectory met it" if self.chosen == 0 else
                   f"none of the {self.tried} restrictions of the box it chose kept a corrected quasi-p "
                   f"value at most {P_LIMIT}")
            return (f"No box is reported. The rule ({self.rule_text}) declined: {why}. This says the "
                    f"draws do not single out a region by that rule, not that no region of the inputs "
                    f"has more {outcome} than the base rate ({self.base_rate:.1%}).")
        low, high = self.density_interval or (float("nan"), float("nan"))
        verdict = (f"On these test draws the box does better than the base rate of {self.test_base_rate:.1%} "
                   f"(one-sided binomial p = {self.test_p:.2g})." if self.replicates else
                   f"On these test draws the box does not clearly beat the base rate of "
                   f"{self.test_base_rate:.1%} (one-sided binomial p = {self.test_p:.2g}): treat it as a "
                   "hint, not a finding.")
        return (f"{outcome[0].upper()}{outcome[1:]} happens in {s.density:.0%} (95% interval "
                f"{low:.0%}-{high:.0%}) of the test draws where {prim._join(self.limits(labels))}; those "
                f"draws are {s.mass:.1%} of the test part and hold {s.coverage:.0%} of its events. "
                f"{verdict} Chosen as {self.rule_text}.")

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


def thirds(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """The peeling, choosing and test parts of ``n`` draws (disjoint): half the draws to peel (rows 0
    and 2 modulo 4: peeling needs the most), a quarter to choose (1 modulo 4), a quarter to test (3)."""
    rows = np.arange(n)
    return rows[rows % 2 == 0], rows[1::4], rows[3::4]


def held_out_prim(x: Array, y: NDArray[np.bool_], names: Sequence[str], outcome: str = "the outcome",
                  alpha: float = 0.05) -> HeldOutBox:
    """Peel a PRIM box on half the draws, choose and prune it on a quarter, test it on the last quarter."""
    y = np.asarray(y, dtype=bool)
    check_events(y, outcome)
    peel, choose, test = thirds(y.size)
    base_rate = float(y[peel].mean())
    min_mass = scaled_min_mass(base_rate, peel.size)
    peeled = prim.prim(x[peel], y[peel], names, alpha=alpha, min_mass=min_mass)
    steps = tuple(_stats(_inside(_box_limits(peeled, i), x[choose]), y[choose])
                  for i in range(len(peeled.trajectory)))
    choose_rate = float(y[choose].mean())
    rule, target = ("f1", None) if choose_rate <= 0.5 else ("density", 1 - (1 - choose_rate) / 2)
    chosen = _best_f1(steps) if rule == "f1" else _first_reaching(steps, target)
    limits = _box_limits(peeled, chosen)
    kept, dropped = _prune(limits, x[choose], y[choose], names)
    final = {names.index(r.name): (r.low, r.high) for r in kept}
    tested = _stats(_inside(final, x[test]), y[test])
    test_rate = float(y[test].mean())
    test_p = interval = None
    if kept:
        test_p = _binomial_p(tested.events_inside, tested.draws_inside, test_rate)
        interval = wilson(tested.events_inside, tested.draws_inside) if tested.draws_inside else (0.0, 1.0)
    warnings = []
    if kept and chosen == len(peeled.trajectory) - 1 and chosen > 0:
        warnings.append("The box chosen is the last, smallest one the peeling reached: the choosing draws "
                        "did not favour any larger box, so treat its limits as rough.")
    return HeldOutBox(peeled, chosen, kept, dropped, tested, _stats(_inside(final, x[peel]), y[peel]),
                      base_rate, min_mass, steps, tuple(warnings), rule, target, len(limits), test_rate,
                      test_p, interval)


def _first_reaching(steps: Sequence[BoxStats], target: float) -> int:
    """The first (largest) step whose density reaches ``target``; 0 (no box) when none does."""
    reaching = [i for i, s in enumerate(steps) if i > 0 and s.draws_inside > 0 and s.density >= target]
    return reaching[0] if reaching else 0


def _binomial_p(events: int, draws: int, rate: float) -> float:
    """One-sided binomial p value of at least ``events`` in ``draws`` at ``rate``."""
    if draws == 0 or rate >= 1.0:
        return 1.0
    if rate <= 0.0:
        return 0.0 if events else 1.0
    return float(binomtest(events, draws, rate, alternative="greater").pvalue)


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
    """Drop, one at a time, the restriction with the largest quasi-p value above :data:`P_LIMIT`, each
    quasi-p multiplied by the number of restrictions tried (Bonferroni; at most 1)."""
    limits = dict(limits)
    tried = max(1, len(limits))
    dropped: list[Restriction] = []
    while limits:
        raw = {j: _quasi_p(limits, j, x, y) for j in limits}
        worst = max(raw, key=lambda j: raw[j])   # by the raw value: the correction caps many at 1
        corrected = min(1.0, tried * raw[worst])
        if corrected <= P_LIMIT:
            break
        dropped.append(Restriction(names[worst], *limits.pop(worst), corrected))
    kept = tuple(Restriction(names[j], *limits[j], min(1.0, tried * _quasi_p(limits, j, x, y)))
                 for j in sorted(limits))
    return kept, tuple(dropped)


def _quasi_p(limits: Limits, j: int, x: Array, y: NDArray[np.bool_]) -> float:
    """One-sided binomial p value of the box's events against the rate of the box without
    restriction ``j``."""
    inside = _inside(limits, x)
    relaxed = _inside({k: v for k, v in limits.items() if k != j}, x)
    n_in, k_in = int(inside.sum()), int((inside & y).sum())
    rate = float(y[relaxed].mean()) if relaxed.any() else 0.0
    return _binomial_p(k_in, n_in, rate)


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else value
