"""The memo-ready brief: one printable HTML page with what a student needs to cite a scenario.

It holds the scenario's name and its differences from the preset, the levers in words, the headline
probabilities and the Sever and pledge prices with their 95% intervals, the most likely line of
play, the payoff terms that separate the draws that keep the alliance from those that end in Sever,
the article sections behind what moved, the model's limits, a link that restores the view and the
command line that reproduces the numbers. Every user-supplied string is escaped.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray

from sim.engine.driver import Result, Sample, sample
from sim.present.explain import TERM_LABELS, decision_terms
from sim.present.numbers import Z95, Figure, outcome_figures, price_figure
from sim.present.play import line_of_play_text
from sim.present.tree_view import TreeProbabilities
from sim.present.words import LEVER_SECTIONS, changes_text, lever_words, value_text
from sim.spec.parameters import LEVERS
from sim.spec.scenario import Scenario

Array = NDArray[np.float64]
#: Fewer expected draws than this on one side and a contrast of means says little.
MIN_SIDE_DRAWS = 100
#: How many payoff terms the brief names.
TOP_TERMS = 4
LIMITS = (
    "One article's reading: every number is a judgement from Bacon (2018), and the ranges are the "
    "analyst's uncertainty about that reading, not measurements.",
    "One shot with complete information in each draw: no reputation, learning, bluffing or "
    "renegotiation; the US sets levers but does not play.",
    "Shares of draws are conditional on the scenario's ranges: a different, equally defensible range "
    "changes them (see the Model page, section 12).",
)


def reopen_words(link: str) -> str:
    """The words before the link that restores the view. A link to this machine's own address
    (``localhost``, ``127.0.0.1``) opens the view only where the app ran: say so, and that the command
    line below reproduces the numbers anywhere."""
    host = (urlsplit(link).hostname or "").lower()
    try:
        loopback = host in ("", "localhost") or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return "Open this view on this computer:"
    return "Open this view:"


@dataclass(frozen=True)
class TermGap:
    """A payoff term's weighted mean on each side, their gap and the gap's 95% half-width."""

    label: str
    keep: float
    other: float
    half_width: float

    @property
    def gap(self) -> float:
        return self.keep - self.other


def _mean_and_variance(x: Array, w: Array) -> tuple[float, float]:
    """Weighted mean and the variance of that ratio estimator (delta method)."""
    total = float(w.sum())
    mean = float((x * w).sum() / total)
    return mean, float((w**2 * (x - mean) ** 2).sum() / total**2)


def term_gaps(terms: Mapping[str, Array], keep: Array, other: Array) -> list[TermGap]:
    """Terms ordered by how far apart their means lie between keeping and the ``other`` side."""
    gaps = []
    for name, values in terms.items():
        m_keep, v_keep = _mean_and_variance(values, keep)
        m_other, v_other = _mean_and_variance(values, other)
        gaps.append(TermGap(TERM_LABELS.get(name, name.replace("_", " ")), m_keep, m_other,
                            Z95 * float(np.sqrt(v_keep + v_other))))
    return sorted(gaps, key=lambda g: -abs(g.gap))


def contrast_side(result: Result) -> tuple[str, Array] | None:
    """Sever, or Pledge or Sever when Sever is too rare; ``None`` when both sides are too thin."""
    keep, sever = result.per_draw["keep"], result.per_draw["sever"]
    if keep.sum() < MIN_SIDE_DRAWS:
        return None
    if sever.sum() >= MIN_SIDE_DRAWS:
        return "Sever", sever
    either = sever + result.per_draw["distance"]
    return ("Pledge or Sever", either) if either.sum() >= MIN_SIDE_DRAWS else None


def reproduce_command(preset: str | None, edits: Mapping[str, Any], scenario: Scenario,
                      settings_file: str) -> str:
    """The ``alliance-sim run`` command that gives the same numbers (JSON output)."""
    words = ["alliance-sim", "run", preset or settings_file]
    if preset is not None:
        for path, value in edits.items():
            if not path.startswith("run."):
                words += ["--set", f"{path}={value_text(value).replace(',', '')}"]
    words += ["--draws", str(scenario.draws), "--seed", str(scenario.seed), "--format", "json"]
    return shlex.join(words)


@dataclass(frozen=True)
class Brief:
    """Everything on the page, as plain data; :func:`brief_html` lays it out."""

    title: str
    start: str
    changes: str
    levers: list[tuple[str, str, str]]
    outcomes: list[Figure]
    prices: list[Figure]
    line_of_play: list[str]
    contrast_with: str | None
    gaps: list[TermGap]
    sections: list[tuple[str, str]]
    run: str
    link: str
    command: str


def build_brief(scenario: Scenario, start: str, edits: Mapping[str, Any], result: Result,
                tree: TreeProbabilities, terms: Mapping[str, Array], link: str, command: str) -> Brief:
    """The brief's content for ``scenario`` started from ``start`` with ``edits``."""
    side = contrast_side(result)
    gaps = term_gaps(terms, result.per_draw["keep"], side[1])[:TOP_TERMS] if side else []
    sol = "subgame-perfect equilibrium" if result.solution == "spe" else f"logit QRE, lambda {result.lam:g}"
    return Brief(
        title=scenario.name, start=start, changes=changes_text(edits) or "none",
        levers=[(k, f"{scenario.levers[k]:g}", lever_words(k, scenario.levers[k])) for k in LEVERS],
        outcomes=outcome_figures(result),
        prices=[price_figure(result, "sever"), price_figure(result, "distance")],
        line_of_play=line_of_play_text(tree), contrast_with=side[0] if side else None, gaps=gaps,
        sections=moved_sections(scenario, edits),
        run=f"{result.draws:,} draws, seed {result.seed}, {sol}, {result.sampler} sampling",
        link=link, command=command)


def moved_sections(scenario: Scenario, edits: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(setting, article section and meaning)`` for every lever and parameter the user moved."""
    out: dict[str, str] = {}
    for path in edits:
        kind, name = path.split(".")[:2]
        if kind == "levers":
            out[name] = f"{LEVER_SECTIONS[name]}: {LEVERS[name]}"
        elif kind == "parameters":
            p = scenario.params[name]
            out[name] = f"{p.section}: {p.meaning}"
    return list(out.items())


PRINT_CSS = """
@page { size: A4; margin: 12mm; }
body { font: 10.5pt/1.35 system-ui, sans-serif; color: #0e1117; background: #fff; max-width: 48em;
       margin: 1em auto; }
h1 { font-size: 15pt; margin: 0 0 .2em; } h2 { font-size: 11pt; margin: .8em 0 .2em; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 1px 6px 1px 0;
  vertical-align: top; border-bottom: 1px solid #d0d0d0; } th { font-weight: 600; }
p, ul, ol { margin: .2em 0; } code { font-size: 9pt; word-break: break-all; }
.muted { color: #4a4d52; } .cols { display: flex; gap: 1.5em; } .cols > div { flex: 1; }
@media print { body { margin: 0; max-width: none; } a { color: #0e1117; } }
"""


def _rows(rows: list[tuple[str, ...]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)


def brief_html(b: Brief) -> str:
    """One printable page of HTML (A4) with its own print CSS; no script, no outside request."""
    figures = _rows([(f.label, f.full) for f in b.outcomes + b.prices])
    levers = _rows(b.levers)
    play = "".join(f"<li>{escape(s.split('. ', 1)[1])}</li>" for s in b.line_of_play[:-1])
    if b.contrast_with:
        terms = (f"<h2>What separates keeping from {escape(b.contrast_with)}</h2>"
                 f"<p class='muted'>Mean utility points where the leadership keeps vs where it ends in "
                 f"{escape(b.contrast_with)}; the gap with its 95% interval.</p><table><tr><th>term</th>"
                 f"<th>keep</th><th>{escape(b.contrast_with)}</th><th>gap</th></tr>"
                 + "".join(f"<tr><td>{escape(g.label)}</td><td>{g.keep:.2f}</td><td>{g.other:.2f}</td>"
                           f"<td>{g.gap:+.2f} &plusmn; {g.half_width:.2f}</td></tr>" for g in b.gaps)
                 + "</table>")
    else:
        terms = "<h2>What separates keeping from breaking</h2><p>One side is too rare to contrast.</p>"
    sections = _rows(b.sections) if b.sections else "<tr><td>Nothing moved from the start.</td></tr>"
    limits = "".join(f"<li>{escape(line)}</li>" for line in LIMITS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Brief: {escape(b.title)}</title>
<style>{PRINT_CSS}</style></head><body>
<h1>The Taliban and al-Qaeda: {escape(b.title)}</h1>
<p>Started from <b>{escape(b.start)}</b>; changed: {escape(b.changes)}.</p>
<p class="muted">{escape(b.run)}. Probabilities are shares of Monte Carlo draws with 95% intervals;
prices are US concessions on a 0-1 scale (0 nothing, 1 full withdrawal with sanctions relief).</p>
<div class="cols"><div><h2>US levers</h2><table>{levers}</table></div>
<div><h2>Headline figures</h2><table>{figures}</table></div></div>
<h2>Most likely line of play</h2><ol>{play}</ol><p class="muted">{escape(b.line_of_play[-1])}</p>
{terms}
<h2>Article sections behind what moved</h2><table>{sections}</table>
<h2>Limits of the model</h2><ul>{limits}</ul>
<h2>Reproduce</h2>
<p>{escape(reopen_words(b.link))} <a href="{escape(b.link, quote=True)}">{escape(b.link)}</a><br>
Command line, anywhere: <code>{escape(b.command)}</code></p>
</body></html>
"""


def brief_for(scenario: Scenario, start: str, edits: Mapping[str, Any], result: Result,
              tree: TreeProbabilities, link: str, command: str, drawn: Sample | None = None) -> Brief:
    """The brief of a solved ``scenario``; draws the sample again for the payoff terms (or takes
    ``drawn``, the sample the result was solved on, such as a posterior's resample)."""
    drawn = drawn or sample(scenario)
    terms = decision_terms(drawn.params, scenario.levers, result)
    return build_brief(scenario, start, edits, result, tree, terms, link, command)
