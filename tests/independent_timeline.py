"""A second timeline, written from ``docs/model.md`` section 12a and not from ``sim.timeline.engine``.

Plain Python on one trajectory at a time, with scalar state: ``simulate(spec, params, levers, seed,
index, years)`` returns, per year, the trajectory's move and flags, its Sever year and its delivery
year. It shares with the engine only what the document fixes as conventions: the stage game
(``sim.model``, itself checked against ``tests/independent_payoffs.py``), the random streams (one per
year and block of 4,096 trajectories, ``SeedSequence(seed, spawn_key=(8, year, block))``, with the
engine's row order) and the order in which one terminal is drawn from the solved tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.timeline_section import NUMERIC_STATE, SCRIPTABLE, Timeline
from sim.timeline.engine import UNIFORMS

BLOCK = 4096


def numbers(seed: int, year_index: int, i: int) -> dict[str, float]:
    block = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8, year_index, i // BLOCK)))
    u = block.random((len(UNIFORMS), BLOCK))[:, i % BLOCK]
    return dict(zip(UNIFORMS, (float(x) for x in u), strict=True))


@dataclass
class Trajectory:
    state: dict[str, float]
    in_power: bool
    withdrawn: bool
    deal: str
    offer: float
    offer_verification: float
    pledge_terms: bool = False
    split: bool = False
    severed: bool = False
    sever_year: int = -1
    delivery_year: int = -1
    years: list[dict] = field(default_factory=list)


def simulate(spec: Timeline, params: dict[str, float], levers: dict[str, float], seed: int, index: int,
             years: list[int], concept: str = "spe", lam: float = 10.0) -> Trajectory:
    deal = "offered" if levers["concession"] > 0 else "none"
    t = Trajectory({k: float(params[k]) for k in NUMERIC_STATE}, spec.state.get("governs") == "in_power",
                   spec.state.get("us_posture") == "withdrawn", deal, levers["concession"],
                   levers["verification"])
    in_force = dict(levers)
    for k, year in enumerate(years):
        u = numbers(seed, k, index)
        # (1) scripted events: state set, offers, levers from this year on; the year's hazards
        h = spec.hazards.model_dump()
        sign = deliver = False
        ultimatum = None
        for e in (e for e in spec.events if e.year == year):
            for key, value in e.set.items():
                if key == "governs":
                    t.in_power = value == "in_power"
                elif key == "us_posture":
                    if value == "withdrawn" and t.deal in ("offered", "signed"):
                        t.deal = "spent"   # a withdrawal without delivery ends the open offer
                    t.withdrawn = value == "withdrawn"
                else:
                    t.state[key] = float(value)
            if e.offer is not None and t.deal not in ("delivered", "spent"):
                t.deal, t.offer, t.pledge_terms = "offered", e.offer.concession, e.offer.terms == "pledge"
                if e.offer.verification is not None:
                    t.offer_verification = e.offer.verification
            in_force.update(e.levers)
            h.update(e.hazards)
            h.update({name: 1.0 for name in SCRIPTABLE if getattr(e, name)})
            if e.attack:
                h["aq_attack"] = 1.0
            sign, deliver = sign or e.sign, deliver or e.deliver
            ultimatum = e.ultimatum if e.ultimatum is not None else ultimatum
        # (2) hazards
        s = spec.succession
        if u["leader_death"] < h["leader_death"] or u["revelation"] < h["revelation"]:
            t.state["leader_legitimacy"] *= s.legitimacy_kept
            t.state["bayat_public"] = s.bayat_public
            t.state["personal_ties"] = 0.0
        if u["aq_leader_death"] < h["aq_leader_death"]:
            t.state["aq_leader_standing"] *= s.standing_kept
            t.state["personal_ties"] = 0.0
        if u["is_surge"] < h["is_surge"]:
            t.state["is_threat"] = min(1.0, t.state["is_threat"] + s.is_surge_step)
        if u["haqqani_rise"] < h["haqqani_rise"]:
            t.state["haqqani_rank"] = min(1.0, t.state["haqqani_rank"] + s.haqqani_step)
        if t.withdrawn and u["takeover"] < h["takeover"]:
            t.in_power = True
        # (3) the levers the state allows, and the year's parameters
        after, open_ = spec.after_delivery, t.deal in ("offered", "signed")
        spent = t.deal in ("delivered", "spent")
        c = t.offer if open_ else (after.offer * after.value_share if spent else 0.0)
        v = t.offer_verification if open_ else in_force["verification"]
        pressure = in_force["pressure"]
        if t.withdrawn:
            v, pressure = v * after.verification_share, pressure * after.pressure_share
        if ultimatum is not None:
            pressure = 1.0
        p = {**params, **t.state}
        p["isolation_cost"] = params["isolation_cost"] + spec.in_power_isolation * t.in_power
        p["haven_prospect"] = params["haven_prospect"] + spec.in_power_haven * t.in_power
        p["retaliation_cost"] = (after.trace if t.withdrawn else 1.0) * params["retaliation_cost"]
        if spec.split.hosts_al_qaeda and t.split:
            p["exposure_cost"] = 0.0
        worth = {"offered": spec.credibility.offered, "signed": spec.credibility.signed}.get(t.deal, 1.0)
        p["concession_value"] = worth * params["concession_value"]
        if open_ and t.pledge_terms:
            p["pledge_credit"] = 1.0
        if ultimatum is not None:
            p["pledge_credit"] = 0.0
            if ultimatum.threat is not None:
                p["pressure_cost"] = ultimatum.threat
        # (4) the stage game, and one terminal drawn from it
        sol = solve(build_game(p, {"concession": c, "verification": v, "pressure": pressure}), concept, lam)
        keys = list(sol.reach)
        cum = np.cumsum([float(np.ravel(sol.reach[key])[0]) for key in keys])
        path = keys[min(int((u["terminal"] * cum[-1] >= cum).sum()), len(keys) - 1)].split("/")
        move = "sever" if t.severed and spec.sever_absorbing else path[0]
        attack = "attack" in path
        played_traced = attack and (path[0] != "sever" or ("underground" in path
                                                           and params["sever_trace"] > u["trace"]))
        # (5) transitions
        alive = not t.severed
        outside = u["aq_attack"] < h["aq_attack"]
        found = (not t.withdrawn) or u["withdrawn_trace"] < after.trace
        traced = alive and ((played_traced and found) or outside)
        memory = t.state["retaliation_memory"]
        t.state["retaliation_memory"] = 1.0 if traced else memory * (1 - spec.memory_decay)
        detected = alive and ("detected" in path or u["detection"] < h["detection"])
        severed = (t.severed or move == "sever") if spec.sever_absorbing else move == "sever"
        new_sever = severed and (alive if spec.sever_absorbing else t.sever_year < 0)
        pledged = (not severed) and move == "distance"
        meets_by_move = severed or (pledged and t.pledge_terms)
        met = severed or (meets_by_move and not detected and not traced)
        if t.deal == "signed" and not met:
            t.deal = "none"
        if sign and t.deal == "offered" and met:
            t.deal = "signed"
        if deliver and t.deal == "signed" and met:
            t.deal, t.withdrawn = "delivered", True
        if t.deal == "delivered" and t.delivery_year < 0:
            t.delivery_year = year
        if new_sever:
            t.sever_year = year
        t.severed = severed
        if alive and "split" in path and not t.split:
            t.state["leader_legitimacy"] *= spec.split.legitimacy_kept
            t.split = True
        if not t.severed:
            t.state["years_together"] += 1
        t.years.append({"allied": not t.severed, "keep": not t.severed and move == "keep",
                        "distance": not t.severed and move == "distance"})
    return t
