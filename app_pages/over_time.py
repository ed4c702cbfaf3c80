"""Over time page: the alliance year by year, the article's record replayed by default."""

from __future__ import annotations

import streamlit as st

from sim.app_state import escape_markdown
from sim.scenario import load_scenario, preset_names
from sim.timeline import parse_timeline, project
from sim.timeline.charts import shares_chart, survival_chart
from sim.timeline.engine import MAX_YEARS, default_span
from sim.timeline.summary import summary

REPLAY = "history-1996-2018"
MAX_APP_TRAJECTORIES = 20_000


@st.cache_data(max_entries=16, show_spinner="Running the years...")
def projected(name: str, years: int | None, draws: int, solution: str) -> dict:
    return summary(project(load_scenario(name), years=years, draws=draws, solution=solution))


def main() -> None:
    st.title("Over time")
    st.caption("One stage game a year for every trajectory. Each trajectory draws the scenario's uncertain "
               "parameters once; deaths, surges, attacks and detections are drawn year by year, and the "
               "state (legitimacy, standing, the memory of retaliation, the deal, who governs) carries "
               "from one year to the next. Players weigh each year alone: nobody looks ahead.")
    names = preset_names()
    left, mid, right = st.columns(3)
    name = left.selectbox("Scenario", names, index=names.index(REPLAY), key="ot_scenario")
    spec = parse_timeline(load_scenario(name).timeline, name)
    years = mid.slider("Years", 1, MAX_YEARS, default_span(spec), key=f"ot_years_{name}")  # each its own span
    draws = right.select_slider("Trajectories", [500, 1_000, 2_000, 5_000, 10_000, MAX_APP_TRAJECTORIES],
                                value=2_000, key="ot_draws")
    solution = st.radio("Solution", ("spe", "qre"), horizontal=True, key="ot_solution",
                        format_func=lambda s: {"spe": "subgame perfect", "qre": "logit QRE"}[s])
    data = projected(name, years, draws, solution)
    end = data["survival"][-1]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"P(alliance not severed) by {end['year']}",
              f"{end['p_alliance']:.1%} ({end['lo']:.1%}-{end['hi']:.1%})")
    sy = data["sever_year"]
    c2.metric("Median year of a Sever", "none" if sy["median"] is None else str(sy["median"]))
    deal = data["deal"]
    c3.metric("Deals delivered / signed", f"{deal['delivered']:,} / {deal['signed']:,}")
    st.subheader("Survival of the alliance (dashed: scripted events)")
    st.vega_lite_chart(survival_chart(data, spec.events), width="stretch")
    st.subheader("Shares per year")
    st.vega_lite_chart(shares_chart(data), width="stretch")
    if spec.events:
        st.subheader("Scripted events")
        st.dataframe([{"year": e.year, "what": e.note, "section": e.section} for e in spec.events],
                     hide_index=True, width="stretch")
    st.caption(escape_markdown(f"Deal: voided by detection {deal['voided_by_detection']:,}, by an attack "
                               f"{deal['voided_by_attack']:,}. Command line: alliance-sim timeline {name}."))


main()
