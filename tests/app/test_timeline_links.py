"""The Over time page keeps its settings in its address: a copied link restores the view."""

from __future__ import annotations

import pytest
from conftest import new_app

from sim.app import timeline_links as links

pytestmark = pytest.mark.subprocess

NAMES = ["baseline-2018", "history-1996-2018"]


def test_a_link_keeps_valid_settings_and_names_the_rest():
    got = links.from_query({"ot_scenario": "baseline-2018", "ot_years": "12", "ot_draws": "999",
                            "ot_solution": "nash"}, NAMES)
    assert got.settings == {"ot_scenario": "baseline-2018", "ot_years": 12}
    assert len(got.problems) == 2 and all("ignored" in p for p in got.problems)
    assert links.from_query({"ot_years": "9999"}, NAMES).settings == {}


def test_the_over_time_page_restores_its_settings_from_a_link_and_writes_them_back(fresh_cache):
    at = new_app(ot_scenario="baseline-2018", ot_years="5", ot_draws="500", ot_solution="spe")
    at.switch_page("app_pages/over_time.py").run()
    assert not at.exception
    assert at.selectbox(key="ot_scenario").value == "baseline-2018"
    assert at.slider(key="ot_years_baseline-2018").value == 5
    assert at.query_params["ot_years"] in ("5", ["5"]) and at.query_params["ot_draws"] in ("500", ["500"])
    assert not at.warning
