"""The facilitator's guide: ``docs/workshop.md`` as written."""

from pathlib import Path

import streamlit as st

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "workshop.md"

st.markdown(GUIDE.read_text(encoding="utf-8"))
