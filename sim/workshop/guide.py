"""The facilitator's guide to the cards, written from the card files and the current model.

A guide typed by hand drifted from its cards (a threshold of 4% in the guide and 20% on the card,
another card's outcome named wrongly) and from the model (a share quoted from an older version).
Here every card's section is rendered from its file (question, what teams set, the criterion, the
ranking, the shocks, the debrief notes), and its indicative figures come from adjudicating the card,
as a round would, at its starting position and at each end of each control's range: the criterion's
share with its 95% interval and the verdict. ``docs/workshop.md`` holds the rendered section between
:data:`BEGIN` and :data:`END`; ``python -m sim.workshop.guide`` rewrites it, and a test fails when the
document and the cards (or the model) disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sim.workshop.cards import Card, Control, card_ids, load_card
from sim.workshop.flows import adjudicate
from sim.workshop.shocks import SHOCKS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "workshop.md"
BEGIN = "<!-- cards:start (written by python -m sim.workshop.guide from exercises/ and the model) -->"
END = "<!-- cards:end -->"
#: Draws (trajectories on a timeline card) and seed of the indicative figures.
DRAWS, TIMELINE_DRAWS, SEED = 4_000, 1_000, 2018


def positions(card: Card) -> list[tuple[str, dict[str, Any]]]:
    """The positions the guide reports: the card's start, then each control at each end of its range
    (each option of a choice), the others at their start."""
    found = [("the card's starting position", {})]
    for control in card.controls:
        values = list(control.options) if control.options else [control.low, control.high]
        for value in values:
            if value != control.start:
                found.append((f"{control.label}: {_value(value)}", {control.name: value}))
    return found


def figures(card: Card) -> list[tuple[str, dict[str, Any]]]:
    """Each reported position and its adjudication (no shock; the guide's seed and draws)."""
    draws = TIMELINE_DRAWS if card.timeline else DRAWS
    return [(label, adjudicate(card, position, [], SEED, draws)) for label, position in positions(card)]


def render_card(number: int, card: Card) -> str:
    """One card's section of the guide."""
    draws = TIMELINE_DRAWS if card.timeline else DRAWS
    unit = "trajectories" if card.timeline else "draws"
    shocks = "; ".join(SHOCKS[s].title for s in card.shocks) or "none"
    lines = [f"### {number}. {card.title} ({card.minutes} min; {card.section})", "",
             f"*Question:* {card.question}", "",
             f"*Teams set:* {'; '.join(_control(c) for c in card.controls)}.",
             f"*Success:* {card.criterion}." + _ranking(card),
             f"*Suggested shocks:* {shocks}.", ""]
    if card.roles:
        lines += [f"*Roles:* one team per role at each table ({', '.join(card.roles)}).", ""]
    lines += [f"Indicative figures (the model now, no shock, {draws:,} {unit}, seed {SEED}; a round's "
              "own numbers carry their intervals):", "",
              f"| position | P({card.outcome_label(card.outcome)}) | 95% interval | verdict |",
              "|---|---|---|---|"]
    for label, result in figures(card):
        share = result["outcomes"][card.outcome]
        lines.append(f"| {label} | {share['mean']:.1%} | {share['low']:.1%} to {share['high']:.1%} "
                     f"| {result['verdict']} |")
    lines += ["", "*Debrief:* " + " ".join(card.debrief.split()), ""]
    return "\n".join(lines)


def render() -> str:
    """Every shipped card's section, in the order of their files, between the markers."""
    body = [render_card(i, load_card(card_id)) for i, card_id in enumerate(card_ids(), start=1)]
    return "\n".join([BEGIN, "", *body, END])


def block(text: str) -> str:
    """The rendered section of a guide's ``text``, markers included."""
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    return text[start:stop]


def write(path: Path = GUIDE) -> bool:
    """Rewrite the cards' section of the guide; whether it changed."""
    text = path.read_text(encoding="utf-8")
    new = text.replace(block(text), render())
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def _control(control: Control) -> str:
    if control.options:
        return f"{control.label} ({' or '.join(control.options)})"
    return f"{control.label} from {_value(control.low)} to {_value(control.high)}"


def _ranking(card: Card) -> str:
    if not card.rank_by:
        return ""
    named = {c.name: c.label for c in card.controls}
    return f" Teams are ranked by: {named.get(card.rank_by, card.rank_by.replace('_', ' '))}."


def _value(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)


if __name__ == "__main__":
    changed = write()
    print(f"{GUIDE.name}: {'rewritten' if changed else 'already up to date'}")
    sys.exit(0)
