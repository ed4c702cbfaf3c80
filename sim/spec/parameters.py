"""The catalogue of the model's parameters: names, groups and admissible ranges.

The catalogue says *which* quantities exist and what values they may take; a scenario file
(``scenarios/*.yaml``) says what each one is believed to be, with its uncertainty, meaning and the
article section it rests on. Keeping the two apart lets validation name an unknown or out-of-range
parameter without knowing any particular scenario.

Groups follow the model brief (benefits to the Taliban, costs, costs of breaking, leadership,
al-Qaeda's side) plus the hardline faction, verification and the United States. ``factor`` is the
coarser, factor-level grouping used by the sensitivity analysis (funding, expertise, IS rivalry,
leadership legitimacy, factions, costs, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ParamInfo:
    """Where a parameter belongs and the range a scenario may give it."""

    name: str
    group: str
    factor: str
    low: float
    high: float


GROUPS: Final[dict[str, str]] = {
    "taliban_benefits": "Benefits of the alliance to the Taliban",
    "taliban_costs": "Costs of the alliance to the Taliban",
    "breaking_costs": "Costs to the Taliban of breaking",
    "leadership": "Leadership",
    "faction": "The factions: hardliners and the pro-negotiation side",
    "al_qaeda": "Al-Qaeda's side",
    "verification": "Verification",
    "united_states": "The United States",
}

_P = ParamInfo
CATALOGUE: Final[tuple[ParamInfo, ...]] = (
    # Benefits of the alliance to the Taliban
    _P("aq_expertise", "taliban_benefits", "expertise", 0.0, 2.0),
    _P("aq_manpower", "taliban_benefits", "expertise", 0.0, 2.0),
    _P("aq_money", "taliban_benefits", "funding", 0.0, 5.0),
    _P("own_revenue", "taliban_benefits", "funding", 0.01, 5.0),
    _P("funding_weight", "taliban_benefits", "funding", 0.0, 2.0),
    _P("is_threat", "taliban_benefits", "is_rivalry", 0.0, 1.0),
    _P("is_help_value", "taliban_benefits", "is_rivalry", 0.0, 2.0),
    _P("endorsement_value", "taliban_benefits", "leadership_legitimacy", 0.0, 2.0),
    _P("shared_history_bond", "taliban_benefits", "bonds", 0.0, 2.0),
    _P("years_together", "taliban_benefits", "bonds", 0.0, 60.0),
    _P("personal_ties", "taliban_benefits", "bonds", 0.0, 2.0),
    # Costs of the alliance to the Taliban
    _P("isolation_cost", "taliban_costs", "costs", 0.0, 2.0),
    _P("internal_strife", "taliban_costs", "costs", 0.0, 2.0),
    _P("pressure_cost", "taliban_costs", "costs", 0.0, 2.0),
    _P("retaliation_cost", "taliban_costs", "costs", 0.0, 5.0),
    _P("concession_value", "taliban_costs", "deal", 0.0, 5.0),
    _P("pledge_credit", "taliban_costs", "deal", 0.0, 1.0),
    _P("pledge_relief", "taliban_costs", "deal", 0.0, 1.0),
    _P("detection_penalty", "taliban_costs", "deal", 0.0, 5.0),
    # Costs to the Taliban of breaking
    _P("reversal_cost", "breaking_costs", "leadership_legitimacy", 0.0, 2.0),
    _P("legitimacy_shield", "breaking_costs", "leadership_legitimacy", 0.0, 1.0),
    _P("bayat_cost", "breaking_costs", "leadership_legitimacy", 0.0, 2.0),
    _P("chip_value", "breaking_costs", "deal", 0.0, 2.0),
    _P("chip_switch", "breaking_costs", "deal", 0.0, 1.0),
    _P("chip_threshold", "breaking_costs", "deal", 0.0, 1.0),
    _P("retaliation_memory", "breaking_costs", "backlash", 0.0, 1.0),
    _P("backlash_cost", "breaking_costs", "backlash", 0.0, 2.0),
    _P("haqqani_cost", "breaking_costs", "factions", 0.0, 2.0),
    _P("split_cost", "breaking_costs", "factions", 0.0, 5.0),
    _P("distance_cost_share", "breaking_costs", "deal", 0.0, 1.0),
    _P("covert_retention", "breaking_costs", "deal", 0.0, 1.0),
    # Leadership
    _P("leader_legitimacy", "leadership", "leadership_legitimacy", 0.0, 1.0),
    _P("aq_leader_standing", "leadership", "leadership_legitimacy", 0.0, 1.0),
    _P("bayat_public", "leadership", "leadership_legitimacy", 0.0, 1.0),
    _P("haqqani_closeness", "leadership", "factions", 0.0, 1.0),
    _P("haqqani_rank", "leadership", "factions", 0.0, 1.0),
    # The hardline faction
    _P("hardliner_attachment", "faction", "factions", 0.0, 2.0),
    _P("faction_loyalty", "faction", "factions", 0.0, 2.0),
    _P("faction_deal_share", "faction", "factions", 0.0, 1.0),
    _P("split_outside_option", "faction", "factions", -2.0, 2.0),
    _P("is_pull", "faction", "is_rivalry", 0.0, 2.0),
    _P("moderate_discontent", "faction", "factions", 0.0, 2.0),
    _P("splinter_aq_support", "faction", "factions", 0.0, 2.0),
    # Al-Qaeda's side
    _P("aq_foothold", "al_qaeda", "al_qaeda", 0.0, 3.0),
    _P("aq_legitimacy_vs_is", "al_qaeda", "is_rivalry", 0.0, 3.0),
    _P("haven_prospect", "al_qaeda", "al_qaeda", 0.0, 3.0),
    _P("haqqani_protection", "al_qaeda", "factions", 0.0, 2.0),
    _P("aq_resources", "al_qaeda", "al_qaeda", 0.0, 2.0),
    _P("external_ops_value", "al_qaeda", "al_qaeda", 0.0, 3.0),
    _P("attack_haven_loss", "al_qaeda", "al_qaeda", 0.0, 5.0),
    _P("pledge_restraint", "al_qaeda", "al_qaeda", 0.0, 1.0),
    _P("sever_trace", "al_qaeda", "al_qaeda", 0.0, 1.0),
    _P("lie_low_cost", "al_qaeda", "al_qaeda", 0.0, 1.0),
    _P("strike_cost", "al_qaeda", "al_qaeda", 0.0, 5.0),
    _P("splinter_foothold_share", "al_qaeda", "al_qaeda", 0.0, 1.0),
    _P("relocation_value", "al_qaeda", "al_qaeda", -2.0, 2.0),
    _P("exposure_cost", "al_qaeda", "al_qaeda", 0.0, 5.0),
    # Verification
    _P("detect_active", "verification", "verification", 0.0, 1.0),
    _P("detect_low", "verification", "verification", 0.0, 1.0),
    # The United States
    _P("us_security_value", "united_states", "united_states", 0.0, 5.0),
    _P("us_political_cost", "united_states", "united_states", 0.01, 5.0),
    _P("us_attack_harm", "united_states", "united_states", 0.0, 10.0),
    _P("us_pledge_share", "united_states", "united_states", 0.0, 1.0),
    _P("us_underground_share", "united_states", "united_states", 0.0, 1.0),
)

PARAMETERS: Final[dict[str, ParamInfo]] = {p.name: p for p in CATALOGUE}
NAMES: Final[tuple[str, ...]] = tuple(PARAMETERS)

#: The US policy levers, each in [0, 1] (model brief, "Players and moves").
LEVERS: Final[dict[str, str]] = {
    "concession": "Size of the US concession offered for a break (0 nothing, ~0.3 talks and prisoner "
    "releases, ~0.6 phased withdrawal, 1 full withdrawal with sanctions relief)",
    "verification": "Intensity of verification and monitoring of a Taliban pledge",
    "pressure": "US military pressure on the Taliban",
}
