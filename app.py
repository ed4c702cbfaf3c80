"""The alliance explorer: ``streamlit run app.py``. This file only sets up the pages."""

import streamlit as st

from app_pages import _state

st.set_page_config(page_title="Alliance explorer", page_icon=":material/handshake:", layout="wide")
_state.init_session()
pages = [
    st.Page("app_pages/scenario.py", title="Scenario", icon=":material/tune:", default=True),
    st.Page("app_pages/compare.py", title="Compare scenarios", icon=":material/compare_arrows:"),
    st.Page("app_pages/what_it_takes.py", title="What would it take?", icon=":material/price_check:"),
    st.Page("app_pages/over_time.py", title="Over time", icon=":material/timeline:"),
    st.Page("app_pages/model_doc.py", title="The model", icon=":material/menu_book:"),
]
st.navigation(pages).run()
