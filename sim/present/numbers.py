"""One vocabulary for the numbers a student may quote: percents with 95% intervals, prices in
concession units with theirs.

A probability is written ``"12% (10-14%)"``: the Monte Carlo mean and its 95% Wilson score
interval over the draws. For the logit QRE a draw contributes a probability rather than a 0/1
outcome; the spread of such values is never larger than that of 0/1 outcomes with the same mean,
so the Wilson interval is then conservative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.driver import Result
from sim.engine.intervals import Z95, format_probability, wilson

#: Concession units: 0 is nothing, 1 full withdrawal with sanctions relief.
NO_PRICE = "none up to 1"


def wilson_interval(share: float, draws: int) -> tuple[float, float]:
    """95% Wilson score interval of a share observed over ``draws`` draws (:func:`sim.engine.intervals.wilson`
    on the share's count, rounded to a whole number: exact for the SPE's 0/1 outcomes)."""
    return wilson(min(max(round(share * draws), 0), draws), draws)


def percent_text(share: float, low: float, high: float) -> str:
    """``"12% (10-14%)"``; one decimal when the interval is narrower than 2 points."""
    decimals = 1 if (high - low) < 0.02 else 0
    return f"{share * 100:.{decimals}f}% ({low * 100:.{decimals}f}-{high * 100:.{decimals}f}%)"


def share_with_interval(share: float, draws: int) -> str:
    """A share of ``draws`` written as a percent with its 95% Wilson interval."""
    return percent_text(share, *wilson_interval(share, draws))


def median_interval(values: NDArray[np.float64]) -> tuple[float, float, float]:
    """Sample median and a distribution-free 95% interval from the order statistics.

    The ranks ``n/2 -/+ 1.96 sqrt(n/4)`` bracket the median with about 95% confidence whatever the
    distribution (``inf`` entries, draws without a price, sort last).
    """
    s = np.sort(np.asarray(values, dtype=float))
    n = s.size
    half = Z95 * math.sqrt(n) / 2
    low, high = max(math.floor(n / 2 - half), 0), min(math.ceil(n / 2 + half), n - 1)
    middle = float(np.quantile(s, 0.5, method="inverted_cdf"))
    return middle, float(s[low]), float(s[high])


def price_text(middle: float, low: float, high: float) -> str:
    """``"0.62 (0.60-0.64)"`` in concession units; open-ended when part of the interval has no price."""
    if not math.isfinite(middle):
        return NO_PRICE
    if not math.isfinite(high):
        return f"{middle:.2f} ({low:.2f} to over 1)"
    return f"{middle:.2f} ({low:.2f}-{high:.2f})"


@dataclass(frozen=True)
class Figure:
    """A number a student may quote: what it is, and its value written with its 95% interval."""

    key: str
    label: str
    text: str
    meaning: str
    #: What must be read with the value (a price: the share of worlds that have one); on screen under
    #: the value, in a brief after it.
    note: str = ""

    @property
    def full(self) -> str:
        return f"{self.text}; {self.note}" if self.note else self.text


#: The headline outcomes: result key -> (label, meaning).
OUTCOMES = {
    "keep": ("Keep", "The Taliban leadership keeps the alliance as it is."),
    "distance": ("Pledge", "The leadership pledges in public that Afghan soil will not be used for attacks "
                           "abroad, while covert ties may go on (the article's Prospects)."),
    "sever": ("Sever", "The leadership breaks verifiably with al-Qaeda (Negotiations)."),
    "split": ("Faction splits", "The hardline faction splits away after a pledge or a Sever (Negotiations)."),
    "deal": ("Sever or unexposed pledge", "A Sever, or a public pledge whose covert ties monitoring "
                                          "does not expose. Not a deal bought by an offer: it is high with "
                                          "nothing offered, since a pledge costs the leadership little; "
                                          "read it beside Sever."),
}
#: The prices: result key -> (label, meaning).
PRICES = {
    "sever": ("Sever price", "Median over the draws of the smallest US concession (0 nothing to 1 full "
                             "withdrawal with sanctions relief) at which the leadership would sever ties, "
                             "and the share of worlds (draws) that have such a price at all: the median is "
                             "'none up to 1' when fewer than half do."),
    "distance": ("Pledge price", "Median over the draws of the smallest US concession at which the "
                                 "leadership would make the public pledge, and the share of worlds "
                                 "(draws) that have such a price at all."),
}


def outcome_figures(result: Result) -> list[Figure]:
    """The five outcome probabilities, each as a percent with its 95% interval."""
    return [Figure(k, label, format_probability(result.interval(k)), meaning)
            for k, (label, meaning) in OUTCOMES.items()]


def price_figure(result: Result, move: str) -> Figure:
    """The median price of ``move`` (``"sever"`` or ``"distance"``) with its 95% interval."""
    label, meaning = PRICES[move]
    prices = np.asarray(result.per_draw[f"price_{move}"], dtype=float)
    return Figure(f"price_{move}", label, price_text(*median_interval(prices)), meaning,
                  note=worlds_with_a_price(prices))


def worlds_with_a_price(prices: NDArray[np.float64]) -> str:
    """``"13% of worlds have one"``: the share of draws with a price up to 1, beside the median, which
    is "none up to 1" whenever fewer than half the draws have one."""
    have = float(np.isfinite(prices).mean()) if prices.size else 0.0
    if 0 < have < 0.01:
        return "under 1% of worlds have one"
    if 0.99 < have < 1:
        return "over 99% of worlds have one"
    return f"{have:.0%} of worlds have one"


def headline_figures(result: Result) -> list[Figure]:
    """The seven headlines: five outcome probabilities, the Sever price and the pledge price."""
    return [*outcome_figures(result), price_figure(result, "sever"), price_figure(result, "distance")]
