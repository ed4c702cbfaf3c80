"""A second payoff function, written from ``docs/model.md`` section 6 and not from ``sim.model.game``.

Plain Python on one draw at a time: ``payoffs(p, levers)`` maps every terminal of the tree to its
four payoffs (Taliban leadership, hardline faction, al-Qaeda, US) and ``chances(p, levers)`` gives
the detection probabilities. It imports nothing from ``sim``, so a slip in the model's vectorised
code and a slip here would have to agree to pass unnoticed.
"""

from __future__ import annotations


def chances(p: dict[str, float], levers: dict[str, float]) -> dict[str, float]:
    v = levers["verification"]
    return {"lie_low": v * p["detect_low"], "active": v * p["detect_active"]}


def payoffs(p: dict[str, float], levers: dict[str, float]) -> dict[str, tuple[float, float, float, float]]:
    c, pressure = levers["concession"], levers["pressure"]

    # The Taliban leadership's building blocks (model.md 5.1)
    influence = p["haqqani_closeness"] * p["haqqani_rank"]
    benefits = (
        p["aq_expertise"] + p["aq_manpower"]
        + p["funding_weight"] * p["aq_money"] / (p["aq_money"] + p["own_revenue"])
        + p["is_help_value"] * p["is_threat"]
        + p["endorsement_value"] * p["aq_leader_standing"] * (1 - p["leader_legitimacy"])
        + p["shared_history_bond"] * p["years_together"] / (p["years_together"] + 10.0)
        + p["personal_ties"]
    )
    isolation, strife = p["isolation_cost"], p["internal_strife"]
    coercion = pressure * p["pressure_cost"]
    breaking = (p["reversal_cost"] * (1 - p["legitimacy_shield"] * p["leader_legitimacy"])
                + p["bayat_cost"] * p["bayat_public"]
                + p["haqqani_cost"] * influence
                + p["backlash_cost"] * p["retaliation_memory"])
    deal = c * p["concession_value"]
    refusal = c * p["moderate_discontent"]
    chip = p["chip_switch"] * p["chip_value"] if c < p["chip_threshold"] else 0.0

    # Al-Qaeda's and the faction's blocks (model.md 5.2-5.3)
    aq_gain = (p["aq_foothold"] + p["aq_legitimacy_vs_is"] * p["is_threat"] + p["haven_prospect"]
               + p["haqqani_protection"] * influence - p["aq_resources"])
    offended_by_sever = p["hardliner_attachment"] + influence
    split_value = p["split_outside_option"] + p["is_pull"] * p["is_threat"]

    def stays(deal_share_of: float, offence: float) -> float:
        return (p["faction_loyalty"] * p["leader_legitimacy"] + p["faction_deal_share"] * deal_share_of
                - offended_by_sever * offence)

    out: dict[str, tuple[float, float, float, float]] = {}

    # Keep (model.md 6.1)
    keep = benefits - isolation - strife - coercion - refusal
    out["keep/restrain"] = (keep, 0.0, aq_gain, 0.0)
    out["keep/attack"] = (keep - p["retaliation_cost"], 0.0,
                          aq_gain + p["external_ops_value"] - p["attack_haven_loss"], -p["us_attack_harm"])

    # Distance (model.md 6.2)
    share, credit = p["distance_cost_share"], p["pledge_credit"]
    base = p["covert_retention"] * benefits - strife - share * breaking - (1 - credit) * refusal
    kept = base + credit * deal - (1 - p["pledge_relief"]) * isolation - (1 - credit) * coercion
    void = base - isolation - coercion - p["detection_penalty"]
    us_pledge = p["us_pledge_share"] * p["us_security_value"] - p["us_political_cost"] * credit * c
    covert = p["covert_retention"] * aq_gain
    for faction in ("stay", "split"):
        lost = p["split_cost"] if faction == "split" else 0.0
        if faction == "stay":
            f_kept, f_void = stays(credit * deal, share), stays(0.0, share)
        else:
            f_kept = f_void = split_value
        for posture in ("lie_low", "active"):
            aq = covert * (1 - p["lie_low_cost"]) if posture == "lie_low" else covert
            here = f"distance/{faction}/{posture}"
            out[f"{here}/restrain/undetected"] = (kept - lost, f_kept, aq, us_pledge)
            out[f"{here}/restrain/detected"] = (void - lost, f_void, aq - p["strike_cost"], 0.0)
            out[f"{here}/attack"] = (
                void - p["retaliation_cost"] - lost, f_void,
                aq + (1 - p["pledge_restraint"]) * p["external_ops_value"] - p["attack_haven_loss"],
                -p["us_attack_harm"])

    # Sever (model.md 6.3)
    sever = deal - breaking - chip
    for faction in ("stay", "split"):
        lost = p["split_cost"] if faction == "split" else 0.0
        for response in ("relocate", "underground"):
            if response == "relocate":   # its new base pays for an attack; the Taliban does not
                aq, trace, base_hit, us = p["relocation_value"], 0.0, 1.0, p["us_security_value"]
            else:
                trace, us = p["sever_trace"], p["us_underground_share"] * p["us_security_value"]
                base_hit = trace
                aq = (p["haqqani_protection"] * influence + p["splinter_foothold_share"] * p["aq_foothold"]
                      - p["aq_resources"]) if faction == "split" else -p["exposure_cost"]
            if faction == "stay":
                fac = stays(deal, 1.0)
            else:
                fac = split_value + (p["splinter_aq_support"] if response == "underground" else 0.0)
            us -= p["us_political_cost"] * c
            here = f"sever/{faction}/{response}"
            out[f"{here}/restrain"] = (sever - lost, fac, aq, us)
            out[f"{here}/attack"] = (sever - lost - trace * p["retaliation_cost"], fac,
                                     aq + p["external_ops_value"] - base_hit * p["attack_haven_loss"],
                                     us - p["us_attack_harm"])
    return out
