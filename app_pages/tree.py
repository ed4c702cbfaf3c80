"""The full game tree of the current settings, for screens too narrow to show it beside the results."""

import streamlit as st

from app_pages import _state
from sim.present.play import line_of_play_text
from sim.present.tree_view import FULL_SIZE_CSS, tree_dot

analysis = _state.analysis_of(_state.current_scenario())
st.html(FULL_SIZE_CSS)
st.title("The game tree")
st.markdown("**The most likely line of play**\n\n" + "\n".join(line_of_play_text(analysis.tree)))
st.caption("Branch labels: mean probability of each move over the draws; leaf labels: mean probability "
           "that play ends there. Bold red: the most likely line of play. The tree is drawn at a readable "
           "size: scroll sideways to follow it.")
st.graphviz_chart(tree_dot(analysis.tree), width="content")
st.page_link("app_pages/scenario.py", label="Back to the scenario")
