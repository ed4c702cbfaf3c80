"""Scenario page: pick a preset, set the US levers and every parameter, read the results, share them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from app_pages import _state
from sim.analysis.labels import label as parameter_label
from sim.app.calibrated import MEANING, Model, calibrated_command, sample_of
from sim.model.efg import scenario_efg
from sim.present import settings as app_state
from sim.present.brief import Brief, brief_for, brief_html, reproduce_command
from sim.present.charts import histogram, histogram_rows, outcome_bars, outcome_rows
from sim.present.explain import HEADLINE_HELP, Analysis, utility_headlines
from sim.present.layout import PAGE_CSS, PHONE_COPY, PHONE_START, PRESET_CHOICE, REST, REST_SCRIPT
from sim.present.numbers import headline_figures, percent_text
from sim.present.play import line_of_play_text
from sim.present.report import MAX_DOWNLOAD_DRAWS, per_draw_csv, summary_csv
from sim.present.start import INTRO, QUESTIONS, Question
from sim.present.tree_view import CAPTION as TREE_CAPTION
from sim.present.tree_view import tree_dot
from sim.present.words import as_plain_markdown, description, lever_words, upload_start
from sim.spec.parameters import CATALOGUE, GROUPS, LEVERS, ParamInfo
from sim.spec.scenario import Param, Scenario, ScenarioError, preset_names

UPLOAD, UPLOAD_PROBLEMS = "upload", "upload_problems"
#: Keys of the parameter groups' expanders (``group:<group>``).
GROUP = "group:"
#: Keys of the charts' "Data as table" expanders (``table:<chart>``).
TABLE = "table:"
#: The name of the file the current settings were uploaded from.
UPLOAD_NAME = "upload_name"
#: Set once a session's first run has drawn its first view (the headlines only).
FIRST_VIEW_DRAWN = "first_view_drawn"
#: Set by a starting question: scroll to the answer on the next run.
SCROLL = "scroll_to_answer"
ANSWER_ANCHOR = "answer"
SCROLL_SCRIPT = (f"<script>setTimeout(() => document.getElementById('{ANSWER_ANCHOR}')"
                 "?.scrollIntoView({behavior: 'smooth'}), 400);</script>")
UTILITY_POINTS = ("**Utility points** are the Taliban leadership's yardstick for gains and costs: 1.0 is "
                  "about what it would value a phased US withdrawal.")
BRIEF_HELP = ("The scenario, levers in words, headline figures with 95% intervals, prices, line of play, "
              "what separates keeping from a Sever, a restoring link and the command line.")
PRESET_HELP = "Switching preset resets the levers and parameters (draws and seed are kept)."
CONCEPT_NAMES = {"spe": "Subgame-perfect equilibrium", "qre": "Logit quantal response (QRE)"}


def _key(path: str, value: Any) -> str:
    """The widget key of a setting, seeded with ``value`` if the widget has no state yet."""
    key = _state.WIDGET + path
    if key not in st.session_state:
        st.session_state[key] = value
    return key


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
    st.session_state[UPLOAD_NAME] = uploaded.name


def _ask(question: Question) -> None:
    """Start from the question's preset, set the levers it names and scroll to the answer."""
    _state.switch_preset(question.preset)
    st.session_state[PRESET_CHOICE] = question.preset
    st.session_state[UPLOAD_PROBLEMS] = []
    for lever, value in question.levers.items():
        st.session_state[_state.WIDGET + f"levers.{lever}"] = value
    st.session_state[SCROLL] = True


def guided_start(suffix: str = "") -> None:
    """The starting questions; ``suffix`` names the phone's copy (see :func:`start_for_phones`)."""
    with st.container(key=f"guided_start{suffix}"):
        st.markdown(INTRO)
        for col, q in zip(st.columns(len(QUESTIONS)), QUESTIONS, strict=True):
            col.button(q.text, key=f"ask_{q.key}{suffix}", on_click=_ask, args=(q,), width="stretch",
                       help=f"Sets {q.settings_text()} and shows the answer.")


def _preset_options() -> list[str]:
    options = preset_names()
    return options if _state.current_preset() is not None else [_uploaded_label(), *options]


def preset_picker() -> st.delta_generator.DeltaGenerator:
    """The preset picker; returns the place for the description, filled once the edits are known."""
    st.session_state.setdefault(PRESET_CHOICE, _state.current_preset() or _uploaded_label())
    st.selectbox("Start from a preset", _preset_options(), key=PRESET_CHOICE, on_change=_on_preset_choice,
                 help=PRESET_HELP)
    return st.empty()


def _on_phone_preset_choice() -> None:
    st.session_state[PRESET_CHOICE] = st.session_state[PRESET_CHOICE + PHONE_COPY]
    _on_preset_choice()


def start_for_phones() -> st.delta_generator.DeltaGenerator:
    """The starting questions and the preset picker again, after the results, shown only on a phone
    (``sim.present.layout``): there the first screen is the levers and the headlines, and a copy in
    the document's own order, rather than the top one drawn lower, keeps the keyboard's and a screen
    reader's order the order on the screen. The top copy is hidden there, so each is in the page
    once. Returns the place for this copy's description of the start."""
    with st.container(key=PHONE_START):
        guided_start(PHONE_COPY)
        # The copy shows the choice the top picker holds (a widget's value may be set before it is drawn).
        st.session_state[PRESET_CHOICE + PHONE_COPY] = st.session_state[PRESET_CHOICE]
        st.selectbox("Start from a preset", _preset_options(), key=PRESET_CHOICE + PHONE_COPY,
                     on_change=_on_phone_preset_choice, help=PRESET_HELP)
        return st.empty()


def start_words() -> tuple[str, str]:
    """What the settings start from, and its description: a preset's own, or an uploaded file's
    (which may have only inherited that of the preset it extends)."""
    base, preset = _state.base_scenario(), _state.current_preset()
    if preset is not None:
        return preset, base.description
    return upload_start(st.session_state.get(UPLOAD_NAME, "your file"), base)


def describe_start(*places: st.delta_generator.DeltaGenerator) -> None:
    """The start's own description, or "Edited from PRESET: ..." once anything differs, in each place."""
    start, own = start_words()
    words = as_plain_markdown(description(start, own, _state.current_edits()))
    for place in places:
        place.caption(words)


# ----------------------------------------------------------------------------- the inputs


def lever_inputs(values: dict[str, Any]) -> dict[str, Any]:
    """The US levers at the top of the main column, each with its value in words."""
    out = {}
    with st.container(key="levers"):
        for col, (lever, meaning) in zip(st.columns(len(LEVERS)), LEVERS.items(), strict=True):
            path = f"levers.{lever}"
            out[path] = col.slider(parameter_label(lever), 0.0, 1.0, step=0.05, key=_key(path, values[path]),
                                   help=meaning)
            col.caption(f"{out[path]:g}: {lever_words(lever, out[path])}")
    return out


def run_inputs(values: dict[str, Any]) -> dict[str, Any]:
    """The solution concept and run settings, in the sidebar."""
    side = st.sidebar
    out = {}
    side.header("Model")
    if _state.model_switch(side):
        side.caption(MEANING + " The calibrated model runs on the posterior's resampled rows: the Monte "
                     "Carlo draws below do not apply to it.")
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


def group_key(group: str) -> str:
    """The key of a parameter group's expander (open or closed)."""
    return f"{GROUP}{group}"


def parameter_inputs(base: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """Every parameter, one expander per group: its central value and, if uncertain, its range.

    A group's sliders are drawn only while it is open (a hundred-odd sliders would slow every first
    view); a closed group keeps the edits already made to its parameters.
    """
    out: dict[str, Any] = {}
    edits = _state.current_edits()
    for group, title in GROUPS.items():
        infos = [i for i in CATALOGUE if i.group == group]
        with st.expander(title, key=group_key(group), on_change="rerun") as box:
            if box.open:
                for info in infos:
                    out.update(parameter_input(info, base.params[info.name], values))
            else:
                names = {f"parameters.{i.name}" for i in infos}
                out.update({k: v for k, v in edits.items() if ".".join(k.split(".")[:2]) in names})
    return out


def parameter_input(info: ParamInfo, param: Param, values: dict[str, Any]) -> dict[str, Any]:
    """A value slider within the catalogue's bounds (and within the range, when there is one), or,
    with "Fix at" on, anywhere in the catalogue's bounds with no uncertainty."""
    path = f"parameters.{info.name}"
    step = app_state.slider_step(info.low, info.high)
    tip, label = f"{param.meaning} ({param.section})", parameter_label(info.name)
    left, right = st.columns(2)
    key = _key(f"{path}.value", values[f"{path}.value"])
    fixed_key = _key(f"{path}.fixed", app_state.fix_path(info.name) in _state.current_edits())
    if right.toggle("Fix at a value", key=fixed_key, help="Drop the uncertainty and set any value in "
                    f"[{info.low:g}, {info.high:g}], inside or outside the preset's range."):
        return {app_state.fix_path(info.name): left.slider(label, info.low, info.high, step=step, key=key,
                                                           help=tip)}
    out: dict[str, Any] = {}
    low, high = info.low, info.high
    if param.uncertain and param.dist.low is not None and param.dist.high is not None:
        start = tuple(values.get(f"{path}.dist.{end}", getattr(param.dist, end)) for end in ("low", "high"))
        low, high = right.slider(
            f"{label}: uncertainty range ({param.dist.kind})", info.low, info.high, step=step,
            key=_key(f"{path}.dist", start), help=tip)
        out[f"{path}.dist.low"], out[f"{path}.dist.high"] = low, high
    if low < high:
        # Keep the central value inside the range the user has just set.
        st.session_state[key] = min(max(st.session_state[key], low), high)
    else:
        low, high = info.low, info.high
    out[f"{path}.value"] = left.slider(label, low, high, step=step, key=key, help=tip)
    return out


# ----------------------------------------------------------------------------- the results


def results(scenario: Scenario, analysis: Analysis, model: Model, rest: bool = True) -> None:
    """The answer: the headlines and, unless ``rest`` is false, the charts, the reasons and the tree."""
    result = analysis.result
    st.header("The answer", anchor=ANSWER_ANCHOR)
    if model.refused:
        st.warning(app_state.escape_markdown(model.refused.capitalize()))
    with st.container(key="model_named"):
        st.caption(app_state.escape_markdown(f"Model: {model.label}."))
    st.caption(f"Shares of {result.draws:,} Monte Carlo draws, each with its 95% interval; the prices are "
               "the median US concession (0 nothing to 1 full withdrawal) that would buy a Sever, or a "
               "public pledge.")
    figures = headline_figures(result)
    with st.container(key="headlines"):
        for col, f in zip(st.columns(len(figures)), figures, strict=True):
            col.metric(f.label, f.text, help=f.meaning)
            if f.note:
                col.caption(f.note)
    if not rest:
        rest_to_come()
        return
    if st.toggle("Each player's expected utility", key="show_utility"):
        for col, h in zip(st.columns(4), utility_headlines(result), strict=False):
            col.metric(h.label, h.value_text(), help=HEADLINE_HELP["utility"])
            col.caption(h.uncertainty_text())
    left, right = st.columns(2)
    with left:
        st.markdown("**Outcomes** (bars: 95% intervals)")
        st.caption(app_state.escape_markdown(f"Model: {model.label}."))
        st.vega_lite_chart(outcome_bars({scenario.name: result}), width="stretch")
        data_table("outcomes", lambda: [
            {"outcome": r["outcome"],
             "share of draws (95% interval)": percent_text(r["probability"], r["low"], r["high"])}
            for r in outcome_rows({scenario.name: result})])
    with right:
        st.markdown("**The Taliban's net value of the alliance** over its best way out, in utility points")
        net_value = result.per_draw["net_alliance_value"]
        st.vega_lite_chart(histogram(net_value, "utility points"), width="stretch")
        st.caption("Right of the dashed line at 0 the alliance is worth more to the leadership than "
                   "its best way out. " + app_state.escape_markdown(f"Model: {model.label}."))
        data_table("net_value", lambda: [
            {"from": round(r["start"], 3), "to": round(r["end"], 3), "share of draws": f"{r['share']:.1%}"}
            for r in histogram_rows(net_value)])
    st.markdown(UTILITY_POINTS)
    st.header("Why")
    st.markdown("\n".join(analysis.explanation))
    game_tree(analysis)


def rest_to_come() -> None:
    """Stands in for the rest of the page on a session's first view, and asks for it once the
    browser shows that view.

    A browser showed the headline numbers only once it had drawn most of the page. With the charts,
    the reasons, the game tree, the parameters and the import box, a new session's headlines took
    about 5 s to show here, against about 3.5 s without them (Chromium, 1440 px). So a session's
    first run draws the headlines and this note, and ``REST_SCRIPT`` presses a hidden button once
    the headlines are on the screen: a full run, which draws everything. A timer instead (a
    fragment's ``run_every``) was tried: in a browser new to the app, which loads each kind of
    element's script as it first meets it, the timer often fired before the headlines were shown,
    and both came at once.
    """
    st.caption("Drawing the charts, the reasons behind the numbers and the game tree …")
    st.button("Draw the rest of the page", key=REST)
    st.html(REST_SCRIPT, unsafe_allow_javascript=True)


def data_table(chart: str, rows: Callable[[], list[dict[str, Any]]]) -> None:
    """A chart's numbers as a plain HTML table (st.table, which screen readers read, not the data
    grid's canvas and its scripts), under "Data as table", drawn only while that is open. Drawn
    closed, the two tables' cells were 135 of a first view's 219 markdown elements, which the
    browser renders before it shows the headline numbers."""
    with st.expander("Data as table", key=f"{TABLE}{chart}", on_change="rerun") as box:
        if box.open:
            st.table(rows(), hide_index=True)


def game_tree(analysis: Analysis) -> None:
    """The tree's title, its text summary (the most likely line of play) and the tree itself."""
    st.header("The game tree: the most likely line of play", anchor="tree")
    st.markdown("\n".join(line_of_play_text(analysis.tree)))
    with st.container(key="tree_link"):
        st.page_link("app_pages/tree.py", label="Open the full game tree")
    with st.container(key="tree_chart"):
        st.caption(TREE_CAPTION)
        st.graphviz_chart(tree_dot(analysis.tree), width="stretch")


def pdf_of(brief: Brief) -> bytes:
    """The brief as a PDF; fpdf2 takes about a second to import, so only when a student asks."""
    from sim.present.brief_pdf import brief_pdf

    return brief_pdf(brief)


def page_link(query: dict[str, str]) -> str:
    """The address that restores this view (this server's own, with the settings as its query)."""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    return f"{base}?{urlencode(query)}" if query else base


def import_export(scenario: Scenario, analysis: Analysis, model: Model) -> None:
    name = scenario.name.removesuffix(".yaml").removesuffix(".yml")
    preset, edits = _state.current_preset(), _state.current_edits()
    command = reproduce_command(preset, edits, scenario, f"{name}.yaml")
    if model.calibrated:
        command = calibrated_command(command)
    link = page_link(app_state.to_query(preset, edits, _state.calibrated_chosen()))
    start = start_words()[0]

    def brief() -> Brief:
        made = brief_for(scenario, start, edits, analysis.result, analysis.tree, link, command,
                         sample_of(scenario, model))
        return dataclasses.replace(made, run=f"{made.run}. Model: {model.label}")

    with st.container(key="brief_download", horizontal=True):
        st.download_button(
            "Download brief (one page to print or cite)", lambda: brief_html(brief()),
            file_name=f"{name}-brief.html", mime="text/html", on_click="ignore", type="primary",
            key="brief", help=BRIEF_HELP)
        st.download_button("Brief as PDF", lambda: pdf_of(brief()), file_name=f"{name}-brief.pdf",
                           mime="application/pdf", on_click="ignore", key="brief_pdf", help=BRIEF_HELP)
    with st.container(key="import_export"):
        import_export_inputs(scenario, analysis, name, model)


def import_export_inputs(scenario: Scenario, analysis: Analysis, name: str, model: Model) -> None:
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
    # The files are made when asked for, not on every run of the page.
    right.download_button("Settings (YAML, runs with `alliance-sim run FILE`)", saved.to_yaml,
                          file_name=f"{name}.yaml", mime="application/yaml", on_click="ignore")
    named = model_line(model)
    right.download_button("Results summary (CSV)", lambda: named + summary_csv(analysis.result),
                          file_name=f"{name}-summary.csv", mime="text/csv", on_click="ignore")
    right.download_button(f"Results for every draw (CSV, at most {MAX_DOWNLOAD_DRAWS:,})",
                          # Fetched when asked for: a session keeps no per-draw arrays of its own.
                          lambda: named.encode() + per_draw_csv(_state.analysis_of(scenario, model).result),
                          file_name=f"{name}-draws.csv", mime="text/csv", on_click="ignore")
    right.download_button("Game at the central values (Gambit .efg)", lambda: scenario_efg(scenario),
                          file_name=f"{name}.efg", mime="text/plain", on_click="ignore")


def model_line(model: Model) -> str:
    """A CSV download's first line naming the calibrated model, as ``run --calibrated`` writes it
    (nothing for the prior, so the default files are unchanged)."""
    return f"# {model.label}\n" if model.calibrated else ""


# ----------------------------------------------------------------------------- the page


def main() -> None:
    st.html(PAGE_CSS)
    st.title("The Taliban and al-Qaeda: what holds the alliance?")
    guided_start()
    # The first view is followed at once by the whole page: the notices stay until that is drawn.
    first_view = FIRST_VIEW_DRAWN not in st.session_state
    notices = _state.link_notices() if first_view else _state.pop_link_notices()
    if notices:
        st.warning("Some settings in the link were ignored:\n\n"
                   + "\n".join(f"- {app_state.escape_markdown(n)}" for n in notices))
    # A new view (new session, new preset) seeds every widget from the stored settings, so its
    # scenario is known before the parameters' hundred-odd sliders are drawn: show its numbers first.
    new_view = _state.WIDGET + "run.seed" not in st.session_state
    description_place = preset_picker()
    base = _state.base_scenario()
    values = app_state.editable_values(_state.current_scenario())
    shown = lever_inputs(values)
    shown.update(run_inputs(values))
    results_area = st.empty()
    phone_description = start_for_phones()
    shown_first = _state.current_scenario() if new_view else None
    if first_view:
        # A session's first run: its settings come from the link or the preset, not from widgets.
        first = _state.current_scenario()
        model = _state.model_of(first)
        with results_area.container():
            results(first, _state.analysis_of(first, model), model, rest=False)
        describe_start(description_place, phone_description)
        st.session_state[FIRST_VIEW_DRAWN] = True
        return
    if shown_first is not None:
        model = _state.model_of(shown_first)
        with results_area.container():
            results(shown_first, _state.analysis_of(shown_first, model), model)
    with st.container(key="parameters"):
        st.header("Parameters")
        st.caption("Each parameter has a central value and, if uncertain, a range its draws come from; "
                   "hover over a name for its meaning and the article section it rests on.")
        shown.update(parameter_inputs(base, values))
    edits = app_state.edits(base, shown)
    problems = []
    try:
        scenario = base.updated(edits)
        st.session_state[_state.EDITS] = edits
    except ScenarioError as exc:
        problems = [f"- {app_state.escape_markdown(f'{p.path}: {p.message}')}" for p in exc.problems]
        scenario = _state.current_scenario()
    describe_start(description_place, phone_description)
    model = _state.model_of(scenario)
    analysis = _state.analysis_of(scenario, model)
    if problems or shown_first is None or shown_first.to_dict() != scenario.to_dict():
        with results_area.container():
            if problems:
                st.error("These settings do not fit together, so the results below use your last valid "
                         "settings:\n\n" + "\n".join(problems))
            results(scenario, analysis, model)
    import_export(scenario, analysis, model)
    query = app_state.to_query(_state.current_preset(), _state.current_edits(), _state.calibrated_chosen())
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    if st.session_state.pop(SCROLL, False):
        st.html(SCROLL_SCRIPT, unsafe_allow_javascript=True)


main()
