"""The facilitator's guide agrees with the cards and the model: its cards' section is what
``python -m sim.workshop.guide`` writes from ``exercises/`` and the current model."""

from __future__ import annotations

import pytest

from sim.workshop import guide
from sim.workshop.cards import card_ids, load_card

DOC = guide.GUIDE.read_text(encoding="utf-8")


@pytest.mark.parametrize("card_id", card_ids())
def test_each_cards_question_criterion_and_ranges_are_in_its_section_of_the_guide(card_id):
    """Fast and independent of the model: the section of card N names the card's own words."""
    number = card_ids().index(card_id) + 1
    card = load_card(card_id)
    section = guide.block(DOC).split(f"### {number}. ")[1].split("\n### ")[0]
    assert section.startswith(f"{card.title} ({card.minutes} min; {card.section})")
    assert f"*Question:* {card.question}" in section
    assert f"*Success:* {card.criterion}." in section
    for control in card.controls:
        assert guide._control(control) in section


def test_a_card_that_changes_its_threshold_no_longer_matches_the_guide(monkeypatch):
    """The check can fail: the section written for a card with another threshold is not the guide's."""
    card = load_card(card_ids()[0])
    other = card.model_copy(update={"threshold": card.threshold / 2})
    monkeypatch.setattr(guide, "figures", lambda c: [])
    assert card.criterion in guide.render_card(1, card)
    assert other.criterion not in guide.block(DOC)


@pytest.mark.slow
def test_the_guides_cards_section_is_exactly_what_the_cards_and_the_model_give():
    """Every figure too: after a change to a card or to the model, run python -m sim.workshop.guide."""
    assert guide.block(DOC) == guide.render(), "run python -m sim.workshop.guide; commit docs/workshop.md"
