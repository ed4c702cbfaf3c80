"""Headlines a student could misread (issue 31, item 6): the old "Deal holds" is renamed and explained,
every price comes with the share of worlds that have one, no bound reads "< 0.00%", the charts' share
axes stay within [0, 1], no median year of a Sever when most trajectories never sever, and one
vocabulary (Keep / Pledge / Sever) on every label a student reads."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.driver import sample
from sim.engine.intervals import Interval, format_probability
from sim.present import charts, explain, numbers, play, timeline_charts
from sim.present.explain import analyse
from sim.present.numbers import headline_figures, worlds_with_a_price
from sim.present.timeline_charts import sever_year_headline
from sim.spec.scenario import load_scenario


@pytest.fixture(scope="module")
def nothing_offered():
    scenario = load_scenario("baseline-2018", {"levers.concession": 0.0, "run.draws": 4000})
    return analyse(sample(scenario), scenario.levers, "spe", 10.0).result


def test_the_old_deal_holds_headline_is_renamed_and_says_it_is_high_with_nothing_offered(nothing_offered):
    figures = {f.key: f for f in headline_figures(nothing_offered)}
    assert figures["deal"].label == "Sever or unexposed pledge"
    assert "nothing offered" in figures["deal"].meaning and "nothing offered" in explain.HEADLINE_HELP["deal"]
    words = [*(label for label, _ in numbers.OUTCOMES.values()), *charts.OUTCOME_NAMES.values(),
             *explain.HEADLINE_LABELS.values()]
    assert not any("deal holds" in w.lower() for w in words)


def test_every_price_says_how_many_worlds_have_one(nothing_offered):
    figures = {f.key: f for f in headline_figures(nothing_offered)}
    for key in ("price_sever", "price_distance"):
        assert figures[key].note.endswith("of worlds have one")
        assert figures[key].full == f"{figures[key].text}; {figures[key].note}"
    share = np.isfinite(nothing_offered.per_draw["price_sever"]).mean()
    if share < 0.5:
        assert figures["price_sever"].full.startswith("none up to 1; ")
    assert worlds_with_a_price(np.array([np.inf] * 999 + [0.5])) == "under 1% of worlds have one"
    assert worlds_with_a_price(np.array([0.2, np.inf, 0.4, np.inf])) == "50% of worlds have one"


@pytest.mark.parametrize(("high", "shown"), [(3.7e-5, "< 0.004%"), (0.0003, "< 0.03%"),
                                            (0.0009995, "< 0.10%"), (0.02, "< 2%")])
def test_a_share_no_draw_had_never_reads_less_than_zero(high, shown):
    assert format_probability(Interval(0.0, 0.0, high, "Wilson", 0, 100_000)) == shown


def test_the_share_axes_are_clamped_to_zero_and_one():
    data = {"start": 2018, "years": 2, "survival": [{"year": 2018, "p_alliance": 1.0, "lo": 0.99, "hi": 1.0}],
            "shares": [{"year": 2018, "keep": 1.0, "distance": 0.0, "severed": 0.0, "split": 0.0,
                        "external_op": 0.0}]}
    scales = [timeline_charts.survival_chart(data, [])["layer"][1]["encoding"]["y"]["scale"],
              timeline_charts.shares_chart(data)["encoding"]["y"]["scale"]]
    for scale in scales:
        assert scale == {"domain": [0, 1], "clamp": True, "nice": False}


def test_no_median_year_of_a_sever_when_most_trajectories_never_sever():
    label, value = sever_year_headline({"share_severed": 0.03, "p10": 1994, "median": 1996, "p90": 2001})
    assert "1996" not in value and "Median" not in label and value == "most never sever (3.0% do)"
    assert sever_year_headline({"share_severed": 0.7, "median": 2021}) == ("Median year of a Sever", "2021")


def test_one_vocabulary_keep_pledge_sever_on_the_students_labels():
    labels = [*explain.HEADLINE_LABELS.values(), *timeline_charts.SHARE_NAMES.values(),
              *play.MOVE_WORDS.values(), *charts.OUTCOME_NAMES.values(),
              *(label for label, _ in numbers.OUTCOMES.values())]
    assert not any("distance" in str(label).lower() for label in labels)
    assert explain.HEADLINE_LABELS["distance"] == "P(pledge)"
