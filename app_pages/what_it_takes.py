"""The "What would it take?" page: the Taliban's price, acceptance curves, the bargaining zone and drivers.

UI only: every number comes from :mod:`sim.analysis.negotiation` and :mod:`sim.analysis.drivers`. The
scenario is the one set on the Scenario page (shared session state); the heavy analyses (Sobol',
scenario discovery) run only when their button is pressed, and every result is cached, keyed on
the scenario's standalone YAML.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _state
from sim import app_state
from sim.analysis import drivers, negotiation
from sim.run import sample
from sim.scenario import Scenario, load_scenario, parse_yaml

DRAW_CHOICES = (2_000, 5_000, 20_000, 50_000)
SOBOL_CHOICES = (128, 256, 512, 1024)
MORRIS_TRAJECTORIES = 100
LEVER_ORDER = ("concession", "verification", "pressure")
OUTPUT_LABELS = {"sever": "P(Sever)", "split": "P(Split)", "price": "Reservation price"}


@st.cache_data(max_entries=8, show_spinner="Solving the draws along the concession grid...")
def negotiate(spec: str, draws: int, verification: float, pressure: float) -> dict:
    """Price distribution, curves, zone, best offer and findings for one scenario and lever setting."""
    drawn = sample(from_yaml(spec), draws)
    levers = {"verification": verification, "pressure": pressure}
    prices = negotiation.price_distribution(drawn, levers)
    curve = negotiation.acceptance_curve(drawn, levers=levers)
    offer = negotiation.best_offer(curve)
    zone = negotiation.bargaining_zone(drawn, levers, prices=prices)
    by_verification = negotiation.verification_curve(drawn, levers={**levers, "concession": offer.concession})
    return {
        "prices": prices.summary(),
        "histogram": prices.histogram("break"),
        "curve": curve.to_rows(),
        "verification": by_verification.to_rows(),
        "zone": zone.summary(),
        "offer": offer.summary(),
        "findings": negotiation.findings(prices, curve, zone, offer),
    }


@st.cache_data(max_entries=4, show_spinner="Running the Sobol' analysis...")
def sobol_rows(spec: str, levers: tuple[float, float, float], output: str, n: int) -> list[dict]:
    return drivers.sobol(at_levers(spec, levers), output, n=n).to_rows()


@st.cache_data(max_entries=4, show_spinner="Screening the parameters (Morris)...")
def morris_rows(spec: str, levers: tuple[float, float, float], output: str, trajectories: int) -> list[dict]:
    return drivers.morris(at_levers(spec, levers), output, trajectories=trajectories).to_rows()


@st.cache_data(max_entries=4, show_spinner="Looking for the conditions of a break...")
def discovery(spec: str, levers: tuple[float, float, float], draws: int) -> dict:
    found = drivers.discover(at_levers(spec, levers), draws)
    return {"prim": found.prim.describe(), "trajectory": found.prim.to_rows(), "rules": found.cart_rules}


def from_yaml(spec: str) -> Scenario:
    """A scenario from its standalone YAML (the cache key: plain text hashes reliably)."""
    return load_scenario(parse_yaml(spec, "<app>"))


def at_levers(spec: str, levers: tuple[float, float, float]) -> Scenario:
    """The scenario ``spec`` with its (concession, verification, pressure) levers replaced."""
    return from_yaml(spec).updated({f"levers.{k}": v for k, v in zip(LEVER_ORDER, levers, strict=True)})


def curve_chart(rows: list[dict], lever: str) -> alt.LayerChart:
    """Lines with 95% bands for P(Distance), P(Sever) and P(any break) along ``lever``."""
    long = pd.DataFrame([
        {lever: r[lever], "outcome": label, "p": r[key], "low": r[f"{key}_low"], "high": r[f"{key}_high"]}
        for r in rows for key, label in (("break", "Any break"), ("distance", "Distance"), ("sever", "Sever"))
    ])
    base = alt.Chart(long).encode(x=alt.X(f"{lever}:Q", title=lever.capitalize()),
                                  color=alt.Color("outcome:N", title=None))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q", title="Probability"), y2="high:Q")
    tooltip = [lever, "outcome", alt.Tooltip("p:Q", format=".1%")]
    line = base.mark_line(point=True).encode(y="p:Q", tooltip=tooltip)
    return band + line


def morris_chart(rows: list[dict], top: int = 15) -> alt.LayerChart:
    """Mean absolute elementary effects (bars) with their 95% bootstrap intervals, largest first."""
    frame = pd.DataFrame(rows).nlargest(top, "mu_star")
    frame["low"] = (frame["mu_star"] - frame["mu_star_conf"]).clip(lower=0)
    frame["high"] = frame["mu_star"] + frame["mu_star_conf"]
    order = list(frame["name"])
    bars = alt.Chart(frame).mark_bar(opacity=0.7).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("mu_star:Q", title="Morris mu* (mean absolute effect over the parameter's range)"),
        tooltip=["name", alt.Tooltip("mu_star:Q", format=".3f"), alt.Tooltip("sigma:Q", format=".3f")])
    rules = alt.Chart(frame).mark_rule(color="black").encode(
        y=alt.Y("name:N", sort=order), x="low:Q", x2="high:Q")
    return bars + rules


def price_chart(histogram: list[dict]) -> alt.Chart:
    frame = pd.DataFrame(histogram)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("low:Q", bin="binned", title="Reservation price (concession)"), x2="high:Q",
        y=alt.Y("share:Q", title="Share of draws", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("low:Q", format=".2f"), alt.Tooltip("share:Q", format=".1%")])


def tornado_chart(rows: list[dict], kind: str, top: int = 15) -> alt.Chart:
    """Total-order indices (bars) with first-order ones (ticks), largest first."""
    frame = pd.DataFrame([r for r in rows if r["kind"] == kind]).nlargest(top, "ST")
    order = list(frame["name"])
    bars = alt.Chart(frame).mark_bar(opacity=0.7).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("ST:Q", title="Sobol' index (bar: total, tick: first order)"),
        tooltip=["name", alt.Tooltip("ST:Q", format=".3f"), alt.Tooltip("S1:Q", format=".3f")])
    ticks = alt.Chart(frame).mark_tick(color="black", thickness=2).encode(
        y=alt.Y("name:N", sort=order), x="S1:Q")
    return bars + ticks


def main() -> None:
    st.title("What would it take?")
    st.write("How large a US concession would make the Taliban break with al-Qaeda, and how sure can we "
             "be? The article suggests a break may be a chip held back for a major concession "
             "(Negotiations ¶4-5); here every Monte Carlo draw is one plausible world, solved at each "
             "concession.")
    scenario = _state.current_scenario()
    st.caption(f"Scenario: **{app_state.escape_markdown(scenario.name)}**, as set on the Scenario page.")
    spec = scenario.to_yaml()
    c2, c3, c4 = st.columns(3)
    draws = c2.selectbox("Draws", DRAW_CHOICES, index=1, key="wit_draws")
    verification = c3.slider("Verification", 0.0, 1.0, scenario.levers["verification"], 0.05,
                             key="wit_verification")
    pressure = c4.slider("Military pressure", 0.0, 1.0, scenario.levers["pressure"], 0.05,
                         key="wit_pressure")

    out = negotiate(spec, draws, verification, pressure)
    offer, zone, prices = out["offer"], out["zone"], out["prices"]["break"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Draws with a price", f"{prices['share_with_price']:.0%}")
    m2.metric("Median price", "none in [0, 1]" if prices["p50"] is None else f"{prices['p50']:.2f}")
    m3.metric("A bargaining zone exists", f"{zone['zone_exists']:.0%}")
    m4.metric("US best offer", f"{offer['concession']:.2f}")
    st.markdown("\n".join(f"- {line}" for line in out["findings"]))

    left, right = st.columns(2)
    with left:
        st.subheader("Acceptance curve")
        st.altair_chart(curve_chart(out["curve"], "concession"), width="stretch")
        st.caption("Probability of each move as the concession grows, with 95% Monte Carlo bands; the "
                   "same draws are re-solved at every point.")
    with right:
        st.subheader("The Taliban's price")
        st.altair_chart(price_chart(out["histogram"]), width="stretch")
        st.caption(f"Draws with no price in [0, 1] ({1 - prices['share_with_price']:.0%}) are not shown.")
    st.subheader(f"Verification, at the best offer ({offer['concession']:.2f})")
    st.altair_chart(curve_chart(out["verification"], "verification"), width="stretch")

    drivers_section(spec, draws, verification, pressure, offer["concession"])


def drivers_section(spec: str, draws: int, verification: float, pressure: float, offer: float) -> None:
    """Sobol' indices, Morris screening and scenario discovery, each run only when its button is pressed."""
    st.header("What drives the answer?")
    d1, d2, d3 = st.columns(3)
    concession = d1.slider("Concession analysed", 0.0, 1.0, offer, 0.05, key="wit_analysis_concession",
                           help="With no concession a break is rare, so there is little to explain.")
    output = d2.selectbox("Outcome", list(OUTPUT_LABELS), format_func=OUTPUT_LABELS.get, key="wit_output")
    n = d3.selectbox("Sobol' base sample", SOBOL_CHOICES, index=1, key="wit_sobol_n")
    levers = (concession, verification, pressure)
    rows = requested("sobol", "Run the sensitivity analysis", sobol_rows, spec, levers, output, n)
    if rows is not None:
        s1, s2 = st.columns(2)
        s1.altair_chart(tornado_chart(rows, "variable"), width="stretch")
        s2.altair_chart(tornado_chart(rows, "group"), width="stretch")
        st.caption("Left: single parameters; right: parameters grouped by factor. " + drivers.PRICE_NOTE)
    rows = requested("morris", "Screen every parameter (Morris, quicker)", morris_rows, spec, levers, output,
                     MORRIS_TRAJECTORIES)
    if rows is not None:
        st.altair_chart(morris_chart(rows), width="stretch")
        st.caption(f"Morris screening with {MORRIS_TRAJECTORIES} trajectories: a large mu* means the output "
                   "moves a lot as the parameter crosses its range; bars show 95% intervals.")
    found = requested("prim", "Find the conditions for a break", discovery, spec, levers, draws)
    if found is not None:
        st.write(found["prim"][0].upper() + found["prim"][1:] + ".")
        st.dataframe(pd.DataFrame(found["trajectory"]), hide_index=True)
        st.caption("A shallow classification tree gives a second view of the same question:")
        st.code(found["rules"], language="text")


def requested(name: str, label: str, compute, *args):
    """``compute(*args)`` once its button has been pressed for these very arguments (else ``None``);
    an analysis the scenario cannot support is explained instead."""
    if st.button(label, key=f"wit_run_{name}"):
        st.session_state[f"wit_{name}"] = args
    if st.session_state.get(f"wit_{name}") != args:
        return None
    try:
        return compute(*args)
    except ValueError as exc:
        st.warning(f"Not available here: {exc}. Try a larger concession or another outcome.")
        return None


main()
