"""Exercise 3 in the app: any parameter can be fixed at any value of its catalogue range (even outside
the preset's uncertainty range), by a toggle and in a link; and the headline row shows each player's
expected utility on demand."""

from __future__ import annotations

import pytest
from conftest import TEST_DRAWS, new_app, open_parameter_groups, opened

import sim
from sim.engine.intervals import format_probability
from sim.present import settings as app_state
from sim.spec.scenario import load_scenario

pytestmark = pytest.mark.subprocess

PRESET = "what-if-major-concession"
FIXED = "w:parameters.backlash_cost.fixed"
SEVER = 2  # the headlines: keep, distance, sever, ...


def cli_sever(changes: dict) -> str:
    """P(Sever) as the app's headline shows it, from the library (as the CLI computes it)."""
    scenario = load_scenario(PRESET, changes)
    return format_probability(sim.run(scenario, draws=int(TEST_DRAWS)).interval("sever"))


def test_a_fix_is_one_edit_and_travels_in_a_link():
    assert app_state.url_name("parameters.backlash_cost") == "backlash_cost.fixed"
    assert app_state.dotted_path("backlash_cost.fixed") == "parameters.backlash_cost"
    restored = app_state.from_query({"preset": PRESET, "backlash_cost.fixed": "0"})
    assert restored.changes == {"parameters.backlash_cost": 0.0} and not restored.problems
    assert load_scenario(PRESET).params["backlash_cost"].dist.low > 0  # 0 is outside the preset's range
    refused = app_state.from_query({"preset": PRESET, "backlash_cost.fixed": "99"})
    assert refused.changes == {} and "backlash_cost.fixed" in refused.problems[0]


def test_fixing_backlash_at_zero_in_the_app_gives_the_cli_numbers(fresh_cache):
    at = opened(new_app(preset=PRESET, pressure="0.9"))
    open_parameter_groups(at).toggle(key=FIXED).set_value(True).run()
    at.slider(key="w:parameters.backlash_cost.value").set_value(0.0).run()
    assert not at.exception and not at.error
    expected = cli_sever({"levers.pressure": 0.9, "parameters.backlash_cost": 0.0})
    assert at.metric[SEVER].value == expected
    assert expected != cli_sever({"levers.pressure": 0.9})
    assert at.query_params["backlash_cost.fixed"] == "0.0"


def test_a_link_with_a_fix_opens_with_the_toggle_on_and_the_same_numbers(fresh_cache):
    at = opened(new_app(preset=PRESET, pressure="0.9", **{"backlash_cost.fixed": "0"}))
    assert open_parameter_groups(at).toggle(key=FIXED).value is True
    assert at.metric[SEVER].value == cli_sever({"levers.pressure": 0.9, "parameters.backlash_cost": 0.0})


def test_each_players_expected_utility_shows_on_demand_with_its_standard_error(fresh_cache):
    at = opened(new_app(preset=PRESET))
    assert not any(m.label.startswith("EU:") for m in at.metric)
    at.toggle(key="show_utility").set_value(True).run()
    shown = {m.label: m.value for m in at.metric if m.label.startswith("EU:")}
    result = sim.run(load_scenario(PRESET), draws=int(TEST_DRAWS))
    assert shown == {f"EU: {label}": f"{result.expected_utility[p].mean:.2f}"
                     for p, label in {"taliban": "Taliban leadership", "faction": "Hardline faction",
                                      "al_qaeda": "Al-Qaeda", "us": "United States"}.items()}
    assert sum("s.e." in c.value for c in at.caption) >= 4  # one under each expected utility
