"""Vega-Lite specifications of the "Over time" page (plain dicts, summaries only, as in sim.present.charts):
the survival curve with its 95% band and the scripted events on the time axis, and the yearly shares."""

from __future__ import annotations

from typing import Any

from sim.present.charts import AXIS_CONFIG, ZERO_COLOUR
from sim.spec.timeline_section import Event

SHARE_NAMES = {"keep": "keep", "distance": "pledge", "severed": "severed",
               "split": "faction split off", "external_op": "al-Qaeda attack abroad"}
YEAR = {"field": "year", "type": "quantitative", "title": "year", "axis": {"format": "d"}}


def survival_chart(data: dict[str, Any], events: list[Event]) -> dict[str, Any]:
    """P(no Sever by the end of each year) with its 95% interval, and a rule at each scripted event (an
    offer with its terms, a signature, a delivery, ...: what it does, and its note, in the tooltip)."""
    marks = [{"year": e.year, "what": e.describe() or "scripted event", "event": e.note or ""} for e in events
             if data["start"] <= e.year < data["start"] + data["years"]]
    y = {"field": "p_alliance", "type": "quantitative", "title": "P(alliance not severed)",
         "scale": {"domain": [0, 1], "clamp": True, "nice": False}, "axis": {"format": ".0%"}}
    return {
        "config": AXIS_CONFIG,
        "height": 280,
        "layer": [
            {"data": {"values": data["survival"]}, "mark": {"type": "area", "opacity": 0.25},
             "encoding": {"x": YEAR, "y": {**y, "field": "lo"}, "y2": {"field": "hi"}}},
            {"data": {"values": data["survival"]}, "mark": {"type": "line", "point": True, "tooltip": True},
             "encoding": {"x": YEAR, "y": y}},
            {"data": {"values": marks}, "mark": {"type": "rule", "color": ZERO_COLOUR, "strokeDash": [4, 3]},
             "encoding": {"x": YEAR, "tooltip": [{"field": "year"}, {"field": "what"}, {"field": "event"}]}},
        ],
    }


def shares_chart(data: dict[str, Any]) -> dict[str, Any]:
    """One line per outcome share, per year."""
    rows = [{"year": row["year"], "outcome": name, "share": row[key]}
            for row in data["shares"] for key, name in SHARE_NAMES.items()]
    return {
        "config": AXIS_CONFIG,
        "height": 260,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {"x": YEAR,
                     "y": {"field": "share", "type": "quantitative", "title": "share of trajectories",
                           "scale": {"domain": [0, 1], "clamp": True, "nice": False},
                           "axis": {"format": ".0%"}},
                     "color": {"field": "outcome", "type": "nominal", "sort": list(SHARE_NAMES.values()),
                               "legend": {"orient": "top", "title": None}}},
    }


def sever_year_headline(sy: dict) -> tuple[str, str]:
    """The year of a Sever as a headline: its median only when most trajectories sever."""
    if sy["median"] is None or sy["share_severed"] < 0.5:
        return "Year of a Sever", f"most never sever ({sy['share_severed']:.1%} do)"
    return "Median year of a Sever", str(sy["median"])
