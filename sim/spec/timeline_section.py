"""The ``timeline:`` section of a scenario file: the starting year, yearly hazards and scripted events.

A scenario without the section is still a timeline scenario: it starts in its own year (the year in
its name, else 2018) with the default hazards and no scripted events. Validation errors name the
file and the dotted path (``timeline.events[2].set.is_threat``), like the rest of the scenario.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.spec.parameters import PARAMETERS

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
FIRST_YEAR, LAST_YEAR = 1900, 2200
MAX_EVENTS = 200
#: The numeric state a year's stage game reads from its parameters (range: the parameter catalogue):
#: the brief's list, plus the founders' bond, al-Qaeda's money, what a pledge would buy and what the
#: break is worth held back as a chip, which change with the era (1990s in power, the insurgency,
#: talks in prospect: the chip is worth little with no talks to trade it in).
NUMERIC_STATE = ("years_together", "leader_legitimacy", "aq_leader_standing", "bayat_public",
                 "haqqani_rank", "is_threat", "retaliation_memory", "personal_ties", "aq_money",
                 "pledge_relief", "chip_value")
#: The state that is a choice between two words, and its two words (the first is 0, the second 1).
WORD_STATE = {"governs": ("insurgency", "in_power"), "us_posture": ("present", "withdrawn")}
Probability = float


class Hazards(BaseModel):
    """Yearly probabilities of random events, independent across years and trajectories."""

    model_config = _STRICT
    leader_death: Probability = Field(0.04, ge=0, le=1)        # the Taliban leader dies; a successor
    aq_leader_death: Probability = Field(0.04, ge=0, le=1)     # al-Qaeda's leader dies
    aq_attack: Probability = Field(0.02, ge=0, le=1)           # an attack abroad traced to Afghanistan
    is_surge: Probability = Field(0.05, ge=0, le=1)            # IS-Khorasan grows stronger
    detection: Probability = Field(0.05, ge=0, le=1)           # covert ties behind a deal exposed
    takeover: Probability = Field(0.3, ge=0, le=1)             # the Taliban take power once the US is gone
    revelation: Probability = Field(0.0, ge=0, le=1)           # a leader's death revealed: a succession
    haqqani_rise: Probability = Field(0.0, ge=0, le=1)         # the Haqqanis' rank rises a step


#: The hazards a scripted event can also make happen in its year (``leader_death: true``): the same
#: consequences as the random draw. An al-Qaeda attack is scripted as ``attack: true``.
SCRIPTABLE = ("detection", "leader_death", "aq_leader_death", "is_surge", "takeover", "revelation",
              "haqqani_rise")
#: The US levers an event can set from its year on (the concession is offered, not set).
SCRIPTED_LEVERS = ("pressure", "verification")


class Succession(BaseModel):
    """What a death (or its revelation) does to the state: the successor's legitimacy and al-Qaeda's
    leader's standing as multipliers of the standing before it; what belongs to the person reset (a
    succession leaves al-Qaeda's pledge to the new leader not yet publicly accepted, and either
    leader's death ends the founders' personal ties); the steps of an IS surge and a Haqqani rise."""

    model_config = _STRICT
    legitimacy_kept: float = Field(0.7, ge=0, le=1)
    standing_kept: float = Field(0.7, ge=0, le=1)
    is_surge_step: float = Field(0.15, ge=0, le=1)
    bayat_public: float = Field(0.0, ge=0, le=1)       # the pledge's public acceptance after a succession
    haqqani_step: float = Field(0.2, ge=0, le=1)


class Split(BaseModel):
    """What a split-off faction does in later years: it weakens the leadership (legitimacy times
    ``legitimacy_kept`` the year it splits) and can host al-Qaeda (after a Sever al-Qaeda hides with it
    unexposed). Model assumptions: the article names the risk of fragmentation (Negotiations ¶4) and
    the Haqqanis' protection (Taliban costs ¶7), not these sizes."""

    model_config = _STRICT
    legitimacy_kept: float = Field(0.85, ge=0, le=1)
    hosts_al_qaeda: bool = True


class Credibility(BaseModel):
    """What a promise is worth before it is paid: the share of an offer's value the Taliban counts
    while it is offered, and once signed (the model's own assumption, not the article's)."""

    model_config = _STRICT
    offered: float = Field(0.9, ge=0, le=1)
    signed: float = Field(0.98, ge=0, le=1)

    @model_validator(mode="after")
    def _rises_with_signature(self) -> Credibility:
        if self.signed < self.offered:
            raise ValueError(f"signed: {self.signed} is below offered ({self.offered}); a signature "
                             "cannot make a promise less credible")
        return self


class AfterDelivery(BaseModel):
    """The US withdrawn, and what a government can still be offered (recognition, relief, aid)."""

    model_config = _STRICT
    offer: float = Field(0.3, ge=0, le=1)              # the government offer on the table afterwards
    value_share: float = Field(0.4, ge=0, le=1)        # worth of a government's wants vs a withdrawal
    verification_share: float = Field(0.3, ge=0, le=1)  # monitoring left without a presence
    pressure_share: float = Field(0.0, ge=0, le=1)      # military pressure left
    trace: float = Field(0.5, ge=0, le=1)               # chance an attack abroad is traced to Afghanistan


class Offer(BaseModel):
    """A US offer and its terms: what the Taliban must do for it. ``sever`` (the default: the article
    doubts the US would settle for less, Negotiations ¶1) is met by a Sever; ``pledge`` by a Sever or
    by a public pledge in a year with no detection of covert ties and no attack traced to Afghanistan."""

    model_config = _STRICT
    concession: float = Field(ge=0, le=1)
    verification: float | None = Field(None, ge=0, le=1)
    terms: Literal["sever", "pledge"] = "sever"


class Ultimatum(BaseModel):
    """A demand to hand al-Qaeda's leader over, backed by a threat of invasion, as after September 11
    (Intro ¶1; Taliban costs ¶1; the threat is public record, not the article's). In its year nothing
    is offered; a Keep or a pledge (which hands no one over) bears the threat in full, a Sever
    complies. The threat is the scenario's ``pressure_cost`` at full pressure unless given here."""

    model_config = _STRICT
    threat: float | None = Field(None, ge=0, le=3)   # what invasion and the regime's fall cost


class Event(BaseModel):
    """One scripted event: a calendar year and what happens in it (applied before that year's play)."""

    model_config = _STRICT
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    set: dict[str, float | str] = {}
    offer: Offer | None = None
    sign: bool = False
    deliver: bool = False
    attack: bool = False          # an al-Qaeda attack abroad traced to Afghanistan, with US retaliation
    detection: bool = False       # covert ties exposed (the hazards below, scripted for this year)
    leader_death: bool = False
    aq_leader_death: bool = False
    is_surge: bool = False
    takeover: bool = False
    revelation: bool = False
    haqqani_rise: bool = False
    hazards: dict[str, float] = {}   # this year's probabilities, for this year alone
    ultimatum: Ultimatum | None = None
    levers: dict[str, float] = {}    # pressure, verification: from this year on
    note: str = Field("", max_length=1_000)
    section: str = Field("", max_length=1_000)

    @model_validator(mode="after")
    def _known_state(self) -> Event:
        for key, value in self.set.items():
            if key in WORD_STATE:
                if value not in WORD_STATE[key]:
                    raise ValueError(f"set.{key}: {value!r} is not one of {', '.join(WORD_STATE[key])}")
            elif key in NUMERIC_STATE:
                info = PARAMETERS[key]
                if isinstance(value, str) or not info.low <= value <= info.high:
                    raise ValueError(f"set.{key}: {value!r} is outside the allowed range "
                                     f"[{info.low}, {info.high}]")
            else:
                known = ", ".join((*NUMERIC_STATE, *WORD_STATE))
                raise ValueError(f"set.{key}: unknown state variable (known: {known})")
        for key, value in self.hazards.items():
            if key not in Hazards.model_fields:
                raise ValueError(f"hazards.{key}: unknown hazard (known: {', '.join(Hazards.model_fields)})")
            if isinstance(value, bool) or not 0 <= value <= 1:
                raise ValueError(f"hazards.{key}: {value!r} is not a probability in [0, 1]")
        for key, value in self.levers.items():
            if key not in SCRIPTED_LEVERS:
                raise ValueError(f"levers.{key}: not a lever an event can set (known: "
                                 f"{', '.join(SCRIPTED_LEVERS)}; a concession is an offer)")
            if isinstance(value, bool) or not 0 <= value <= 1:
                raise ValueError(f"levers.{key}: {value!r} is outside [0, 1]")
        return self

    def describe(self) -> str:
        """What the event does, in a few words (the timeline's text and the survival chart's marks)."""
        words = []
        if self.offer is not None:
            words.append(f"offer {self.offer.concession:g} ({self.offer.terms} terms)")
        flags = (("signature due", self.sign), ("delivery due", self.deliver), ("attack", self.attack),
                 ("ultimatum", self.ultimatum is not None))
        words += [w for w, on in flags if on]
        words += [k.replace("_", " ") for k in SCRIPTABLE if getattr(self, k)]
        if self.set:
            words.append("set " + ", ".join(self.set))
        if self.levers:
            words.append("levers " + ", ".join(f"{k} {v:g}" for k, v in self.levers.items()))
        if self.hazards:
            words.append("hazards " + ", ".join(f"{k} {v:g}" for k, v in self.hazards.items()))
        return "; ".join(words)

    def year_hazards(self, base: Hazards) -> Hazards:
        """The hazards of this event's year: ``base``, overridden by the event's ``hazards``, with each
        hazard scripted to happen (``leader_death: true``) at probability 1."""
        changes = {**self.hazards, **{k: 1.0 for k in SCRIPTABLE if getattr(self, k)}}
        if self.attack:
            changes["aq_attack"] = 1.0
        return base.model_copy(update=changes) if changes else base


MAX_OBSERVATIONS = 200
POSTURES = ("keep", "distance", "not_sever", "sever")


class Observation(BaseModel):
    """What the record shows of one year (``record:`` in the timeline section), each part optional:
    the Taliban's public ``posture`` (``keep``; ``distance``, a public pledge at arm's length; only
    ``not_sever``, the alliance not broken; or ``sever``, which ends the record), whether al-Qaeda
    launched an ``attack`` abroad traced to Afghanistan, whether a faction ``split`` off.
    ``section`` cites the article; ``public_record`` lists the parts that are not the article's but
    the public record's (``section`` names the record then)."""

    model_config = _STRICT
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    posture: Literal["keep", "distance", "not_sever", "sever"] | None = None
    attack: bool | None = None
    split: bool | None = None
    #: The parts the article does not give, taken from the public record (``section`` names it).
    public_record: list[Literal["posture", "attack", "split"]] = Field([], max_length=3)
    section: str = Field(min_length=1, max_length=1_000)
    note: str = Field("", max_length=1_000)

    @model_validator(mode="after")
    def _observes(self) -> Observation:
        if self.posture is None and self.attack is None and self.split is None:
            raise ValueError("an observation names at least one of posture, attack, split")
        return self


class Timeline(BaseModel):
    model_config = _STRICT
    start: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    years: int | None = Field(None, ge=1, le=60)
    memory_decay: float = Field(0.3, ge=0, le=1)       # share of the memory of retaliation lost a year
    in_power_isolation: float = Field(0.4, ge=0, le=2)  # a government's extra cost of hosting al-Qaeda
    in_power_haven: float = Field(0.5, ge=0, le=2)      # a haven held, not only in prospect (Intro ¶5)
    sever_absorbing: bool = True                        # off: a severed trajectory may ally again
    split: Split = Split()
    state: dict[str, str] = {}
    hazards: Hazards = Hazards()
    succession: Succession = Succession()
    credibility: Credibility = Credibility()
    after_delivery: AfterDelivery = AfterDelivery()
    events: list[Event] = Field([], max_length=MAX_EVENTS)
    #: What was observed, year by year (optional; read by :mod:`sim.timeline.calibration`).
    record: list[Observation] = Field([], max_length=MAX_OBSERVATIONS)

    @model_validator(mode="after")
    def _in_order(self) -> Timeline:
        seen = [o.year for o in self.record]
        for i, (a, b) in enumerate(zip(seen, seen[1:], strict=False)):
            if b <= a:
                raise ValueError(f"record[{i + 1}].year: {b} comes after {a}; one observation a year, "
                                 "in year order")
        if any(o.posture == "sever" for o in self.record[:-1]):
            raise ValueError("record: a Sever ends the alliance: it can only be the last observation")
        for key, value in self.state.items():
            if key not in WORD_STATE or value not in WORD_STATE[key]:
                raise ValueError(f"state.{key}: {value!r} is not a known starting state "
                                 f"({', '.join(f'{k}: {v}' for k, v in WORD_STATE.items())})")
        years = [e.year for e in self.events]
        for i, (a, b) in enumerate(zip(years, years[1:], strict=False)):
            if b < a:
                raise ValueError(f"events[{i + 1}].year: {b} comes after {a}; list events in year order")
        delivered = [e.year for e in self.events if e.deliver]
        for i, e in enumerate(self.events):
            if e.offer is not None and delivered and e.year > delivered[0]:
                raise ValueError(f"events[{i}].offer: a concession delivered in {delivered[0]} "
                                 "cannot be offered again")
        return self


def timeline_problems(raw: Any, name: str) -> list[tuple[str, str]]:
    """(dotted path under ``timeline``, message) for each fault of a raw ``timeline:`` section of the
    scenario called ``name``."""
    try:
        spec = Timeline.model_validate(raw)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
            out.append((f"timeline{loc}", err["msg"].removeprefix("Value error, ")))
        return out
    start = default_start(name, spec)
    out = [(f"timeline.events[{i}].year", f"{e.year} is before the timeline's start, {start}")
           for i, e in enumerate(spec.events) if e.year < start]
    end = start + (spec.years or 60) - 1
    out += [(f"timeline.record[{i}].year", f"{o.year} is outside the timeline's years, {start}-{end}")
            for i, o in enumerate(spec.record) if not start <= o.year <= end]
    return out


def parse_timeline(raw: Any, name: str) -> Timeline:
    """The validated section (the default one when ``raw`` is ``None``), with its start year set."""
    spec = Timeline.model_validate(raw or {})
    return spec.model_copy(update={"start": default_start(name, spec)})


def default_start(name: str, spec: Timeline) -> int:
    """The section's ``start``, else the year a preset's name carries (``baseline-2018``), else the
    first event's year, else 2018."""
    if spec.start is not None:
        return spec.start
    found = re.search(r"(19|20)\d\d", name)
    if found:
        return int(found.group())
    return spec.events[0].year if spec.events else 2018
