"""What leaves a workshop: the CSV of every position and result, a printable one-page debrief per
team (HTML with print CSS, every team-written text escaped), the board's side-by-side chart, and a
timeline round's yearly path."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime
from typing import Any

from sim.workshop.cards import Card
from sim.workshop.shocks import SHOCKS
from sim.workshop.store import Store, Team, Workshop

#: How the board, the team page and the exports name the model a workshop is adjudicated with.
MODEL_WORDS = {"prior": "the analyst's judgement (the card's prior ranges)",
               "calibrated": "calibrated to the 1996-2018 record (the prior draws reweighted by the "
                             "history replay's record, then resampled; What history says)"}
#: A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def workshop_rows(store: Store, workshop: Workshop, card: Card) -> list[dict[str, Any]]:
    """One row per team and round with a submission: its last position, prediction and result."""
    teams = {t.id: t for t in store.teams(workshop.id)}
    results = store.results(workshop.id)
    revisions: dict[tuple[int, int], int] = {}
    for s in store.all_submissions(workshop.id):
        revisions[s.team, s.round] = revisions.get((s.team, s.round), 0) + 1
    rows = []
    for rnd in store.rounds(workshop.id):
        for team_id, sub in store.latest_submissions(workshop.id, rnd.number).items():
            team, result = teams[team_id], results.get((team_id, rnd.number), {})
            row: dict[str, Any] = {"workshop": workshop.code, "card": workshop.card, "model": workshop.model,
                                   "model_label": result.get("model_label", MODEL_WORDS[workshop.model]),
                                   "round": rnd.number,
                                   "round_status": rnd.status, "seed": rnd.seed, "draws": rnd.draws,
                                   "team": team.name, "role": team.role or "", "table": team.table,
                                   "submitted_utc": _when(sub.submitted),
                                   "revisions": revisions[team_id, rnd.number]}
            row.update({c.name: sub.position.get(c.name, "") for c in card.controls})
            row["prediction"] = sub.prediction
            row["shocks"] = " ".join(result.get("shocks", []))
            for name in card.outcomes:
                share = result.get("outcomes", {}).get(name, {})
                for stat in ("mean", "low", "high"):
                    row[f"p_{name}_{stat}"] = share.get(stat, "")
            row.update(_path_cells(card, result))
            row["criterion"] = card.criterion
            row["verdict"] = result.get("verdict", "")
            row["prediction_right"] = result.get("prediction_right", "")
            rows.append(row)
    return rows


def _path_cells(card: Card, result: dict[str, Any]) -> dict[str, Any]:
    """A timeline round's share severed by the end of each year (blank before adjudication)."""
    if card.timeline is None:
        return {}
    path = {p["year"]: p["severed"]["mean"] for p in result.get("path", [])}
    first = card.timeline_start
    return {f"severed_by_{y}": path.get(y, "") for y in range(first, first + card.timeline.years)}


def workshop_csv(store: Store, workshop: Workshop, card: Card) -> str:
    rows = workshop_rows(store, workshop, card)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


PRINT_CSS = """
@page { size: A4; margin: 12mm; }
body { font: 10pt/1.35 system-ui, sans-serif; color: #111; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 11pt; margin: 4mm 0 1mm; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #999; padding: 1mm 2mm; text-align: left; }
table.path { table-layout: fixed; }
table.path td, table.path th { font-size: 7pt; padding: 0.5mm 0.5mm; text-align: center; }
.notes { border-left: 3px solid #444; padding-left: 3mm; white-space: pre-wrap; }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def _pct(share: dict[str, float]) -> str:
    return f"{share['mean']:.1%} (95% interval {share['low']:.1%} to {share['high']:.1%})"


def team_debrief_html(card: Card, team: Team, results: dict[int, dict[str, Any]]) -> str:
    """A one-page printable debrief: the team's positions and results, why, and the facilitator's notes."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Debrief: {e(team.name)}</title>",
             f"<style>{PRINT_CSS}</style></head><body>",
             f"<h1>{e(card.title)}: debrief for team {e(team.name)}</h1>",
             f"<p><b>Question.</b> {e(card.question)}<br><b>Success.</b> {e(card.criterion)} "
             f"(the whole 95% interval on the right side).</p>"]
    labels = {c.name: c.label for c in card.controls}
    for number, r in sorted(results.items()):
        settings = ", ".join(f"{e(labels.get(k, k))} = {e(str(v))}" for k, v in r["positions"].items())
        shocks = "; ".join(e(SHOCKS[s].title) for s in r["shocks"]) or "none"
        right = {True: "right", False: "wrong", None: "undecided (too close to call)"}[r["prediction_right"]]
        parts.append(f"<h2>Round {number}</h2><p><b>Position:</b> {settings}. <b>Shocks:</b> {shocks}. "
                     f"<b>Prediction:</b> {e(r['prediction'])} ({right}).</p>")
        cells = "".join(f"<tr><th>P({e(card.outcome_label(k))})</th><td>{_pct(v)}</td></tr>"
                        for k, v in r["outcomes"].items())
        unit = "trajectories" if r.get("path") else "draws"
        parts.append(f"<table>{cells}</table><p><b>Verdict:</b> {e(r['verdict'])} "
                     f"({r['draws']:,} {unit}, seed {r['seed']}).</p>{_model_note(r)}")
        if r.get("path"):
            parts.append(_path_table(r["path"]))
        for path, choice in r.get("model_choice", {}).items():
            model = ", ".join(f"{e(a)} {p:.0%}" for a, p in choice.items())
            announced = e(r["forced"][path])
            parts.append(f"<p>At node '{e(path or 'root')}' the team announced <b>{announced}</b>; "
                         f"the model would have played {model}.</p>")
        parts.append("<p><b>Why:</b> " + " ".join(e(line.replace("**", "")) for line in r["why"]) + "</p>")
    parts.append(f"<h2>Debrief notes</h2><div class='notes'>{e(card.debrief)}</div></body></html>")
    return "".join(parts)


def _model_note(result: dict[str, Any]) -> str:
    """A result's model, in words (a result from before the choice existed: the prior)."""
    label = result.get("model_label", MODEL_WORDS["prior"])
    own = result.get("own_parameters") or []
    kept = f" The position's own values kept for: {', '.join(own)}." if own else ""
    return f"<p><b>Model:</b> {html.escape(label)}.{html.escape(kept)}</p>"


def _path_table(path: list[dict[str, Any]]) -> str:
    """The yearly path as a compact table: years across, the share severed by then and its interval."""
    severed = [p["severed"] for p in path]
    years = "".join(f"<th>{p['year']}</th>" for p in path)
    means = "".join(f"<td>{s['mean']:.0%}</td>" for s in severed)
    spans = "".join(f"<td>{s['low'] * 100:.0f}-{s['high'] * 100:.0f}</td>" for s in severed)
    pledge = "".join(f"<td>{p['pledge']['mean']:.0%}</td>" for p in path)
    return ("<p><b>Year by year</b> (share of trajectories severed by the end of each year, its 95% "
            "interval, and the share under a public pledge that year):</p>"
            f"<table class='path'><tr><th>year</th>{years}</tr><tr><th>severed</th>{means}</tr>"
            f"<tr><th>95% (%)</th>{spans}</tr><tr><th>pledge</th>{pledge}</tr></table>")


def path_chart(path: list[dict[str, Any]], by: int, threshold: float) -> dict[str, Any]:
    """Vega-Lite: the share severed by the end of each year with its 95% band, the criterion's year
    and threshold dashed."""
    rows = [{"year": p["year"], **p["severed"]} for p in path]
    x = {"field": "year", "type": "quantitative", "title": "year", "axis": {"format": "d"}}
    y = {"type": "quantitative", "scale": {"domain": [0, 1]}, "axis": {"format": "%"},
         "title": "severed by the end of the year (95% band)"}
    dashed = {"type": "rule", "strokeDash": [4, 4], "color": "#888", "aria": False}   # drawn, not read
    return {
        "description": "The share of trajectories severed by the end of each year, with its 95% band",
        "data": {"values": rows},
        "height": 220,
        "layer": [
            {"mark": {"type": "area", "opacity": 0.25}, "encoding": {"x": x, "y": {**y, "field": "low"},
                                                                    "y2": {"field": "high"}}},
            {"mark": {"type": "line", "point": True, "tooltip": True},
             "encoding": {"x": x, "y": {**y, "field": "mean"}}},
            {"mark": dashed, "encoding": {"y": {"datum": threshold}}},
            {"mark": dashed, "encoding": {"x": {"datum": by}}},
        ],
    }


def positions_chart(rows: list[dict[str, Any]], card: Card) -> dict[str, Any]:
    """Vega-Lite: every team's P(outcome) with its 95% interval, one row per team, coloured by round."""
    outcome = card.outcome
    data = [{"team": r["team"], "round": str(r["round"]), "mean": r[f"p_{outcome}_mean"],
             "low": r[f"p_{outcome}_low"], "high": r[f"p_{outcome}_high"],
             "position": ", ".join(f"{c.name}={r[c.name]}" for c in card.controls if r[c.name] != "")}
            for r in rows if r[f"p_{outcome}_mean"] != ""]
    x = {"type": "quantitative", "scale": {"domain": [0, 1]}, "axis": {"format": "%"},
         "title": f"P({card.outcome_label(outcome)}) with 95% interval"}
    y = {"field": "team", "type": "nominal", "title": None}
    return {   # the description names the chart for screen readers (axe-core: svg-img-alt)
        "description": f"Every team's P({card.outcome_label(outcome)}) with its 95% interval, by round",
        "data": {"values": data},
        "height": {"step": 26},
        "layer": [
            {"mark": "rule", "encoding": {"y": y, "x": {**x, "field": "low"}, "x2": {"field": "high"},
                                          "color": {"field": "round", "title": "round"}}},
            {"mark": {"type": "point", "filled": True, "size": 70},
             "encoding": {"y": y, "x": {**x, "field": "mean"}, "color": {"field": "round"},
                          "tooltip": [{"field": "team"}, {"field": "round"}, {"field": "position"},
                                      {"field": "mean", "format": ".1%"}]}},
            {"mark": {"type": "rule", "strokeDash": [4, 4], "color": "#888", "aria": False},
             "encoding": {"x": {"datum": card.threshold}}},
        ],
    }


