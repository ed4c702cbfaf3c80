"""Scripted events as the rows of a typed table (the "Over time" page) and back.

Every kind of event the timeline section accepts is a column of its own, typed: a year; an offer
(concession, verification, and its terms, ``sever`` or ``pledge``, a choice); yes/no boxes for a
signature, a delivery, an attack, each scripted hazard and an ultimatum (with its threat, a number);
each state variable an event can set (a number within the parameter's range, or one of its two
words); the year's hazards and the levers from it on (probabilities); a note and a source. Nothing is
typed as ``name=value`` and nothing loose is read as yes: a yes/no cell is a box, or yes/no written
out, else a problem. Rows come back sorted by year (moving an event is changing its year); what they
mean together (year order, no offer after a delivery) is validated with the scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.spec.numbers import NumberError, read_number, read_whole
from sim.spec.parameters import PARAMETERS
from sim.spec.scenario import Problem, ScenarioError
from sim.spec.timeline_section import (
    FIRST_YEAR,
    LAST_YEAR,
    NUMERIC_STATE,
    SCRIPTABLE,
    SCRIPTED_LEVERS,
    WORD_STATE,
    Event,
    Hazards,
)

WHERE = "events table"
TERMS = ("sever", "pledge")
MAX_TEXT = 1_000   # a note's or a source's length, as the timeline section allows


@dataclass(frozen=True)
class Column:
    """One typed column: ``kind`` is ``whole``, ``number``, ``yes_no``, ``choice`` or ``text``."""

    key: str
    label: str
    kind: str
    help: str
    low: float | None = None
    high: float | None = None
    options: tuple[str, ...] = ()


def _columns() -> tuple[Column, ...]:
    cols = [Column("year", "Year", "whole", "The calendar year of the event (applied before that year's "
                   "play)", FIRST_YEAR, LAST_YEAR),
            Column("offer", "Offer: concession", "number", "A US offer of this size (0-1); empty: no offer",
                   0, 1),
            Column("verification", "Offer: verification", "number",
                   "The offer's verification (0-1); empty: the scenario's", 0, 1),
            Column("terms", "Offer: terms", "choice", "What the offer asks: sever (the default) or a public "
                   "pledge", options=TERMS),
            Column("sign", "Sign", "yes_no", "The deal on the table is signed this year"),
            Column("deliver", "Deliver", "yes_no", "The signed deal is delivered (the US withdraws)"),
            Column("attack", "Attack", "yes_no", "An al-Qaeda attack abroad traced to Afghanistan")]
    cols += [Column(h, h.replace("_", " ").capitalize(), "yes_no", f"Scripted: {h.replace('_', ' ')} "
                    "happens this year") for h in SCRIPTABLE]
    cols += [Column("ultimatum", "Ultimatum", "yes_no", "A demand to hand al-Qaeda's leader over, "
                    "backed by a threat of invasion"),
             Column("threat", "Ultimatum: threat", "number", "What the threat costs (0-3); empty: the "
                    "scenario's pressure cost", 0, 3)]
    cols += [Column(f"set.{k}", f"Set {k.replace('_', ' ')}", "number",
                    f"Set the state's {k.replace('_', ' ')} from this year", PARAMETERS[k].low,
                    PARAMETERS[k].high)
             for k in NUMERIC_STATE]
    cols += [Column(f"set.{k}", f"Set {k.replace('_', ' ')}", "choice",
                    f"Set {k.replace('_', ' ')}: {' or '.join(words)}",
                    options=words) for k, words in WORD_STATE.items()]
    cols += [Column(f"hazard.{h}", f"This year's P({h.replace('_', ' ')})", "number",
                    f"The probability of {h.replace('_', ' ')} this year alone", 0, 1)
             for h in Hazards.model_fields]
    cols += [Column(f"lever.{k}", f"Lever {k} from now", "number", f"US {k} from this year on (0-1)", 0, 1)
             for k in SCRIPTED_LEVERS]
    cols += [Column("note", "Note", "text", "What the event is"),
             Column("section", "Source", "text", "Where it comes from (the article's section)")]
    return tuple(cols)


COLUMN_SPECS = _columns()
COLUMNS = tuple(c.key for c in COLUMN_SPECS)
COLUMN_BY_KEY = {c.key: c for c in COLUMN_SPECS}


def events_to_rows(events: list[Event]) -> list[dict[str, Any]]:
    """One row per event, with every column (``None`` where the event says nothing)."""
    rows = []
    for e in events:
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row["year"] = e.year
        if e.offer is not None:
            row.update(offer=e.offer.concession, verification=e.offer.verification, terms=e.offer.terms)
        for c in COLUMN_SPECS:
            if c.kind == "yes_no":
                row[c.key] = bool(getattr(e, c.key)) if c.key != "ultimatum" else e.ultimatum is not None
        if e.ultimatum is not None:
            row["threat"] = e.ultimatum.threat
        for prefix, values in (("set", e.set), ("hazard", e.hazards), ("lever", e.levers)):
            row.update({f"{prefix}.{k}": v for k, v in values.items()})
        row["note"], row["section"] = e.note or None, e.section or None
        rows.append(row)
    return rows


def rows_to_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``timeline.events`` of the table's rows, in year order; each fault names its row and column."""
    events, problems = [], []
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        cells = {c.key: _cell(c, row.get(c.key), f"{where}.{c.key}", problems) for c in COLUMN_SPECS}
        if cells["year"] is None:
            if _blank_to_none(row.get("year")) is None:
                problems.append(Problem(WHERE, f"{where}.year", "missing"))
            continue
        events.append(_event(cells, where, problems))
    if problems:
        raise ScenarioError(problems)
    return sorted(events, key=lambda e: e["year"])


def _event(cells: dict[str, Any], where: str, problems: list[Problem]) -> dict[str, Any]:
    event: dict[str, Any] = {"year": cells["year"]}
    if cells["offer"] is not None:
        event["offer"] = {"concession": cells["offer"]}
        if cells["verification"] is not None:
            event["offer"]["verification"] = cells["verification"]
        if cells["terms"] not in (None, "sever"):
            event["offer"]["terms"] = cells["terms"]
    else:
        problems += [Problem(WHERE, f"{where}.{k}", "needs an offer (a concession) in the same row")
                     for k in ("verification", "terms") if cells[k] not in (None, "sever")]
    for c in COLUMN_SPECS:
        if c.kind == "yes_no" and cells[c.key] and c.key != "ultimatum":
            event[c.key] = True
    if cells["ultimatum"]:
        event["ultimatum"] = {} if cells["threat"] is None else {"threat": cells["threat"]}
    elif cells["threat"] is not None:
        problems.append(Problem(WHERE, f"{where}.threat", "a threat needs the ultimatum ticked"))
    for prefix, name in (("set", "set"), ("hazard", "hazards"), ("lever", "levers")):
        values = {k.split(".", 1)[1]: v for k, v in cells.items()
                  if k.startswith(f"{prefix}.") and v is not None}
        if values:
            event[name] = values
    for k in ("note", "section"):
        if cells[k]:
            event[k] = cells[k]
    return event


def _cell(column: Column, value: Any, where: str, problems: list[Problem]) -> Any:
    """A cell read as its column's type (``None`` if blank); a problem noted if it is not one."""
    value = _blank_to_none(value)
    if column.kind == "yes_no":
        return _yes(value, where, problems)
    if value is None:
        return None
    try:
        if column.kind == "whole":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return read_whole(value, int(column.low), int(column.high))
        if column.kind == "number":
            return read_number(value, column.low, column.high)
    except NumberError as exc:
        problems.append(Problem(WHERE, where, str(exc)))
        return None
    text = str(value)
    if column.kind == "choice":
        if text.strip() in column.options:
            return text.strip()
        problems.append(Problem(WHERE, where, f"{value!r} is not one of {', '.join(column.options)}"))
        return None
    if len(text) > MAX_TEXT:
        problems.append(Problem(WHERE, where, f"{len(text):,} characters, at most {MAX_TEXT:,}"))
        return None
    return text if text.strip() else None


#: How a yes/no cell may be written (a checkbox gives ``True``/``False``); anything else is refused, so
#: that "no" under *deliver* never counts as a delivery.
YES, NO = {"yes", "y", "true", "x", "1"}, {"no", "n", "false", "0", ""}


def _yes(value: Any, where: str, problems: list[Problem]) -> bool:
    """A yes/no cell: a checkbox's bool, or yes/no written out; anything else is a problem."""
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
    """``None`` for an empty cell (pandas' and numpy's missing values too), a numpy scalar as Python's."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or value == "":
        return None
    return None if isinstance(value, float) and math.isnan(value) else value
