"""Scripted events as the rows of an editable table (the "Over time" page) and back.

A row has a year, state values to set written ``name=value; name=value``, an offer (concession,
verification and terms: ``sever``, the default, or ``pledge``), a signature, a delivery, an attack,
what else happens (scripted hazards and an ultimatum, ``leader_death, is_surge, ultimatum``), the
year's hazards and the levers from it on (``name=value; ...``), and a note. Rows come back sorted
by year (moving an event is changing its year); what they mean is validated with the scenario.
"""

from __future__ import annotations

import math
from typing import Any

from sim.spec.numbers import NumberError, read_number
from sim.spec.scenario import Problem, ScenarioError
from sim.spec.timeline_section import SCRIPTABLE, Event

COLUMNS = ("year", "set", "offer", "verification", "terms", "sign", "deliver", "attack", "happens", "hazards",
           "levers", "note")
#: What the ``happens`` column may name: the scripted hazards, and an ultimatum (``ultimatum`` or
#: ``ultimatum=THREAT``).
HAPPENS = (*SCRIPTABLE, "ultimatum")
WHERE = "events table"


def _pairs(values: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


def _happens(e: Event) -> str:
    names = [k for k in SCRIPTABLE if getattr(e, k)]
    if e.ultimatum is not None:
        names.append("ultimatum" if e.ultimatum.threat is None else f"ultimatum={e.ultimatum.threat:g}")
    return ", ".join(names)


def events_to_rows(events: list[Event]) -> list[dict[str, Any]]:
    return [{"year": e.year, "set": _pairs(e.set),
             "offer": e.offer.concession if e.offer else None,
             "verification": e.offer.verification if e.offer else None,
             "terms": e.offer.terms if e.offer and e.offer.terms != "sever" else "",
             "sign": bool(e.sign), "deliver": bool(e.deliver), "attack": bool(e.attack),
             "happens": _happens(e),
             "hazards": _pairs(e.hazards), "levers": _pairs(e.levers), "note": e.note}
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
            terms = _blank_to_none(row.get("terms"))
            if terms is not None:
                event["offer"]["terms"] = str(terms).strip()
        for k in ("sign", "deliver", "attack"):
            if _yes(row.get(k), f"{where}.{k}", problems):
                event[k] = True
        _parse_happens(str(_blank_to_none(row.get("happens")) or ""), event, f"{where}.happens", problems)
        for column in ("hazards", "levers"):
            values, faults = _parse_set(str(_blank_to_none(row.get(column)) or ""))
            problems += [Problem(WHERE, f"{where}.{column}", f) for f in faults]
            if values:
                event[column] = values
        note = _blank_to_none(row.get("note"))
        if note:
            event["note"] = str(note)
        events.append(event)
    if problems:
        raise ScenarioError(problems)
    return sorted(events, key=lambda e: e["year"])


def _parse_happens(text: str, event: dict[str, Any], where: str, problems: list[Problem]) -> None:
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        name = name.strip()
        if name not in HAPPENS or (sep and name != "ultimatum"):
            problems.append(Problem(WHERE, where, f"{item!r} is not one of {', '.join(HAPPENS)} "
                                    "(an ultimatum may carry its threat: ultimatum=0.8)"))
        elif name == "ultimatum":
            try:
                event["ultimatum"] = {"threat": float(value)} if sep else {}
            except ValueError:
                problems.append(Problem(WHERE, where, f"{value.strip()!r} is not a number"))
        else:
            event[name] = True


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


#: How a yes/no cell may be written (a checkbox gives ``True``/``False``); anything else is refused, so
#: that "no" under *deliver* never counts as a delivery.
YES, NO = {"yes", "y", "true", "x", "1"}, {"no", "n", "false", "0", ""}


def _yes(value: Any, where: str, problems: list[Problem]) -> bool:
    """A yes/no cell: a checkbox's bool, or yes/no written out; anything else is a problem."""
    value = _blank_to_none(value)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in YES or text in NO:
        return text in YES
    problems.append(Problem(WHERE, where, f"{value!r} is not yes or no (tick the box, or leave it empty)"))
    return False


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
