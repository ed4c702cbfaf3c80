"""Scripted events as the rows of an editable table (the "Over time" page) and back.

A row has a year, state values to set written ``name=value; name=value``, an offer (concession and
verification), a signature, a delivery, an attack and a note. Rows come back sorted by year (moving
an event is changing its year); what they mean is validated with the scenario.
"""

from __future__ import annotations

import math
from typing import Any

from sim.spec.numbers import NumberError, read_number
from sim.spec.scenario import Problem, ScenarioError
from sim.spec.timeline_section import Event

COLUMNS = ("year", "set", "offer", "verification", "sign", "deliver", "attack", "note")
WHERE = "events table"


def events_to_rows(events: list[Event]) -> list[dict[str, Any]]:
    return [{"year": e.year,
             "set": "; ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in e.set.items()),
             "offer": e.offer.concession if e.offer else None,
             "verification": e.offer.verification if e.offer else None,
             "sign": e.sign, "deliver": e.deliver, "attack": e.attack, "note": e.note}
            for e in events]


def rows_to_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``timeline.events`` of the table's rows, in year order; rows with no year are refused."""
    events, problems = [], []
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        numbers = {k: _number(row.get(k), f"{where}.{k}", problems)
                   for k in ("year", "offer", "verification")}
        if numbers["year"] is None:
            if _blank_to_none(row.get("year")) is None:
                problems.append(Problem(WHERE, f"{where}.year", "missing"))
            continue
        event: dict[str, Any] = {"year": int(numbers["year"])}
        changes, faults = _parse_set(str(_blank_to_none(row.get("set")) or ""))
        problems += [Problem(WHERE, f"{where}.set", f) for f in faults]
        if changes:
            event["set"] = changes
        if numbers["offer"] is not None:
            event["offer"] = {"concession": numbers["offer"]}
            if numbers["verification"] is not None:
                event["offer"]["verification"] = numbers["verification"]
        event.update({k: True for k in ("sign", "deliver", "attack") if _blank_to_none(row.get(k))})
        note = _blank_to_none(row.get("note"))
        if note:
            event["note"] = str(note)
        events.append(event)
    if problems:
        raise ScenarioError(problems)
    return sorted(events, key=lambda e: e["year"])


def _number(value: Any, where: str, problems: list[Problem]) -> float | None:
    """A cell as a finite number, ``None`` if blank; a problem noted if it is not a number."""
    value = _blank_to_none(value)
    if value is None:
        return None
    try:
        return read_number(value)
    except NumberError as exc:
        problems.append(Problem(WHERE, where, str(exc)))
        return None


def _blank_to_none(value: Any) -> Any:
    return None if value is None or value == "" or (isinstance(value, float) and math.isnan(value)) else value


def _parse_set(text: str) -> tuple[dict[str, float | str], list[str]]:
    out: dict[str, float | str] = {}
    faults = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            faults.append(f"{item!r} is not name=value")
            continue
        try:
            out[name.strip()] = read_number(value)
        except NumberError:   # a word (governs=in_power); the scenario's check judges it
            out[name.strip()] = value.strip()
    return out, faults
