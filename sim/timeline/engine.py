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

from sim.engine.driver import sample
from sim.engine.results import FIXED_POINT
from sim.engine.runspec import solution_settings
from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.scenario import Scenario
from sim.spec.timeline_section import NUMERIC_STATE, Event, Timeline, parse_timeline
from sim.timeline.limits import MAX_YEARS

Array = NDArray[np.float64]
NONE, OFFERED, SIGNED, DELIVERED = range(4)
DEAL_STATES = ("none", "offered", "signed", "delivered")
#: Random numbers each trajectory uses per year, by purpose (one row each).
UNIFORMS = ("leader_death", "aq_leader_death", "is_surge", "takeover", "terminal", "trace", "aq_attack",
            "detection")
BLOCK = 4096
STREAM = 8   # spawn_key prefix of the timeline's streams (parameter sampling uses one-level keys)
DEFAULT_YEARS = 15
LEVER_NAMES = ("concession", "verification", "pressure")
DEAL_FATES = ("signed", "delivered", "voided_by_detection", "voided_by_attack")


@dataclass
class State:
    """Per-trajectory state carried from year to year."""

    numeric: dict[str, Array]
    in_power: NDArray[np.bool_]
    withdrawn: NDArray[np.bool_]
    split: NDArray[np.bool_]
    severed: NDArray[np.bool_]
    sever_year: NDArray[np.int64]
    deal: NDArray[np.int8]
    offer: Array
    offer_verification: Array

    @classmethod
    def start(cls, params: Mapping[str, Array | float], n: int, spec: Timeline, levers) -> State:
        numeric = {k: np.array(np.broadcast_to(params[k], n), dtype=float) for k in NUMERIC_STATE}
        offered = levers["concession"] > 0
        return cls(
            numeric,
            np.full(n, spec.state.get("governs") == "in_power"),
            np.full(n, spec.state.get("us_posture") == "withdrawn"),
            np.zeros(n, bool), np.zeros(n, bool), np.full(n, -1, np.int64),
            np.full(n, OFFERED if offered else NONE, np.int8),
            np.full(n, levers["concession"]), np.full(n, levers["verification"]))


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


def year_levers(state: State, levers: Mapping[str, float], spec: Timeline) -> dict[str, Array]:
    """The US levers the state allows this year: the offer on the table (nothing before one, a
    government's wants after a delivered withdrawal), and pressure and monitoring cut back once the
    US has withdrawn."""
    after = spec.after_delivery
    on_table = (state.deal == OFFERED) | (state.deal == SIGNED)
    concession = np.where(on_table, state.offer, np.where(state.deal == DELIVERED, after.offer, 0.0))
    verification = np.where(on_table, state.offer_verification, levers["verification"])
    verification = np.where(state.withdrawn, verification * after.verification_share, verification)
    pressure = np.where(state.withdrawn, levers["pressure"] * after.pressure_share, levers["pressure"])
    return {"concession": concession, "verification": verification, "pressure": pressure}


def year_parameters(params: Mapping[str, Array | float], state: State, spec: Timeline) -> dict:
    """The stage game's parameters this year: the trajectory's draw, overridden by the state."""
    p = dict(params)
    p.update(state.numeric)
    p["isolation_cost"] = params["isolation_cost"] + spec.in_power_isolation * state.in_power
    p["concession_value"] = np.where(state.deal == DELIVERED,
                                     spec.after_delivery.value_share * np.asarray(params["concession_value"]),
                                     params["concession_value"])
    return p


def apply_events(events: list[Event], state: State, tally: dict[str, int]) -> tuple[bool, bool]:
    """Scripted events of one year, before its play. Returns (scripted attack, delivery due)."""
    attack = deliver = False
    for e in events:
        for key, value in e.set.items():
            if key == "governs":
                state.in_power[:] = value == "in_power"
            elif key == "us_posture":
                state.withdrawn[:] = value == "withdrawn"
            else:
                state.numeric[key][:] = value
        if e.offer is not None:   # a delivered concession stays spent: it is not offered again
            open_ = state.deal != DELIVERED
            state.deal[open_] = OFFERED
            state.offer[open_] = e.offer.concession
            if e.offer.verification is not None:
                state.offer_verification[open_] = e.offer.verification
        if e.sign:
            signing = (state.deal == OFFERED) & ~state.severed
            state.deal[signing] = SIGNED
            tally["signed"] += int(signing.sum())
        attack |= e.attack
        deliver |= e.deliver
    return attack, deliver


def apply_hazards(u: Array, state: State, spec: Timeline) -> None:
    """This year's random changes of state (deaths, IS surges, a takeover after withdrawal)."""
    h, s = spec.hazards, spec.succession
    legit = state.numeric["leader_legitimacy"]
    legit[u[0] < h.leader_death] *= s.legitimacy_kept
    standing = state.numeric["aq_leader_standing"]
    standing[u[1] < h.aq_leader_death] *= s.standing_kept
    is_threat = state.numeric["is_threat"]
    surge = u[2] < h.is_surge
    is_threat[surge] = np.minimum(1.0, is_threat[surge] + s.is_surge_step)
    state.in_power |= state.withdrawn & (u[3] < h.takeover)


def play(params: dict, levers: dict, concept: str, lam: float, u: Array) -> dict[str, NDArray[np.bool_]]:
    """Solve the year's stage game for every trajectory and draw one terminal of it for each."""
    sol = solve(build_game(params, levers), concept, lam)
    keys = list(sol.reach)
    cum = np.cumsum(np.stack([sol.reach[k] for k in keys]), axis=0)
    pick = np.minimum((u[4][None, :] * cum[-1] >= cum).sum(axis=0), len(keys) - 1)
    index = {name: np.array([name in k.split("/") for k in keys]) for name in
             ("keep", "distance", "sever", "split", "attack", "detected", "underground")}
    out = {name: flags[pick] for name, flags in index.items()}
    # An attack is traced to Afghanistan while al-Qaeda is hosted; from underground only sometimes.
    trace = np.asarray(params["sever_trace"]) > u[5]
    out["traced"] = out["attack"] & (~out["sever"] | (out["underground"] & trace))
    return out


def close_year(state: State, played: dict, u: Array, spec: Timeline, year: int, scripted_attack: bool,
               deliver: bool, tally: dict[str, int]) -> YearTally:
    """Carry the year's outcome into the state: Sever, split, retaliation, the deal's fate."""
    alive = ~state.severed
    from_outside = (u[6] < spec.hazards.aq_attack) | scripted_attack   # a hazard or the script
    attack = alive & (played["attack"] | from_outside)
    traced = alive & (played["traced"] | from_outside)
    memory = state.numeric["retaliation_memory"]
    memory[:] = np.where(traced, 1.0, memory * (1 - spec.memory_decay))
    detected = alive & (played["detected"] | (u[7] < spec.hazards.detection))
    signed = state.deal == SIGNED
    by_detection, by_attack = signed & detected & ~traced, signed & traced
    tally["voided_by_detection"] += int(by_detection.sum())
    tally["voided_by_attack"] += int(by_attack.sum())
    state.deal[by_detection | by_attack] = NONE
    if deliver:
        delivering = (state.deal == SIGNED) & alive
        state.deal[delivering] = DELIVERED
        state.withdrawn |= delivering
        tally["delivered"] += int(delivering.sum())
    severs = alive & played["sever"]
    state.sever_year[severs] = year
    state.severed |= severs
    state.split |= alive & played["split"]
    state.numeric["years_together"][~state.severed] += 1
    still = ~state.severed
    return YearTally(int(still.sum()), int((still & played["keep"]).sum()),
                     int((still & played["distance"]).sum()), int(state.split.sum()),
                     int(attack.sum()), int(traced.sum()))


def simulate_chunk(scenario: Scenario, spec: Timeline, years: list[int], params: dict, seed: int,
                   start: int, stop: int, concept: str, lam: float) -> tuple[list[YearTally], Array, dict]:
    """Run trajectories ``start:stop`` through every year."""
    n = stop - start
    state = State.start(params, n, spec, scenario.levers)
    fates = dict.fromkeys(DEAL_FATES, 0)
    tallies = []
    for i, year in enumerate(years):
        u = uniforms(seed, i, start, stop)
        attack, deliver = apply_events([e for e in spec.events if e.year == year], state, fates)
        apply_hazards(u, state, spec)
        levers = year_levers(state, scenario.levers, spec)
        played = play(year_parameters(params, state, spec), levers, concept, lam, u)
        played["sever"] |= state.severed   # Sever is absorbing
        tally = close_year(state, played, u, spec, year, attack, deliver, fates)
        tally.concession, tally.verification, tally.pressure = (
            int(np.rint(levers[k] * FIXED_POINT).astype(np.int64).sum()) for k in LEVER_NAMES)
        tallies.append(tally)
    return tallies, state.sever_year, fates


def project(scenario: Scenario, years: int | None = None, draws: int | None = None, seed: int | None = None,
            solution: str | None = None, lam: float | None = None, *, chunk_size: int = 50_000) -> Projection:
    """Monte Carlo trajectories of the alliance over ``years`` calendar years from the scenario's start."""
    spec = parse_timeline(scenario.timeline, scenario.name)
    span = years if years is not None else default_span(spec)
    if not 1 <= span <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS} (got {span})")
    drawn = sample(scenario, draws, seed)
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
                      np.concatenate([p[1] for p in parts]), fates)


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
