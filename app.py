"""The alliance explorer: ``streamlit run app.py``. This file only sets up the pages.

Page icons are emoji: a ``:material/...:`` icon makes the browser fetch a font from the internet.
"""

import streamlit as st

from app_pages import _state

st.set_page_config(page_title="Alliance explorer", page_icon="🤝", layout="wide")
_state.init_session()
pages = [
    st.Page("app_pages/scenario.py", title="Scenario", icon="🎚️", default=True),
    st.Page("app_pages/compare.py", title="Compare scenarios", icon="⚖️"),
    st.Page("app_pages/what_it_takes.py", title="What would it take?", icon="🏷️"),
    st.Page("app_pages/model_doc.py", title="The model", icon="📖"),
    st.Page("app_pages/tree.py", title="The game tree", icon="🌳"),
]
st.navigation(pages).run()
