"""What would it take? The Taliban's price, acceptance curves, the bargaining zone and the US best offer.

The article closes on the idea that a break with al-Qaeda may be a bargaining chip the Taliban holds
back for a large US concession (Negotiations ¶4-5). This module turns one Monte Carlo sample of a
scenario into the numbers a negotiator would ask for, for the outcome chosen in
:mod:`sim.analysis.outputs` (Sever by default):

* the **reservation price** per draw (the smallest concession at which the Taliban leadership prefers
  Distance, or Sever, to Keep; :mod:`sim.model.price`) and its distribution;
* **acceptance curves**: P(Keep), P(Distance), P(Sever), P(Distance or Sever) and P(Split) as the
  concession (or verification) moves on a grid, each with its 95% interval (:mod:`sim.engine.intervals`).
  The same draws are re-solved at every grid point (common random numbers), so the curve's shape is
  not blurred by sampling noise;
* the **bargaining zone**, decided per draw on the concession grid: a zone exists in a draw when at
  some grid concession the whole game, re-solved there, has the Taliban distance or sever (the
  faction and al-Qaeda answering as they would) and the US likes the result at least as much as the
  alliance as it is;
* the US **best offer** under uncertainty: the grid concession that maximises the US expected
  utility averaged over the draws, and every grid offer within two paired standard errors of it
  (the same draws at each offer, so the differences are measured far more sharply than the levels).

Every computation is vectorised over draws; the only Python loops run over grid points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.analysis import outputs
from sim.engine.driver import Sample, sample_prices
from sim.engine.intervals import (
    ORDER_STATISTICS,
    Z95,
    Interval,
    format_probability,
    inflated,
    mean_stderr,
    probability_interval,
    quantile_interval,
)
from sim.engine.kernel import fused as kernel
from sim.engine.reference import per_draw_array
from sim.engine.results import Estimate
from sim.engine.sampling import replicate_bounds
from sim.model.game import US, build_game
from sim.model.solve import Solution, solve

Array = NDArray[np.float64]
PROBABILITIES = ("keep", "distance", "sever", "distance_or_sever", "split")
CURVE_OUTCOMES = (*PROBABILITIES, "eu_us")
#: The outcomes that have a reservation price.
PRICE_MOVES = ("distance", "sever", "distance_or_sever")
PRICE_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Grid offers whose mean US utility lies within this many paired standard errors of the best are
#: reported with it.
NEAR_BEST_SE = 2.0


@dataclass(frozen=True)
class Setting:
    """Levers and solution concept at which a sample is solved (defaults come from its scenario)."""

    levers: dict[str, float]
    concept: str
    lam: float


def setting(drawn: Sample, levers: Mapping[str, float] | None = None, concept: str | None = None,
            lam: float | None = None) -> Setting:
    """The scenario's levers, concept and lambda, with any of them overridden."""
    sc = drawn.scenario
    return Setting({**sc.levers, **(levers or {})}, concept or sc.concept,
                   sc.lam if lam is None else float(lam))


# ----------------------------------------------------------------------------- reservation price


@dataclass(frozen=True)
class PriceDistribution:
    """Reservation prices per draw: ``prices[move]`` for ``distance``, ``sever`` and ``distance_or_sever``.

    ``inf`` marks a draw where no concession in [0, 1] is enough.
    """

    prices: dict[str, Array] = field(repr=False)
    replicates: list[tuple[int, int]] = field(default_factory=list, repr=False)
    #: What the draws are worth on a calibrated model's resample (:attr:`Sample.effective_draws`).
    effective_draws: float | None = None

    def share_with_price(self, move: str = outputs.DEFAULT) -> Interval:
        """Share of draws in which some concession in [0, 1] buys ``move``, with its 95% interval."""
        return probability_interval(np.isfinite(self.prices[move]).astype(float), self.replicates,
                                    self.effective_draws)

    def quantiles(self, move: str = outputs.DEFAULT) -> dict[str, float | None]:
        """Quantiles over all draws; ``None`` where the quantile falls among draws with no price."""
        values = np.quantile(self.prices[move], PRICE_QUANTILES, method="inverted_cdf")
        return {_label(q): (float(v) if np.isfinite(v) else None)
                for q, v in zip(PRICE_QUANTILES, values, strict=True)}

    def quantile_intervals(self, move: str = outputs.DEFAULT) -> dict[str, list[float | None] | None]:
        """The 95% order-statistic interval of each of :meth:`quantiles` (``None`` where the quantile
        does not exist; an end ``None`` where the interval runs above 1)."""
        return {_label(q): quantile_interval(self.prices[move], q, self.effective_draws)
                for q in PRICE_QUANTILES}

    def histogram(self, move: str = outputs.DEFAULT, bins: int = 20) -> list[dict[str, float]]:
        """Share of all draws whose price falls in each of ``bins`` equal bins of [0, 1]."""
        counts, edges = np.histogram(self.prices[move], bins=bins, range=(0.0, 1.0))
        n = self.prices[move].size
        return [{"low": float(a), "high": float(b), "share": float(k / n)}
                for a, b, k in zip(edges[:-1], edges[1:], counts, strict=True)]

    def share_at_or_below(self, concession: float | Array, move: str = outputs.DEFAULT) -> Array:
        """Share of draws whose price is at most ``concession`` (the SPE acceptance curve)."""
        c = np.atleast_1d(np.asarray(concession, dtype=float))
        return (self.prices[move][None, :] <= c[:, None]).mean(axis=1)

    def summary(self) -> dict[str, Any]:
        out = {}
        for m in PRICE_MOVES:
            share = self.share_with_price(m)
            out[m] = {"share_with_price": share.mean, "share_with_price_interval": share.pair(),
                      "interval_method": share.method, **self.quantiles(m),
                      "quantile_intervals": self.quantile_intervals(m),
                      "quantile_interval_method": ORDER_STATISTICS}
        return out


def price_distribution(drawn: Sample, levers: Mapping[str, float] | None = None,
                       concept: str | None = None, lam: float | None = None) -> PriceDistribution:
    """Reservation prices of every draw of ``drawn`` (exact for SPE, bisection for QRE)."""
    s = setting(drawn, levers, concept, lam)
    prices = sample_prices(drawn, s.levers, s.concept, s.lam)
    return PriceDistribution({m: outputs.price(prices, m) for m in PRICE_MOVES},
                             replicate_bounds(drawn.draws, drawn.sampler), drawn.effective_draws)


# ----------------------------------------------------------------------------- acceptance curves


@dataclass(frozen=True)
class Curve:
    """Outcome probabilities and the US expected utility along a grid of one lever.

    ``mean[name]``, ``low[name]`` and ``high[name]`` are ``(len(grid),)`` arrays for each of
    :data:`CURVE_OUTCOMES`: the estimate and its 95% interval (Wilson, or replicates for Latin
    hypercube and Sobol' samples; for ``eu_us`` the mean plus or minus 1.96 standard errors).
    ``eu_us`` holds the ``(len(grid), draws)`` US utility per draw, for paired comparisons.
    """

    lever: str
    grid: Array
    mean: dict[str, Array]
    low: dict[str, Array]
    high: dict[str, Array]
    methods: dict[str, str]
    draws: int
    eu_us: Array = field(repr=False)
    #: Per grid point and draw: would both sides accept the outcome there (see :func:`bargaining_zone`),
    #: and the Taliban's move (distance or sever).
    agreeable: NDArray[np.bool_] = field(repr=False)
    moves: NDArray[np.str_] = field(repr=False)
    replicates: list[tuple[int, int]] = field(default_factory=list, repr=False)
    #: What the draws are worth on a calibrated model's resample (:attr:`Sample.effective_draws`).
    effective_draws: float | None = None

    def band(self, name: str) -> tuple[Array, Array]:
        """The 95% interval around ``mean[name]`` at every grid point."""
        return self.low[name], self.high[name]

    def to_rows(self) -> list[dict[str, float]]:
        """One record per grid point: the lever value, then mean, low and high of each outcome."""
        rows = []
        for i, x in enumerate(self.grid):
            row = {self.lever: float(x)}
            for name in CURVE_OUTCOMES:
                row.update({name: float(self.mean[name][i]), f"{name}_low": float(self.low[name][i]),
                            f"{name}_high": float(self.high[name][i])})
            rows.append(row)
        return rows


def acceptance_curve(drawn: Sample, grid: Sequence[float] | Array | None = None,
                     levers: Mapping[str, float] | None = None, concept: str | None = None,
                     lam: float | None = None) -> Curve:
    """The outcome probabilities and mean US utility as the concession moves.

    Each draw of ``drawn`` is solved once, on the game's :class:`~sim.model.game.ConcessionLine`: al-Qaeda's
    payoffs do not move with the concession, so neither do its choices, and below the faction every
    value is a straight line in it. At each grid point the faction's and the leadership's choices are
    made again on those lines (:func:`sim.engine.kernel.fused.curve`), which gives a full re-solve's numbers
    to
    rounding at a fraction of its cost.
    """
    s = setting(drawn, levers, concept, lam)
    grid_ = _grid(grid)
    solved = kernel.curve(kernel.parameter_rows(drawn.params, drawn.draws), grid_, s.levers, s.concept, s.lam)
    return _curve("concession", grid_, (dict(zip(kernel.CURVE_ROWS, at, strict=True)) for at in solved), s,
                  drawn)


def verification_curve(drawn: Sample, grid: Sequence[float] | Array | None = None,
                       levers: Mapping[str, float] | None = None, concept: str | None = None,
                       lam: float | None = None) -> Curve:
    """The same outcomes as :func:`acceptance_curve` as verification moves, at the current concession.

    Each grid point solves every draw afresh in the compiled kernel
    (:func:`sim.engine.kernel.fused.verification_curve`); :func:`reference_verification_curve` is the
    same curve from the numpy solver, which the tests hold it to.
    """
    s = setting(drawn, levers, concept, lam)
    grid_ = _grid(grid)
    solved = kernel.verification_curve(kernel.parameter_rows(drawn.params, drawn.draws), grid_, s.levers,
                                       s.concept, s.lam)
    return _curve("verification", grid_, (dict(zip(kernel.CURVE_ROWS, at, strict=True)) for at in solved), s,
                  drawn)


def reference_verification_curve(drawn: Sample, grid: Sequence[float] | Array | None = None,
                                 levers: Mapping[str, float] | None = None, concept: str | None = None,
                                 lam: float | None = None) -> Curve:
    """:func:`verification_curve` from the numpy solver: the whole game built and solved at each point
    (about five times slower at the app's 100,000 draws)."""
    s = setting(drawn, levers, concept, lam)
    grid_ = _grid(grid)
    games = (build_game(drawn.params, {**s.levers, "verification": float(v)}) for v in grid_)
    return _curve("verification", grid_, (_solved(solve(g, s.concept, s.lam), drawn.draws) for g in games),
                  s, drawn)


def _grid(grid: Sequence[float] | Array | None) -> Array:
    out = np.linspace(0.0, 1.0, 21) if grid is None else np.asarray(grid, dtype=float)
    if out.ndim != 1 or out.size == 0 or not np.all((out >= 0) & (out <= 1)):
        raise ValueError("a lever grid must be a non-empty list of values in [0, 1]")
    return out


def _curve(lever: str, grid: Array, solved, s: Setting, drawn: Sample) -> Curve:
    """The curve from each grid point's per-draw outcomes (``CURVE_ROWS`` of
    :mod:`sim.engine.kernel.fused`)."""
    n = drawn.draws
    replicates = replicate_bounds(n, drawn.sampler)
    mean, low, high = ({k: np.empty(grid.size) for k in CURVE_OUTCOMES} for _ in range(3))
    methods: dict[str, str] = {}
    eu_us = np.empty((grid.size, n))
    agreeable = np.zeros((grid.size, n), dtype=bool)
    moves = np.empty((grid.size, n), dtype="<U8")
    for i, at in enumerate(solved):
        values = {**at, "distance_or_sever": outputs.per_draw(at, "distance_or_sever")}
        agreeable[i], moves[i] = _agreement(values)
        for name in PROBABILITIES:
            iv = probability_interval(values[name], replicates, drawn.effective_draws)
            mean[name][i], low[name][i], high[name][i] = iv.mean, iv.low, iv.high
            methods[name] = iv.method
        eu_us[i] = values["eu_us"]
        est = Estimate.of(eu_us[i])
        se = inflated(est.stderr, n, drawn.effective_draws)
        mean["eu_us"][i], low["eu_us"][i], high["eu_us"][i] = (est.mean, est.mean - Z95 * se,
                                                               est.mean + Z95 * se)
    return Curve(lever, grid, mean, low, high, methods, n, eu_us, agreeable, moves, replicates,
                 drawn.effective_draws)


def _solved(sol: Solution, n: int) -> dict[str, Array]:
    """A numpy solution's per-draw outcomes, as :func:`sim.engine.kernel.fused.curve` reports them."""
    out = {m: per_draw_array(v, n) for m, v in outputs.probabilities(sol).items()}
    out["eu_us"] = per_draw_array(sol.values[""][US], n)
    out["keep_us"] = per_draw_array(sol.values["keep"][US], n)
    return out


# ----------------------------------------------------------------------------- bargaining zone


@dataclass(frozen=True)
class BargainingZone:
    """Where on the concession grid a deal both sides accept exists, per draw.

    ``agreeable[j]`` marks the draws in which, at grid concession ``grid[j]``, the Taliban distances
    or severs in the re-solved game and the US values that outcome at least as much as the alliance
    as it is. ``cheapest`` is the smallest such concession (``inf`` where there is none) and
    ``move`` what the Taliban does there.
    """

    grid: Array
    agreeable: NDArray[np.bool_] = field(repr=False)
    cheapest: Array = field(repr=False)
    move: NDArray[np.str_] = field(repr=False)
    replicates: list[tuple[int, int]] = field(default_factory=list, repr=False)
    #: What the draws are worth on a calibrated model's resample (:attr:`Sample.effective_draws`).
    effective_draws: float | None = None

    @property
    def exists(self) -> NDArray[np.bool_]:
        return np.isfinite(self.cheapest)

    @property
    def chance(self) -> Interval:
        """P(a zone of possible agreement exists), with its 95% interval."""
        return probability_interval(self.exists.astype(float), self.replicates, self.effective_draws)

    def summary(self) -> dict[str, Any]:
        chance = self.chance
        found = self.exists
        qs = np.quantile(self.cheapest, PRICE_QUANTILES, method="inverted_cdf")
        # the draws with a zone, on a resample: worth their share of its effective draws
        worth = None if self.effective_draws is None else self.effective_draws * found.mean()
        moves = {m: probability_interval((self.move[found] == m).astype(float), (), worth) if found.any()
                 else None for m in ("distance", "sever")}
        return {
            "zone_exists": chance.mean,
            "zone_exists_interval": chance.pair(),
            "interval_method": chance.method,
            "grid_points": int(self.grid.size),
            "move_at_cheapest_deal": {m: float((self.move[found] == m).mean()) if found.any() else 0.0
                                      for m in ("distance", "sever")},
            "move_at_cheapest_deal_interval": {m: None if iv is None else iv.pair()
                                               for m, iv in moves.items()},
            "cheapest_deal": {_label(q): float(v) if np.isfinite(v) else None
                              for q, v in zip(PRICE_QUANTILES, qs, strict=True)},
            "cheapest_deal_interval": {_label(q): quantile_interval(self.cheapest, q, self.effective_draws)
                                       for q in PRICE_QUANTILES},
            "cheapest_deal_interval_method": ORDER_STATISTICS + "; on the concession grid",
        }


def bargaining_zone(drawn: Sample, levers: Mapping[str, float] | None = None, concept: str | None = None,
                    lam: float | None = None, grid: Sequence[float] | Array | None = None,
                    curve: Curve | None = None) -> BargainingZone:
    """Decide per draw, at each concession of ``grid``, whether both sides would accept a deal there.

    Every choice that moves with the concession is made again at each grid concession, so the Taliban
    may switch from a pledge to a Sever (with the faction staying or splitting) as the offer grows,
    and the US compares what it then gets, concession paid, with its value of the alliance as it is
    (Keep, where it pays nothing).
    A concession ``curve`` of the same sample and setting already holds those solutions.
    """
    if curve is None:
        curve = acceptance_curve(drawn, grid, levers, concept, lam)
    if curve.lever != "concession":
        raise ValueError("the bargaining zone is read from a concession curve")
    found = curve.agreeable.any(axis=0)
    first = np.argmax(curve.agreeable, axis=0)
    cheapest = np.where(found, curve.grid[first], np.inf)
    move = np.where(found, curve.moves[first, np.arange(curve.draws)], "none")
    return BargainingZone(curve.grid, curve.agreeable, cheapest, move, curve.replicates,
                          curve.effective_draws)


def _agreement(values: Mapping[str, Array]) -> tuple[NDArray[np.bool_], NDArray[np.str_]]:
    """Per draw: the Taliban leaves (distances or severs) and the US likes that at least as much as Keep;
    and which of the two moves it makes."""
    us_gain = values["eu_us"] - values["keep_us"]
    leaves = values["keep"] < 0.5
    return leaves & (us_gain >= 0), np.where(values["distance"] >= values["sever"], "distance", "sever")


# ----------------------------------------------------------------------------- best offer


@dataclass(frozen=True)
class BestOffer:
    """The grid concession with the highest mean US utility, what it buys, and the offers as good
    within two paired standard errors."""

    concession: float
    eu_us: Estimate
    outcomes: dict[str, float]
    near: tuple[float, ...]

    def summary(self) -> dict[str, Any]:
        return {"concession": self.concession, "eu_us": self.eu_us.mean, "eu_us_stderr": self.eu_us.stderr,
                "within_two_paired_se": list(self.near), "outcomes": self.outcomes}

    def range_text(self) -> str:
        """The offers as good as the best: "0.80" or "0.75 to 0.85"."""
        low, high = min(self.near), max(self.near)
        return f"{low:.2f}" if low == high else f"{low:.2f} to {high:.2f}"


def best_offer(curve: Curve) -> BestOffer:
    """The US's best offer under uncertainty on ``curve``'s concession grid (ties go to the smaller).

    Every grid offer whose mean US utility falls short of the best by at most two paired standard
    errors (the s.e. of the per-draw difference, on the same draws; from the replicates for a Latin
    hypercube or Sobol' sample) is reported with it: the data cannot tell those offers apart.
    """
    if curve.lever != "concession":
        raise ValueError("the best offer is read from a concession curve")
    i = int(np.argmax(curve.mean["eu_us"]))
    gaps = curve.eu_us[i][None, :] - curve.eu_us
    se = np.nan_to_num([inflated(mean_stderr(g, curve.replicates), curve.draws, curve.effective_draws)
                        for g in gaps])
    near = tuple(float(c) for c, g, e in zip(curve.grid, gaps, se, strict=True)
                 if g.mean() <= NEAR_BEST_SE * e)
    eu = Estimate.of(curve.eu_us[i])
    eu = Estimate(eu.mean, inflated(eu.stderr, curve.draws, curve.effective_draws))
    return BestOffer(float(curve.grid[i]), eu, {m: float(curve.mean[m][i]) for m in PROBABILITIES}, near)


# ----------------------------------------------------------------------------- helpers


def _label(q: float) -> str:
    return f"p{round(q * 100)}"


# ----------------------------------------------------------------------------- plain words


def findings(prices: PriceDistribution, curve: Curve, zone: BargainingZone, offer: BestOffer,
             output: str = outputs.DEFAULT) -> list[str]:
    """The negotiation results as short plain sentences for the app and the text report."""
    label = outputs.LABELS[output]
    has_price = prices.share_with_price(output)
    median = prices.quantiles(output)["p50"]
    median_interval = prices.quantile_intervals(output)["p50"]
    at_zero = probability_interval_at(curve, output, 0)
    summary = zone.summary()
    offered, offered_interval = summary["move_at_cheapest_deal"], summary["move_at_cheapest_deal_interval"]
    cheapest, cheapest_interval = summary["cheapest_deal"]["p50"], summary["cheapest_deal_interval"]["p50"]
    lines = [
        f"With no concession the Taliban chooses {label} in {at_zero} of the draws.",
        f"Some concession up to a full withdrawal (1.0) buys {label} in {format_probability(has_price)} of "
        f"the draws; in the others nothing the US can offer is enough.",
        f"A concession of {median:.2f} ({interval_text(median_interval)}) buys {label} in half of the draws."
        if median is not None else
        f"In more than half of the draws no concession up to 1.0 buys {label}.",
        f"A zone of possible agreement (a concession on the grid at which the Taliban distances or severs "
        f"and the US still prefers the result to the alliance as it is) exists in "
        f"{format_probability(zone.chance)} of the draws.",
    ]
    if cheapest is not None:
        lines.append(f"In half of the draws a deal is possible at a concession of {cheapest:.2f} "
                     f"({interval_text(cheapest_interval)}) or less.")
    if zone.exists.any():
        lines.append(f"At the cheapest such deal the Taliban pledges (Distance) in {offered['distance']:.0%} "
                     f"({_share_text(offered_interval['distance'])}) of those draws and severs in "
                     f"{offered['sever']:.0%} ({_share_text(offered_interval['sever'])}).")
    lines.append(
        f"The US's best offer on the grid is a concession of {offer.concession:.2f} ({_near_text(offer)}): "
        f"the Taliban then keeps the "
        f"alliance in {offer.outcomes['keep']:.0%} of the draws, distances itself in "
        f"{offer.outcomes['distance']:.0%} and severs in {offer.outcomes['sever']:.0%}.")
    return lines


def interval_text(pair: list[float | None] | None) -> str:
    """A quantile's 95% interval in concession units: "95% interval 0.55-0.62", open above 1 if so."""
    if pair is None:
        return "no interval: the quantile lies above 1"
    low, high = pair
    if high is None:
        return f"95% interval from {low:.2f} to above 1"
    return f"95% interval {low:.2f}-{high:.2f}"


def _share_text(pair: list[float] | None) -> str:
    return "" if pair is None else f"{100 * pair[0]:.0f}-{100 * pair[1]:.0f}%"


def _near_text(offer: BestOffer) -> str:
    if len(offer.near) == 1:
        return "no other grid offer comes within two paired standard errors of it"
    return f"offers from {offer.range_text()} are as good within two paired standard errors"


def curve_interval(curve: Curve, name: str, i: int) -> Interval:
    """The estimate and 95% interval of probability ``name`` at grid point ``i``."""
    mean, low, high = curve.mean[name][i], curve.low[name][i], curve.high[name][i]
    return Interval(float(mean), float(low), float(high), curve.methods[name], float(mean * curve.draws),
                    curve.draws)


def probability_interval_at(curve: Curve, name: str, i: int) -> str:
    """One grid point of a curve as "12% (10-14%)"."""
    return format_probability(curve_interval(curve, name, i))


# ----------------------------------------------------------------------------- a target probability


@dataclass(frozen=True)
class TargetReach:
    """Where on the grid P(outcome) reaches a target: the estimate, and the ends of its 95% interval.

    ``likely`` is the smallest grid concession whose estimate reaches the target, ``possibly`` the
    smallest whose interval's upper end does and ``surely`` the smallest whose lower end does; each is
    ``None`` when no concession up to the grid's top gets there.
    """

    output: str
    target: float
    likely: float | None
    possibly: float | None
    surely: float | None
    at_top: str

    def sentence(self) -> str:
        label = outputs.LABELS[self.output]
        if self.likely is None:
            return (f"No concession up to a full withdrawal (1.0) makes {label} {self.target:.0%} likely: "
                    f"at 1.0 its chance is {self.at_top}.")
        head = (f"A concession of {self.likely:.2f} is the smallest on the grid that makes {label} at least "
                f"{self.target:.0%} likely.")
        low = (f" Allowing for sampling error it could be as low as {self.possibly:.2f}."
               if self.possibly is not None and self.possibly < self.likely else "")
        if self.surely is None:
            high = " The low end of its 95% interval never reaches the target, up to 1.0."
        elif self.surely > self.likely:
            high = f" From {self.surely:.2f} even the low end of its 95% interval reaches it."
        else:
            high = " There even the low end of its 95% interval reaches it: sampling error does not move it."
        return head + low + high


def target_reach(curve: Curve, output: str, target: float) -> TargetReach:
    """The smallest grid concessions at which P(``output``) reaches ``target`` (see :class:`TargetReach`)."""
    if not 0 < target < 1:
        raise ValueError(f"the target probability must lie strictly between 0 and 1, got {target}")
    outputs.check(output)

    def first(values: Array) -> float | None:
        hit = np.flatnonzero(values >= target)
        return float(curve.grid[hit[0]]) if hit.size else None

    return TargetReach(output, target, first(curve.mean[output]), first(curve.high[output]),
                       first(curve.low[output]), probability_interval_at(curve, output, curve.grid.size - 1))
