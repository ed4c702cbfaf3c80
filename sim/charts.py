"""Vega-Lite specifications of the explorer's charts, built from a run (plain dicts, data inline).

Only summaries travel to the browser: the bars carry means and error bars, the histogram carries
bin counts, never the per-draw values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.run import Result

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
OUTCOME_NAMES = {"keep": "keep", "distance": "distance", "sever": "sever", "split": "faction splits",
                 "deal": "deal holds"}


def outcome_bars(results: Mapping[str, Result]) -> dict[str, Any]:
    """Bar chart of the outcome probabilities with their 95% intervals (:meth:`Result.interval`), one
    colour per scenario."""
    values = []
    for scenario, result in results.items():
        for key, name in OUTCOME_NAMES.items():
            iv = result.interval(key)
            values.append({"scenario": scenario, "outcome": name, "probability": iv.mean,
                           "low": iv.low, "high": iv.high})
    x = {"field": "outcome", "type": "nominal", "sort": list(OUTCOME_NAMES.values()), "title": None,
         "axis": {"labelAngle": 0, "labelLimit": 140}}
    several = len(results) > 1
    order = list(results)
    offset = {"xOffset": {"field": "scenario", "sort": order}} if several else {}
    colour = {"field": "scenario", "type": "nominal", "scale": {"domain": order},
              "legend": {"orient": "top", "title": None} if several else None}
    return {
        "$schema": SCHEMA,
        "data": {"values": values},
        "height": 260,
        "encoding": {"x": x, **offset},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True},
             "encoding": {"y": {"field": "probability", "type": "quantitative", "title": "probability",
                                "scale": {"domain": [0, 1]}, "axis": {"format": ".0%"}},
                          "color": colour}},
            {"mark": {"type": "errorbar", "ticks": True},
             "encoding": {"y": {"field": "low", "type": "quantitative", "title": "probability"},
                          "y2": {"field": "high"}}},
        ],
    }


def histogram(values: NDArray[np.float64], title: str, bins: int = 40) -> dict[str, Any]:
    """Histogram (share of draws per bin) with a rule at zero."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    counts, edges = np.histogram(x, bins=bins)
    rows = [{"start": float(a), "end": float(b), "share": float(c) / max(x.size, 1)}
            for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)]
    return {
        "$schema": SCHEMA,
        "height": 220,
        "layer": [
            {"data": {"values": rows}, "mark": {"type": "bar", "tooltip": True},
             "encoding": {"x": {"field": "start", "type": "quantitative", "bin": {"binned": True},
                                "title": title},
                          "x2": {"field": "end"},
                          "y": {"field": "share", "type": "quantitative", "title": "share of draws",
                                "axis": {"format": ".0%"}}}},
            {"data": {"values": [{"zero": 0.0}]}, "mark": {"type": "rule", "color": "#b03a2e"},
             "encoding": {"x": {"field": "zero", "type": "quantitative"}}},
        ],
    }
