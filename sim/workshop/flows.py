"""What happens in a workshop round: positions checked against the card, adjudicated with the round's
seed and draws, and reported with their Monte Carlo error and the reasons behind them.

A round is adjudicated once, when the facilitator locks it: every team (or, on a card with roles,
every table, whose US, Taliban and al-Qaeda teams play one game together) is solved on the same seed
and number of draws, so two teams with equal positions get equal numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sim.engine.driver import Result, Sample, assemble, sample
from sim.engine.intervals import wilson
from sim.engine.reference import node_sums, outcome_arrays, per_draw_array
from sim.engine.results import Chunk
from sim.engine.runspec import RunSpec
from sim.model.game import build_game, material_net, taliban_terms
from sim.model.solve import node_at, solve
from sim.present.explain import decision_terms, explanation
from sim.spec.numbers import NumberError, read_number
from sim.spec.scenario import Scenario, ScenarioError, load_scenario
from sim.timeline.calibration import (
    CALIBRATED,
    Posterior,
    calibrated_sample,
    prior_differs,
    standard_posterior,
)
from sim.workshop import timeline_round
from sim.workshop.cards import OUTCOMES, Card, Control, load_card
from sim.workshop.shocks import shock_changes
from sim.workshop.store import Round, Store, Submission, Team, Workshop, WorkshopError

DEFAULT_DRAWS = 20_000
MAX_ROUND_DRAWS = 200_000
#: Two-sided 95% normal quantile, for the Wilson intervals.
PREDICTIONS = {"yes": "the criterion will hold", "no": "the criterion will not hold"}


# ----------------------------------------------------------------------------- positions


def check_position(card: Card, role: str | None, form: Mapping[str, Any]) -> dict[str, float | str]:
    """A team's position from a form, every value checked against the card; refused whole, with
    one line per problem, if anything is missing, unknown or out of range."""
    controls = {c.name: c for c in card.controls_for(role)}
    problems = ["a setting this exercise does not have was sent" for k in form if k not in controls][:1]
    position: dict[str, float | str] = {}
    for name, control in controls.items():
        value, problem = _control_value(control, form.get(name))
        if problem:
            problems.append(f"{control.label}: {problem}")
        else:
            position[name] = value
    if problems:
        raise WorkshopError("The position was not recorded:\n" + "\n".join(f"- {p}" for p in problems))
    return position


def _control_value(control: Control, value: Any) -> tuple[Any, str | None]:
    if control.options is not None:
        return (value, None) if isinstance(value, str) and value in control.options else (
            None, f"choose one of {', '.join(control.options)}")
    try:
        number = read_number(value)
    except NumberError:
        return None, "a number is needed"
    if not control.low <= number <= control.high:
        return None, f"must be between {control.low:g} and {control.high:g}"
    return number, None


def check_prediction(prediction: Any) -> str:
    if prediction not in PREDICTIONS:
        raise WorkshopError("The position was not recorded: choose your prediction, yes or no.")
    return prediction


def submit(store: Store, team: Team, token: str, form: Mapping[str, Any], prediction: Any) -> Submission:
    """Check a team's position against its card, then record it for the open round."""
    card = load_card(store.card_of(team.workshop))
    return store.submit(team, token, check_position(card, team.role, form), check_prediction(prediction))


# ----------------------------------------------------------------------------- the game of a round


def round_scenario(card: Card, positions: Mapping[str, float | str], shocks: list[str]
                   ) -> tuple[Scenario, dict[str, str]]:
    """The card's scenario under the shocks and the positions, and the moves they force."""
    changes: dict[str, Any] = {**card.setup, **shock_changes(shocks)}
    if card.timeline is not None:
        changes["timeline"] = card.timeline_raw()
    forced: dict[str, str] = {}
    for control in card.controls:
        value = positions.get(control.name, control.start)
        if control.options is None:
            changes[control.path] = float(value)
        else:
            changes.update(control.options[value].changes)
            forced.update(control.options[value].forced)
    try:
        return _preset(card.preset).updated(changes), forced
    except ScenarioError as exc:
        raise WorkshopError("This position does not make a valid scenario:\n"
                            + "\n".join(f"- {p.path}: {p.message}" for p in exc.problems)) from None


@cache
def _preset(name: str) -> Scenario:
    """A preset, parsed once per process (the YAML parse costs more than a small round's solve)."""
    return load_scenario(name)


def solve_round(scenario: Scenario, seed: int, draws: int, forced: Mapping[str, str],
                posterior: Posterior | None = None) -> tuple[Result, Any]:
    """The SPE of every draw with the forced moves announced; also returns the draws' parameters.
    With a ``posterior``, the draws are its resample's (as ``run --calibrated``; ``draws`` is then
    theirs, and the intervals are on its effective draws), the parameters the position sets apart from
    the calibration's prior kept as set."""
    drawn = sample(scenario, draws, seed) if posterior is None else round_sample(scenario, posterior, seed)
    draws = drawn.draws
    game = build_game(drawn.params, scenario.levers)
    sol = solve(game, "spe", forced=forced)
    out = outcome_arrays(sol, game, drawn.params)
    out["material_net"] = material_net(taliban_terms(drawn.params, scenario.levers))
    per_draw = {k: per_draw_array(v, draws) for k, v in out.items()}
    chunk = Chunk(per_draw, node_sums(sol, draws), tuple(sol.reach))
    spec = RunSpec(scenario, draws, seed, drawn.sampler, "spe", 0.0)
    return assemble(spec, [chunk], effective_draws=drawn.effective_draws), drawn.params


def round_sample(scenario: Scenario, posterior: Posterior, seed: int) -> Sample:
    """A calibrated round's draws: the posterior's resample, except the parameters the card or the
    team's position set apart from the calibration's prior, which stay as set."""
    return calibrated_sample(scenario, posterior, seed, keep_own=True)


def model_named(posterior: Posterior | None, scenario: Scenario) -> dict[str, Any]:
    """What a calibrated result says of the model it was adjudicated with (a result without it is the
    prior's, as every result was before the choice: the reference outputs stay as they were)."""
    if posterior is None:
        return {}
    return {"model": CALIBRATED, "model_label": posterior.label(),
            "own_parameters": prior_differs(scenario, posterior)}


def adjudicate(card: Card, positions: Mapping[str, float | str], shocks: list[str], seed: int, draws: int,
               posterior: Posterior | None = None) -> dict[str, Any]:
    """One game's result as plain data: outcome shares with 95% Wilson intervals, the criterion and
    its verdict, the reasons, and (stage game) expected utilities and for each forced move what the
    model would have chosen, or (timeline card) the yearly path. With a ``posterior`` (a calibrated
    workshop), on its resample: its rows are the draws (trajectories), whatever ``draws`` says."""
    if draws > max_draws(card):
        raise WorkshopError(f"At most {max_draws(card):,} draws per team for this card.")
    scenario, forced = round_scenario(card, positions, shocks)
    if posterior is not None:
        draws = posterior.rows.shape[0]
    if card.timeline is None:
        body = _stage_result(scenario, seed, draws, forced, posterior)
    else:
        same = all(positions.get(c.name, c.start) == c.start for c in card.controls)
        reference = None if same else _starting_share(card.model_dump_json(), tuple(shocks), seed, draws,
                                                      posterior is not None)
        body = timeline_round.judge(card, _projection(card, scenario, seed, draws, posterior), reference)
    return {"positions": dict(positions), "shocks": list(shocks), "seed": seed, "draws": draws, **body,
            "criterion": card.criterion, "verdict": _verdict(card, body["outcomes"][card.outcome]),
            **model_named(posterior, scenario)}


def _projection(card: Card, scenario: Scenario, seed: int, draws: int, posterior: Posterior | None):
    drawn = None if posterior is None else round_sample(scenario, posterior, seed)
    return timeline_round.projection(card, scenario, seed, draws, drawn)


def _stage_result(scenario: Scenario, seed: int, draws: int, forced: Mapping[str, str],
                  posterior: Posterior | None = None) -> dict[str, Any]:
    result, params = solve_round(scenario, seed, draws, forced, posterior)
    outcomes = {}
    for name in OUTCOMES:
        share = result.per_draw[name]
        # on a posterior's resample, the interval of its effective draws (sim.engine.intervals)
        low, high = wilson(float(share.sum()), draws) if posterior is None else result.interval(name).pair()
        outcomes[name] = {"mean": float(share.mean()), "low": low, "high": high}
    return {
        "outcomes": outcomes,
        "expected_utility": {pl: {"mean": e.mean, "stderr": e.stderr}
                             for pl, e in result.expected_utility.items()},
        "why": explanation(result, decision_terms(params, scenario.levers, result)),
        "model_choice": _model_choice(scenario, seed, draws, forced, posterior) if forced else {},
        "forced": forced,
    }


@lru_cache(maxsize=4)
def _starting_share(card_json: str, shocks: tuple[str, ...], seed: int, draws: int,
                    calibrated: bool = False) -> dict[str, float]:
    """A timeline card's criterion share at its starting position (on the standard posterior if
    ``calibrated``): one projection per round, shared by every team that moved from it."""
    card = Card.model_validate_json(card_json)
    scenario, _ = round_scenario(card, {}, list(shocks))
    pr = _projection(card, scenario, seed, draws, standard_posterior() if calibrated else None)
    return timeline_round.outcomes(card, pr)[card.outcome]


def _verdict(card: Card, share: Mapping[str, float]) -> str:
    """'met' or 'not met' when the whole interval is on one side of the threshold, else 'too close'."""
    above, below = share["low"] >= card.threshold, share["high"] < card.threshold
    if not (above or below):
        return "too close to call"
    return "met" if above == (card.goal == "at_least") else "not met"


def _model_choice(scenario: Scenario, seed: int, draws: int, forced: Mapping[str, str],
                  posterior: Posterior | None = None) -> dict[str, dict]:
    """What the model's player would have done at each forced node, with nothing forced."""
    free, _ = solve_round(scenario, seed, draws, {}, posterior)
    return {path: dict(zip(node_at(path).actions, free.behaviour[path], strict=True)) for path in forced}


# ----------------------------------------------------------------------------- a round's units


@dataclass(frozen=True)
class Unit:
    """The teams that play one game: one team, or a table's US, Taliban and al-Qaeda teams."""

    teams: tuple[Team, ...]
    positions: dict[str, float | str]


def units(card: Card, teams: list[Team], latest: Mapping[int, Submission]) -> list[Unit]:
    """The games of a round: every team that submitted, grouped by table on a card with roles."""
    played = [t for t in teams if t.id in latest]
    if not card.roles:
        return [Unit((t,), latest[t.id].position) for t in played]
    tables: dict[int, list[Team]] = {}
    for t in played:
        tables.setdefault(t.table, []).append(t)
    return [Unit(tuple(members), {k: v for t in members for k, v in latest[t.id].position.items()})
            for _, members in sorted(tables.items())]


def shocks_in_round(store: Store, workshop: Workshop, number: int) -> list[str]:
    return [key for key, start in store.shocks(workshop.id) if start <= number]


def lock_and_adjudicate(store: Store, workshop: Workshop) -> Round:
    """Lock the open round and store every team's result."""
    locked = store.lock_round(workshop.id)
    adjudicate_round(store, workshop, locked)
    return locked


def adjudicate_round(store: Store, workshop: Workshop, rnd: Round) -> None:
    """(Re)compute and store the results of a locked round; idempotent."""
    card = load_card(workshop.card)
    latest = store.latest_submissions(workshop.id, rnd.number)
    shocks = shocks_in_round(store, workshop, rnd.number)
    posterior = standard_posterior() if workshop.model == CALIBRATED else None
    out: dict[int, dict[str, Any]] = {}
    for unit in units(card, store.teams(workshop.id), latest):
        result = adjudicate(card, unit.positions, shocks, rnd.seed, rnd.draws, posterior)
        for team in unit.teams:
            right = _prediction_right(latest[team.id].prediction, result["verdict"])
            out[team.id] = {**result, "prediction": latest[team.id].prediction, "prediction_right": right,
                            "table_teams": [t.name for t in unit.teams]}
    store.save_results(rnd.number, out)


def _prediction_right(prediction: str, verdict: str) -> bool | None:
    if verdict == "too close to call":
        return None
    return (prediction == "yes") == (verdict == "met")


def max_draws(card: Card) -> int:
    """Draws per team a round may ask for: a timeline card's are trajectories, each run for every year."""
    return MAX_ROUND_DRAWS if card.timeline is None else timeline_round.max_trajectories(card)


def draws_for(requested: int, card: Card) -> int:
    if not 1_000 <= requested <= max_draws(card):
        raise WorkshopError(f"Draws per team must be between 1,000 and {max_draws(card):,} for this card.")
    return int(requested)

