"""Over time page: the alliance year by year, the article's record replayed by default."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from sim.app import timeline_links as links
from sim.app.timeline_editor import COLUMN_SPECS, COLUMNS, MAX_TEXT, events_to_rows, rows_to_events
from sim.present.settings import escape_markdown
from sim.present.timeline_charts import sever_year_headline, shares_chart, survival_chart
from sim.spec.scenario import MAX_FILE_BYTES, ScenarioError, load_scenario, preset_names
from sim.spec.timeline_section import Event
from sim.timeline import parse_timeline, project
from sim.timeline.engine import MAX_YEARS, default_span
from sim.timeline.summary import summary

REPLAY = "history-1996-2018"


@st.cache_data(max_entries=16, show_spinner="Running the years...")
def projected(name: str, events: str, years: int, draws: int, solution: str) -> dict:
    scenario = load_scenario(name, {"timeline.events": json.loads(events)})
    return summary(project(scenario, years=years, draws=draws, solution=solution))


def _column(c):
    """The Streamlit column of one typed column of the events table."""
    if c.kind == "yes_no":
        return st.column_config.CheckboxColumn(c.label, help=c.help, default=False)
    if c.kind == "choice":
        return st.column_config.SelectboxColumn(c.label, help=c.help, options=list(c.options))
    if c.kind == "text":
        return st.column_config.TextColumn(c.label, help=c.help, max_chars=MAX_TEXT)
    whole = c.kind == "whole"
    return st.column_config.NumberColumn(c.label, help=c.help, min_value=c.low, max_value=c.high,
                                         step=1 if whole else 0.001, format="%d" if whole else None,
                                         pinned=whole or None)   # the year stays in view


def edited_events(name: str, own: list[dict]) -> list[dict]:
    """The scripted events as edited in the table; those it started from if the edits do not validate."""
    st.header("Scripted events")
    st.caption("One row per event, one column per kind of event: tick what happens, type numbers within "
               "their ranges, pick the offer's terms. Add or delete rows; rows are put in year order. The "
               "link keeps the events (their notes travel in the YAML download).")
    base = st.session_state.get(f"ot_base_{name}", own)
    table = pd.DataFrame(events_to_rows([Event.model_validate(e) for e in base]), columns=list(COLUMNS))
    version = st.session_state.get(f"ot_version_{name}", 0)
    rows = st.data_editor(table, num_rows="dynamic", key=f"ot_events_{name}_{version}", hide_index=True,
                          width="stretch", column_order=COLUMNS,
                          column_config={c.key: _column(c) for c in COLUMN_SPECS})
    try:
        events = rows_to_events(rows.to_dict("records"))
        scenario = load_scenario(name, {"timeline.events": events})
    except ScenarioError as exc:
        st.error(escape_markdown(f"The edited events are not used: {exc}"))
        events = base
        scenario = load_scenario(name, {"timeline.events": events})
    st.download_button("Download the scenario with these events (YAML)", scenario.to_yaml(),
                       file_name=f"{name}-timeline.yaml", mime="application/yaml")
    st.file_uploader("Load events from a scenario file this page downloaded (YAML, at most 1 MB)",
                     type=["yaml", "yml"], key=links.UPLOAD_KEY, on_change=_uploaded, max_upload_size=1)
    got = st.session_state.get("ot_upload_result")
    if got is not None:
        for problem in got.problems:
            st.error(escape_markdown(f"The file is not loaded: {problem}"))
        if got.events is not None:
            st.success(escape_markdown(f"Loaded {len(got.events)} events of {got.scenario} from {got.file}."))
        if got.unused:
            st.info(escape_markdown(f"Only the file's events are used here; its {', '.join(got.unused)} "
                                    f"differ from the {got.scenario} preset's."))
    return events


def _uploaded() -> None:
    file = st.session_state.get(links.UPLOAD_KEY)
    if file is not None:   # read no more than one byte past the limit
        data = file.read(MAX_FILE_BYTES + 1)
        links.take_upload(st.session_state, links.events_from_upload(data, file.name, preset_names()))


def restore_from_link(names: list[str]) -> dict:
    """On the page's first run, seed its widgets and events from the link (naming anything ignored)."""
    if "ot_restored" in st.session_state:
        return {}
    st.session_state["ot_restored"] = True
    query = st.query_params.to_dict()
    link = links.from_query(query, names)
    for key in ("ot_scenario", "ot_draws", "ot_solution"):
        if key in link.settings:
            st.session_state[key] = link.settings[key]
    problems = list(link.problems)
    scenario = link.settings.get("ot_scenario", REPLAY)
    events, faults = links.events_from_link(query, scenario)
    if events is not None:
        st.session_state[f"ot_base_{scenario}"] = events
    if faults:
        problems.append("its events are not used, the scenario's own are: " + "; ".join(faults))
    for problem in problems:
        st.warning(escape_markdown(f"In the link: {problem}"))
    return link.settings


def main() -> None:
    st.title("Over time")
    st.caption("One stage game a year for every trajectory. Each trajectory draws the scenario's uncertain "
               "parameters once; deaths, surges, attacks and detections are drawn year by year, and the "
               "state (legitimacy, standing, the memory of retaliation, the deal, who governs) carries "
               "from one year to the next. Players weigh each year alone: nobody looks ahead.")
    names = preset_names()
    restored = restore_from_link(names)
    left, mid, right = st.columns(3)
    # A widget takes its default only when the link (session state) has not set it already.
    st.session_state.setdefault("ot_scenario", REPLAY)
    st.session_state.setdefault("ot_draws", 2_000)
    name = left.selectbox("Scenario", names, key="ot_scenario")
    spec = parse_timeline(load_scenario(name).timeline, name)
    years_key = f"ot_years_{name}"   # each scenario its own span
    st.session_state.setdefault(years_key, restored.get("ot_years", default_span(spec)))
    years = mid.slider("Years", 1, MAX_YEARS, key=years_key)
    draws = right.select_slider("Trajectories", list(links.TRAJECTORIES), key="ot_draws")
    solution = st.radio("Solution", links.SOLUTIONS, horizontal=True, key="ot_solution",
                        format_func=lambda s: {"spe": "subgame perfect", "qre": "logit QRE"}[s])
    own = [e.model_dump(exclude_defaults=True) for e in spec.events]
    results, table = st.container(), st.container()
    with table:
        events = edited_events(name, own)
    query = links.to_query(name, years, draws, solution)
    kept = links.events_query(events, own)
    query.update(kept)
    st.query_params.from_dict(query)
    if not kept and len(links.encode_events(events)) > links.MAX_EVENTS_CHARS:
        table.caption("These events are too many for the link to keep; download the YAML to keep them.")
    with results:
        show_results(name, spec, events, years, draws, solution)


def show_results(name: str, spec, events: list[dict], years: int, draws: int, solution: str) -> None:
    """The survival curve, the yearly shares and the deal's fate of the projection with ``events``."""
    data = projected(name, json.dumps(events), years, draws, solution)
    spec = spec.model_copy(update={"events": [Event.model_validate(e) for e in events]})
    end = data["survival"][-1]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"P(alliance not severed) by {end['year']}",
              f"{end['p_alliance']:.1%} ({end['lo']:.1%}-{end['hi']:.1%})")
    sy = data["sever_year"]
    c2.metric(*sever_year_headline(sy), help="Among the trajectories that sever; a median year is shown only "
              "when most trajectories sever, since otherwise the typical trajectory never does.")
    deal = data["deal"]
    c3.metric("Deals delivered / signed", f"{deal['delivered']:,} / {deal['signed']:,}")
    st.header("Survival of the alliance (dashed: scripted events)")
    st.vega_lite_chart(survival_chart(data, spec.events), width="stretch")
    st.header("Shares per year")
    st.vega_lite_chart(shares_chart(data), width="stretch")
    st.caption(escape_markdown(f"Deal: voided by a move short of its terms {deal['voided_by_move']:,}, by "
                               f"detection {deal['voided_by_detection']:,}, by an attack "
                               f"{deal['voided_by_attack']:,}; ended by a withdrawal without delivery "
                               f"{deal['ended_by_withdrawal']:,}. "
                               f"Command line: alliance-sim timeline {name}."))


main()
