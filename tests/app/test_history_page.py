"""The "What history says" page (issue 28): the calibration's ESS and temperature, the densities side
by side, the ranking and the score, with no exception."""

from __future__ import annotations

import pytest

from sim.analysis.labels import label

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
