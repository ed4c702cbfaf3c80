"""What history says: the model calibrated to the 1996-2018 record (docs/model.md, section 12b)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from sim.analysis.labels import label
from sim.engine.driver import sample
from sim.engine.intervals import Interval, format_probability
from sim.present.charts import prior_posterior
from sim.spec.scenario import load_scenario
from sim.timeline.calibration import calibrate, parameter_shifts, score
from sim.timeline.lambda_grid import SUGGESTED_GRID, weigh_lambda

REPLAY = "history-1996-2018"
SHOWN = 6   # densities drawn side by side for the parameters the record moves most
LAMBDA_DRAWS = 20_000   # prior draws behind the lambda weights at most (6 grid values: about 2 s)


@st.cache_data(max_entries=8, show_spinner="Weighting the prior draws by the record...")
def calibrated(draws: int, solution: str) -> dict:
    scenario = load_scenario(REPLAY)
    cal = calibrate(scenario, draws, None, solution, threads=2)
    rows = parameter_shifts(cal)
    params = sample(scenario, draws, cal.seed).params
    densities = {}
    for r in rows[:SHOWN]:
        x = np.asarray(params[r["parameter"]], dtype=float)
        edges = np.linspace(x.min(), x.max(), 31)
        prior = np.histogram(x, edges, density=True)[0]
        post = np.histogram(x, edges, weights=cal.weights, density=True)[0]
        densities[r["parameter"]] = {"x": ((edges[:-1] + edges[1:]) / 2).tolist(), "prior": prior.tolist(),
                                     "posterior": post.tolist()}
    scores = score(scenario, min(draws, 20_000), None, solution)["total"]
    return {"ess": cal.ess, "ess_untempered": cal.ess_untempered, "temperature": cal.temperature,
            "draws": cal.draws, "rows": rows, "densities": densities, "scores": scores}


@st.cache_data(max_entries=4, show_spinner="Weighing the QRE lambda by the record...")
def lambda_weights(draws: int) -> dict:
    """The record's weights on :data:`SUGGESTED_GRID` (``calibrate --lambda-grid``), or the reason the
    draws cannot support them."""
    try:
        return weigh_lambda(load_scenario(REPLAY), list(SUGGESTED_GRID), min(draws, LAMBDA_DRAWS), None,
                            threads=2).report()
    except ValueError as exc:
        return {"refused": str(exc)}


def lambda_section(draws: int) -> None:
    st.header("How rational does the record say the players are?")
    st.caption("Under the logit quantal response solution, lambda is how precisely each side picks its "
               "best move: 0 is play at random, large values approach the subgame-perfect play. Each "
               "value below is weighed by how likely it makes the record (a uniform prior on these "
               "values); the intervals are the Monte Carlo error of the prior draws.")
    out = lambda_weights(draws)
    if "refused" in out:
        st.info(out["refused"])
        return
    rows = out["lambdas"]
    texts = ["< 0.01%" if r["interval"][1] < 1e-4 else format_probability(
        Interval(r["probability"], *r["interval"], "delta method", float("inf"), out["draws"])) for r in rows]
    best = max(range(len(rows)), key=lambda i: rows[i]["probability"])
    st.markdown(f"The record favours **lambda {rows[best]['lambda']:g}**: {texts[best]} "
                f"({out['draws']:,} prior draws). The presets use lambda 10 when they use QRE.")
    st.dataframe(pd.DataFrame([{
        "lambda": r["lambda"], "P(lambda | record)": text,
        "log score at this lambda": r["log_marginal_likelihood"]["value"],
        "Monte Carlo error": r["log_marginal_likelihood"]["se"]}
        for r, text in zip(rows, texts, strict=True)]), hide_index=True)


st.title("What history says")
st.caption("The prior draws weighted by how likely each makes the record of 1996-2018 coded in the "
           "replay (posture, attacks abroad traced to Afghanistan, splits; each year cites its section "
           "or the public record). The analyst's prior stays the default everywhere else: the Scenario and "
           "Compare pages and a workshop's create form can switch to the calibrated model (100,000 prior "
           "draws, SPE); on the command line, alliance-sim calibrate writes a posterior that run, "
           "timeline and score take with --calibrated.")
left, right = st.columns(2)
draws = left.select_slider("Prior draws", [5_000, 20_000, 50_000, 100_000], value=20_000, key="hs_draws")
solution = right.radio("Solution", ["spe", "qre"], horizontal=True, key="hs_solution")
out = calibrated(draws, solution)
a, b, c = st.columns(3)
a.metric("Effective sample size (Kish)", f"{out['ess']:,.0f}")
b.metric("Untempered", f"{out['ess_untempered']:,.0f}")
c.metric("Temperature", f"{out['temperature']:.3g}")
st.header("Prior and posterior, side by side")
cols = st.columns(3)
for i, (name, d) in enumerate(out["densities"].items()):
    with cols[i % 3]:
        st.vega_lite_chart(prior_posterior(label(name), list(d["x"]), list(d["prior"]), list(d["posterior"])),
                           width="stretch")
st.header("What the record informs, ranked")
st.dataframe(pd.DataFrame([{
    "parameter": label(r["parameter"]), "prior median": r["prior"]["median"],
    "posterior median": r["posterior"]["median"], "shift (prior sd)": r["shift"],
    "informed": "yes" if r["informed"] else "no: the record cannot inform it"} for r in out["rows"]]),
    hide_index=True)
s = out["scores"]
st.header("The record's log score (higher is better)")
st.dataframe(pd.DataFrame([{"reading": k, "log score": v["value"], "Monte Carlo error": v["se"]}
                           for k, v in s.items()]), hide_index=True)
st.caption("The full model against the material lens is the article's puzzle as a number "
           "(Negotiations ¶2); the baseline gives each observation the record's own base rate.")
lambda_section(draws)
