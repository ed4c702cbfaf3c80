"""A projection as plain data (JSON), a table (CSV) and text: the survival curve with 95% Wilson
intervals, the outcome shares per year, the year of a Sever and the deal's fate."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

from sim.engine.intervals import share_interval
from sim.timeline.engine import LEVER_NAMES, Projection, lever_mean

SEVER_QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}
SHARES = ("keep", "distance", "severed", "split", "external_op")


def survival(pr: Projection) -> list[dict[str, Any]]:
    """P(no Sever by the end of each year), with its 95% Wilson interval (on the effective draws of a
    calibrated model's resample)."""
    out = []
    for year, t in zip(pr.years, pr.tallies, strict=True):
        lo, hi = share_interval(t.alive, pr.draws, pr.effective_draws)
        out.append({"year": year, "p_alliance": t.alive / pr.draws, "lo": lo, "hi": hi})
    return out


def shares(pr: Projection) -> list[dict[str, Any]]:
    """Per year, the share of trajectories in each state at its end: the alliance kept as it is, a
    public pledge, severed (this year or before), a faction split off, and al-Qaeda's attacks abroad."""
    n = pr.draws
    return [{"year": year, "keep": t.keep / n, "distance": t.distance / n, "severed": (n - t.alive) / n,
             "split": t.split / n, "external_op": t.external_op / n,
             "levers": {k: lever_mean(t, k, n) for k in LEVER_NAMES}}
            for year, t in zip(pr.years, pr.tallies, strict=True)]


def sever_years(pr: Projection) -> dict[str, Any]:
    """Quantiles of the calendar year of a Sever among the trajectories that sever (none if none do)."""
    years = pr.sever_year[pr.sever_year >= 0]
    q = (np.quantile(years, list(SEVER_QUANTILES.values()), method="inverted_cdf").astype(int).tolist()
         if years.size else [None] * len(SEVER_QUANTILES))
    return {"share_severed": years.size / pr.draws, **dict(zip(SEVER_QUANTILES, q, strict=True))}


def summary(pr: Projection) -> dict[str, Any]:
    return {
        "scenario": pr.scenario.name,
        "start": pr.years[0],
        "years": len(pr.years),
        "draws": pr.draws,
        "seed": pr.seed,
        "solution": pr.solution,
        "lambda": pr.lam if pr.solution == "qre" else None,
        "survival": survival(pr),
        "shares": shares(pr),
        "sever_year": sever_years(pr),
        "deal": dict(pr.deal),
    }


def render(pr: Projection, fmt: str) -> str:
    data = summary(pr)
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt == "csv":
        return _csv(data)
    return _text(data, marks(pr))


def marks(pr: Projection) -> dict[int, str]:
    """Per calendar year, the scripted events that mark it (the text's last column)."""
    out: dict[int, list[str]] = {}
    for e in pr.spec.events:
        if e.describe():
            out.setdefault(e.year, []).append(e.describe())
    return {year: "; ".join(words) for year, words in out.items()}


def _csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["year", "p_alliance", "lo", "hi", *SHARES])
    for s, sh in zip(data["survival"], data["shares"], strict=True):
        writer.writerow([s["year"], *(f"{s[k]:.6f}" for k in ("p_alliance", "lo", "hi")),
                         *(f"{sh[k]:.6f}" for k in SHARES)])
    return buf.getvalue()


def _text(data: dict[str, Any], events: dict[int, str] | None = None) -> str:
    events = events or {}
    lines = [f"{data['scenario']}: {data['years']} years from {data['start']}, "
             f"{data['draws']:,} trajectories, {data['solution'].upper()}, seed {data['seed']}",
             "",
             "year  P(alliance) [95% interval]   keep  pledge severed  split  AQ attack abroad  scripted"]
    for s, sh in zip(data["survival"], data["shares"], strict=True):
        lines.append(f"{s['year']}  {s['p_alliance']:6.1%} [{s['lo']:6.1%}, {s['hi']:6.1%}]  "
                     f"{sh['keep']:6.1%} {sh['distance']:6.1%} {sh['severed']:6.1%} {sh['split']:6.1%} "
                     f"{sh['external_op']:6.1%}           {events.get(s['year'], '')}".rstrip())
    sy = data["sever_year"]
    lines += ["", f"Severed by the end: {sy['share_severed']:.1%}"
              + (f"; year of the Sever p10 {sy['p10']}, median {sy['median']}, p90 {sy['p90']}"
                 if sy["median"] is not None else ""),
              "Deal: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in data["deal"].items())]
    return "\n".join(lines) + "\n"
