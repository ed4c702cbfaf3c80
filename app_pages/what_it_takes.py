"""The "What would it take?" page: the concession that makes an outcome as likely as a student asks,
the Taliban's price, the bargaining zone, the US best offer, and what drives the answer.

UI only: every number comes from :mod:`sim.present.what_it_takes` (the negotiation analyses of
:mod:`sim.analysis.negotiation`) and :mod:`sim.analysis.drivers`. The levers are the shared ones (on
the page above the answer, where a phone shows them too, and in the URL, as on the Scenario page), and
so are the draws and the seed. The heavy analyses (Sobol', Morris, scenario discovery) run only when
their button is pressed; every result is cached, keyed on the scenario's standalone YAML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _state
from sim.analysis import drivers, outputs
from sim.analysis import labels as words
from sim.present import settings as app_state
from sim.present import what_it_takes
from sim.present.analysis_charts import curve_chart, index_chart, morris_chart, price_chart
from sim.present.words import drivers_note
from sim.spec.parameters import LEVERS
from sim.spec.scenario import Scenario, ScenarioError, load_scenario, parse_yaml

MORRIS_TRAJECTORIES = 100
SOBOL_CHOICES = (512, 1024, 2048)


# ----------------------------------------------------------------------------- cached analyses


@st.cache_data(max_entries=8, show_spinner="Solving the draws along the concession grid...")
def negotiate(spec: str, output: str, target: float) -> dict:
    """The page's answer for one scenario (:func:`sim.present.what_it_takes.answer`)."""
    return what_it_takes.answer(from_yaml(spec), output, target)


@st.cache_data(max_entries=4, show_spinner="Running the Sobol' analysis...")
def sobol_rows(spec: str, output: str, n: int) -> dict:
    """The indices' rows, and the warnings on those outside [0, 1]."""
    result = drivers.sobol(from_yaml(spec), output, n=n)
    return {"rows": result.to_rows(), "warnings": result.warnings}


@st.cache_data(max_entries=4, show_spinner="Screening the parameters (Morris)...")
def morris_rows(spec: str, output: str, trajectories: int) -> list[dict]:
    return drivers.morris(from_yaml(spec), output, trajectories=trajectories).to_rows()


@st.cache_data(max_entries=4, show_spinner="Looking for the conditions of the outcome...")
def discovery(spec: str, output: str) -> dict:
    found = drivers.discover(from_yaml(spec), output=output)
    box, tree = found.box, found.tree
    names = words.labels(found.inputs)
    return {
        "finding": box.describe(outputs.PHRASES[output], names),
        "conditions": [{"condition": r.condition(names[r.name]), "quasi-p value": r.p_value}
                       for r in box.restrictions],
        "dropped": [names[r.name] for r in box.dropped],
        "warnings": list(box.warnings),
        "left_out": [words.label(n) for n in found.left_out],
        "tree": tree.sentence(outputs.LABELS[output]),
        "trajectory": [{**r, "limits": words.relabel(r["limits"], found.inputs)} for r in box.to_rows()],
        "rules": words.relabel(tree.rules, found.inputs),
    }


def from_yaml(spec: str) -> Scenario:
    """A scenario from its standalone YAML (the cache key: plain text hashes reliably)."""
    return load_scenario(parse_yaml(spec, "<app>"))


# ----------------------------------------------------------------------------- charts


# ----------------------------------------------------------------------------- the page


def lever_inputs(scenario: Scenario) -> Scenario:
    """The US levers on the page, above the answer (on a phone the sidebar is folded away), shared
    with the Scenario page: the same widget keys, edits and link."""
    levers = {}
    with st.container(key="wit_levers"):
        st.header("The US levers")
        for col, (lever, meaning) in zip(st.columns(len(LEVERS)), LEVERS.items(), strict=True):
            key = f"{_state.WIDGET}levers.{lever}"
            st.session_state.setdefault(key, scenario.levers[lever])
            levers[f"levers.{lever}"] = col.slider(words.label(lever), 0.0, 1.0, step=0.05, key=key,
                                                   help=meaning)
    base = _state.base_scenario()
    changes = app_state.edits(base, {**app_state.editable_values(scenario), **levers})
    try:
        scenario = base.updated(changes)
        st.session_state[_state.EDITS] = changes
    except ScenarioError as exc:
        st.error("These levers do not fit the settings: " + "; ".join(p.message for p in exc.problems))
    query = app_state.to_query(_state.current_preset(), _state.current_edits(), _state.calibrated_chosen())
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return scenario


def main() -> None:
    st.title("What would it take?")
    if _state.calibrated_chosen():
        st.info("This page runs on the analyst's judgement (the prior ranges): the calibrated model you "
                "chose is on the Scenario and Compare pages (alliance-sim analyze --calibrated FILE "
                "gives these figures on it).")
    st.write("How large a US concession would make the Taliban break with al-Qaeda, and how sure can we "
             "be? The article suggests a break may be a chip held back for a major concession "
             "(Negotiations ¶4-5); here every Monte Carlo draw is one plausible world, solved at each "
             "concession of a grid from 0 to 1.")
    scenario = lever_inputs(_state.current_scenario())
    st.caption(f"Scenario: **{app_state.escape_markdown(scenario.name)}**, with these levers; "
               f"{scenario.draws:,} draws, seed {scenario.seed}: set on the Scenario page.")
    c1, c2 = st.columns(2)
    output = c1.selectbox("Outcome", outputs.OUTPUTS, format_func=outputs.LABELS.get, key="wit_output")
    target = c2.slider("Target probability", 5, 95, 50, 5, format="%d%%", key="wit_target") / 100
    spec = scenario.to_yaml()
    out = negotiate(spec, output, target)
    with st.container(key="wit_answer"):
        answer_section(out, output, target)
    st.subheader(f"Verification, at the best offer ({out['offer']:.2f})")
    st.altair_chart(curve_chart(out["verification"], "verification", output), width="stretch")
    drivers_section(spec, output, float(scenario.levers.get("concession", 0.0)))


def answer_section(out: dict, output: str, target: float) -> None:
    """The answer in plain words, the four headline figures with their intervals, the findings and
    the two charts."""
    st.header("The answer in plain words")
    st.write(out["reach"])
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(f"Draws where {outputs.LABELS[out['price_output']]} has a price", out["price_share"])
    median = out["price_median"]
    m2.metric("Median price", "none in [0, 1]" if median is None else f"{median:.2f}",
              help=None if median is None else out["price_median_interval"])
    if median is not None:
        m2.caption(out["price_median_interval"])
    m3.metric("A bargaining zone exists", out["zone"])
    m4.metric("US best offer", out["offer_range"], help="Every grid offer within two paired standard errors "
              "of the highest mean US utility: the draws cannot tell these apart.")
    st.markdown("\n".join(f"- {line}" for line in out["findings"]))

    left, right = st.columns(2)
    with left:
        st.subheader("Acceptance curve")
        st.altair_chart(curve_chart(out["curve"], "concession", output, target), width="stretch")
        st.caption(f"P({outputs.LABELS[output]}) as the concession grows, with its 95% band "
                   f"({out['method']}); dashed: your target. The same draws are re-solved at every point.")
    with right:
        st.subheader("The Taliban's price")
        st.altair_chart(price_chart(out["histogram"], out["price_output"]), width="stretch")
        st.caption("Draws with no price in [0, 1] are not shown.")


def drivers_section(spec: str, output: str, concession: float = 0.0) -> None:
    """Sobol' indices, Morris screening and scenario discovery, each run only when its button is pressed."""
    st.header("What drives the answer?")
    label = outputs.LABELS[output]
    st.caption(drivers_note(label, concession))
    n = st.selectbox("Sobol' base sample", SOBOL_CHOICES, index=SOBOL_CHOICES.index(drivers.DEFAULT_SOBOL_N),
                     key="wit_sobol_n", help="A larger sample narrows the indices' errors; parameters the "
                     "estimates cannot order share a rank.")
    sobol = requested("sobol", "Run the sensitivity analysis", sobol_rows, spec, output, n)
    if sobol is not None:
        rows = sobol["rows"]
        s1, s2 = st.columns(2)
        s1.altair_chart(index_chart(rows, "variable"), width="stretch")
        s2.altair_chart(index_chart(rows, "group"), width="stretch")
        leaders = [r["name"] for r in rows if r["kind"] == "variable" and r["rank"] == 1]
        st.caption("Left: single parameters; right: parameters grouped by factor. Inputs: "
                   f"{drivers.INPUTS['distributions']}. Pale bars are within their error of zero. "
                   + (f"Tied for the lead (the estimates cannot order them): {', '.join(leaders)}."
                      if len(leaders) > 1 else f"Clear leader: {leaders[0]}." if leaders else ""))
        for warning in sobol["warnings"]:
            st.warning(warning)
    rows = requested("morris", "Screen every parameter (Morris, quicker)", morris_rows, spec, output,
                     MORRIS_TRAJECTORIES)
    if rows is not None:
        st.altair_chart(morris_chart(rows), width="stretch")
        st.caption(f"Morris screening with {MORRIS_TRAJECTORIES} trajectories: a large mu* means the outcome "
                   "moves a lot as the parameter crosses its distribution; bars show 95% intervals.")
    found = requested("prim", f"Find the conditions for {outputs.PHRASES[output]}", discovery, spec, output)
    if found is not None:
        discovery_section(found)


def discovery_section(found: dict) -> None:
    """The plain-words finding and its test-draw figures first; the tables behind an expander."""
    st.write(found["finding"])
    if found["conditions"]:
        st.dataframe(pd.DataFrame(found["conditions"]), hide_index=True)
        st.caption("Quasi-p value: how likely the box's events on the choosing draws would be if that "
                   "condition did nothing, times the number of conditions tried; those above 0.05 were "
                   "dropped"
                   + (f" ({', '.join(found['dropped'])})." if found["dropped"] else "."))
    for warning in found["warnings"]:
        st.warning(warning)
    st.write(found["tree"])
    if found["left_out"]:
        st.caption("Left out, as they enter no one's choice at these levers: " + ", ".join(found["left_out"]))
    with st.expander("The peeling trajectory and the classification tree"):
        st.dataframe(pd.DataFrame(found["trajectory"]), hide_index=True)
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
        st.warning(f"Not available here: {exc}.")
        return None


main()
