"""WCAG 2.1 AA contrast of the app's theme (.streamlit/config.toml) and of every chart's colours."""

from __future__ import annotations

import pytest
from conftest import ROOT
from contrast import MARK_MINIMUM, TEXT_MINIMUM, Pair, chart_pairs, ratio, read_theme, theme_pairs

from sim.engine.driver import sample
from sim.present.analysis_charts import curve_chart, index_chart, morris_chart, price_chart
from sim.present.charts import BACKGROUND, histogram, outcome_bars
from sim.present.explain import analyse
from sim.present.tree_view import OTHER_COLOUR, PATH_COLOUR
from sim.spec.scenario import load_scenario

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
            "net value": histogram(result.per_draw["net_alliance_value"], "utility points"),
            **what_it_takes_specs()}


def what_it_takes_specs() -> dict[str, dict]:
    """The What-would-it-take page's charts, on made-up rows of the shapes the analyses return."""
    curve = [{"concession": c, "sever": 0.1 + c / 2, "sever_low": c / 2, "sever_high": 0.2 + c / 2}
             for c in (0.0, 0.5, 1.0)]
    indices = [{"kind": "variable", "name": n, "ST": st, "ST_conf": 0.05, "S1": st / 2,
                "ST_within_error_of_zero": st < 0.05} for n, st in (("aq_money", 0.4), ("split_cost", 0.01))]
    effects = [{"name": "aq_money", "mu_star": 0.3, "mu_star_conf": 0.05, "sigma": 0.1}]
    return {"concession curve": curve_chart(curve, "concession", "sever", 0.5).to_dict(),
            "price histogram": price_chart([{"low": 0.0, "high": 0.5, "share": 0.4}], "sever").to_dict(),
            "Sobol' indices": index_chart(indices, "variable").to_dict(),
            "Morris effects": morris_chart(effects).to_dict()}


def test_every_chart_colour_meets_wcag_aa_on_the_page():
    pairs = [p for name, spec in chart_specs().items() for p in chart_pairs(name, spec, BACKGROUND)]
    assert any(p.minimum == TEXT_MINIMUM for p in pairs) and any(p.minimum == MARK_MINIMUM for p in pairs)
    failing = [f"{p.what}: {p.ratio:.2f}" for p in pairs if not p.passes]
    assert not failing


def test_the_tree_labels_meet_the_text_contrast():
    assert ratio(OTHER_COLOUR, "#ffffff") >= TEXT_MINIMUM and ratio(PATH_COLOUR, "#ffffff") >= TEXT_MINIMUM


def test_a_colour_drawn_at_partial_opacity_is_checked_as_it_shows():
    pale = chart_pairs("pale", {"mark": {"type": "bar", "color": "#1f5fa8", "opacity": 0.25}}, BACKGROUND)
    assert [p.foreground for p in pale] == ["#c7d7e9"] and not pale[0].passes
