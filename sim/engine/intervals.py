"""95% intervals for the probabilities and quantiles a run reports, each labelled by the method that made it.

The method is chosen by the design, never by the estimate:

* **Plain Monte Carlo**: the interval comes from the per-draw spread: the standard error
  ``s / sqrt(n)`` from the sums of the values and of their squares, turned into a score (Wilson-type)
  interval with the *effective* number of draws ``n_eff = p (1 - p) / se^2``. For 0/1 values
  ``n_eff = n - 1`` and this is the Wilson score interval (Wilson 1927); for values that are fractions
  of a draw (P(deal), the logit QRE's probabilities) the spread is smaller than ``p (1 - p)`` and the
  interval narrower. It never has zero width: with no draw having the outcome (or with no spread) it
  is the Wilson interval on ``n`` draws, an upper bound of about 3.7/n.
* **Latin hypercube and Sobol'**: such designs are not independent draws, so the iid standard error
  misstates their error. The run is made of ``R`` independently randomised replicates
  (:func:`sim.engine.sampling.replicate_bounds`); the standard error is that of the ``R`` replicate
  means (Owen, *Monte Carlo theory, methods and examples*, 2013, ch. 17), and the interval the same
  score form with a t quantile on ``R - 1`` degrees of freedom. The replicate method is used whatever
  the estimate (a switch on the number of events made the coverage depend on the draws: issue 29);
  with no spread between the replicates at all (no event in any) it is the Wilson interval on ``n``.

**Quantiles** get the distribution-free order-statistic interval: the ranks ``l`` and ``u`` below and
above ``n q`` with ``P(l <= Binomial(n, q) < u) >= 95%`` (Hahn & Meeker 1991, 5.2). It is exact for
independent draws and conservative for a Latin hypercube (the count below a quantile is a mean of
indicators, whose variance the design does not raise beyond ``n / (n - 1)``).

**A weighted resample** (a run on a calibrated model's posterior resample, :mod:`sim.timeline.calibration`)
repeats draws: its ``n`` rows hold the information of ``effective_draws`` independent ones. Every
interval and standard error is then that of ``effective_draws`` draws: the score interval's count is
scaled by ``effective_draws / n``, the standard error by ``sqrt(n / effective_draws)``, and the
order-statistic ranks are those of ``effective_draws`` draws carried over to the ``n`` rows by their
share (outward). Without ``effective_draws`` nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
CONFIDENCE = 0.95
#: The two-sided 95% normal quantile, for intervals from a standard error.
Z95 = 1.959963984540054
WILSON = "score interval from the per-draw spread (95%; Wilson for 0/1 draws)"
ORDER_STATISTICS = "order-statistic interval (95%, distribution-free)"


#: How the method of an interval on a weighted resample ends (:func:`resample_method`).
RESAMPLE_TAG = "(95%; a weighted resample)"


def resample_method(effective: float) -> str:
    """The method of an interval on a weighted resample of ``effective`` effective draws."""
    return (f"score interval from the per-draw spread on n_eff = {effective:,.0f} effective draws "
            + RESAMPLE_TAG)


def replicate_method(count: int) -> str:
    return f"score interval from {count} randomised replicates (95%, t on {count - 1} d.f.)"


@dataclass(frozen=True)
class Interval:
    """A probability's estimate and its 95% interval, with the method and the count behind it."""

    mean: float
    low: float
    high: float
    method: str
    events: float
    draws: int
    #: The standard error behind the interval (per-draw spread, or replicate means): the one
    #: ``--precision`` aims at.
    stderr: float = float("nan")

    @property
    def no_events(self) -> bool:
        return self.events == 0

    def pair(self) -> list[float]:
        return [self.low, self.high]

    @property
    def short_method(self) -> str:
        """The method in a few words, for a caption."""
        if self.method == WILSON:
            return "95% interval from the per-draw spread"
        if self.method.endswith(RESAMPLE_TAG):
            return f"95% interval on n_eff = {self.method.split()[9]} effective draws"
        return f"95% interval over {self.method.split()[3]} replicates"


def wilson(events: float, draws: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for ``events`` successes in ``draws`` trials."""
    if draws < 1:
        raise ValueError("a Wilson interval needs at least one draw")
    z = Z95 if confidence == CONFIDENCE else float(_special().ndtri(0.5 + confidence / 2))
    p = events / draws
    centre = (p + z * z / (2 * draws)) / (1 + z * z / draws)
    half = z * np.sqrt(p * (1 - p) / draws + z * z / (4 * draws * draws)) / (1 + z * z / draws)
    low = 0.0 if events <= 0 else max(0.0, float(centre - half))
    high = 1.0 if events >= draws else min(1.0, float(centre + half))
    return low, high


def share_interval(events: float, draws: int, effective_draws: float | None = None) -> tuple[float, float]:
    """The Wilson interval of ``events`` of ``draws`` draws; on a weighted resample worth
    ``effective_draws`` draws, the score interval of that many (the same share)."""
    if effective_draws is None:
        return wilson(events, draws)
    return score_interval(events / draws, draws * resample_share(draws, effective_draws))


def probability_interval(x: Array, replicates: Sequence[tuple[int, int]] = (),
                         effective_draws: float | None = None) -> Interval:
    """The 95% interval of the mean of per-draw values ``x`` in [0, 1] (0/1 outcomes, or fractions).

    ``replicates`` are the row ranges of independent randomised replicates (for a Latin hypercube or
    Sobol' run); empty or a single range means independent draws. ``effective_draws``: the rows are a
    weighted resample worth that many independent draws (see the module's docstring).
    """
    x = np.asarray(x, dtype=float)
    means = [float(x[a:b].mean()) for a, b in replicates] if len(replicates) > 1 else []
    return interval_from_moments(float(x.sum()), float(np.square(x).sum()), x.size, means,
                                 effective_draws=effective_draws)


def interval_from_moments(total: float, squares: float, draws: int, replicate_means: Sequence[float] = (),
                          *, iid_stderr: float | None = None,
                          effective_draws: float | None = None) -> Interval:
    """The 95% interval of a probability from the sum of its per-draw values over ``draws`` draws
    (``total``), the sum of their squares and, for a Latin hypercube or Sobol' run, the means of its
    replicates: what a run that keeps no per-draw data (:class:`sim.engine.tally.Tally`) still has.
    The method depends on whether there are replicates (the design), not on the values.
    ``iid_stderr``, if given, is the per-draw standard error computed exactly by the caller.
    ``effective_draws``, if given, the independent draws a weighted resample of ``draws`` rows is worth."""
    if draws < 1:
        raise ValueError("an interval needs at least one draw")
    mean = min(1.0, max(0.0, total / draws))
    iid = spread_stderr(total, squares, draws) if iid_stderr is None else iid_stderr
    count = len(replicate_means)
    spread = mean * (1 - mean)
    if count > 1:
        se = replicate_stderr(replicate_means)
        quantile = float(_special().stdtrit(count - 1, 0.5 + CONFIDENCE / 2))
        method = replicate_method(count)
        effective = spread / (se * se) if spread > 0 and se > 0 else float(draws)
    else:
        # The per-draw variance (divisor n): 0/1 draws (whose squares sum to their sum) have exactly
        # p (1 - p), so n, the Wilson interval, to the last bit.
        variance = max(0.0, squares / draws - mean * mean)
        se, quantile, method = iid, Z95, WILSON
        fractional = squares != total and spread > 0 and variance > 0
        effective = draws * spread / variance if fractional else float(draws)
        if effective_draws is not None:
            share = resample_share(draws, effective_draws)
            effective, se = effective * share, inflated(se, draws, effective_draws)
            method = resample_method(draws * share)
    low, high = score_interval(mean, effective, quantile)
    return Interval(mean, low, high, method, total, draws, se)


def resample_share(draws: int, effective_draws: float) -> float:
    """The share of ``draws`` rows a weighted resample's ``effective_draws`` are worth (at most 1)."""
    if not effective_draws > 0:
        raise ValueError("a weighted resample needs a positive number of effective draws")
    return min(1.0, effective_draws / draws)


def inflated(stderr: float, draws: int, effective_draws: float | None) -> float:
    """A standard error computed as if the ``draws`` rows were independent, made that of
    ``effective_draws`` draws (unchanged when ``None``)."""
    if effective_draws is None:
        return stderr
    return float(stderr / np.sqrt(resample_share(draws, effective_draws)))


def spread_stderr(total: float, squares: float, draws: int) -> float:
    """The iid standard error of a mean from the sum and the sum of squares of ``draws`` values."""
    if draws < 2:
        return float("nan")
    variance = max(0.0, (squares - total * total / draws) / (draws - 1))
    return float(np.sqrt(variance / draws))


def score_interval(mean: float, effective: float, quantile: float = Z95) -> tuple[float, float]:
    """The score (Wilson-type) interval of a share ``mean`` in [0, 1] known as well as from ``effective``
    independent 0/1 draws (``mean (1 - mean) / se^2``): the Wilson formula with that count."""
    spread = mean * (1 - mean)
    z2 = quantile * quantile
    centre = (mean + z2 / (2 * effective)) / (1 + z2 / effective)
    half = quantile * np.sqrt(spread / effective + z2 / (4 * effective * effective)) / (1 + z2 / effective)
    low = 0.0 if mean <= 0 else max(0.0, float(centre - half))
    high = 1.0 if mean >= 1 else min(1.0, float(centre + half))
    return low, high


@cache
def order_statistic_ranks(n: int, q: float, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """0-based ranks ``(l, u)`` of the sorted ``n`` draws with ``P(x_(l) <= true q-quantile <= x_(u))``
    at least ``confidence`` for independent draws (equal-tailed: each side misses at most half the rest).
    ``u`` may be ``n`` (no such draw: the interval is open above); ``l`` may be -1 (open below)."""
    tail = (1 - confidence) / 2
    # With B ~ Binomial(n, q) draws at or below the true quantile, it lies below x_(l) when B <= l and
    # above x_(u) when B > u: take the largest l with P(B <= l) <= tail, the smallest u with
    # P(B > u) <= tail.
    k, pmf = _binomial_window(n, q)
    below = np.cumsum(pmf)                       # P(B <= k)
    above = np.cumsum(pmf[::-1])[::-1] - pmf     # P(B > k)
    fits = np.flatnonzero(below <= tail)
    low = int(k[fits[-1]]) if fits.size else int(k[0]) - 1
    fits = np.flatnonzero(above <= tail)
    high = int(k[fits[0]]) if fits.size else n
    return low, min(high, n)


def resample_ranks(n: int, q: float, effective_draws: float | None = None) -> tuple[int, int]:
    """:func:`order_statistic_ranks` of ``n`` rows; for a weighted resample worth ``effective_draws``
    draws, the ranks of that many draws carried over to the ``n`` rows by their share of the draws
    (rounded outward: rank ``r`` of ``k`` draws is the ``(r + 1) / k`` point of the rows)."""
    if effective_draws is None or effective_draws >= n:
        return order_statistic_ranks(n, q)
    k = max(1, int(effective_draws))
    low, high = order_statistic_ranks(k, q)
    return math.floor((low + 1) * n / k) - 1, min(n, math.ceil((high + 1) * n / k) - 1)


def _binomial_window(n: int, q: float) -> tuple[NDArray[np.int64], Array]:
    """The Binomial(n, q) probabilities of the counts within 12 standard deviations of the mode (the
    rest weighs under 1e-30), from the ratio of successive terms: numpy and :mod:`math` only, so a
    short run's summary does not import scipy (a start-up cost; tests/engine/test_aot.py)."""
    mode = min(n, int(math.floor((n + 1) * q)))
    reach = int(12 * math.sqrt(n * q * (1 - q))) + 12
    first, last = max(0, mode - reach), min(n, mode + reach)
    log_mode = (math.lgamma(n + 1) - math.lgamma(mode + 1) - math.lgamma(n - mode + 1)
                + mode * math.log(q) + (n - mode) * math.log1p(-q))
    odds = math.log(q) - math.log1p(-q)
    up = np.arange(mode, last, dtype=float)                   # log P(j+1) - log P(j), j = mode..last-1
    down = np.arange(mode, first, -1, dtype=float)            # log P(j-1) - log P(j), j = mode..first+1
    log_up = np.cumsum(np.log((n - up) / (up + 1)) + odds)
    log_down = np.cumsum(np.log(down / (n - down + 1)) - odds)
    logs = np.concatenate([log_down[::-1], [0.0], log_up]) + log_mode
    return np.arange(first, last + 1, dtype=np.int64), np.exp(logs)


def quantile_interval(values: Array, q: float,
                      effective_draws: float | None = None) -> list[float | None] | None:
    """The 95% order-statistic interval of the ``q`` quantile (numpy's ``inverted_cdf``) of values that
    are ``inf`` where there is none (a price above 1): ``None`` where the quantile itself is ``inf``,
    an end ``None`` where the interval is open above, 0 where it is open below (values are >= 0).
    ``effective_draws``: the values are a weighted resample worth that many draws."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or not np.isfinite(np.quantile(x, q, method="inverted_cdf")):
        return None

    def at(rank: int) -> float | None:
        if rank < 0:
            return 0.0
        return float(x[rank]) if rank < x.size and np.isfinite(x[rank]) else None

    return [at(r) for r in resample_ranks(x.size, q, effective_draws)]


def _special():
    """:mod:`scipy.special`, imported on first use: a run that needs no quantile starts faster."""
    from scipy import special

    return special


def format_probability(iv: Interval) -> str:
    """A probability for a student to quote: "12% (10-14%)", or "< 0.03%" when no draw had it."""
    if iv.no_events:
        return f"< {_bound_up(iv.high)}%"
    digits = _decimals(iv.high - iv.low)
    return f"{_percent(iv.mean, digits)}% ({_percent(iv.low, digits)}-{_percent(iv.high, digits)}%)"


def _bound_up(share: float) -> str:
    """A share's upper bound as a percent with the usual decimals, and more when those would round it
    to zero ("0.004" for 0.0037%), so that no bound reads "< 0.00%"."""
    digits = _decimals(share)
    while share > 0 and round(100 * share, digits) == 0 and digits < 8:
        digits += 1
    return _percent(share, digits)


def _decimals(width: float) -> int:
    """Enough decimals of a percentage to show a spread of ``width`` (a share)."""
    return 0 if width >= 0.02 else 1 if width >= 0.002 else 2


def _percent(share: float, digits: int) -> str:
    return f"{100 * share:.{digits}f}"


def mean_stderr(x: Array, replicates: Sequence[tuple[int, int]] = ()) -> float:
    """Standard error of the mean of ``x``: from the replicate means when there are replicates (Latin
    hypercube, Sobol'), else the iid formula. For a per-draw difference it is the paired s.e."""
    x = np.asarray(x, dtype=float)
    if len(replicates) > 1:
        return replicate_stderr([x[a:b].mean() for a, b in replicates])
    return float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")


def replicate_stderr(means: Sequence[float]) -> float:
    """Standard error of an overall mean from the means of its equal-sized replicates."""
    means = np.asarray(means, dtype=float)
    return float(means.std(ddof=1) / np.sqrt(means.size))
