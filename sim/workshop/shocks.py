"""Shocks a facilitator injects between rounds: each changes the scenario of every team from then on.

A shock fixes a few parameters (a bare number in a scenario's changes fixes a parameter, see
:func:`sim.spec.scenario.apply_changes`); shocks stack in the order they were injected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Shock:
    title: str
    description: str
    changes: dict[str, float]


SHOCKS: dict[str, Shock] = {
    "leader_dies": Shock(
        "The Taliban leader dies",
        "A successor with little standing takes over, as after the revelation of Omar's death "
        "(Prospects ¶1-2): the leadership's legitimacy falls to 0.2.",
        {"parameters.leader_legitimacy": 0.2}),
    "plot_uncovered": Shock(
        "An al-Qaeda plot abroad is uncovered",
        "A plot traced to Afghan soil hardens Western opinion (Intro ¶1; Taliban costs ¶1): isolation "
        "costs the Taliban 0.5 and retaliation after an attack 2.0.",
        {"parameters.isolation_cost": 0.5, "parameters.retaliation_cost": 2.0}),
    "is_surge": Shock(
        "IS-Khorasan surges",
        "The Islamic State's province gains ground (Intro ¶4; Taliban costs ¶6): its threat rises to 0.9 "
        "and its pull on a splinter to 0.8 (the pull is the model's own assumption).",
        {"parameters.is_threat": 0.9, "parameters.is_pull": 0.8}),
    "haqqani_rise": Shock(
        "The Haqqanis take the deputy leadership",
        "The faction closest to al-Qaeda rises to the top rank (Taliban costs ¶7).",
        {"parameters.haqqani_rank": 1.0}),
}


def shock_changes(keys: Iterable[str]) -> dict[str, float]:
    """The scenario changes of several shocks, later ones overriding earlier ones."""
    out: dict[str, float] = {}
    for key in keys:
        out.update(SHOCKS[key].changes)
    return out
