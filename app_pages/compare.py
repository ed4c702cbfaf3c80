"""Compare page: two to four scenarios side by side, with their differences from the first."""

from __future__ import annotations

import streamlit as st

from app_pages import _state
from sim.app.calibrated import MEANING
from sim.present import settings as app_state
from sim.present.charts import outcome_bars
from sim.present.explain import comparison_rows
from sim.present.words import differences_in_words
from sim.spec.lenses import MATERIAL_OFF, through_lens
from sim.spec.scenario import Scenario, preset_names

CURRENT = "Your current settings"
MATERIAL = "Your current settings, material reading"
CHOICE = "compare_choice"
LENSES = "compare_lenses"
MODEL_CHOICE = "compare_model_choice"


def scenarios_to_compare(names: list[str]) -> dict[str, Scenario]:
    """The chosen scenarios, each preset run with the current draws and seed (common random numbers)."""
    current = _state.current_scenario()
    run = {"run.draws": current.draws, "run.seed": current.seed}
    special = {CURRENT: current, MATERIAL: through_lens(current, "material")}
    return {n: special[n] if n in special else app_state.preset_scenario(n).updated(run) for n in names}


def main() -> None:
    st.title("Compare scenarios")
    st.caption("Each scenario runs with the draws and seed of your current settings, so the same random "
               "numbers drive all of them: each change comes with its paired standard error (the spread "
               "of the per-draw differences), far smaller than the error of either figure alone. A change "
               "within about two standard errors of zero may be noise.")
    if _state.model_switch(key=MODEL_CHOICE):
        st.caption(MEANING)
    if st.toggle("Two lenses: the full model beside the material reading, on the same draws", key=LENSES,
                 help="The article's puzzle (Negotiations ¶2). The material reading keeps only expertise, "
                      "fighters, money and help against IS against isolation, strife and pressure; it "
                      "switches off " + ", ".join(MATERIAL_OFF) + "."):
        names = [CURRENT, MATERIAL]
        st.caption("Compare the Sever shares and the median Sever prices: the distance between the two "
                   "readings is what the non-material ties are worth.")
    else:
        options = [CURRENT, MATERIAL, *preset_names()]
        st.session_state.setdefault(CHOICE, options[:2])
        names = st.multiselect("Scenarios (two to four; the first is the reference)", options, key=CHOICE,
                               max_selections=4)
    if len(names) < 2:
        st.info("Choose at least two scenarios.")
        return
    chosen = scenarios_to_compare(names)
    models = {n: _state.model_of(s) for n, s in chosen.items()}
    for n, m in models.items():
        if m.refused:
            st.warning(app_state.escape_markdown(f"{n}: {m.refused}."))
    results = {n: _state.analysis_of(s, models[n]).result for n, s in chosen.items()}
    labels = sorted({m.label for m in models.values()})
    with st.container(key="model_named"):
        st.caption(app_state.escape_markdown("Model: " + "; ".join(labels) + "."))
    st.dataframe(comparison_rows(results), hide_index=True, width="stretch")
    st.vega_lite_chart(outcome_bars(results), width="stretch")
    st.caption(app_state.escape_markdown("Outcome shares with their 95% intervals. Model: "
                                         + "; ".join(labels) + "."))
    st.header(f"Settings that differ from the reference ({names[0]})")
    rows = differences_in_words(chosen)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.write("None: the scenarios have the same settings.")


main()
