"""The model page: ``docs/model.md`` as written, the reference for every term and assumption."""

from pathlib import Path

import streamlit as st

MODEL_DOC = Path(__file__).resolve().parent.parent / "docs" / "model.md"

if MODEL_DOC.is_file():
    st.markdown(MODEL_DOC.read_text(encoding="utf-8"))
else:
    st.title("The model")
    st.info("The model document (docs/model.md) is not in this copy of the project yet.")
