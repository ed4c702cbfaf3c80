"""95% intervals for the probabilities a run reports, each labelled by the method that made it.

* **Plain Monte Carlo**: the Wilson score interval on the count of draws with the outcome (Wilson
  1927). Unlike the mean plus or minus 1.96 standard errors it never has zero width, and with no
  draw having the outcome it still gives an upper bound (about 3.7/n at 95%).
* **Latin hypercube and Sobol'**: such designs are not independent draws, so the iid standard error
  misstates their error. The run is made of ``R`` independently randomised replicates
  (:func:`sim.engine.sampling.replicate_bounds`); the interval is the overall mean plus or minus a t
  quantile on ``R - 1`` degrees of freedom times the standard deviation of the replicate means over
  root ``R`` (Owen, *Monte Carlo theory, methods and examples*, 2013, ch. 17). For a rare outcome a
  replicate holds too few events for that to cover; then the Wilson interval on the pooled count is
  used instead (a stratified design is at least as precise as independent draws, so it is
  conservative).

Per-draw values may be QRE probabilities rather than 0/1; their sum then serves as the count,
which only widens the Wilson interval (a [0, 1] variable's variance is at most ``p (1 - p)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
CONFIDENCE = 0.95
#: The two-sided 95% normal quantile, for intervals from a standard error.
Z95 = 1.959963984540054
#: The replicate interval is used only when there are at least this many events (and non-events) per
#: replicate on average; below it the pooled Wilson interval covers better.
EVENTS_PER_REPLICATE = 5
WILSON = "Wilson score interval (95%)"
POOLED = "Wilson score interval on the pooled count (95%; too few events for replicates)"


def replicate_method(count: int) -> str:
    return f"t interval over {count} randomised replicates (95%)"


@dataclass(frozen=True)
class Interval:
    """A probability's estimate and its 95% interval, with the method and the count behind it."""

    mean: float
    low: float
    high: float
    method: str
    events: float
    draws: int

    @property
    def no_events(self) -> bool:
        return self.events == 0

    def pair(self) -> list[float]:
        return [self.low, self.high]

    @property
    def short_method(self) -> str:
        """The method in a few words, for a caption."""
        if self.method == WILSON:
            return "95% Wilson interval"
        if self.method == POOLED:
            return "95% Wilson interval (pooled replicates)"
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


def probability_interval(x: Array, replicates: Sequence[tuple[int, int]] = ()) -> Interval:
    """The 95% interval of the mean of per-draw probabilities ``x``.

    ``replicates`` are the row ranges of independent randomised replicates (for a Latin hypercube or
    Sobol' run); empty or a single range means independent draws.
    """
    x = np.asarray(x, dtype=float)
    means = [float(x[a:b].mean()) for a, b in replicates] if len(replicates) > 1 else []
    return interval_from_sums(float(x.sum()), x.size, means)


def interval_from_sums(events: float, draws: int, replicate_means: Sequence[float] = ()) -> Interval:
    """The 95% interval of a probability from its sum over ``draws`` draws (``events``) and, for a
    Latin hypercube or Sobol' run, the means of its replicates: what a run that keeps no per-draw
    data (:class:`sim.engine.tally.Tally`) still has."""
    mean = events / draws
    count = len(replicate_means)
    if count > 1 and min(events, draws - events) >= EVENTS_PER_REPLICATE * count:
        half = float(_special().stdtrit(count - 1, 0.5 + CONFIDENCE / 2)) * replicate_stderr(replicate_means)
        return Interval(mean, max(0.0, mean - half), min(1.0, mean + half), replicate_method(count), events,
                        draws)
    low, high = wilson(events, draws)
    return Interval(mean, low, high, POOLED if count > 1 else WILSON, events, draws)


def _special():
    """:mod:`scipy.special`, imported on first use: a run that needs no quantile starts faster."""
    from scipy import special

    return special


def format_probability(iv: Interval) -> str:
    """A probability for a student to quote: "12% (10-14%)", or "< 0.03%" when no draw had it."""
    if iv.no_events:
        return f"< {_percent(iv.high, _decimals(iv.high))}%"
    digits = _decimals(iv.high - iv.low)
    return f"{_percent(iv.mean, digits)}% ({_percent(iv.low, digits)}-{_percent(iv.high, digits)}%)"


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
