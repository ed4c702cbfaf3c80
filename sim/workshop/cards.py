"""Exercise cards: the briefing, the question, what teams control and how the model judges success.

A card is a YAML file in ``exercises/``, read with the safe loader after a size check and validated
with pydantic. What teams control is either a number (a lever or a parameter, within a range the card
sets inside the catalogue's) or a choice among named options; an option is a set of scenario changes
(a lens: parameters set to 0, say) and/or forced moves (``{node path: action}``, a role's announced
choice, see :func:`sim.model.solve.solve`).

A card with a ``timeline:`` section is judged over years instead of in one stage game: the round's
scenario is projected year by year (:func:`sim.timeline.project`) with the card's scripted events,
and the outcome is the share of trajectories severed (or still allied) by a given year.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.model.solve import node_at
from sim.spec.parameters import LEVERS, PARAMETERS
from sim.spec.scenario import ScenarioError, load_scenario, preset_names
from sim.spec.timeline_section import Event, Hazards, parse_timeline
from sim.timeline.engine import MAX_YEARS
from sim.workshop.shocks import SHOCKS

EXERCISE_DIR = Path(__file__).resolve().parents[2] / "exercises"
MAX_CARD_BYTES = 64 * 1024
ROLES = {"us": "US negotiators", "taliban": "Taliban leadership council", "al_qaeda": "Al-Qaeda"}
OUTCOMES = ("keep", "distance", "sever", "split", "deal")
#: An outcome's name on a student's screen, where the model's differs (Keep / Pledge / Sever).
STUDENT_WORDS = {"distance": "pledge", "deal": "sever or unexposed pledge"}
#: What a timeline card judges: the share of trajectories severed by its year, or still allied then.
TIMELINE_OUTCOMES = ("severed", "allied")
MAX_LEVEL = 7
MAX_CARD_EVENTS = 20


class CardError(ValueError):
    """A card that cannot be used, with one line per problem."""


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, float] = Field(default_factory=dict)
    forced: dict[str, str] = Field(default_factory=dict)


class Control(BaseModel):
    """One thing a team sets: a number at ``path`` in [low, high], or one of ``options``."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    label: str = Field(max_length=80)
    help: str = Field(default="", max_length=400)
    role: Literal["us", "taliban", "al_qaeda"] = "us"
    path: str | None = None
    low: float = 0.0
    high: float = 1.0
    step: float = Field(default=0.05, gt=0)
    default: float | str | None = None
    options: dict[str, Option] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Control:
        if (self.path is None) == (self.options is None):
            raise ValueError("give either a path (a number) or options (a choice), not both")
        if self.path is not None:
            low, high = _bounds(self.path)
            if not low <= self.low < self.high <= high:
                raise ValueError(f"range [{self.low}, {self.high}] must lie inside [{low}, {high}]")
        else:
            for label, option in self.options.items():
                for node, action in option.forced.items():
                    if node_at(node) is None or action not in node_at(node).actions:
                        raise ValueError(f"option {label!r}: no decision node {node!r} with "
                                         f"action {action!r}")
        return self

    @property
    def start(self) -> float | str:
        if self.default is not None:
            return self.default
        return next(iter(self.options)) if self.options else self.low


HazardName = Literal[tuple(Hazards.model_fields)]


class TimelineSection(BaseModel):
    """How a timeline card is projected: its span, the year its criterion reads, the solution
    concept, and scripted events and hazards added to the preset's own."""

    model_config = ConfigDict(extra="forbid")
    years: int = Field(ge=1, le=MAX_YEARS)
    by: int | None = None
    solution: Literal["spe", "qre"] = "spe"
    events: list[Event] = Field(default_factory=list, max_length=MAX_CARD_EVENTS)
    hazards: dict[HazardName, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=100)
    level: int = Field(ge=1, le=MAX_LEVEL)
    minutes: int = Field(ge=5, le=90)
    preset: str
    setup: dict[str, float] = Field(default_factory=dict)
    briefing: str = Field(max_length=3000)
    question: str = Field(max_length=500)
    controls: list[Control] = Field(min_length=1, max_length=8)
    roles: list[Literal["us", "taliban", "al_qaeda"]] = Field(default_factory=list)
    outcome: Literal["keep", "distance", "sever", "split", "deal", "severed", "allied"]
    goal: Literal["at_least", "at_most"] = "at_least"
    threshold: float = Field(ge=0, le=1)
    rank_by: str | None = None
    shocks: list[str] = Field(default_factory=list)
    debrief: str = Field(max_length=3000)
    section: str = Field(max_length=120)
    timeline: TimelineSection | None = None

    @model_validator(mode="after")
    def _outcome_fits(self) -> Card:
        if self.timeline is None and self.outcome in TIMELINE_OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is judged over years: add a timeline section")
        if self.timeline is not None:
            if self.outcome not in TIMELINE_OUTCOMES:
                raise ValueError(f"a timeline card judges {' or '.join(TIMELINE_OUTCOMES)}, "
                                 f"not {self.outcome!r}")
            if self.roles or any(o.forced for c in self.controls for o in (c.options or {}).values()):
                raise ValueError("a timeline card cannot force moves or seat roles: "
                                 "the timeline solves every year's game whole")
        return self

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The shares a round reports, the criterion's among them."""
        return TIMELINE_OUTCOMES if self.timeline else OUTCOMES

    def outcome_label(self, name: str) -> str:
        """``severed by 2030`` on a timeline card, the outcome's own name otherwise, in the students'
        words (``distance`` is the pledge)."""
        name = STUDENT_WORDS.get(name, name)
        return f"{name} by {self.timeline_by}" if self.timeline else name

    @property
    def timeline_by(self) -> int | None:
        """The calendar year a timeline card's criterion reads (its last year unless it says)."""
        if self.timeline is None:
            return None
        return self.timeline.by or self.timeline_start + self.timeline.years - 1

    @property
    def timeline_start(self) -> int:
        return parse_timeline(self.timeline_raw(), self.preset).start

    def timeline_raw(self) -> dict[str, Any]:
        """The ``timeline:`` section of the card's scenario: the preset's, with the card's scripted
        events added (in year order) and its hazards overriding the preset's."""
        raw = copy.deepcopy(_preset_timeline(self.preset))
        events = raw.get("events", []) + [e.model_dump(exclude_defaults=True) for e in self.timeline.events]
        raw["events"] = sorted(events, key=lambda e: e["year"])
        raw["hazards"] = {**raw.get("hazards", {}), **self.timeline.hazards}
        return raw

    @property
    def criterion(self) -> str:
        sign = "at least" if self.goal == "at_least" else "at most"
        return f"P({self.outcome_label(self.outcome)}) {sign} {self.threshold:.0%}"

    def controls_for(self, role: str | None) -> list[Control]:
        """The controls a team in ``role`` sets (all of them on a card without roles)."""
        return [c for c in self.controls if not self.roles or c.role == role]


def _bounds(path: str) -> tuple[float, float]:
    kind, _, name = path.partition(".")
    if kind == "levers" and name in LEVERS:
        return 0.0, 1.0
    if kind == "parameters" and name in PARAMETERS:
        return PARAMETERS[name].low, PARAMETERS[name].high
    raise ValueError(f"{path!r} is neither levers.<lever> nor parameters.<parameter>")


def parse_card(text: str, source: str) -> Card:
    """Validate a card's YAML text; :class:`CardError` names the file and every problem."""
    if len(text.encode("utf-8")) > MAX_CARD_BYTES:
        raise CardError(f"{source}: larger than {MAX_CARD_BYTES // 1024} KB")
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CardError(f"{source}: not valid YAML ({exc})") from None
    try:
        card = Card.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{source}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise CardError("\n".join(lines)) from None
    _check_scenario(card, source)
    return card


def _check_scenario(card: Card, source: str) -> None:
    problems = []
    if card.preset not in preset_names():
        problems.append(f"preset: no preset {card.preset!r}")
    problems += [f"shocks: no shock {s!r}" for s in card.shocks if s not in SHOCKS]
    problems += [f"roles: no control for role {r!r}" for r in card.roles if not card.controls_for(r)]
    if card.rank_by is not None and card.rank_by not in {c.name for c in card.controls}:
        problems.append(f"rank_by: no control {card.rank_by!r}")
    if not problems:
        try:
            load_scenario(card.preset, card.setup)
        except ScenarioError as exc:
            problems += [f"setup: {p.path}: {p.message}" for p in exc.problems]
    if not problems and card.timeline is not None:
        problems += _timeline_problems(card)
    if problems:
        raise CardError("\n".join(f"{source}: {p}" for p in problems))


@cache
def _preset_timeline(preset: str) -> dict[str, Any]:
    """A preset's own ``timeline:`` section (empty if it has none), read once per process."""
    return load_scenario(preset).timeline or {}


def _timeline_problems(card: Card) -> list[str]:
    """The card's events must fit its preset's timeline, and its criterion year its span."""
    try:
        load_scenario(card.preset, {"timeline": card.timeline_raw()})
    except ScenarioError as exc:
        return [f"{p.path}: {p.message}" for p in exc.problems]   # the path starts with timeline.
    first, last = card.timeline_start, card.timeline_start + card.timeline.years - 1
    if not first <= card.timeline_by <= last:
        return [f"timeline.by: {card.timeline_by} is outside the projected years {first}-{last}"]
    return []


def card_ids() -> list[str]:
    return sorted(p.stem for p in EXERCISE_DIR.glob("*.yaml"))


@cache
def load_card(card_id: str) -> Card:
    """A shipped card by its file name (without ``.yaml``)."""
    if card_id not in card_ids():
        raise CardError(f"no exercise card {card_id!r}")
    path = EXERCISE_DIR / f"{card_id}.yaml"
    return parse_card(path.read_text(encoding="utf-8"), path.name)
