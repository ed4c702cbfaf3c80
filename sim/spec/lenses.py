"""The article's two readings of the alliance, as two lenses on the same draws (Negotiations ¶2).

The **material** lens keeps only what the alliance materially gives and costs the Taliban
(expertise, manpower, money, help against IS, against isolation, strife and coercion) and the deal:
it switches off the shared-history and personal bonds, al-Qaeda's endorsement of the leader, the
Haqqanis' weight, fragmentation, the cost of reversing Omar's stand (with the accepted pledge of
allegiance), the backlash of past retaliation and the bargaining chip. The **full** lens is the
model as the scenario sets it. Each switched-off term is fixed at 0; every parameter owns its own
column of random numbers (:mod:`sim.engine.sampling`), so both lenses see the same draws of everything else.
"""

from __future__ import annotations

from sim.spec.scenario import Scenario

LENSES = ("full", "material")
#: The parameters the material lens sets to 0, by the term of the full model they carry.
MATERIAL_OFF = {
    "bonds": ("shared_history_bond", "personal_ties"),
    "endorsement": ("endorsement_value",),
    "Haqqani influence": ("haqqani_cost",),
    "fragmentation": ("split_cost",),
    "Omar's legacy": ("reversal_cost", "bayat_cost"),
    "backlash": ("backlash_cost",),
    "the chip": ("chip_switch",),
}


def through_lens(scenario: Scenario, lens: str) -> Scenario:
    """``scenario`` as the ``lens`` reading sees it (``full`` leaves it as it is)."""
    if lens == "full":
        return scenario
    if lens != "material":
        raise ValueError(f"unknown lens '{lens}' (choose from {', '.join(LENSES)})")
    off = {f"parameters.{name}": 0.0 for names in MATERIAL_OFF.values() for name in names}
    return scenario.updated(off)
