"""The alliance explorer: ``streamlit run serve.py`` (or ``streamlit run app.py``). This file only sets
up the pages.

The pages carry no icons and the tab an emoji: a ``:material/...:`` icon makes the browser fetch a
font from the internet, and emoji in the page list show as empty boxes where no emoji font is
installed.
"""

import streamlit as st

from app_pages import _state
from sim.app.access import ACCESS_HTML

st.set_page_config(page_title="Alliance explorer", page_icon="🤝", layout="wide")
_state.init_session()
st.html(ACCESS_HTML, unsafe_allow_javascript=True)   # a skip link first in the tab order, visible focus
pages = [
    st.Page("app_pages/scenario.py", title="Scenario", default=True),
    st.Page("app_pages/compare.py", title="Compare scenarios"),
    st.Page("app_pages/what_it_takes.py", title="What would it take?"),
    st.Page("app_pages/over_time.py", title="Over time"),
    st.Page("app_pages/history.py", title="What history says"),
    st.Page("app_pages/model_doc.py", title="The model"),
    st.Page("app_pages/tree.py", title="The game tree"),
    st.Page("app_pages/workshop_team.py", title="Workshop: team"),
    st.Page("app_pages/workshop_board.py", title="Workshop: facilitator"),
    st.Page("app_pages/workshop_guide.py", title="Facilitator's guide"),
]
st.navigation(pages).run()
