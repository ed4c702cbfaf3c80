"""Rendering results and scenarios as text, JSON and CSV (no numbers are computed here)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np

from sim.engine.driver import Result
from sim.engine.intervals import format_probability
from sim.engine.summary_runs import largest_stderr
from sim.engine.tally import Tally
from sim.spec.parameters import CATALOGUE, GROUPS, LEVERS
from sim.spec.scenario import Scenario


def render(result: Result | Tally, fmt: str = "text", precision: dict[str, Any] | None = None) -> str:
    """A run's summary as text, JSON or CSV; ``precision`` (from :func:`precision_note`) says how
    many draws a precision target took, in the text and the JSON."""
    if fmt == "json":
        extra = {} if precision is None else {"precision": precision}
        return json.dumps(_strict_json(result.summary() | extra), indent=2, allow_nan=False) + "\n"
    if fmt == "csv":
        return summary_csv(result)
    if fmt == "text":
        text = summary_text(result)
        if precision is None:
            return text
        met = "reached" if precision["reached"] else "NOT reached"
        return (f"{text}\nPrecision: standard error target {precision['target']:g} {met} after "
                f"{precision['draws']:,} draws (largest standard error {precision['largest_stderr']:.3g})\n")
    raise ValueError(f"unknown format '{fmt}' (choose text, json or csv)")


def precision_note(tally: Tally, target: float, reached: bool) -> dict[str, Any]:
    """What a precision target took: the draws, and the largest standard error they left."""
    return {"target": target, "reached": reached, "draws": tally.draws,
            "largest_stderr": largest_stderr(tally)}


def _strict_json(value: Any) -> Any:
    """``value`` with every non-finite float (an undefined standard error, say) as ``null``."""
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def summary_rows(result: Result | Tally) -> list[dict[str, Any]]:
    """One row per reported quantity: ``metric``, ``mean``, ``stderr``, and the 95% interval
    (``low``, ``high``) of the outcome probabilities."""
    rows = []
    for name in (*result.outcomes, "split", "deal", "detected"):
        e, iv = result.estimate(name), result.interval(name)
        rows.append({"metric": f"P({name})", "mean": e.mean, "stderr": e.stderr, "low": iv.low,
                     "high": iv.high})
    rows += [{"metric": f"P(al-Qaeda {k})", "mean": e.mean, "stderr": e.stderr}
             for k, e in result.aq_responses.items()]
    rows += [{"metric": f"E[utility {k}]", "mean": e.mean, "stderr": e.stderr}
             for k, e in result.expected_utility.items()]
    for move in ("sever", "distance", "distance_or_sever"):
        intervals = result.price_quantile_intervals(move)
        for q, v in result.price_quantiles(move).items():
            pair = intervals[q] or [None, None]
            rows.append({"metric": f"reservation price {move} {q}", "mean": v, "stderr": None, "low": pair[0],
                         "high": pair[1]})
    e = result.price_exists()
    rows.append({"metric": "P(a price exists)", "mean": e.mean, "stderr": e.stderr})
    for name in ("net_alliance_value", "material_net", "aq_net_gain", "funding_dependence"):
        e = result.estimate(name)
        rows.append({"metric": name, "mean": e.mean, "stderr": e.stderr})
    return rows


#: The per-draw download holds at most this many draws (about 40 MB of CSV); the rest are summarised.
MAX_DOWNLOAD_DRAWS = 100_000
_CSV_CHUNK = 10_000


def per_draw_csv(result: Result, limit: int = MAX_DOWNLOAD_DRAWS) -> bytes:
    """Every per-draw output of the first ``limit`` draws as CSV, one row per draw.

    Written ``_CSV_CHUNK`` rows at a time, so memory holds one chunk of text beyond the result.
    Prices above 1 (no price) are ``inf``.
    """
    names = list(result.per_draw)
    rows = min(result.draws, limit)
    out = io.BytesIO()
    out.write((",".join(["draw", *names]) + "\n").encode())
    for start in range(0, rows, _CSV_CHUNK):
        stop = min(start + _CSV_CHUNK, rows)
        block = np.column_stack([np.arange(start, stop)] + [result.per_draw[n][start:stop] for n in names])
        np.savetxt(out, block, fmt=["%d"] + ["%.10g"] * len(names), delimiter=",")
    return out.getvalue()


def summary_csv(result: Result | Tally) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["metric", "mean", "stderr", "low", "high"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(summary_rows(result))
    return buf.getvalue()


def _price(v: float | None) -> str:
    return "none up to 1" if v is None else f"{v:.2f}"


def summary_text(result: Result | Tally) -> str:
    s = result.summary()
    sol = "SPE" if result.solution == "spe" else f"logit QRE (lambda={result.lam:g})"
    lv = ", ".join(f"{k} {v:g}" for k, v in s["levers"].items())
    lines = [
        f"Scenario {s['scenario']}: {result.draws:,} draws, seed {result.seed}, {sol}, "
        f"{result.sampler} sampling",
        f"US levers: {lv}",
        "",
        f"Taliban leadership's move          probability ({result.interval('sever').short_method})",
    ]
    labels = {"keep": "Keep the alliance", "distance": "Pledge (public, ties may go on)",
              "sever": "Sever ties", "split": "Hardline faction splits", "deal": "Sever or unexposed pledge"}
    lines += [f"  {label:<32} {format_probability(result.interval(k))}" for k, label in labels.items()]
    lines += ["", "Al-Qaeda's response"]
    lines += [f"  {k:<32} {e.mean:>9.3f}" for k, e in result.aq_responses.items()]
    ext = s["external_op"]
    lines.append(f"  {'attack abroad after a pledge':<32} {ext['after_distance']:>9.3f}   (had it pledged)")
    for key, title in (("sever_price", "Taliban's Sever price (smallest concession at which it severs)"),
                       ("pledge_price", "Taliban's pledge price (smallest concession at which it pledges)")):
        rp, iv = s[key], s["intervals"][key]
        lines += ["", title,
                  f"  p10 {_price(rp['p10'])}{_interval(iv['p10'])}, median {_price(rp['median'])}"
                  f"{_interval(iv['median'])}, p90 {_price(rp['p90'])}{_interval(iv['p90'])}",
                  f"  (95% order-statistic intervals); a price up to 1 exists in "
                  f"{rp['share_with_price']:.1%} of draws"]
    lines += ["", "Expected utility"]
    lines += [f"  {k:<32} {e.mean:>9.3f}   ({e.stderr:.3f})" for k, e in result.expected_utility.items()]
    lines += [
        "",
        f"Taliban's material net gain from the alliance: {s['material_net']['mean']:+.3f}",
        f"Al-Qaeda's net gain from the alliance:         {s['aq_net_gain']['mean']:+.3f}",
        f"Taliban's funding dependence on al-Qaeda:      {s['funding_dependence']['mean']:.1%}",
    ]
    return "\n".join(lines) + "\n"


def _interval(pair: list[float | None] | None) -> str:
    """A quantile's 95% interval after its value: " (0.55-0.62)", " (0.90 to above 1)", or nothing."""
    if pair is None:
        return ""
    return f" ({pair[0]:.2f} to above 1)" if pair[1] is None else f" ({pair[0]:.2f}-{pair[1]:.2f})"


def describe_scenario(scenario: Scenario) -> str:
    """The resolved scenario: levers, settings and every parameter with its meaning and section."""
    lines = [f"{scenario.name}: {scenario.description}", "", "US levers:"]
    lines += [f"  {k:<14} {scenario.levers[k]:<6g} {meaning}" for k, meaning in LEVERS.items()]
    qre = f" (lambda {scenario.lam:g})" if scenario.concept == "qre" else ""
    lines += ["", f"Solution: {scenario.concept}{qre}",
              f"Run: {scenario.draws:,} draws, seed {scenario.seed}, {scenario.sampler} sampling"]
    for group, title in GROUPS.items():
        lines += ["", f"{title}:"]
        for info in CATALOGUE:
            if info.group != group:
                continue
            p = scenario.params[info.name]
            d = p.dist
            rng = "fixed" if not p.uncertain else f"{d.kind} [{_fmt(d.low)}, {_fmt(d.high)}]"
            lines.append(f"  {p.name:<22} {p.value:<7g} {rng:<28} {p.meaning} ({p.section})")
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"
