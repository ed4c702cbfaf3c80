"""Scenario page: pick a preset, set the US levers and every parameter, read the results, share them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from app_pages import _state
from sim import app_state
from sim.charts import histogram, outcome_bars
from sim.efg import scenario_efg
from sim.explain import HEADLINE_HELP, Analysis, headlines, utility_headlines
from sim.parameters import CATALOGUE, GROUPS, LEVERS, ParamInfo
from sim.report import MAX_DOWNLOAD_DRAWS, per_draw_csv, summary_csv
from sim.scenario import Param, Scenario, ScenarioError, preset_names
from sim.tree_view import CAPTION as TREE_CAPTION
from sim.tree_view import tree_dot

UPLOAD, UPLOAD_PROBLEMS, PRESET_CHOICE = "upload", "upload_problems", "preset_choice"
#: Abbreviations in parameter names, spelled out in their labels.
WORDS = {"aq": "al-Qaeda", "is": "IS", "us": "US"}
CONCEPT_NAMES = {"spe": "Subgame-perfect equilibrium", "qre": "Logit quantal response (QRE)"}


def _key(path: str, value: Any) -> str:
    """The widget key of a setting, seeded with ``value`` if the widget has no state yet."""
    key = _state.WIDGET + path
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _label(name: str) -> str:
    words = [WORDS.get(w, w) for w in name.split("_")]
    return " ".join([words[0][0].upper() + words[0][1:], *words[1:]])


# ----------------------------------------------------------------------------- choosing a start


def _uploaded_label() -> str:
    return f"Uploaded: {_state.base_scenario().name}"


def _on_preset_choice() -> None:
    choice = st.session_state[PRESET_CHOICE]
    if choice in preset_names():
        _state.switch_preset(choice)
        st.session_state[UPLOAD_PROBLEMS] = []


def _on_upload() -> None:
    """Load an uploaded file as the new start, or name its problems and keep the current settings."""
    uploaded = st.session_state[UPLOAD]
    if uploaded is None:
        return
    try:
        scenario = app_state.scenario_from_upload(uploaded.name, uploaded.getvalue())
    except ScenarioError as exc:
        st.session_state[UPLOAD_PROBLEMS] = [str(p) for p in exc.problems]
        return
    st.session_state[UPLOAD_PROBLEMS] = []
    _state.start_from(scenario, None)
    st.session_state[PRESET_CHOICE] = _uploaded_label()


def preset_picker() -> None:
    options = preset_names()
    if _state.current_preset() is None:
        options = [_uploaded_label(), *options]
    st.session_state.setdefault(PRESET_CHOICE, _state.current_preset() or _uploaded_label())
    st.selectbox("Start from a preset", options, key=PRESET_CHOICE, on_change=_on_preset_choice,
                 help="Switching preset resets the levers and parameters (draws and seed are kept).")
    st.caption(app_state.escape_markdown(_state.base_scenario().description))


# ----------------------------------------------------------------------------- the inputs


def lever_inputs(values: dict[str, Any]) -> dict[str, Any]:
    """The US levers, solution concept and run settings, in the sidebar."""
    side = st.sidebar
    side.header("US levers")
    out = {}
    for lever, meaning in LEVERS.items():
        path = f"levers.{lever}"
        out[path] = side.slider(_label(lever), 0.0, 1.0, step=0.05, key=_key(path, values[path]),
                                help=meaning)
    side.header("Solution")
    out["solution.concept"] = side.radio(
        "Solution concept", list(CONCEPT_NAMES), format_func=CONCEPT_NAMES.get,
        key=_key("solution.concept", values["solution.concept"]))
    out["solution.lambda"] = side.number_input(
        "QRE precision lambda", 0.0, 1e6, step=1.0, key=_key("solution.lambda", values["solution.lambda"]),
        disabled=out["solution.concept"] != "qre",
        help="0 is random play; large values approach the subgame-perfect equilibrium.")
    side.header("Run")
    low, high = app_state.RUN_LIMITS["run.draws"]
    out["run.draws"] = side.number_input("Monte Carlo draws", low, high, step=10_000,
                                         key=_key("run.draws", values["run.draws"]))
    low, high = app_state.RUN_LIMITS["run.seed"]
    out["run.seed"] = side.number_input("Seed", low, high, step=1, key=_key("run.seed", values["run.seed"]))
    if _state.current_preset() is None:
        side.caption("A link cannot carry an uploaded file: share the settings' YAML download instead.")
    else:
        side.caption("The address bar holds every setting that differs from the preset: copy it to share "
                     "this view.")
    return out


def parameter_inputs(base: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """Every parameter, one expander per group: its central value and, if uncertain, its range."""
    out: dict[str, Any] = {}
    for group, title in GROUPS.items():
        with st.expander(title):
            for info in (i for i in CATALOGUE if i.group == group):
                out.update(parameter_input(info, base.params[info.name], values))
    return out


def parameter_input(info: ParamInfo, param: Param, values: dict[str, Any]) -> dict[str, Any]:
    """A value slider within the catalogue's bounds (and within the range, when there is one), or,
    with "Fix at" on, anywhere in the catalogue's bounds with no uncertainty."""
    path = f"parameters.{info.name}"
    step = app_state.slider_step(info.low, info.high)
    tip = f"{param.meaning} ({param.section})"
    left, right = st.columns(2)
    key = _key(f"{path}.value", values[f"{path}.value"])
    fixed_key = _key(f"{path}.fixed", app_state.fix_path(info.name) in _state.current_edits())
    if right.toggle("Fix at a value", key=fixed_key, help="Drop the uncertainty and set any value in "
                    f"[{info.low:g}, {info.high:g}], inside or outside the preset's range."):
        return {app_state.fix_path(info.name): left.slider(_label(info.name), info.low, info.high, step=step,
                                                           key=key, help=tip)}
    out: dict[str, Any] = {}
    low, high = info.low, info.high
    if param.uncertain and param.dist.low is not None and param.dist.high is not None:
        start = tuple(values.get(f"{path}.dist.{end}", getattr(param.dist, end)) for end in ("low", "high"))
        low, high = right.slider(
            f"{_label(info.name)}: uncertainty range ({param.dist.kind})", info.low, info.high, step=step,
            key=_key(f"{path}.dist", start), help=tip)
        out[f"{path}.dist.low"], out[f"{path}.dist.high"] = low, high
    if low < high:
        # Keep the central value inside the range the user has just set.
        st.session_state[key] = min(max(st.session_state[key], low), high)
    else:
        low, high = info.low, info.high
    out[f"{path}.value"] = left.slider(_label(info.name), low, high, step=step, key=key, help=tip)
    return out


# ----------------------------------------------------------------------------- the results


def results(scenario: Scenario, analysis: Analysis) -> None:
    result = analysis.result
    shown = headlines(result)
    for col, h in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(h.label, h.value_text(), help=f"{HEADLINE_HELP[h.key]} Below: how its uncertainty was "
                   "measured.")
        col.caption(h.uncertainty_text())
    if st.toggle("Each player's expected utility", key="show_utility"):
        for col, h in zip(st.columns(4), utility_headlines(result), strict=False):
            col.metric(h.label, h.value_text(), help=HEADLINE_HELP["utility"])
            col.caption(h.uncertainty_text())
    left, right = st.columns(2)
    with left:
        st.markdown("**Outcomes** (bars: 95% Monte Carlo intervals)")
        st.vega_lite_chart(outcome_bars({scenario.name: result}), width="stretch")
    with right:
        st.markdown("**The Taliban's net value of the alliance** (over its best way out)")
        net_value = result.per_draw["net_alliance_value"]
        st.vega_lite_chart(histogram(net_value, "utility points"), width="stretch")
    st.subheader("Why")
    st.markdown("\n".join(analysis.explanation))
    st.subheader("The game tree")
    st.caption(TREE_CAPTION)
    st.graphviz_chart(tree_dot(analysis.tree), width="stretch")


def import_export(scenario: Scenario, analysis: Analysis) -> None:
    st.header("Import and export")
    left, right = st.columns(2)
    # No ``type=`` filter: a file of another type gets our message, not Streamlit's exception.
    left.file_uploader(f"Load a scenario file (YAML, at most {app_state.MAX_UPLOAD_MB} MB)",
                       key=UPLOAD, max_upload_size=app_state.MAX_UPLOAD_MB, on_change=_on_upload)
    problems = st.session_state.get(UPLOAD_PROBLEMS)
    if problems:
        left.error("The file was not loaded; your settings are unchanged.\n\n"
                   + "\n".join(f"- {app_state.escape_markdown(p)}" for p in problems))
    name = app_state.download_stem(dt.date.today())
    saved = app_state.for_download(scenario, _state.current_preset(), dt.date.today())
    right.download_button("Settings (YAML, runs with `alliance-sim run FILE`)", saved.to_yaml(),
                          file_name=f"{name}.yaml", mime="application/yaml", on_click="ignore")
    right.download_button("Results summary (CSV)", summary_csv(analysis.result),
                          file_name=f"{name}-summary.csv", mime="text/csv", on_click="ignore")
    right.download_button(f"Results for every draw (CSV, at most {MAX_DOWNLOAD_DRAWS:,})",
                          # Fetched when asked for: a session keeps no per-draw arrays of its own.
                          lambda: per_draw_csv(_state.analysis_of(scenario).result),
                          file_name=f"{name}-draws.csv", mime="text/csv", on_click="ignore")
    right.download_button("Game at the central values (Gambit .efg)", lambda: scenario_efg(scenario),
                          file_name=f"{name}.efg", mime="text/plain", on_click="ignore")


# ----------------------------------------------------------------------------- the page


def main() -> None:
    st.title("The Taliban and al-Qaeda: what holds the alliance?")
    notices = _state.pop_link_notices()
    if notices:
        st.warning("Some settings in the link were ignored:\n\n"
                   + "\n".join(f"- {app_state.escape_markdown(n)}" for n in notices))
    preset_picker()
    base = _state.base_scenario()
    values = app_state.editable_values(_state.current_scenario())
    shown = lever_inputs(values)
    results_area = st.container()
    st.header("Parameters")
    st.caption("Each parameter has a central value and, if uncertain, a range its draws come from; hover "
               "over a name for its meaning and the article section it rests on.")
    shown.update(parameter_inputs(base, values))
    edits = app_state.edits(base, shown)
    try:
        scenario = base.updated(edits)
        st.session_state[_state.EDITS] = edits
    except ScenarioError as exc:
        faults = [app_state.escape_markdown(f"{p.path}: {p.message}") for p in exc.problems]
        results_area.error("These settings do not fit together, so the results below use your last valid "
                           "settings:\n\n" + "\n".join(f"- {f}" for f in faults))
        scenario = _state.current_scenario()
    analysis = _state.analysis_of(scenario)
    with results_area:
        results(scenario, analysis)
    import_export(scenario, analysis)
    query = app_state.to_query(_state.current_preset(), _state.current_edits())
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


main()
