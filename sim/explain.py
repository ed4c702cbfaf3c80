"""Plain numbers and plain words from a run: the headline figures and why the Taliban keeps or breaks.

The explanation contrasts the Taliban leadership's payoff terms (:func:`sim.model.taliban_terms`,
plus the expected cost of a faction split if it severs and of US retaliation if it keeps and
al-Qaeda attacks) between the draws in which it keeps the alliance and those in which it breaks
(distances or severs), each draw weighted by the probability of that choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.model import taliban_terms
from sim.run import Result, Sample, run_sample
from sim.tree_view import TreeProbabilities, mean_behaviour

Array = NDArray[np.float64]

TERM_LABELS = {
    "expertise": "al-Qaeda's expertise and fighters",
    "funding": "al-Qaeda's money",
    "is_help": "help against IS-Khorasan",
    "endorsement": "al-Qaeda's endorsement of the Taliban leader",
    "bonds": "bonds of shared history",
    "isolation": "international isolation",
    "strife": "internal strife",
    "coercion": "US military pressure",
    "reversal": "the cost of reversing Mullah Omar's stand",
    "chip": "the bargaining chip given up",
    "haqqani": "crossing the Haqqanis",
    "backlash": "backlash against coercion",
    "deal": "the US concession",
    "split_risk": "expected cost of a faction split if it severs",
    "attack_risk": "expected cost of US retaliation if it keeps",
}
#: Below this share of draws on one side the contrast is too thin to report.
MIN_SIDE_SHARE = 0.005


@dataclass(frozen=True)
class Headline:
    """One headline figure: a probability or a price, with its Monte Carlo standard error."""

    key: str
    label: str
    mean: float | None
    stderr: float | None
    is_share: bool = True

    def value_text(self) -> str:
        if self.mean is None:
            return "none up to 1"
        return f"{self.mean:.1%}" if self.is_share else f"{self.mean:.2f}"

    def stderr_text(self) -> str:
        if self.stderr is None or not np.isfinite(self.stderr):
            return "s.e. n/a"
        return f"s.e. {self.stderr * 100:.2f} pts" if self.is_share else f"s.e. {self.stderr:.3f}"


HEADLINE_LABELS = {"keep": "P(keep)", "distance": "P(distance)", "sever": "P(sever)", "split": "P(split)",
                   "deal": "P(deal holds)"}
HEADLINE_HELP = {
    "keep": "The Taliban leadership keeps the alliance as it is.",
    "distance": "The leadership pledges publicly that Afghan soil will not be used for attacks abroad, "
                "while covert ties go on (Prospects).",
    "sever": "The leadership breaks verifiably with al-Qaeda (Negotiations).",
    "split": "The hardline faction splits away after a distancing or a break (Negotiations).",
    "deal": "A deal is struck and holds: a break, or a pledge whose covert ties monitoring does not expose.",
    "utility": "The player's expected payoff in utility points at the solution, averaged over the draws "
               "(docs/model.md lists each payoff term). Below: one Monte Carlo standard error.",
    "price": "Median over the draws of the smallest US concession (0 to 1) at which the leadership would "
             "break; 'none up to 1' when over half the draws have no such price.",
}


def headlines(result: Result) -> list[Headline]:
    """Outcome probabilities with their standard errors, and the median reservation price."""
    out = [Headline(k, label, *_estimate(result, k)) for k, label in HEADLINE_LABELS.items()]
    prices = result.per_draw["price_break"]
    median = result.price_quantiles("break")["median"]
    out.append(Headline("price", "Median price", median,
                        quantile_stderr(prices, 0.5) if median is not None else None, is_share=False))
    return out


PLAYER_LABELS = {"taliban": "Taliban leadership", "faction": "Hardline faction", "al_qaeda": "Al-Qaeda",
                 "us": "United States"}


def utility_headlines(result: Result) -> list[Headline]:
    """Each player's expected utility with its Monte Carlo standard error."""
    return [Headline(f"eu_{player}", f"EU: {PLAYER_LABELS.get(player, player)}", e.mean, e.stderr,
                     is_share=False) for player, e in result.expected_utility.items()]


def _estimate(result: Result, name: str) -> tuple[float, float]:
    e = result.estimate(name)
    return e.mean, e.stderr


def quantile_stderr(x: Array, q: float) -> float | None:
    """Standard error of a sample quantile from the order statistics one binomial s.d. either side.

    The ranks ``n q +/- sqrt(n q (1 - q))`` bracket the quantile with about 68% confidence, so half
    their distance estimates one standard error without assuming a density. ``None`` when that
    bracket reaches an infinite value (no price in part of the draws).
    """
    s = np.sort(np.asarray(x, dtype=float))
    n = s.size
    half = np.sqrt(n * q * (1 - q))
    lo, hi = s[max(int(np.floor(n * q - half)), 0)], s[min(int(np.ceil(n * q + half)), n - 1)]
    return float((hi - lo) / 2) if np.isfinite(hi) and np.isfinite(lo) else None


def comparison_rows(results: Mapping[str, Result]) -> list[dict[str, object]]:
    """One row per headline figure: its value under each scenario and the difference from the first."""
    labels = list(results)
    table = {label: headlines(r) for label, r in results.items()}
    rows = []
    for i, first in enumerate(table[labels[0]]):
        row: dict[str, object] = {"figure": first.label}
        for label in labels:
            row[label] = table[label][i].value_text()
        for label in labels[1:]:
            other = table[label][i]
            row[f"change: {label}"] = _difference(first, other)
        rows.append(row)
    return rows


def _difference(first: Headline, other: Headline) -> str:
    if first.mean is None or other.mean is None:
        return "n/a" if first.mean == other.mean else "price appears" if first.mean is None else "price gone"
    d = other.mean - first.mean
    return f"{d * 100:+.1f} pts" if first.is_share else f"{d:+.2f}"


def decision_terms(params: Mapping[str, Array | float], levers: Mapping[str, float], result: Result
                   ) -> dict[str, Array]:
    """The Taliban's payoff terms per draw, with the expected split and retaliation costs."""
    terms = dict(taliban_terms(params, levers))
    terms["split_risk"] = result.per_draw["split_if_sever"] * params["split_cost"]
    terms["attack_risk"] = result.per_draw["attack_if_keep"] * params["retaliation_cost"]
    return {k: np.broadcast_to(np.asarray(v, dtype=float), (result.draws,)) for k, v in terms.items()}


@dataclass(frozen=True)
class TermContrast:
    """A payoff term's mean where the Taliban keeps the alliance and where it breaks."""

    term: str
    label: str
    keep: float
    breaks: float

    @property
    def gap(self) -> float:
        return self.keep - self.breaks


def term_contrasts(terms: Mapping[str, Array], keep: Array) -> list[TermContrast]:
    """Terms ordered by how far apart their keep-weighted and break-weighted means lie."""
    w_keep, w_break = keep, 1.0 - keep
    out = [TermContrast(k, TERM_LABELS.get(k, k.replace("_", " ")),
                        _weighted_mean(v, w_keep), _weighted_mean(v, w_break)) for k, v in terms.items()]
    return sorted(out, key=lambda c: -abs(c.gap) if np.isfinite(c.gap) else 0.0)


def _weighted_mean(x: Array, w: Array) -> float:
    total = float(w.sum())
    return float((x * w).sum() / total) if total > 0 else float("nan")


def explanation(result: Result, terms: Mapping[str, Array], top: int = 3) -> list[str]:
    """A few sentences (markdown) on what the run says and which terms separate keeping from breaking."""
    keep = result.per_draw["keep"]
    share_keep = float(keep.mean())
    o = result.outcomes
    lines = [
        f"The Taliban leadership keeps the alliance in **{share_keep:.0%}** of the draws, distances "
        f"itself publicly in {o['distance'].mean:.0%} and severs ties in {o['sever'].mean:.0%}.",
        _holding_sentence(result),
    ]
    if min(share_keep, 1 - share_keep) < MIN_SIDE_SHARE:
        side = "keeps" if share_keep > 0.5 else "breaks"
        biggest = sorted(terms, key=lambda k: -abs(float(np.mean(terms[k]))))[:top]
        named = ", ".join(f"{TERM_LABELS.get(k, k)} ({float(np.mean(terms[k])):.2f})" for k in biggest)
        lines.append(f"It {side} in nearly every draw, so there is nothing to contrast; the largest "
                     f"terms on average are {named}.")
        return lines
    lines.append("The terms that differ most between the draws where it keeps and where it breaks "
                 "(mean utility points, keep vs break):")
    for c in term_contrasts(terms, keep)[:top]:
        direction = "higher" if c.gap > 0 else "lower"
        lines.append(f"- **{c.label}**: {c.keep:.2f} vs {c.breaks:.2f} ({direction} where it keeps)")
    return lines


def _holding_sentence(result: Result) -> str:
    net = result.estimate("net_alliance_value").mean
    material = result.estimate("material_net").mean
    sentence = (f"On average the alliance is worth {net:+.2f} utility points to the leadership over its "
                f"best way out, while its material net gain (skills, fighters, money and help against "
                f"IS, less isolation, strife and pressure) is {material:+.2f}")
    if material < 0 < net:
        return sentence + ": what holds the alliance is not material."
    return sentence + "."


@dataclass(frozen=True)
class Analysis:
    """Everything the scenario page shows for one solved sample."""

    result: Result
    tree: TreeProbabilities
    explanation: list[str]


def analyse(drawn: Sample, levers: Mapping[str, float], concept: str, lam: float,
            prices: Mapping[str, Array] | None = None) -> Analysis:
    """Solve a sample under ``levers`` and derive the tree's averages and the explanation.

    ``prices`` are reservation prices already found for this sample (see :func:`sim.run.run_sample`).
    """
    result = run_sample(drawn, dict(levers), concept, lam, prices=prices)
    terms = decision_terms(drawn.params, levers, result)
    return Analysis(result, mean_behaviour(result), explanation(result, terms))
