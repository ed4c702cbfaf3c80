"""Plain numbers and plain words from a run: the headline figures and why the Taliban keeps or leaves.

Each headline probability is shown with its 95% interval (:mod:`sim.engine.intervals`). The explanation
contrasts the Taliban leadership's payoff terms (:func:`sim.model.game.taliban_terms`, plus the expected
cost of a faction split if it severs and of US retaliation if it keeps and al-Qaeda attacks) between
the draws in which it keeps the alliance and those in which it distances itself or severs, each draw
weighted by the probability of that choice. Only terms whose gap is large against their spread
(:data:`MIN_STANDARDISED_GAP`) and clear of sampling noise are listed; they are associations across
the draws, not causes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.driver import Result, Sample, run_sample
from sim.engine.intervals import Interval, format_probability, mean_stderr
from sim.engine.sampling import replicate_bounds
from sim.model.game import taliban_terms
from sim.present.tree_view import TreeProbabilities, mean_behaviour

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
#: A term is listed when its keep-vs-leave gap is at least this many pooled standard deviations
#: (a "medium" standardised difference) ...
MIN_STANDARDISED_GAP = 0.5
#: ... and at least this many standard errors, so that it is not sampling noise.
MIN_GAP_Z = 3.0


@dataclass(frozen=True)
class Headline:
    """One headline figure: a probability with its 95% interval, or a price with its standard error."""

    key: str
    label: str
    mean: float | None
    stderr: float | None
    is_share: bool = True
    interval: Interval | None = None

    def value_text(self) -> str:
        """ "12% (10-14%)" for a probability, "0.85" for a price, "none up to 1" without one."""
        if self.interval is not None:
            return format_probability(self.interval)
        if self.mean is None:
            return "none up to 1"
        return f"{self.mean:.1%}" if self.is_share else f"{self.mean:.2f}"

    def uncertainty_text(self) -> str:
        """How the uncertainty shown was obtained, for the caption under the figure."""
        if self.interval is not None:
            return self.interval.short_method
        if self.stderr is None or not np.isfinite(self.stderr):
            return "s.e. n/a"
        return f"s.e. {self.stderr:.3f}"


HEADLINE_LABELS = {"keep": "P(keep)", "distance": "P(pledge)", "sever": "P(sever)", "split": "P(split)",
                   "deal": "P(sever or unexposed pledge)"}
HEADLINE_HELP = {
    "keep": "The Taliban leadership keeps the alliance as it is.",
    "distance": "The leadership pledges publicly that Afghan soil will not be used for attacks abroad, "
                "while covert ties go on (Prospects).",
    "sever": "The leadership breaks verifiably with al-Qaeda: the only move counted as a break "
             "(Negotiations).",
    "split": "The hardline faction splits away after a pledge or a Sever (Negotiations).",
    "deal": "A Sever, or a public pledge whose covert ties are not exposed and after which al-Qaeda mounts "
            "no attack abroad. Not a deal bought by an offer: it is high with nothing offered, since a "
            "pledge costs the leadership little; read it beside P(sever).",
    "utility": "The player's expected payoff in utility points at the solution, averaged over the draws "
               "(the Model page lists each payoff term). Below: one Monte Carlo standard error.",
    "price": "Median over the draws of the smallest US concession (0 to 1) at which the leadership would "
             "sever; 'none up to 1' when over half the draws have no such price.",
    "pledge_price": "Median over the draws of the smallest US concession (0 to 1) at which a public pledge "
                    "is the leadership's best move; a pledge is not a break.",
}


def headlines(result: Result) -> list[Headline]:
    """Outcome probabilities with their 95% intervals, and the median Sever and pledge prices."""
    out = [Headline(k, label, result.estimate(k).mean, result.estimate(k).stderr, interval=result.interval(k))
           for k, label in HEADLINE_LABELS.items()]
    for key, label, move in (("price", "Median Sever price", "sever"),
                             ("pledge_price", "Median pledge price", "distance")):
        median = result.price_quantiles(move)["median"]
        se = None if median is None else quantile_stderr(result.per_draw[f"price_{move}"], 0.5)
        out.append(Headline(key, label, median, None if se is None else result.inflated(se), is_share=False))
    return out


PLAYER_LABELS = {"taliban": "Taliban leadership", "faction": "Hardline faction", "al_qaeda": "Al-Qaeda",
                 "us": "United States"}


def utility_headlines(result: Result) -> list[Headline]:
    """Each player's expected utility with its Monte Carlo standard error."""
    return [Headline(f"eu_{player}", f"EU: {PLAYER_LABELS.get(player, player)}", e.mean, e.stderr,
                     is_share=False) for player, e in result.expected_utility.items()]


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
    """One row per headline figure: its value under each scenario and the difference from the first,
    with the difference's paired standard error (the scenarios share their draws)."""
    labels = list(results)
    first_result = results[labels[0]]
    table = {label: headlines(r) for label, r in results.items()}
    rows = []
    for i, first in enumerate(table[labels[0]]):
        row: dict[str, object] = {"figure": first.label}
        for label in labels:
            row[label] = table[label][i].value_text()
        for label in labels[1:]:
            row[f"change: {label}"] = _difference(first, table[label][i], first_result, results[label])
        rows.append(row)
    return rows


def _difference(first: Headline, other: Headline, first_result: Result, other_result: Result) -> str:
    if first.mean is None or other.mean is None:
        return "n/a" if first.mean == other.mean else "price appears" if first.mean is None else "price gone"
    d = other.mean - first.mean
    if not first.is_share:
        se = np.hypot(first.stderr or np.nan, other.stderr or np.nan)
        return f"{d:+.2f} (s.e. {se:.2f}, unpaired)" if np.isfinite(se) else f"{d:+.2f}"
    return f"{d * 100:+.1f} pts (s.e. {paired_stderr(first_result, other_result, first.key) * 100:.1f})"


def paired_stderr(first: Result, other: Result, name: str) -> float:
    """Standard error of the difference in P(``name``) between two runs on the same draws."""
    if (first.draws, first.seed, first.sampler) != (other.draws, other.seed, other.sampler):
        return float(np.hypot(first.estimate(name).stderr, other.estimate(name).stderr))
    gap = other.per_draw[name] - first.per_draw[name]
    return first.inflated(mean_stderr(gap, replicate_bounds(first.draws, first.sampler)))


def decision_terms(params: Mapping[str, Array | float], levers: Mapping[str, float], result: Result
                   ) -> dict[str, Array]:
    """The Taliban's payoff terms per draw, with the expected split and retaliation costs."""
    terms = dict(taliban_terms(params, levers))
    terms["split_risk"] = result.per_draw["split_if_sever"] * params["split_cost"]
    terms["attack_risk"] = result.per_draw["external_op_if_keep"] * params["retaliation_cost"]
    return {k: np.broadcast_to(np.asarray(v, dtype=float), (result.draws,)) for k, v in terms.items()}


@dataclass(frozen=True)
class TermContrast:
    """A payoff term's mean where the Taliban keeps the alliance and where it leaves (distances or
    severs), the gap's size in pooled standard deviations and in standard errors."""

    term: str
    label: str
    keep: float
    leaves: float
    standardised: float
    z: float

    @property
    def gap(self) -> float:
        return self.keep - self.leaves

    @property
    def clear(self) -> bool:
        """Large against the term's spread and clear of sampling noise."""
        return abs(self.standardised) >= MIN_STANDARDISED_GAP and abs(self.z) >= MIN_GAP_Z


def term_contrasts(terms: Mapping[str, Array], keep: Array) -> list[TermContrast]:
    """Terms ordered by their standardised gap between keep-weighted and leave-weighted draws."""
    out = [_contrast(k, np.asarray(v, dtype=float), keep) for k, v in terms.items()]
    return sorted(out, key=lambda c: -abs(c.standardised) if np.isfinite(c.standardised) else 0.0)


def _contrast(term: str, x: Array, keep: Array) -> TermContrast:
    (m_keep, v_keep, n_keep), (m_leave, v_leave, n_leave) = _weighted(x, keep), _weighted(x, 1.0 - keep)
    spread = np.sqrt((v_keep + v_leave) / 2)
    se = np.sqrt(v_keep / n_keep + v_leave / n_leave) if min(n_keep, n_leave) > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        standardised = (m_keep - m_leave) / spread if spread > 0 else 0.0
        z = (m_keep - m_leave) / se if se > 0 else 0.0
    return TermContrast(term, TERM_LABELS.get(term, term.replace("_", " ")), m_keep, m_leave,
                        float(standardised), float(z))


def _weighted(x: Array, w: Array) -> tuple[float, float, float]:
    """Weighted mean, weighted variance and effective number of draws (Kish)."""
    total = float(w.sum())
    if total <= 0:
        return float("nan"), float("nan"), 0.0
    mean = float((x * w).sum() / total)
    return mean, float((w * (x - mean) ** 2).sum() / total), total ** 2 / float((w * w).sum())


def explanation(result: Result, terms: Mapping[str, Array], top: int = 3) -> list[str]:
    """A few sentences (markdown) on what the run says and which terms differ between the draws where
    the Taliban keeps the alliance and those where it leaves."""
    keep = result.per_draw["keep"]
    share_keep = float(keep.mean())
    o = result.outcomes
    lines = [
        f"The Taliban leadership keeps the alliance in **{share_keep:.0%}** of the draws, distances "
        f"itself publicly in {o['distance'].mean:.0%} and severs ties in {o['sever'].mean:.0%}.",
        _holding_sentence(result),
    ]
    if min(share_keep, 1 - share_keep) < MIN_SIDE_SHARE:
        side = "keeps" if share_keep > 0.5 else "leaves"
        lines.append(f"It {side} in nearly every draw, so there are too few draws on the other side to "
                     "compare.")
        return lines
    clear = [c for c in term_contrasts(terms, keep) if c.clear][:top]
    if not clear:
        lines.append("No payoff term differs clearly between the draws where it keeps the alliance and "
                     "those where it leaves.")
        return lines
    lines.append("Where it keeps the alliance and where it leaves, the draws differ most in (mean "
                 "utility points, keep vs leave; an association across draws, not a cause):")
    for c in clear:
        direction = "higher" if c.gap > 0 else "lower"
        lines.append(f"- **{c.label}**: {c.keep:.2f} vs {c.leaves:.2f} ({direction} where it keeps; "
                     f"{abs(c.standardised):.1f} standard deviations apart)")
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

    ``prices`` are reservation prices already found for this sample (see
    :func:`sim.engine.driver.run_sample`).
    """
    return explain_result(run_sample(drawn, dict(levers), concept, lam, prices=prices), drawn.params, levers)


def explain_result(result: Result, params: Mapping[str, Array | float], levers: Mapping[str, float]
                   ) -> Analysis:
    """A solved run with its tree's averages and the explanation (``params``: its drawn parameters)."""
    terms = decision_terms(params, levers, result)
    return Analysis(result, mean_behaviour(result), explanation(result, terms))
