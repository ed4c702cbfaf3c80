"""Exact, mergeable accumulators of a run: its summary without keeping any per-draw data.

A :class:`Tally` reduces chunks of draws (:class:`sim.engine.results.Chunk`) to integers: fixed-point sums of
every per-draw output and of its square (units of ``2**-32``, as :data:`sim.engine.results.FIXED_POINT`: each
draw is rounded on its own, so the sums are the same whatever the chunking, the thread or the
worker), the sums of the headline probabilities per replicate of a Latin hypercube or Sobol' design,
an integer histogram of each price, and the node and terminal sums of the tree. Merging two tallies
adds integers, so it is exact, associative and commutative: a run of 10^9 draws needs the memory of
one chunk, and dask workers ship a few hundred kilobytes back instead of every draw.

**Price quantiles.** Each price in [0, 1] is counted in the bin of its value rounded to the nearest
:data:`QUANTILE_RESOLUTION` (10^-4; 10,001 bins), a draw with no price up to 1 (``inf``) in one more
bin. A quantile is read off the bins as numpy's ``inverted_cdf`` reads it off sorted data: the
``k``-th smallest draw, ``k = ceil(n q) - 1`` counted from 0, is in the first bin whose running count
exceeds ``k``. Rounding is monotone, so this is the exact quantile of the draws rounded to 10^-4:
within half the resolution of ``np.quantile(prices, q, method="inverted_cdf")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Any

import numpy as np

from sim.engine.intervals import Interval, inflated, interval_from_moments, resample_ranks
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.builds import compiled as compiled_build
from sim.engine.results import FIXED_POINT, INTERVAL_OUTCOMES, QUANTILES, Chunk, Estimate, Readings
from sim.engine.runspec import RunSpec
from sim.engine.sampling import replicate_bounds
from sim.model.game import MOVES
from sim.spec.scenario import Scenario

#: Prices are counted to this resolution; quantiles are exact for the prices rounded to it.
QUANTILE_RESOLUTION = 1e-4
_BINS = 10_000  # bins 0..10,000 hold the rounded prices, bin 10,001 the draws with no price up to 1
PRICE_MOVES = ("sever", "distance", "distance_or_sever")
#: Probabilities summed per replicate: the ones a summary or report gives an interval for.
REPLICATED = (*INTERVAL_OUTCOMES, "detected")
#: Rows summed at once in int64: 1,024 rows of a value up to ``MAX_MAGNITUDE`` squared cannot overflow.
_ROWS = 1 << 10
MAX_MAGNITUDE = 1024.0


@dataclass(frozen=True)
class Settings:
    """What makes two tallies parts of the same run."""

    scenario: Scenario
    seed: int
    solution: str
    lam: float
    sampler: str
    #: Replicates of the design (1 for plain Monte Carlo).
    replicates: int
    #: The independent draws the rows are worth when they are a weighted resample (a calibrated
    #: model's posterior resample): every interval and standard error is that of so many draws.
    #: ``None``: the rows are the draws.
    effective_draws: float | None = None


@dataclass(frozen=True)
class Tally(Readings):
    """Exact accumulators of ``draws`` draws of one run (see the module's docstring)."""

    settings: Settings
    draws: int
    sums: dict[str, int]
    squares: dict[str, int]
    #: ``replicate_sums[name][r]``: the fixed-point sum of ``name`` over replicate ``r``'s draws.
    replicate_sums: dict[str, list[int]]
    histograms: dict[str, np.ndarray] = field(repr=False)
    #: Fixed-point sums of branch probabilities by node path, and ``"reach"`` by terminal.
    nodes: dict[str, list[int]] = field(repr=False)
    reach_keys: tuple[str, ...] = ()

    # -- building and merging ----------------------------------------------------------------
    @classmethod
    def of_chunk(cls, settings: Settings, chunk: Chunk, start: int, stop: int, run_draws: int) -> Tally:
        """The tally of rows ``start:stop`` of a run of ``run_draws`` draws."""
        return cls.of_rows(settings, chunk.per_draw, start, stop, run_draws,
                           {k: [int(x) for x in v] for k, v in chunk.sums.items()}, chunk.reach_keys)

    @classmethod
    def of_rows(cls, settings: Settings, per_draw: Mapping[str, np.ndarray], start: int, stop: int,
                run_draws: int, nodes: dict[str, list[int]], reach_keys: tuple[str, ...]) -> Tally:
        names = [k for k in per_draw if not k.startswith("price_")]
        stacked = np.stack([per_draw[k] for k in names], out=kernel.reused("tally", len(names), stop - start))
        sums, squares = _fixed_sums(stacked)
        spans = _replicate_spans(settings, run_draws, start, stop)
        by_replicate = [_fixed_sums(np.stack([per_draw[k][a:b] for k in REPLICATED]))[0] for a, b in spans]
        return cls(
            settings, stop - start,
            dict(zip(names, sums, strict=True)),
            dict(zip(names, squares, strict=True)),
            {k: [part[i] for part in by_replicate] for i, k in enumerate(REPLICATED)},
            {m: _price_histogram(per_draw[f"price_{m}"]) for m in PRICE_MOVES},
            nodes, reach_keys)

    def merge(self, other: Tally) -> Tally:
        """The tally of both sets of draws (exact: integers are added)."""
        if other.settings != self.settings:
            raise ValueError("cannot merge tallies of different runs")
        return replace(
            self, draws=self.draws + other.draws,
            sums=_add(self.sums, other.sums), squares=_add(self.squares, other.squares),
            replicate_sums={k: [a + b for a, b in zip(v, other.replicate_sums[k], strict=True)]
                            for k, v in self.replicate_sums.items()},
            histograms={k: v + other.histograms[k] for k, v in self.histograms.items()},
            nodes={k: [a + b for a, b in zip(v, other.nodes[k], strict=True)] for k, v in self.nodes.items()})

    # -- the same reading API as sim.engine.driver.Result --------------------------------------------------
    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def solution(self) -> str:
        return self.settings.solution

    @property
    def lam(self) -> float:
        return self.settings.lam

    @property
    def sampler(self) -> str:
        return self.settings.sampler

    @property
    def scenario(self) -> Scenario:
        return self.settings.scenario

    def mean(self, name: str) -> float:
        return self.sums[name] / (FIXED_POINT * self.draws)

    def estimate(self, name: str) -> Estimate:
        """Mean and Monte Carlo standard error (iid formula, as :meth:`sim.engine.results.Estimate.of`;
        that of the effective draws on a weighted resample)."""
        se = inflated(self._iid_stderr(name), self.draws, self.settings.effective_draws)
        return Estimate(self.mean(name), se)

    def _iid_stderr(self, name: str) -> float:
        n, total = self.draws, self.sums[name]
        if n < 2:
            return float("nan")
        # Sample variance in units of 2**-64, from exact integers; the squares were rounded on
        # their own, so a tiny negative value means zero.
        spread = max(0, n * self.squares[name] * FIXED_POINT - total * total)
        return float(np.sqrt(spread / (FIXED_POINT**2 * n * (n - 1)) / n))

    def interval(self, name: str) -> Interval:
        """The 95% interval of a probability, by the method that suits the sampler."""
        bounds = replicate_bounds(self.draws, self.sampler)
        means = ([s / (FIXED_POINT * (b - a)) for s, (a, b) in zip(self.replicate_sums[name], bounds,
                                                                  strict=True)]
                 if len(bounds) > 1 else [])
        return interval_from_moments(self.sums[name] / FIXED_POINT, self.squares[name] / FIXED_POINT,
                                     self.draws, means, iid_stderr=self._iid_stderr(name),
                                     effective_draws=self.settings.effective_draws)

    def price_quantiles(self, move: str = "sever") -> dict[str, float | None]:
        """Quantiles of the price of ``move`` to :data:`QUANTILE_RESOLUTION`; ``None`` above 1."""
        running = np.cumsum(self.histograms[move])
        out: dict[str, float | None] = {}
        for key, q in QUANTILES.items():
            b = int(np.searchsorted(running, _order_statistic(self.draws, q), side="right"))
            out[key] = None if b > _BINS else b / _BINS
        return out

    def price_quantile_intervals(self, move: str = "sever") -> dict[str, list[float | None] | None]:
        """The 95% order-statistic interval of each quantile of :meth:`price_quantiles` (to the same
        resolution): ``None`` where the quantile does not exist (lies above 1), an end ``None`` where the
        interval is open above 1."""
        running = np.cumsum(self.histograms[move])

        def at(rank: int) -> float | None:
            if rank < 0:
                return 0.0   # open below: no price is negative
            if rank >= self.draws:
                return None
            b = int(np.searchsorted(running, rank, side="right"))
            return None if b > _BINS else b / _BINS

        out: dict[str, list[float | None] | None] = {}
        for key, q in QUANTILES.items():
            low, high = resample_ranks(self.draws, q, self.settings.effective_draws)
            middle = at(_order_statistic(self.draws, q))
            out[key] = None if middle is None else [at(low), at(high)]
        return out

    def price_exists(self, move: str = "sever") -> Estimate:
        """The share of draws in which some concession up to 1 buys that move."""
        n, found = self.draws, self.draws - int(self.histograms[move][-1])
        se = float(np.sqrt(found * (n - found) / (n * (n - 1)) / n)) if n > 1 else float("nan")
        return Estimate(found / n, inflated(se, n, self.settings.effective_draws))

    @property
    def behaviour(self) -> dict[str, tuple[float, ...]]:
        return {path: tuple(t / (FIXED_POINT * self.draws) for t in totals)
                for path, totals in self.nodes.items() if path != "reach"}

    @property
    def reach(self) -> dict[str, float]:
        return {k: t / (FIXED_POINT * self.draws) for k, t in zip(self.reach_keys, self.nodes["reach"],
                                                                    strict=True)}

    def summary(self) -> dict[str, Any]:
        """Plain data for JSON, text and the app: the keys of :meth:`sim.engine.driver.Result.summary`, with
        the price quantiles to ``quantile_resolution``."""
        def est(e: Estimate) -> dict[str, float]:
            return {"mean": e.mean, "stderr": e.stderr}

        outcomes = self.outcomes
        intervals = {k: self.interval(k) for k in INTERVAL_OUTCOMES}
        return {
            "scenario": self.scenario.name,
            "draws": self.draws,
            "seed": self.seed,
            "solution": self.solution,
            "lambda": self.lam if self.solution == "qre" else None,
            "sampler": self.sampler,
            "levers": dict(self.scenario.levers),
            "outcomes": {k: e.mean for k, e in outcomes.items()},
            "split": self.mean("split"),
            "deal": self.mean("deal"),
            "detected": self.mean("detected"),
            "stderr": {
                **{k: e.stderr for k, e in outcomes.items()},
                "split": self.estimate("split").stderr,
                "deal": self.estimate("deal").stderr,
            },
            "intervals": {**{k: iv.pair() for k, iv in intervals.items()},
                          "sever_price": self.price_quantile_intervals("sever"),
                          "pledge_price": self.price_quantile_intervals("distance")},
            "interval_method": {k: iv.method for k, iv in intervals.items()},
            "aq_response": {k: e.mean for k, e in self.aq_responses.items()},
            "external_op": {
                "overall": self.mean("external_op"),
                **{f"after_{m}": self.mean(f"external_op_if_{m}") for m in MOVES},
            },
            "retaliation": self.mean("retaliation"),
            "expected_utility": {k: est(e) for k, e in self.expected_utility.items()},
            "sever_price": self._price_summary("sever"),
            "pledge_price": self._price_summary("distance"),
            # Kept for readers of the v1 output: the reservation price is the Sever price.
            "reservation_price": self._price_summary("sever"),
            "net_alliance_value": est(self.estimate("net_alliance_value")),
            "material_net": est(self.estimate("material_net")),
            "aq_net_gain": est(self.estimate("aq_net_gain")),
            "funding_dependence": est(self.estimate("funding_dependence")),
            "quantile_resolution": QUANTILE_RESOLUTION,
        }


def tally_of_arrays(settings: Settings, per_draw: Mapping[str, np.ndarray], run_draws: int,
                    step: int) -> Tally:
    """The tally of whole per-draw arrays (a :class:`sim.engine.driver.Result`'s), ``step`` rows at a time
    (without node sums: the result keeps its own)."""
    parts = (Tally.of_rows(settings, {k: v[a:a + step] for k, v in per_draw.items()}, a,
                           min(a + step, run_draws), run_draws, {}, ())
             for a in range(0, run_draws, step))
    return reduce(Tally.merge, parts)


def _replicate_spans(settings: Settings, run_draws: int, start: int, stop: int) -> list[tuple[int, int]]:
    """Rows of ``start:stop`` (relative to ``start``) in each replicate of the run; empty if none."""
    if settings.replicates == 1:
        return [(0, stop - start)]
    spans = [(max(a, start) - start, min(b, stop) - start) for a, b in replicate_bounds(run_draws,
                                                                                      settings.sampler)]
    return [(a, max(a, b)) for a, b in spans]


def _fixed_sums(values: np.ndarray) -> tuple[list[int], list[int]]:
    """Exact row sums of ``(k, n)`` values and of their squares in units of ``2**-32``, as Python
    integers (added in int64 ``_ROWS`` columns at a time, in one compiled pass)."""
    blocks = -(-values.shape[1] // _ROWS)
    sums = np.zeros((values.shape[0], blocks), dtype=np.int64)
    squares = np.zeros_like(sums)
    if not compiled_build().fixed_sums(values, _ROWS, MAX_MAGNITUDE, sums, squares):
        raise ValueError(f"a per-draw output is not finite or exceeds {MAX_MAGNITUDE:g} in size")
    return [sum(row) for row in sums.tolist()], [sum(row) for row in squares.tolist()]


def _price_histogram(prices: np.ndarray) -> np.ndarray:
    counts = np.zeros(_BINS + 2, dtype=np.int64)
    if not compiled_build().price_counts(np.ascontiguousarray(prices), _BINS, counts):
        raise ValueError("a price is neither in [0, 1] nor 'none up to 1'")
    return counts


def _order_statistic(n: int, q: float) -> int:
    """The 0-based rank numpy's ``inverted_cdf`` picks for quantile ``q`` of ``n`` values."""
    index = n * q - 1
    below = np.floor(index)
    return max(0, int(below if index - below == 0 else below + 1))


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: v + b[k] for k, v in a.items()}


def settings_for(spec: RunSpec) -> Settings:
    """What makes the tallies of the run ``spec`` parts of one run."""
    return settings_of(spec.scenario, spec.draws, spec.seed, spec.solution, spec.lam, spec.sampler)


def settings_of(scenario: Scenario, draws: int, seed: int, solution: str, lam: float,
                sampler: str, effective_draws: float | None = None) -> Settings:
    return Settings(scenario, seed, solution, lam, sampler, len(replicate_bounds(draws, sampler)),
                    effective_draws)
