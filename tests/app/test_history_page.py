"""The "What history says" page (issue 28): the calibration's ESS and temperature, the densities side
by side, the ranking and the score, with no exception."""

from __future__ import annotations

import re

import pytest
import streamlit as st

from sim.analysis.labels import label
from sim.timeline.lambda_grid import SUGGESTED_GRID

pytestmark = pytest.mark.subprocess


def test_the_history_page_shows_ess_temperature_densities_ranking_and_score(app):
    app.switch_page("app_pages/history.py").run(timeout=120)
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert labels == ["Effective sample size (Kish)", "Untempered", "Temperature"]
    assert float(app.metric[0].value.replace(",", "")) > 1_000
    ranking, scores = app.dataframe[0].value, app.dataframe[1].value
    assert label("covert_retention") in set(ranking["parameter"][:5])   # shown by its label
    assert set(scores["reading"]) == {"full", "material", "baseline"}


def test_the_history_page_weighs_lambda_with_intervals_and_names_the_favoured_value(app):
    app.switch_page("app_pages/history.py").run(timeout=120)
    assert not app.exception
    table = app.dataframe[2].value
    assert list(table["lambda"]) == list(SUGGESTED_GRID)
    assert all(re.fullmatch(r"[<\d].*%( \(.*%\))?", text) for text in table["P(lambda | record)"])
    favoured = next(m.value for m in app.markdown if m.value.startswith("The record favours"))
    assert "**lambda 10**" in favoured   # on the replay's record: 75% (docs/model.md, "λ on a grid")


def test_the_history_page_says_why_when_the_draws_cannot_support_the_lambda_weights(app, monkeypatch):
    from sim.timeline import lambda_grid

    monkeypatch.setattr(lambda_grid, "MIN_ESS", 10**9)   # no number of draws is enough
    st.cache_data.clear()   # the page's cached weights, computed without the patch
    try:
        app.switch_page("app_pages/history.py").run(timeout=120)
        assert not app.exception
        assert any("too few to weigh lambda" in i.value for i in app.info)
        assert len(app.dataframe) == 2   # the ranking and the score only
    finally:
        st.cache_data.clear()   # nor may the refusal outlive the patch
