"""The Over time page's settings in its address, so a copied link restores the view.

Plain data in and out (no Streamlit): ``from_query`` keeps only valid settings and names the rest;
``to_query`` writes the settings that differ from the page's defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from sim.app.timeline_editor import COLUMN_BY_KEY, Column, events_to_rows, rows_to_events
from sim.present.settings import shown
from sim.spec.numbers import NumberError, read_number, read_whole
from sim.spec.scenario import MAX_FILE_BYTES, ScenarioError, load_scenario, parse_yaml, printable
from sim.spec.timeline_section import MAX_EVENTS, Event
from sim.timeline import parse_timeline
from sim.timeline.engine import MAX_YEARS

#: The page's query keys (the scenario page leaves them alone).
KEYS = ("ot_scenario", "ot_years", "ot_draws", "ot_solution", "ot_events")
TRAJECTORIES = (500, 1_000, 2_000, 5_000, 10_000, 20_000)
SOLUTIONS = ("spe", "qre")


@dataclass(frozen=True)
class OverTimeLink:
    settings: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def from_query(query: Mapping[str, str], scenarios: list[str]) -> OverTimeLink:
    """The page's settings named in ``query``; anything out of range is dropped and named."""
    settings: dict[str, object] = {}
    problems: list[str] = []
    checks = {
        "ot_scenario": lambda t: t if t in scenarios else None,
        "ot_years": lambda t: _whole(t, 1, MAX_YEARS),
        "ot_draws": lambda t: value if (value := _whole(t, 1, max(TRAJECTORIES))) in TRAJECTORIES else None,
        "ot_solution": lambda t: t if t in SOLUTIONS else None,
    }
    for key, check in checks.items():
        if key not in query:
            continue
        text = str(query[key])[:40]
        value = check(text)
        if value is None:
            problems.append(f"{key}={shown(text)} ignored: not one of the page's choices")
        else:
            settings[key] = value
    return OverTimeLink(settings, problems)


def _whole(text: str, low: int, high: int) -> int | None:
    try:
        return read_whole(text, low, high)
    except NumberError:
        return None


def to_query(scenario: str, years: int, draws: int, solution: str) -> dict[str, str]:
    return {"ot_scenario": scenario, "ot_years": str(years), "ot_draws": str(draws), "ot_solution": solution}


# -- the scripted events in the link -------------------------------------------------------------------------
#
# ``ot_events`` holds the table's events when they differ from the scenario's own, one token per filled
# cell, tokens joined by ``~`` (a character a link carries as it is): a column's code, then its value
# (``y2019~o0.5~t1~sg~y2020~dl``). A year starts an event; a yes/no column is its code alone; a choice
# is the index of its option; a number is written as Python writes it (``0.35``, ``1e-05``) and read
# back by :func:`sim.spec.numbers.read_number`. Notes and sources stay out of the link (the YAML keeps
# them): an event the link brings back unchanged gets its note back from the scenario's own.

EVENTS_KEY = "ot_events"
#: The longest ``ot_events`` read (checked before anything is parsed), about 200 events of a few cells.
MAX_EVENTS_CHARS = 6_000
#: The most faults of a link named (the rest counted).
MAX_LINK_PROBLEMS = 5
#: Each column's code in the link (every column of the table but the note and the source).
CODES = {
    "year": "y", "offer": "o", "verification": "v", "terms": "t", "sign": "sg", "deliver": "dl",
    "attack": "at", "detection": "dt", "leader_death": "ld", "aq_leader_death": "ad", "is_surge": "is",
    "takeover": "tk", "revelation": "rv", "haqqani_rise": "hr", "ultimatum": "u", "threat": "ut",
    "set.years_together": "yt", "set.leader_legitimacy": "ll", "set.aq_leader_standing": "as",
    "set.bayat_public": "bp", "set.haqqani_rank": "hq", "set.is_threat": "it",
    "set.retaliation_memory": "rm", "set.personal_ties": "pt", "set.aq_money": "am",
    "set.pledge_relief": "pr", "set.chip_value": "cv", "set.governs": "gv", "set.us_posture": "us",
    "hazard.leader_death": "hld", "hazard.aq_leader_death": "had", "hazard.aq_attack": "haa",
    "hazard.is_surge": "his", "hazard.detection": "hdt", "hazard.takeover": "htk",
    "hazard.revelation": "hrv", "hazard.haqqani_rise": "hhr", "lever.pressure": "lp",
    "lever.verification": "lv",
}
_COLUMN_OF = {code: key for key, code in CODES.items()}
_TOKEN = re.compile(r"([a-z]+)(.*)", re.ASCII | re.DOTALL)


def encode_events(events: list[dict[str, Any]]) -> str:
    """``ot_events`` for ``events`` (``timeline.events`` entries, validated or not)."""
    tokens = []
    for row in events_to_rows([Event.model_validate(e) for e in events]):
        for key, code in CODES.items():
            value, column = row[key], COLUMN_BY_KEY[key]
            if value is None or value is False or (key == "terms" and value == "sever"):   # the defaults
                continue
            if column.kind == "yes_no":
                tokens.append(code)
            elif column.kind == "choice":
                tokens.append(f"{code}{column.options.index(value)}")
            else:
                tokens.append(f"{code}{_number(value)}")
    return "~".join(tokens)


def _number(value: float) -> str:
    text = repr(value)
    return text.removesuffix(".0")


def decode_events(text: str) -> Decoded:
    """The events an ``ot_events`` value names, as table rows made into events, or ``None`` and what is
    wrong (each problem names the token); the text's length is bounded before it is split."""
    if len(text) > MAX_EVENTS_CHARS:
        return None, [f"{EVENTS_KEY} ignored: {len(text):,} characters, at most {MAX_EVENTS_CHARS:,}"]
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for i, token in enumerate(text.split("~") if text else []):
        where = f"{EVENTS_KEY} item {i + 1} ({shown(token[:20])})"
        match = _TOKEN.fullmatch(token)
        key = _COLUMN_OF.get(match.group(1)) if match else None
        if key is None:
            problems.append(f"{where}: not a kind of event the page knows")
            continue
        if key == "year":
            if len(rows) >= MAX_EVENTS:
                problems.append(f"{where}: more than {MAX_EVENTS} events")
                break
            rows.append({})
        elif not rows:
            problems.append(f"{where}: comes before the first event's year")
            continue
        if key in rows[-1]:
            problems.append(f"{where}: given twice in one event")
            continue
        value, fault = _value(COLUMN_BY_KEY[key], match.group(2))
        if fault:
            problems.append(f"{where}: {fault}")
        else:
            rows[-1][key] = value
    if not problems:
        try:
            return rows_to_events(rows), []
        except ScenarioError as exc:
            problems += [f"{EVENTS_KEY}: event {p.path.removeprefix('row ')}: {p.message}"
                         for p in exc.problems]
    if len(problems) > MAX_LINK_PROBLEMS:
        problems[MAX_LINK_PROBLEMS:] = [f"... {len(problems) - MAX_LINK_PROBLEMS:,} more"]
    return None, problems


def _value(column: Column, text: str) -> tuple[Any, str]:
    """A token's value read as its column's kind, or a fault."""
    if column.kind == "yes_no":
        return (True, "") if text == "" else (None, "a yes/no item carries no value")
    try:
        if column.kind == "choice":
            return column.options[read_whole(text, 0, len(column.options) - 1)], ""
        if column.kind == "whole":
            return read_whole(text, int(column.low), int(column.high)), ""
        return read_number(text, column.low, column.high), ""
    except NumberError as exc:
        return None, str(exc)


Decoded = tuple[list[dict[str, Any]] | None, list[str]]


def events_from_link(query: Mapping[str, str], scenario: str) -> Decoded:
    """The events ``ot_events`` in ``query`` gives ``scenario`` (checked with the scenario: year order,
    start, no offer after a delivery), with the notes of the scenario's own events it keeps unchanged;
    ``None`` and what is wrong if anything is (the page then keeps the scenario's own events)."""
    if EVENTS_KEY not in query:
        return None, []
    events, problems = decode_events(str(query[EVENTS_KEY]))
    if events is None:
        return None, problems
    try:
        loaded = load_scenario(scenario, {"timeline.events": events})
    except ScenarioError as exc:
        return None, [f"{EVENTS_KEY} ignored: {p.path}: {p.message}" for p in exc.problems]
    own = parse_timeline(load_scenario(scenario).timeline, scenario).events
    return with_notes(parse_timeline(loaded.timeline, scenario).events, own), []


def with_notes(events: list[Event], own: list[Event]) -> list[dict[str, Any]]:
    """``events`` as ``timeline.events`` entries, each that does what one of ``own`` does (unused so far)
    with that event's note and source."""
    bare = [o.model_copy(update={"note": "", "section": ""}) for o in own]
    used: set[int] = set()
    out = []
    for e in events:
        match = next((i for i, b in enumerate(bare) if i not in used and b == e), None)
        if match is not None and not (e.note or e.section):
            used.add(match)
            e = e.model_copy(update={"note": own[match].note, "section": own[match].section})
        out.append(e.model_dump(exclude_defaults=True))
    return out


# -- the scenario the page downloads, uploaded back ----------------------------------------------------------

UPLOAD_KEY = "ot_upload"


@dataclass(frozen=True)
class Upload:
    """What an uploaded scenario file gives the page: its preset and events, or ``None`` and why not;
    ``unused`` names the file's settings that differ from the preset's (the page uses only the events)."""

    scenario: str | None = None
    events: list[dict[str, Any]] | None = None
    problems: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    file: str = ""


def events_from_upload(data: bytes, file_name: str, scenarios: list[str]) -> Upload:
    """The events of an uploaded scenario file (the YAML the page downloads), read within
    :data:`~sim.spec.scenario.MAX_FILE_BYTES`, with the project's safe loader and the scenario's
    validation; every problem names the file and where in it."""
    label = printable(file_name or "upload", 100)
    if len(data) > MAX_FILE_BYTES:
        return Upload(problems=[f"{label}: larger than {MAX_FILE_BYTES:,} bytes; a scenario file is "
                                "about 20,000"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Upload(problems=[f"{label}: byte {exc.start:,} is not UTF-8 text; is it a YAML file?"])
    try:
        raw = parse_yaml(text, label)
        if not isinstance(raw, dict):
            return Upload(problems=[f"{label}: not a scenario (a YAML mapping with a name and levers)"])
        if "extends" in raw:
            return Upload(problems=[f"{label}: extends: a file loaded here is whole, as the page "
                                    "downloads it; it cannot extend another"])
        name = raw.get("name")
        if name not in scenarios:
            return Upload(problems=[f"{label}: name: {shown(name)} is not one of the page's scenarios"])
        uploaded = load_scenario(raw, name=label)
        events = [e.model_dump(exclude_defaults=True)
                  for e in parse_timeline(uploaded.timeline, name).events]
        preset = load_scenario(name, {"timeline.events": events})
    except ScenarioError as exc:
        return Upload(problems=[str(p) for p in exc.problems])
    return Upload(name, events, unused=_differences(uploaded, preset), file=label)


def _differences(uploaded, preset) -> list[str]:
    """The top-level settings (and ``timeline`` settings other than its events) that differ."""
    a, b = uploaded.to_dict(), preset.to_dict()
    out = [k for k in a if k not in ("name", "timeline") and a[k] != b.get(k)]
    ta, tb = (parse_timeline(s.timeline, s.name).model_dump(exclude={"events"}) for s in (uploaded, preset))
    return out + [f"timeline.{k}" for k in ta if ta[k] != tb[k]]


def take_upload(state: MutableMapping[str, Any], got: Upload) -> None:
    """Make an upload the page's: its scenario chosen and its events the table's (a fresh table); an
    upload with problems leaves the scenario and the edited events as they were."""
    state["ot_upload_result"] = got
    if got.events is None:
        return
    state["ot_scenario"] = got.scenario
    state[f"ot_base_{got.scenario}"] = got.events
    state[f"ot_version_{got.scenario}"] = state.get(f"ot_version_{got.scenario}", 0) + 1


def events_query(events: list[dict[str, Any]], own: list[dict[str, Any]]) -> dict[str, str]:
    """``{"ot_events": ...}`` when ``events`` differ from the scenario's ``own`` and fit in the link,
    else nothing (the scenario's own events need no link)."""
    if [Event.model_validate(e) for e in events] == [Event.model_validate(e) for e in own]:
        return {}
    text = encode_events(events)
    return {EVENTS_KEY: text} if len(text) <= MAX_EVENTS_CHARS else {}
