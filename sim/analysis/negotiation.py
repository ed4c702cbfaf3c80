"""What would it take? The Taliban's price, acceptance curves, the bargaining zone and the US best offer.

The article closes on the idea that a break with al-Qaeda may be a bargaining chip the Taliban holds
back for a large US concession (Negotiations ¶4-5). This module turns one Monte Carlo sample of a
scenario into the numbers a negotiator would ask for:

* the **reservation price** per draw (the smallest concession at which the Taliban leadership prefers
  Distance, or Sever, to Keep; :mod:`sim.price`) and its distribution;
* **acceptance curves**: P(Distance), P(Sever) and P(any break) as the concession (or verification)
  moves on a grid, with 95% Monte Carlo bands. The same draws are re-solved at every grid point
  (common random numbers), so the curve's shape is not blurred by sampling noise;
* the **bargaining zone**: per draw, the largest concession the US would pay for the break the
  Taliban offers at its price, and the chance that the price is at or below it;
* the US **best offer** under uncertainty: the grid concession that maximises the US expected
  utility averaged over the draws, and the outcomes it buys.

Every computation is vectorised over draws; the only Python loops run over grid points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model import MOVES, US, Game, build_game, concession_line
from sim.run import Estimate, Sample, per_draw_array, sample_prices
from sim.solve import Solution, reach_below, solve

Array = NDArray[np.float64]
#: 1.96: the normal quantile of a two-sided 95% band around a Monte Carlo mean.
Z95 = 1.959963984540054
CURVE_OUTCOMES = ("keep", "distance", "sever", "distance_or_sever", "eu_us")
PRICE_MOVES = ("sever", "distance", "distance_or_sever")
PRICE_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


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
    """Reservation prices per draw: ``prices[move]`` for ``sever``, ``distance`` (the pledge) and
    ``distance_or_sever``.

    ``inf`` marks a draw where no concession in [0, 1] is enough.
    """

    prices: dict[str, Array] = field(repr=False)

    def share_with_price(self, move: str = "sever") -> Estimate:
        """Share of draws in which some concession in [0, 1] buys ``move``."""
        return Estimate.of(np.isfinite(self.prices[move]).astype(float))

    def quantiles(self, move: str = "sever") -> dict[str, float | None]:
        """Quantiles over all draws; ``None`` where the quantile falls among draws with no price."""
        values = np.quantile(self.prices[move], PRICE_QUANTILES, method="inverted_cdf")
        return {_label(q): (float(v) if np.isfinite(v) else None)
                for q, v in zip(PRICE_QUANTILES, values, strict=True)}

    def histogram(self, move: str = "sever", bins: int = 20) -> list[dict[str, float]]:
        """Share of all draws whose price falls in each of ``bins`` equal bins of [0, 1]."""
        counts, edges = np.histogram(self.prices[move], bins=bins, range=(0.0, 1.0))
        n = self.prices[move].size
        return [{"low": float(a), "high": float(b), "share": float(k / n)}
                for a, b, k in zip(edges[:-1], edges[1:], counts, strict=True)]

    def share_at_or_below(self, concession: float | Array, move: str = "sever") -> Array:
        """Share of draws whose price is at most ``concession`` (the SPE acceptance curve)."""
        c = np.atleast_1d(np.asarray(concession, dtype=float))
        return (self.prices[move][None, :] <= c[:, None]).mean(axis=1)

    def summary(self) -> dict[str, Any]:
        return {m: {"share_with_price": self.share_with_price(m).mean, **self.quantiles(m)}
                for m in PRICE_MOVES}


def price_distribution(drawn: Sample, levers: Mapping[str, float] | None = None,
                       concept: str | None = None, lam: float | None = None) -> PriceDistribution:
    """Reservation prices of every draw of ``drawn`` (exact for SPE, bisection for QRE)."""
    s = setting(drawn, levers, concept, lam)
    prices = sample_prices(drawn, s.levers, s.concept, s.lam)
    return PriceDistribution({m: prices[f"price_{m}"] for m in PRICE_MOVES})


# ----------------------------------------------------------------------------- acceptance curves


@dataclass(frozen=True)
class Curve:
    """Outcome probabilities and the US expected utility along a grid of one lever.

    ``mean[name]`` and ``stderr[name]`` are ``(len(grid),)`` arrays for ``keep``, ``distance``,
    ``sever``, ``break`` (Distance or Sever) and ``eu_us``.
    """

    lever: str
    grid: Array
    mean: dict[str, Array]
    stderr: dict[str, Array]
    draws: int

    def band(self, name: str) -> tuple[Array, Array]:
        """The 95% Monte Carlo band around ``mean[name]`` (clipped to [0, 1] for probabilities)."""
        low = self.mean[name] - Z95 * self.stderr[name]
        high = self.mean[name] + Z95 * self.stderr[name]
        return (low, high) if name == "eu_us" else (np.clip(low, 0, 1), np.clip(high, 0, 1))

    def to_rows(self) -> list[dict[str, float]]:
        """One record per grid point: the lever value, then mean, low and high of each outcome."""
        rows = []
        for i, x in enumerate(self.grid):
            row = {self.lever: float(x)}
            for name in CURVE_OUTCOMES:
                low, high = self.band(name)
                row.update({name: float(self.mean[name][i]), f"{name}_low": float(low[i]),
                            f"{name}_high": float(high[i])})
            rows.append(row)
        return rows


def acceptance_curve(drawn: Sample, grid: Sequence[float] | Array | None = None,
                     levers: Mapping[str, float] | None = None, concept: str | None = None,
                     lam: float | None = None) -> Curve:
    """P(Keep), P(Distance), P(Sever), P(break) and mean US utility as the concession moves.

    The draws of ``drawn`` are re-solved at each grid point, on the game's
    :class:`~sim.model.ConcessionLine` (cheaper than rebuilding the game, with the same numbers).
    """
    s = setting(drawn, levers, concept, lam)
    grid_ = _grid(grid)
    line = concession_line(drawn.params, s.levers)
    return _curve("concession", grid_, (line.at(c) for c in grid_), s, drawn.draws)


def verification_curve(drawn: Sample, grid: Sequence[float] | Array | None = None,
                       levers: Mapping[str, float] | None = None, concept: str | None = None,
                       lam: float | None = None) -> Curve:
    """The same outcomes as :func:`acceptance_curve` as verification moves, at the current concession."""
    s = setting(drawn, levers, concept, lam)
    grid_ = _grid(grid)
    games = (build_game(drawn.params, {**s.levers, "verification": float(v)}) for v in grid_)
    return _curve("verification", grid_, games, s, drawn.draws)


def _grid(grid: Sequence[float] | Array | None) -> Array:
    out = np.linspace(0.0, 1.0, 21) if grid is None else np.asarray(grid, dtype=float)
    if out.ndim != 1 or out.size == 0 or not np.all((out >= 0) & (out <= 1)):
        raise ValueError("a lever grid must be a non-empty list of values in [0, 1]")
    return out


def _curve(lever: str, grid: Array, games, s: Setting, n: int) -> Curve:
    means = {k: np.empty(grid.size) for k in CURVE_OUTCOMES}
    errors = {k: np.empty(grid.size) for k in CURVE_OUTCOMES}
    for i, game in enumerate(games):
        for name, x in _outcomes(solve(game, s.concept, s.lam), n).items():
            est = Estimate.of(x)
            means[name][i], errors[name][i] = est.mean, est.stderr
    return Curve(lever, grid, means, errors, n)


def _outcomes(sol: Solution, n: int) -> dict[str, Array]:
    root = sol.probs[""]
    out = {m: per_draw_array(root[i], n) for i, m in enumerate(MOVES)}
    out["distance_or_sever"] = 1.0 - out["keep"]
    out["eu_us"] = per_draw_array(sol.values[""][US], n)
    return out


# ----------------------------------------------------------------------------- bargaining zone


@dataclass(frozen=True)
class BargainingZone:
    """The Taliban's price against the US's willingness to pay, per draw.

    ``willingness`` is the largest concession at which the US still prefers the break the Taliban
    offers at its price to the alliance as is (it can be negative: the US would not take that break
    even for free, or above 1). ``exists`` marks draws with a price in [0, 1] at or below it.
    """

    price: Array = field(repr=False)
    willingness: Array = field(repr=False)
    move: Array = field(repr=False)
    exists: Array = field(repr=False)

    @property
    def chance(self) -> Estimate:
        """P(a zone of possible agreement exists), with its Monte Carlo standard error."""
        return Estimate.of(self.exists.astype(float))

    def summary(self) -> dict[str, Any]:
        qs = np.quantile(self.willingness, PRICE_QUANTILES, method="inverted_cdf")
        return {
            "zone_exists": self.chance.mean,
            "zone_exists_stderr": self.chance.stderr,
            "taliban_has_price": float(np.isfinite(self.price).mean()),
            "us_willingness": {_label(q): float(v) if np.isfinite(v) else None
                               for q, v in zip(PRICE_QUANTILES, qs, strict=True)},
        }


def bargaining_zone(drawn: Sample, levers: Mapping[str, float] | None = None, concept: str | None = None,
                    lam: float | None = None, prices: PriceDistribution | None = None) -> BargainingZone:
    """Compare each draw's reservation price with the US's willingness to pay for that break.

    The US payoffs are affine in the concession too: a verified break gives it its security value
    (a share of it if al-Qaeda goes underground, ``us_pledge_share`` of it for an undetected
    pledge) and costs ``us_political_cost`` per unit of concession actually delivered. Holding the
    other players' responses at what they are at the Taliban's price, the US value of the break is
    ``gain + slope * c`` with ``slope < 0``; the willingness to pay is the ``c`` at which it falls to
    the US value of Keep.
    """
    s = setting(drawn, levers, concept, lam)
    prices = prices or price_distribution(drawn, s.levers, s.concept, s.lam)
    price = prices.prices["sever"]
    move = np.full(drawn.draws, "sever")
    line = concession_line(drawn.params, s.levers)
    sol = solve(line.at(np.minimum(price, 1.0)), s.concept, s.lam)
    keep_value = per_draw_array(sol.values["keep"][US], drawn.draws)
    willingness = np.empty(drawn.draws)
    for m in ("distance", "sever"):
        reach = conditional_reach(sol, line.at_zero, m)
        gain = sum(r * line.at_zero.payoffs[k][US] for k, r in reach.items())
        slope = sum(r * line.slope[k][US] for k, r in reach.items())
        with np.errstate(divide="ignore", invalid="ignore"):
            free = np.where(gain >= keep_value, np.inf, -np.inf)     # the break costs the US nothing
            wtp = np.where(slope < 0, (keep_value - gain) / slope, free)
        willingness = np.where(move == m, per_draw_array(wtp, drawn.draws), willingness)
    exists = np.isfinite(price) & (price <= willingness)
    return BargainingZone(price, willingness, move, exists)


def conditional_reach(sol: Solution, game: Game, move: str) -> dict[str, Array]:
    """Probability of each terminal below ``move`` given that the Taliban takes ``move``."""
    return reach_below(sol, game, move)


# ----------------------------------------------------------------------------- best offer


@dataclass(frozen=True)
class BestOffer:
    """The grid concession with the highest mean US utility, and what it buys."""

    concession: float
    eu_us: Estimate
    outcomes: dict[str, float]

    def summary(self) -> dict[str, Any]:
        return {"concession": self.concession, "eu_us": self.eu_us.mean, "eu_us_stderr": self.eu_us.stderr,
                "outcomes": self.outcomes}


def best_offer(curve: Curve) -> BestOffer:
    """The US's best offer under uncertainty on ``curve``'s concession grid (ties go to the smaller)."""
    if curve.lever != "concession":
        raise ValueError("the best offer is read from a concession curve")
    i = int(np.argmax(curve.mean["eu_us"]))
    eu = Estimate(float(curve.mean["eu_us"][i]), float(curve.stderr["eu_us"][i]))
    outcomes = {m: float(curve.mean[m][i]) for m in (*MOVES, "distance_or_sever")}
    return BestOffer(float(curve.grid[i]), eu, outcomes)


# ----------------------------------------------------------------------------- helpers


def _label(q: float) -> str:
    return f"p{round(q * 100)}"


# ----------------------------------------------------------------------------- plain words


def findings(prices: PriceDistribution, curve: Curve, zone: BargainingZone, offer: BestOffer) -> list[str]:
    """The negotiation results as short plain sentences for the app and the text report."""
    has_price = prices.share_with_price("sever").mean
    median = prices.quantiles("sever")["p50"]
    pledge = prices.share_with_price("distance").mean
    lines = [
        f"With no concession the Taliban severs its ties to al-Qaeda in {curve.mean['sever'][0]:.0%} of the "
        "draws and pledges publicly while keeping covert ties (Distance) in "
        f"{curve.mean['distance'][0]:.0%}.",
        f"Some concession up to a full withdrawal (1.0) buys a Sever in {has_price:.0%} of the draws; "
        f"in the other {1 - has_price:.0%} nothing the US can offer is enough.",
        f"A concession of {median:.2f} buys a Sever in half of the draws." if median is not None else
        "In more than half of the draws no concession up to 1.0 buys a Sever.",
        f"A public pledge (Distance) is the Taliban's best move at some concession up to 1.0 in "
        f"{pledge:.0%} of the draws; a pledge is not a break.",
    ]
    lines += [
        f"A zone of possible agreement (a price the Taliban accepts that the US would still pay) exists in "
        f"{zone.chance.mean:.0%} of the draws (± {Z95 * zone.chance.stderr:.1%}).",
        f"The US's best offer on the grid is a concession of {offer.concession:.2f}: the Taliban then keeps "
        f"the alliance in {offer.outcomes['keep']:.0%} of the draws, distances itself in "
        f"{offer.outcomes['distance']:.0%} and severs in {offer.outcomes['sever']:.0%}.",
    ]
    return lines
