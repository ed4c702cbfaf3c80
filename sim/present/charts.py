"""Vega-Lite specifications of the explorer's charts, built from a run (plain dicts, data inline).

Only summaries travel to the browser: the bars carry means and 95% intervals, the histogram carries
bin counts, never the per-draw values. Every colour is set here (and checked for WCAG contrast by
:mod:`contrast`); the bars are also told apart by their axis labels and the scenarios by
a legend and a text label on each bar, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.driver import Result

OUTCOME_NAMES = {"keep": "Keep", "distance": "Pledge", "sever": "Sever", "split": "Faction splits",
                 "deal": "Sever or unexposed pledge"}
#: Text on the charts: the theme's text colour (``.streamlit/config.toml``).
TEXT_COLOUR = "#0e1117"
BACKGROUND = "#ffffff"
#: One colour per compared scenario (each at least 3:1 on white, distinct for common colour blindness).
SCENARIO_COLOURS = ("#1f5fa8", "#b8480c", "#1a7a34", "#7b3fa0")
#: The rule marking zero on the net-value histogram.
ZERO_COLOUR = "#b03a2e"
AXIS_CONFIG = {"axis": {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 13,
                        "titleFontSize": 13, "domainColor": TEXT_COLOUR, "tickColor": TEXT_COLOUR},
               "legend": {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 13}}


def outcome_rows(results: Mapping[str, Result]) -> list[dict[str, Any]]:
    """One row per scenario and outcome: the probability and its 95% Wilson interval."""
    rows = []
    for scenario, result in results.items():
        for key, name in OUTCOME_NAMES.items():
            iv = result.interval(key)
            mean, low, high = iv.mean, iv.low, iv.high
            rows.append({"scenario": scenario, "outcome": name, "probability": mean, "low": low,
                         "high": high})
    return rows


def outcome_bars(results: Mapping[str, Result]) -> dict[str, Any]:
    """Bar chart of the outcome probabilities with 95% intervals, one colour per scenario."""
    order = list(results)
    several = len(results) > 1
    x = {"field": "outcome", "type": "nominal", "sort": list(OUTCOME_NAMES.values()), "title": None,
         # Every outcome keeps its label (two-word labels on two lines): colour never names a bar.
         "axis": {"labelAngle": 0, "labelOverlap": False, "labelExpr": "split(datum.label, ' ')"}}
    offset = {"xOffset": {"field": "scenario", "sort": order}} if several else {}
    colour = {"field": "scenario", "type": "nominal",
              "scale": {"domain": order, "range": list(SCENARIO_COLOURS[:len(order)])},
              "legend": {"orient": "top", "title": None} if several else None}
    y = {"field": "probability", "type": "quantitative", "title": "probability",
         "scale": {"domain": [0, 1], "clamp": True, "nice": False}, "axis": {"format": ".0%"}}
    return {
        "data": {"values": outcome_rows(results)},
        "height": 260,
        "config": AXIS_CONFIG,
        "encoding": {"x": x, **offset},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True}, "encoding": {"y": y, "color": colour}},
            {"mark": {"type": "errorbar", "ticks": True, "color": TEXT_COLOUR},
             "encoding": {"y": {"field": "low", "type": "quantitative", "title": "probability"},
                          "y2": {"field": "high"}}},
            {"mark": {"type": "text", "dy": -10, "fontSize": 12, "color": TEXT_COLOUR},
             "encoding": {"y": {"field": "high", "type": "quantitative"},
                          "text": {"field": "probability", "type": "quantitative", "format": ".0%"}}},
        ],
    }


def histogram_rows(values: NDArray[np.float64], bins: int = 40) -> list[dict[str, float]]:
    """Bins of the finite ``values``: start, end and share of all draws."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    counts, edges = np.histogram(x, bins=bins)
    return [{"start": float(a), "end": float(b), "share": float(c) / max(x.size, 1)}
            for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)]


def histogram(values: NDArray[np.float64], title: str, bins: int = 40) -> dict[str, Any]:
    """Histogram (share of draws per bin) with a labelled rule at zero."""
    return {
        "height": 220,
        "config": AXIS_CONFIG,
        "layer": [
            {"data": {"values": histogram_rows(values, bins)},
             "mark": {"type": "bar", "tooltip": True, "color": SCENARIO_COLOURS[0]},
             "encoding": {"x": {"field": "start", "type": "quantitative", "bin": {"binned": True},
                                "title": title},
                          "x2": {"field": "end"},
                          "y": {"field": "share", "type": "quantitative", "title": "share of draws",
                                "axis": {"format": ".0%"}}}},
            {"data": {"values": [{"zero": 0.0, "label": "0: break-even"}]},
             "layer": [
                 {"mark": {"type": "rule", "color": ZERO_COLOUR, "strokeWidth": 2, "strokeDash": [6, 3]},
                  "encoding": {"x": {"field": "zero", "type": "quantitative"}}},
                 {"mark": {"type": "text", "align": "right", "dx": -4, "y": 8, "fontSize": 12,
                           "color": TEXT_COLOUR},
                  "encoding": {"x": {"field": "zero", "type": "quantitative"}, "text": {"field": "label"}}},
             ]},
        ],
    }


def prior_posterior(name: str, x: list[float], prior: list[float], posterior: list[float]) -> dict[str, Any]:
    """A parameter's prior and posterior densities as two lines, named for screen readers."""
    rows = [{"value": v, "density": d, "belief": belief}
            for belief, ds in (("prior", prior), ("posterior", posterior))
            for v, d in zip(x, ds, strict=True)]
    return {
        "height": 180,
        "description": f"{name}: prior and posterior densities",
        "config": AXIS_CONFIG,
        "data": {"values": rows},
        "mark": {"type": "line"},
        "encoding": {"x": {"field": "value", "type": "quantitative", "title": name},
                     "y": {"field": "density", "type": "quantitative", "title": "density"},
                     "color": {"field": "belief", "type": "nominal", "title": None,
                               "scale": {"domain": ["prior", "posterior"],
                                         "range": [SCENARIO_COLOURS[1], SCENARIO_COLOURS[0]]}}},
    }
