"""A timeline card's round: the round's scenario projected year by year, judged by the share of
trajectories severed (or still allied) by the card's year, with 95% Wilson intervals, the yearly path,
and reasons in plain words.

Expected utilities are not reported: the timeline solves each year's stage game on its own (players
weigh each year alone), so a sum of yearly utilities would claim a foresight and a discounting the
model does not have.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.intervals import share_interval
from sim.spec.scenario import Scenario
from sim.timeline import Projection, project
from sim.timeline.engine import UNIFORMS, uniforms, year_hazards
from sim.workshop.cards import Card

#: Most trajectory-years (trajectories x years) one team's timeline result runs; a round may run
#: twice that (the team's position and the card's starting position, shared by the round).
MAX_TRAJECTORY_YEARS = 520_000
UTILITY_NOTE = ("Not reported for a timeline: each year's game is solved on its own (players weigh one "
                "year at a time), so adding up a player's yearly utilities would claim a foresight and a "
                "discounting the model does not have.")
#: Random events drawn each year that may precede a Sever, as the engine draws them (``apply_hazards``:
#: before the year's play; an attack abroad from outside: after it, so it precedes next year's play).
HAZARD_WORDS = {"leader_death": "the Taliban leader had died",
                "aq_leader_death": "al-Qaeda's leader had died",
                "is_surge": "IS-Khorasan had surged",
                "aq_attack": "a random al-Qaeda attack abroad had been traced to Afghanistan"}


def max_trajectories(card: Card) -> int:
    return MAX_TRAJECTORY_YEARS // card.timeline.years


def projection(card: Card, scenario: Scenario, seed: int, draws: int, drawn=None) -> Projection:
    """The card's projection; ``drawn`` (a calibrated round's sample) gives the trajectories' draws."""
    spec = card.timeline
    return project(scenario, years=spec.years, draws=draws, seed=seed, solution=spec.solution, drawn=drawn)


def share(count: int, draws: int, effective_draws: float | None = None) -> dict[str, float]:
    low, high = share_interval(count, draws, effective_draws)
    return {"mean": count / draws, "low": low, "high": high}


def severed_by(pr: Projection, year: int) -> int:
    return pr.draws - pr.tallies[pr.years.index(year)].alive


def outcomes(card: Card, pr: Projection) -> dict[str, dict[str, float]]:
    severed = severed_by(pr, card.timeline_by)
    n, worth = pr.draws, pr.effective_draws
    return {"severed": share(severed, n, worth), "allied": share(n - severed, n, worth)}


def yearly_path(pr: Projection) -> list[dict[str, Any]]:
    """Per year: the share severed by its end and the share under a public pledge, with intervals."""
    n, worth = pr.draws, pr.effective_draws
    return [{"year": year, "severed": share(n - t.alive, n, worth), "pledge": share(t.distance, n, worth)}
            for year, t in zip(pr.years, pr.tallies, strict=True)]


def judge(card: Card, pr: Projection, reference: dict[str, float] | None) -> dict[str, Any]:
    """The result's timeline part; ``reference`` is the criterion's share at the card's starting
    position on the same seed and draws (``None`` when the team kept that position)."""
    found = outcomes(card, pr)
    return {"kind": "timeline", "outcomes": found, "years": [pr.years[0], pr.years[-1]],
            "by": card.timeline_by, "path": yearly_path(pr), "deal": dict(pr.deal),
            "why": why(card, pr, found, reference), "expected_utility": {}, "utility_note": UTILITY_NOTE,
            "model_choice": {}, "forced": {}}


# ----------------------------------------------------------------------------- why


def why(card: Card, pr: Projection, found: dict, reference: dict[str, float] | None) -> list[str]:
    return [*_when_it_ended(card, pr), _deal_sentence(pr), *_before_later_severs(card, pr),
            *_what_the_levers_did(card, found, reference)]


def _when_it_ended(card: Card, pr: Projection) -> list[str]:
    by, first = card.timeline_by, pr.years[0]
    severed = severed_by(pr, by)
    if severed == 0:
        return [f"No trajectory severed the alliance by {by}."]
    at_once = pr.draws - pr.tallies[0].alive
    years = pr.sever_year[(pr.sever_year >= 0) & (pr.sever_year <= by)]
    return [f"The alliance was severed by {by} in **{severed / pr.draws:.0%}** of the {pr.draws:,} "
            f"trajectories. {at_once / severed:.0%} of those severed in {first}, the first year; the median "
            f"year of a Sever was {int(np.median(years))}."]


def _deal_sentence(pr: Projection) -> str:
    n, d = pr.draws, pr.deal
    if not d["signed"]:
        return "No deal was signed in any trajectory."
    return (f"The deal was signed in {d['signed'] / n:.0%} of the trajectories (only where the Taliban's "
            f"move met its terms) and delivered in {d['delivered'] / n:.0%}; a move short of the terms "
            f"voided it in {d['voided_by_move'] / n:.0%}, exposed covert ties in "
            f"{d['voided_by_detection'] / n:.0%} and an attack abroad in {d['voided_by_attack'] / n:.0%}.")


def hazards_fired(pr: Projection) -> dict[str, np.ndarray]:
    """``(years, trajectories)`` flags of each random event in each year, redrawn from the projection's
    own streams (:func:`sim.timeline.engine.uniforms`), so they are the ones the trajectories met."""
    rows = [uniforms(pr.seed, i, 0, pr.draws) for i in range(len(pr.years))]
    hazards = [year_hazards(pr.spec, year) for year in pr.years]
    return {name: np.stack([u[UNIFORMS.index(name)] < getattr(h, name) for u, h in zip(rows, hazards,
                                                                                      strict=True)])
            for name in HAZARD_WORDS}


def _before_later_severs(card: Card, pr: Projection) -> list[str]:
    """For the trajectories that severed after the first year, which random events came before
    their Sever, beside how often each came in the same years to any trajectory (what chance alone
    would give)."""
    later = (pr.sever_year > pr.years[0]) & (pr.sever_year <= card.timeline_by)
    if not later.any():
        return []
    fired = hazards_fired(pr)
    sever_index = pr.sever_year[later] - pr.years[0]
    parts = []
    for name, words in HAZARD_WORDS.items():
        # an attack abroad is drawn after the year's play: only the years before the Sever's count
        flags = fired[name] if name != "aq_attack" else np.vstack([np.zeros_like(fired[name][:1]),
                                                                   fired[name][:-1]])
        by_year = np.logical_or.accumulate(flags, axis=0)
        among = by_year[sever_index, np.flatnonzero(later)].mean()
        chance = by_year.mean(axis=1)[sever_index].mean()
        parts.append(f"{words} in {among:.0%} (chance over the same years: {chance:.0%})")
    return [f"Of the {int(later.sum()):,} trajectories that severed after {pr.years[0]}, before the Sever "
            + "; ".join(parts) + ". An association across trajectories, not a cause; scripted events "
            "happen in every trajectory."]


def _what_the_levers_did(card: Card, found: dict, reference: dict[str, float] | None) -> list[str]:
    label = card.outcome_label(card.outcome)
    if reference is None:
        return ["You kept the card's starting position, so there is nothing to compare it with."]
    mine = found[card.outcome]
    return [f"At the card's starting position P({label}) would be {reference['mean']:.1%} "
            f"({reference['low']:.1%} to {reference['high']:.1%}); your position gives {mine['mean']:.1%}: "
            f"{(mine['mean'] - reference['mean']) * 100:+.1f} points, on the same trajectories and events, "
            "so the difference is your levers' doing."]
