"""The alliance year by year: each year's state sets a stage game, solved for every trajectory at once.

Each trajectory draws the scenario's uncertain parameters once (:func:`sim.engine.driver.sample`: the
structural uncertainty). Then, year after year: scripted events and yearly hazards change the state;
the stage game of brief v2 is built on that state and solved (SPE or QRE) for all trajectories in
one vectorised call; one terminal of the solved tree is drawn per trajectory (the Taliban's move,
the faction's answer, al-Qaeda's response, detection); and the outcome carries into the next year's
state. Every random number of year ``y`` for trajectory ``i`` comes from the stream
``SeedSequence(seed, spawn_key=(STREAM, y, i // BLOCK))``, so the numbers do not depend on chunking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.engine import driver
from sim.engine.driver import Sample, sample
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.layout import flat_tree
from sim.engine.results import FIXED_POINT
from sim.engine.runspec import solution_settings
from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.scenario import Scenario
from sim.spec.timeline_section import NUMERIC_STATE, Event, Hazards, Timeline, Ultimatum, parse_timeline
from sim.timeline.limits import MAX_YEARS

Array = NDArray[np.float64]
NONE, OFFERED, SIGNED, DELIVERED, SPENT = range(5)
#: ``spent``: the US withdrew without delivering, which ends any open offer (the concession is gone).
DEAL_STATES = ("none", "offered", "signed", "delivered", "spent")
#: Random numbers each trajectory uses per year, by purpose (one row each). New rows go at the end:
#: the generator fills the rows in order, so the earlier rows keep their numbers.
UNIFORMS = ("leader_death", "aq_leader_death", "is_surge", "takeover", "terminal", "trace", "aq_attack",
            "detection", "revelation", "haqqani_rise", "withdrawn_trace")
BLOCK = 4096
STREAM = 8   # spawn_key prefix of the timeline's streams (parameter sampling uses one-level keys)
DEFAULT_YEARS = 15
LEVER_NAMES = ("concession", "verification", "pressure")
#: What became of offers, counted over trajectories: a signature and a delivery happen only where the
#: Taliban's move met the offer's terms that year; a signed deal is voided by a move that does not meet
#: them (a Keep, or a pledge under Sever terms), or, under pledge terms, by a detection of covert ties
#: or a traced attack; a US withdrawal without delivery ends an open offer.
DEAL_FATES = ("signed", "delivered", "voided_by_move", "voided_by_detection", "voided_by_attack",
              "ended_by_withdrawal")


@dataclass
class State:
    """Per-trajectory state carried from year to year."""

    numeric: dict[str, Array]
    in_power: NDArray[np.bool_]
    withdrawn: NDArray[np.bool_]
    split: NDArray[np.bool_]
    severed: NDArray[np.bool_]
    sever_year: NDArray[np.int64]
    delivery_year: NDArray[np.int64]
    deal: NDArray[np.int8]
    offer: Array
    offer_verification: Array
    pledge_terms: NDArray[np.bool_]   # the open offer asks only for a verified pledge

    @classmethod
    def start(cls, params: Mapping[str, Array | float], n: int, spec: Timeline, levers) -> State:
        numeric = {k: np.array(np.broadcast_to(params[k], n), dtype=float) for k in NUMERIC_STATE}
        offered = levers["concession"] > 0
        return cls(
            numeric,
            np.full(n, spec.state.get("governs") == "in_power"),
            np.full(n, spec.state.get("us_posture") == "withdrawn"),
            np.zeros(n, bool), np.zeros(n, bool), np.full(n, -1, np.int64), np.full(n, -1, np.int64),
            np.full(n, OFFERED if offered else NONE, np.int8),
            np.full(n, levers["concession"]), np.full(n, levers["verification"]), np.zeros(n, bool))

    def open_offer(self) -> NDArray[np.bool_]:
        return (self.deal == OFFERED) | (self.deal == SIGNED)

    def spent(self) -> NDArray[np.bool_]:
        """The withdrawal is gone, delivered or not: only what a government wants can be offered."""
        return (self.deal == DELIVERED) | (self.deal == SPENT)


@dataclass
class YearTally:
    """Counts over the trajectories of one chunk, for one year (integers: they add up exactly)."""

    alive: int = 0
    keep: int = 0
    distance: int = 0
    split: int = 0
    external_op: int = 0
    retaliation: int = 0
    concession: int = 0   # fixed-point sums of the levers played (see lever_mean)
    verification: int = 0
    pressure: int = 0


@dataclass
class Projection:
    """What a timeline run yields: per-year tallies over all trajectories, Sever years and deal fates."""

    scenario: Scenario
    spec: Timeline
    years: list[int]
    draws: int
    seed: int
    solution: str
    lam: float
    tallies: list[YearTally]
    sever_year: NDArray[np.int64] = field(repr=False)
    deal: dict[str, int] = field(default_factory=dict)
    #: Per trajectory, the calendar year its deal was delivered (-1: never).
    delivery_year: NDArray[np.int64] | None = field(default=None, repr=False)
    #: What the trajectories are worth on a calibrated model's resample (:attr:`Sample.effective_draws`):
    #: the intervals' draws. ``None``: the trajectories are independent draws.
    effective_draws: float | None = None


def lever_mean(tally: YearTally, lever: str, draws: int) -> float:
    """The mean over the trajectories of a lever played that year."""
    return getattr(tally, lever) / (FIXED_POINT * draws)


def uniforms(seed: int, year_index: int, start: int, stop: int) -> Array:
    """The ``(len(UNIFORMS), stop - start)`` random numbers of trajectories ``start:stop`` in a year."""
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = [np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM, year_index, b)))
              .random((len(UNIFORMS), BLOCK)) for b in range(first, last + 1)]
    joined = np.concatenate(blocks, axis=1)
    return joined[:, start - first * BLOCK: stop - first * BLOCK]


def year_levers(state: State, levers: Mapping[str, float], spec: Timeline,
                ultimatum: Ultimatum | None = None) -> dict[str, Array]:
    """The US levers the state allows this year: the offer on the table (nothing before one, a
    government's wants after a delivered withdrawal), and pressure and monitoring cut back once the
    US has withdrawn; under an ultimatum the pressure is the threat, in full.

    A government's wants enter as what they are worth on a withdrawal's scale, ``offer * value_share``,
    the scale the chip's threshold reads: whether a Sever is still reachable after the withdrawal is
    the comparison of that worth with the threshold."""
    after = spec.after_delivery
    on_table = state.open_offer()
    wants = after.offer * after.value_share
    concession = np.where(on_table, state.offer, np.where(state.spent(), wants, 0.0))
    verification = np.where(on_table, state.offer_verification, levers["verification"])
    verification = np.where(state.withdrawn, verification * after.verification_share, verification)
    pressure = np.where(state.withdrawn, levers["pressure"] * after.pressure_share, levers["pressure"])
    if ultimatum is not None:
        pressure = np.ones_like(pressure)
    return {"concession": concession, "verification": verification, "pressure": pressure}


def year_parameters(params: Mapping[str, Array | float], state: State, spec: Timeline,
                    ultimatum: Ultimatum | None = None) -> dict:
    """The stage game's parameters this year: the trajectory's draw, overridden by the state.

    A promise is not a payment: an open offer is worth its value times its credibility (offered, or
    signed); after the withdrawal is gone, the lever already carries a government's wants at their
    worth (:func:`year_levers`). Under pledge terms a pledge that holds earns the whole offer
    (``pledge_credit`` 1), as a Sever does."""
    p = dict(params)
    p.update(state.numeric)
    p["isolation_cost"] = params["isolation_cost"] + spec.in_power_isolation * state.in_power
    # Who governs: in power, al-Qaeda holds a haven rather than its prospect (Intro ¶5).
    p["haven_prospect"] = params["haven_prospect"] + spec.in_power_haven * state.in_power
    # After the US has gone an attack abroad is traced to Afghanistan only sometimes: the expected
    # retaliation falls with it.
    p["retaliation_cost"] = np.where(state.withdrawn, spec.after_delivery.trace, 1.0) * np.asarray(
        params["retaliation_cost"])
    if spec.split.hosts_al_qaeda:   # a faction split off earlier shelters al-Qaeda after a Sever
        p["exposure_cost"] = np.where(state.split, 0.0, params["exposure_cost"])
    cred = spec.credibility
    worth = np.select([state.deal == OFFERED, state.deal == SIGNED], [cred.offered, cred.signed], 1.0)
    p["concession_value"] = worth * np.asarray(params["concession_value"])
    p["pledge_credit"] = np.where(state.open_offer() & state.pledge_terms, 1.0, params["pledge_credit"])
    if ultimatum is not None:   # only a hand-over (a Sever) escapes the threat; a pledge earns nothing
        p["pledge_credit"] = 0.0
        if ultimatum.threat is not None:
            p["pressure_cost"] = ultimatum.threat
    return p


@dataclass
class YearScript:
    """What the script says of one year beyond its changes of state: its hazards (scripted events at
    probability 1), and whether a signature and a delivery are due at the year's end."""

    hazards: Hazards
    sign: bool = False
    deliver: bool = False
    ultimatum: Ultimatum | None = None


def year_hazards(spec: Timeline, year: int) -> Hazards:
    """The hazards of ``year``: the section's, overridden by that year's events."""
    h = spec.hazards
    for e in spec.events:
        if e.year == year:
            h = e.year_hazards(h)
    return h


def apply_events(events: list[Event], state: State, spec: Timeline, levers: dict[str, float],
                 tally: dict[str, int]) -> YearScript:
    """Scripted events of one year, before its play: state set, offers made, levers changed (``levers``
    is updated in place: they hold from this year on)."""
    script = YearScript(spec.hazards)
    for e in events:
        for key, value in e.set.items():
            if key == "governs":
                state.in_power[:] = value == "in_power"
            elif key == "us_posture":
                withdrawn = value == "withdrawn"
                if withdrawn:   # a withdrawal without delivery: the concession is spent, open offers end
                    ending = state.open_offer()
                    state.deal[ending] = SPENT
                    tally["ended_by_withdrawal"] += int(ending.sum())
                state.withdrawn[:] = withdrawn
            else:
                state.numeric[key][:] = value
        if e.offer is not None:   # a spent concession is not offered again
            open_ = ~state.spent()
            state.deal[open_] = OFFERED
            state.offer[open_] = e.offer.concession
            state.pledge_terms[open_] = e.offer.terms == "pledge"
            if e.offer.verification is not None:
                state.offer_verification[open_] = e.offer.verification
        levers.update(e.levers)
        script.hazards = e.year_hazards(script.hazards)
        script.sign |= e.sign
        if e.ultimatum is not None:
            script.ultimatum = e.ultimatum
        script.deliver |= e.deliver
    return script


def apply_hazards(u: Array, state: State, h: Hazards, spec: Timeline) -> None:
    """This year's random changes of state (a death or its revelation and the succession, al-Qaeda's
    leader's death, an IS surge, a Haqqani rise, a takeover after withdrawal); ``h`` are the year's
    probabilities (a scripted event's is 1)."""
    s, num = spec.succession, state.numeric
    succession = (u[0] < h.leader_death) | (u[8] < h.revelation)
    num["leader_legitimacy"][succession] *= s.legitimacy_kept
    num["bayat_public"][succession] = s.bayat_public
    aq_death = u[1] < h.aq_leader_death
    num["aq_leader_standing"][aq_death] *= s.standing_kept
    num["personal_ties"][succession | aq_death] = 0.0
    surge = u[2] < h.is_surge
    num["is_threat"][surge] = np.minimum(1.0, num["is_threat"][surge] + s.is_surge_step)
    rise = u[9] < h.haqqani_rise
    num["haqqani_rank"][rise] = np.minimum(1.0, num["haqqani_rank"][rise] + s.haqqani_step)
    state.in_power |= state.withdrawn & (u[3] < h.takeover)


def stage_reach(params: Mapping[str, Array | float], levers: Mapping[str, Array | float], concept: str,
                lam: float, n: int) -> tuple[list[str], Array]:
    """The year's stage game solved for ``n`` trajectories, each at its own parameters and levers:
    the terminals (in the tree's order) and ``(terminals, n)``, the probability of each, per
    trajectory. The compiled kernel (:func:`sim.engine.kernel.fused.reach`) solves it;
    ``ALLIANCE_SIM_KERNEL=reference`` (:data:`sim.engine.driver.REFERENCE`) the numpy reference,
    ``solve(build_game(...))``, which it equals (SPE to the bit, QRE to rounding:
    tests/timeline/test_yearly_solve.py)."""
    if driver.REFERENCE:
        reach = solve(build_game(params, levers), concept, lam).reach
        return list(reach), np.stack(list(reach.values()))
    return list(flat_tree().terminals), kernel.reach(kernel.parameter_rows(params, n), levers, concept, lam)


def play(params: dict, levers: dict, concept: str, lam: float, u: Array) -> dict[str, NDArray[np.bool_]]:
    """Solve the year's stage game for every trajectory and draw one terminal of it for each."""
    keys, reach = stage_reach(params, levers, concept, lam, u.shape[1])
    cum = np.cumsum(reach, axis=0)
    pick = np.minimum((u[4][None, :] * cum[-1] >= cum).sum(axis=0), len(keys) - 1)
    index = {name: np.array([name in k.split("/") for k in keys]) for name in
             ("keep", "distance", "sever", "split", "attack", "detected", "underground")}
    out = {name: flags[pick] for name, flags in index.items()}
    # An attack is traced to Afghanistan while al-Qaeda is hosted; from underground only sometimes.
    trace = np.asarray(params["sever_trace"]) > u[5]
    out["traced"] = out["attack"] & (~out["sever"] | (out["underground"] & trace))
    return out


def close_year(state: State, played: dict, u: Array, spec: Timeline, year: int, script: YearScript,
               tally: dict[str, int]) -> YearTally:
    """Carry the year's outcome into the state: Sever, split, retaliation, the deal's fate."""
    h = script.hazards
    alive = ~state.severed
    from_outside = u[6] < h.aq_attack   # a hazard, or the script's attack (probability 1)
    attack = alive & (played["attack"] | from_outside)
    # once the US has gone, a played attack is traced to Afghanistan with probability after_delivery.trace
    found = ~state.withdrawn | (u[10] < spec.after_delivery.trace)
    traced = alive & ((played["traced"] & found) | from_outside)
    memory = state.numeric["retaliation_memory"]
    memory[:] = np.where(traced, 1.0, memory * (1 - spec.memory_decay))
    detected = alive & (played["detected"] | (u[7] < h.detection))
    if spec.sever_absorbing:
        severs = alive & played["sever"]
        severed = state.severed | severs
    else:   # the scenario's switch: a severed trajectory that keeps or pledges this year allies again
        severed = played["sever"].copy()
        severs = severed & (state.sever_year < 0)
    _settle_deal(state, severed, ~severed & played["distance"], detected, traced, script, tally)
    state.delivery_year[(state.deal == DELIVERED) & (state.delivery_year < 0)] = year
    state.sever_year[severs] = year   # the year of the first Sever
    state.severed = severed
    splits = alive & played["split"] & ~state.split
    state.numeric["leader_legitimacy"][splits] *= spec.split.legitimacy_kept
    state.split |= splits
    state.numeric["years_together"][~state.severed] += 1
    still = ~state.severed
    return YearTally(int(still.sum()), int((still & played["keep"]).sum()),
                     int((still & played["distance"]).sum()), int(state.split.sum()),
                     int(attack.sum()), int(traced.sum()))


def _settle_deal(state: State, severed: NDArray[np.bool_], pledged: NDArray[np.bool_],
                 detected: NDArray[np.bool_], traced: NDArray[np.bool_], script: YearScript,
                 tally: dict[str, int]) -> None:
    """The contract at the year's end. The terms are met by a Sever (this year or before: a severed
    trajectory keeps meeting them) and, under pledge terms, by a pledge with no detection of covert
    ties and no attack traced to Afghanistan. A signed deal whose terms are not met is void (the offer
    is withdrawn); a signature, then a delivery, due this year happen only where they are met."""
    move_meets = severed | (pledged & state.pledge_terms)
    met = severed | (move_meets & ~detected & ~traced)
    signed = state.deal == SIGNED
    by_move = signed & ~move_meets
    by_attack = signed & move_meets & ~met & traced
    by_detection = signed & move_meets & ~met & ~traced
    for name, flags in (("voided_by_move", by_move), ("voided_by_attack", by_attack),
                        ("voided_by_detection", by_detection)):
        tally[name] += int(flags.sum())
    state.deal[signed & ~met] = NONE
    if script.sign:
        signing = (state.deal == OFFERED) & met
        state.deal[signing] = SIGNED
        tally["signed"] += int(signing.sum())
    if script.deliver:
        delivering = (state.deal == SIGNED) & met
        state.deal[delivering] = DELIVERED
        state.withdrawn |= delivering
        tally["delivered"] += int(delivering.sum())


def simulate_chunk(scenario: Scenario, spec: Timeline, years: list[int], params: dict, seed: int,
                   start: int, stop: int, concept: str, lam: float
                   ) -> tuple[list[YearTally], Array, dict, NDArray[np.int64]]:
    """Run trajectories ``start:stop`` through every year."""
    n = stop - start
    state = State.start(params, n, spec, scenario.levers)
    fates = dict.fromkeys(DEAL_FATES, 0)
    in_force = {k: float(v) for k, v in scenario.levers.items()}   # scripted levers change it
    tallies = []
    for i, year in enumerate(years):
        u = uniforms(seed, i, start, stop)
        script = apply_events([e for e in spec.events if e.year == year], state, spec, in_force, fates)
        apply_hazards(u, state, script.hazards, spec)
        levers = year_levers(state, in_force, spec, script.ultimatum)
        played = play(year_parameters(params, state, spec, script.ultimatum), levers, concept, lam, u)
        if spec.sever_absorbing:
            played["sever"] |= state.severed
        tally = close_year(state, played, u, spec, year, script, fates)
        tally.concession, tally.verification, tally.pressure = (
            int(np.rint(levers[k] * FIXED_POINT).astype(np.int64).sum()) for k in LEVER_NAMES)
        tallies.append(tally)
    return tallies, state.sever_year, fates, state.delivery_year


def project(scenario: Scenario, years: int | None = None, draws: int | None = None, seed: int | None = None,
            solution: str | None = None, lam: float | None = None, *, chunk_size: int = 50_000,
            drawn: Sample | None = None) -> Projection:
    """Monte Carlo trajectories of the alliance over ``years`` calendar years from the scenario's start;
    ``drawn`` gives the trajectories' parameters instead of the prior's (a calibrated sample: then
    ``draws`` is its size)."""
    spec = parse_timeline(scenario.timeline, scenario.name)
    span = years if years is not None else default_span(spec)
    if not 1 <= span <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS} (got {span})")
    drawn = sample(scenario, draws, seed) if drawn is None else drawn
    concept, lam = solution_settings(scenario, solution, lam)
    calendar = list(range(spec.start, spec.start + span))
    parts = []
    for a in range(0, drawn.draws, chunk_size):
        b = min(a + chunk_size, drawn.draws)
        chunk = {k: (v[a:b] if isinstance(v, np.ndarray) else v) for k, v in drawn.params.items()}
        parts.append(simulate_chunk(scenario, spec, calendar, chunk, drawn.seed, a, b, concept, lam))
    tallies = [_add([p[0][i] for p in parts]) for i in range(span)]
    fates = {k: sum(p[2][k] for p in parts) for k in DEAL_FATES}
    return Projection(scenario, spec, calendar, drawn.draws, drawn.seed, concept, lam, tallies,
                      np.concatenate([p[1] for p in parts]), fates, np.concatenate([p[3] for p in parts]),
                      drawn.effective_draws)


def default_span(spec: Timeline) -> int:
    """The section's ``years``, else up to its last event, else :data:`DEFAULT_YEARS`."""
    if spec.years:
        return spec.years
    return spec.events[-1].year - spec.start + 1 if spec.events else DEFAULT_YEARS


def _add(tallies: list[YearTally]) -> YearTally:
    out = YearTally()
    for t in tallies:
        for k, v in vars(t).items():
            setattr(out, k, getattr(out, k) + v)
    return out
