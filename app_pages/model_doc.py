"""The model page: ``docs/model.md`` for students (the reference for every term and assumption,
without the developers' file paths and test names: :func:`sim.present.model_doc.for_students`)."""

from pathlib import Path

import streamlit as st

from sim.present.model_doc import for_students

MODEL_DOC = Path(__file__).resolve().parent.parent / "docs" / "model.md"

if MODEL_DOC.is_file():
    st.markdown(for_students(MODEL_DOC.read_text(encoding="utf-8")))
else:
    st.title("The model")
    st.info("The model document (docs/model.md) is not in this copy of the project yet.")
