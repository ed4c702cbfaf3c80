"""WCAG 2.1 AA contrast of the app's theme (.streamlit/config.toml) and of every chart's colours."""

from __future__ import annotations

import pytest
from conftest import ROOT

from sim.charts import BACKGROUND, histogram, outcome_bars
from sim.explain import analyse
from sim.present.contrast import MARK_MINIMUM, TEXT_MINIMUM, Pair, chart_pairs, ratio, read_theme, theme_pairs
from sim.run import sample
from sim.scenario import load_scenario
from sim.tree_view import OTHER_COLOUR, PATH_COLOUR

THEME = read_theme(ROOT / ".streamlit" / "config.toml")


def test_the_contrast_ratio_matches_wcag_reference_values():
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert ratio("#8c8c8c", "#ffffff") < TEXT_MINIMUM  # the old grey of the tree's labels fails


@pytest.mark.parametrize("pair", theme_pairs(THEME), ids=lambda p: p.what)
def test_the_theme_meets_wcag_aa(pair: Pair):
    assert pair.passes, f"{pair.what}: {pair.foreground} on {pair.background} is {pair.ratio:.2f}"


def chart_specs() -> dict[str, dict]:
    scenario = load_scenario("baseline-2018", {"run.draws": 500})
    result = analyse(sample(scenario), scenario.levers, "spe", 10.0).result
    return {"outcomes (four scenarios)": outcome_bars({str(i): result for i in range(4)}),
            "net value": histogram(result.per_draw["net_alliance_value"], "utility points")}


def test_every_chart_colour_meets_wcag_aa_on_the_page():
    pairs = [p for name, spec in chart_specs().items() for p in chart_pairs(name, spec, BACKGROUND)]
    assert any(p.minimum == TEXT_MINIMUM for p in pairs) and any(p.minimum == MARK_MINIMUM for p in pairs)
    failing = [f"{p.what}: {p.ratio:.2f}" for p in pairs if not p.passes]
    assert not failing


def test_the_tree_labels_meet_the_text_contrast():
    assert ratio(OTHER_COLOUR, "#ffffff") >= TEXT_MINIMUM and ratio(PATH_COLOUR, "#ffffff") >= TEXT_MINIMUM
