"""The What-would-it-take page's charts (Altair), every colour set here and opaque, so that the
contrast check (:mod:`contrast`) covers what the page draws."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.analysis import labels as words
from sim.analysis import outputs
from sim.present.charts import SCENARIO_COLOURS, TEXT_COLOUR, ZERO_COLOUR

MARK_COLOUR = SCENARIO_COLOURS[0]
#: Indices within their error of zero: grey, still 4.5:1 on white.
WITHIN_ERROR_COLOUR = "#707070"


def curve_chart(rows: list[dict], lever: str, output: str, target: float | None = None) -> alt.LayerChart:
    """P(outcome) in percent along ``lever`` with its 95% band, and a line at the target."""
    frame = pd.DataFrame([{lever: r[lever], "p": r[output], "low": r[f"{output}_low"],
                           "high": r[f"{output}_high"]} for r in rows])
    base = alt.Chart(frame).encode(x=alt.X(f"{lever}:Q", title=words.label(lever)))
    y_title = f"P({outputs.LABELS[output]})"
    # The interval's ends as dashed lines (a pale band would fall below the contrast marks need).
    ends = [base.mark_line(color=MARK_COLOUR, strokeDash=[4, 3], strokeWidth=1).encode(
        y=alt.Y(f"{end}:Q", title=y_title, axis=alt.Axis(format="%"))) for end in ("low", "high")]
    tooltip = [alt.Tooltip(f"{lever}:Q", format=".2f"), alt.Tooltip("p:Q", format=".1%", title="estimate"),
               alt.Tooltip("low:Q", format=".1%"), alt.Tooltip("high:Q", format=".1%")]
    chart = alt.layer(*ends, base.mark_line(point=True, color=MARK_COLOUR).encode(y="p:Q", tooltip=tooltip))
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(color=ZERO_COLOUR, strokeDash=[4, 3])
        chart = chart + rule.encode(y="target:Q")
    return chart


def price_chart(histogram: list[dict], output: str) -> alt.Chart:
    frame = pd.DataFrame(histogram)
    return alt.Chart(frame).mark_bar(color=MARK_COLOUR).encode(
        x=alt.X("low:Q", bin="binned", title=f"Reservation price of {outputs.LABELS[output]} (concession)"),
        x2="high:Q", y=alt.Y("share:Q", title="Share of draws", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("share:Q", format=".1%")])


def index_chart(rows: list[dict], kind: str, top: int = 15) -> alt.LayerChart:
    """Total-order indices (bars) with their 95% intervals (black), first-order ones (ticks); indices
    within their error of zero are grey."""
    frame = pd.DataFrame([r for r in rows if r["kind"] == kind]).nlargest(top, "ST")
    frame["label"] = [words.label(n) for n in frame["name"]]
    frame["low"] = frame["ST"] - frame["ST_conf"]
    frame["high"] = frame["ST"] + frame["ST_conf"]
    frame["status"] = ["within error of zero" if zero else "clear of zero"
                       for zero in frame["ST_within_error_of_zero"]]
    order = list(frame["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    bars = alt.Chart(frame).mark_bar().encode(
        y=y, x=alt.X("ST:Q", title="Sobol' index (bar: total with 95% interval, tick: first order)"),
        color=alt.Color("status:N", scale=alt.Scale(domain=["clear of zero", "within error of zero"],
                                                    range=[MARK_COLOUR, WITHIN_ERROR_COLOUR]), title=None),
        tooltip=["label", alt.Tooltip("ST:Q", format=".3f"), alt.Tooltip("ST_conf:Q", format=".3f"),
                 alt.Tooltip("S1:Q", format=".3f"), "status"])
    rules = alt.Chart(frame).mark_rule(color=TEXT_COLOUR).encode(y=y, x="low:Q", x2="high:Q")
    ticks = alt.Chart(frame).mark_tick(color=ZERO_COLOUR, thickness=2).encode(y=y, x="S1:Q")
    return bars + rules + ticks


def morris_chart(rows: list[dict], top: int = 15) -> alt.LayerChart:
    """Mean absolute elementary effects (bars) with their 95% bootstrap intervals, largest first."""
    frame = pd.DataFrame(rows).nlargest(top, "mu_star")
    frame["label"] = [words.label(n) for n in frame["name"]]
    frame["low"] = (frame["mu_star"] - frame["mu_star_conf"]).clip(lower=0)
    frame["high"] = frame["mu_star"] + frame["mu_star_conf"]
    y = alt.Y("label:N", sort=list(frame["label"]), title=None, axis=alt.Axis(labelLimit=260))
    bars = alt.Chart(frame).mark_bar(color=MARK_COLOUR).encode(
        y=y, x=alt.X("mu_star:Q", title="Morris mu* (mean absolute effect across its distribution)"),
        tooltip=["label", alt.Tooltip("mu_star:Q", format=".3f"), alt.Tooltip("sigma:Q", format=".3f")])
    return bars + alt.Chart(frame).mark_rule(color=TEXT_COLOUR).encode(y=y, x="low:Q", x2="high:Q")
