"""The explorer's logic without Streamlit: links, uploads, the tree, the explanation and the charts."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from sim.engine.driver import run_sample, sample
from sim.engine.intervals import format_probability
from sim.present import report
from sim.present import settings as app_state
from sim.present.charts import histogram, outcome_bars
from sim.present.explain import (
    analyse,
    comparison_rows,
    decision_terms,
    headlines,
    quantile_stderr,
    term_contrasts,
)
from sim.present.settings import (
    MAX_UPLOAD_BYTES,
    dotted_path,
    editable_values,
    edits,
    from_query,
    preset_scenario,
    sample_key,
    scenario_from_upload,
    to_query,
    url_name,
)
from sim.present.tree_view import CAPTION, TreeProbabilities, equilibrium_path, mean_behaviour, tree_dot
from sim.spec.scenario import ScenarioError, load_scenario

DRAWS = 3000


@pytest.fixture(scope="module")
def base():
    return preset_scenario("baseline-2018").updated({"run.draws": DRAWS})


@pytest.fixture(scope="module")
def analysis(base):
    return analyse(sample(base), dict(base.levers, concession=0.6), "spe", 10.0)


# ----------------------------------------------------------------------------- links


def test_every_editable_setting_has_a_url_name_that_leads_back_to_it(base):
    for path in editable_values(base):
        assert dotted_path(url_name(path)) == path


def test_a_link_restores_exactly_the_edits_it_was_made_from(base):
    changes = {"levers.concession": 0.65, "solution.concept": "qre", "solution.lambda": 4.5, "run.seed": 9,
               "parameters.leader_legitimacy.value": 0.35, "parameters.leader_legitimacy.dist.low": 0.2}
    restored = from_query(to_query("baseline-2018", changes))
    assert restored.problems == []
    assert restored.changes == changes


def test_a_link_names_each_ignored_setting_and_keeps_the_valid_ones():
    restored = from_query({"preset": "2015", "concession": "abc", "verification": "0.9", "draws": "-3",
                           "lambda": "inf", "solution": "nash", "mood": "1", "leader_legitimacy.sd": "1"})
    assert restored.preset == "2015"
    assert restored.changes == {"levers.verification": 0.9}
    assert len(restored.problems) == 6


def test_an_unknown_preset_in_a_link_falls_back_to_the_default():
    restored = from_query({"preset": "../../etc/passwd"})
    assert restored.preset == app_state.DEFAULT_PRESET and "does not exist" in restored.problems[0]


def test_link_settings_that_contradict_each_other_are_all_dropped():
    # Each end is valid alone, but together the range is empty.
    restored = from_query({"leader_legitimacy.low": "0.9", "leader_legitimacy.high": "0.1"})
    assert restored.changes == {}
    assert restored.problems


def test_an_uploaded_scenario_makes_no_link():
    assert to_query(None, {"levers.concession": 0.5}) == {}


def test_edits_hold_only_what_differs_from_the_start(base):
    shown = editable_values(base) | {"levers.pressure": 0.9}
    assert edits(base, shown) == {"levers.pressure": 0.9}


def test_the_sample_key_ignores_levers_and_solution_but_not_the_seed(base):
    key = sample_key(base)
    assert sample_key(base.updated({"levers.concession": 1.0, "solution.concept": "qre"})) == key
    assert sample_key(base.updated({"run.seed": 1})) != key


def test_setting_differences_list_what_each_scenario_changes(base):
    rows = app_state.setting_differences({"a": base, "b": base.updated({"levers.pressure": 0.1})})
    assert rows == [{"setting": "pressure", "a": base.levers["pressure"], "b": 0.1}]


# ----------------------------------------------------------------------------- uploads


def test_an_exported_scenario_uploads_back_unchanged(base):
    assert scenario_from_upload("x.yaml", base.to_yaml().encode()).to_dict() == base.to_dict()


@pytest.mark.parametrize(("data", "fault"), [
    (b"#" * (MAX_UPLOAD_BYTES + 1), "limit is 1 MB"),
    (b"\xff\xfe\x00", "not a text file"),
    (b"- a\n- list\n", "mapping"),
    (b"extends: /etc/hosts\n", "may only extend a preset"),
    (b"extends: baseline-2018\nrun: {draws: 5000000}\n", "draws must be between"),
])
def test_a_bad_upload_raises_a_scenario_error_saying_why(data, fault):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_upload("up.yaml", data)
    assert fault in str(caught.value)


def test_slider_steps_give_between_100_and_1000_positions():
    for low, high in ((0, 1), (0, 2), (0, 60), (-2, 2), (0.01, 5), (0, 10)):
        positions = (high - low) / app_state.slider_step(low, high)
        assert 100 <= positions <= 1000


def test_the_per_draw_csv_has_a_header_and_one_row_per_draw(analysis):
    lines = report.per_draw_csv(analysis.result).decode().splitlines()
    assert lines[0].startswith("draw,keep,") and len(lines) == DRAWS + 1
    first = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    net_value = analysis.result.per_draw["net_alliance_value"]
    assert float(first["net_alliance_value"]) == pytest.approx(net_value[0])


def test_the_per_draw_csv_stops_at_its_cap(analysis):
    lines = report.per_draw_csv(analysis.result, limit=25).decode().splitlines()
    assert len(lines) == 26 and lines[-1].startswith("24,")


# ----------------------------------------------------------------------------- tree


def test_tree_branch_probabilities_sum_to_one_at_every_node(analysis):
    for probs in analysis.tree.branches.values():
        assert sum(probs) == pytest.approx(1.0)
    assert sum(analysis.tree.reach.values()) == pytest.approx(1.0)


def test_the_tree_shows_every_node_and_leaf(analysis):
    dot = tree_dot(analysis.tree)
    for key in analysis.tree.reach:
        assert f'"{key}"' in dot
    assert dot.count("->") == len(analysis.tree.reach) + len(analysis.tree.branches) - 1


def test_with_nothing_offered_in_the_1990s_the_equilibrium_path_is_keep():
    nineties = load_scenario("1990s")
    probs = mean_behaviour(run_sample(sample(nineties, draws=2000), nineties.levers, "spe"))
    assert {"", "keep"} <= equilibrium_path(probs) and "distance" not in equilibrium_path(probs)
    dot = tree_dot(probs)
    assert '"root" -> "keep" [label="keep' in dot and 'color="#b03a2e"' in dot.split('"root" -> "keep"')[1]


def test_branch_labels_are_conditional_on_reaching_the_node(analysis):
    reach = analysis.result.reach
    under = {k: v for k, v in reach.items() if k.startswith("sever/stay/")}
    stay = sum(under.values())
    sever = sum(v for k, v in reach.items() if k.startswith("sever/"))
    assert stay > 0 and analysis.tree.branches["sever"][0] == pytest.approx(stay / sever)
    # the unconditional mean (averaged over draws that never reach the node) would be far smaller
    assert analysis.result.behaviour["sever"][0] != pytest.approx(stay / sever, abs=0.05)
    assert "given play gets there" in CAPTION


def test_a_node_no_draw_reaches_is_marked_never_reached(base):
    probs = mean_behaviour(run_sample(sample(base), base.levers, "spe"))
    assert "sever" in probs.unreached and "(never reached)" in tree_dot(probs)


def test_a_chance_move_on_the_path_keeps_both_outcomes():
    branches = {"": (0.0, 1.0, 0.0), "distance": (1.0, 0.0), "distance/stay": (0.0, 1.0),
                "distance/stay/active": (1.0, 0.0), "distance/stay/active/restrain": (0.7, 0.3)}
    on_path = equilibrium_path(TreeProbabilities(branches, {}))
    assert {"distance/stay/active/restrain/detected", "distance/stay/active/restrain/undetected"} <= on_path


# ----------------------------------------------------------------------------- numbers and words


def test_headlines_carry_the_run_estimates(analysis):
    shown = {h.key: h for h in headlines(analysis.result)}
    assert shown["keep"].mean == analysis.result.estimate("keep").mean
    interval = analysis.result.interval("keep")
    assert shown["keep"].value_text() == format_probability(interval) and "(" in shown["keep"].value_text()
    assert shown["keep"].uncertainty_text() == "95% interval from the per-draw spread"
    assert shown["price"].mean == analysis.result.price_quantiles("sever")["median"]


def test_the_median_standard_error_matches_theory_for_a_normal_sample():
    x = np.random.default_rng(0).normal(size=40_000)
    assert quantile_stderr(x, 0.5) == pytest.approx(np.sqrt(np.pi / 2) / np.sqrt(x.size), rel=0.1)


def test_the_median_standard_error_is_unknown_when_prices_run_out():
    assert quantile_stderr(np.array([0.2] * 10 + [np.inf] * 10), 0.5) is None


def test_term_contrasts_rank_terms_by_their_gap_in_standard_deviations():
    keep = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    terms = {"bonds": np.array([2.0, 2.1, 1.9, 0.0, 0.1, -0.1]),
             "chip": np.array([0.5, 0.4, 0.6, 0.4, 0.5, 0.6])}
    first, second = term_contrasts(terms, keep)
    assert first.term == "bonds" and first.keep == pytest.approx(2.0) and first.leaves == pytest.approx(0.0)
    assert first.clear and not second.clear and second.standardised == pytest.approx(-0.0, abs=0.5)


def test_the_why_box_lists_only_clear_terms_worded_as_association(base):
    # With nothing offered the 2018 leadership keeps or pledges, both often: terms can differ.
    analysis = analyse(sample(base), dict(base.levers), "spe", 10.0)
    text = "\n".join(analysis.explanation)
    assert f"{analysis.result.estimate('keep').mean:.0%}" in text
    assert "association" in text and "differ" in text and "because" not in text
    listed = text.count("\n- **")
    keep = analysis.result.per_draw["keep"]
    terms = decision_terms(sample(analysis.result.scenario, DRAWS).params, analysis.result.scenario.levers,
                           analysis.result)
    assert 1 <= listed == min(3, sum(c.clear for c in term_contrasts(terms, keep)))


def test_comparison_rows_give_differences_from_the_first_with_paired_standard_errors(analysis, base):
    other = analyse(sample(base), base.levers, "spe", 10.0).result
    rows = comparison_rows({"with offer": analysis.result, "none": other})
    keep = rows[0]
    diff = (other.estimate("keep").mean - analysis.result.estimate("keep").mean) * 100
    gap = other.per_draw["keep"] - analysis.result.per_draw["keep"]
    se = gap.std(ddof=1) / np.sqrt(DRAWS) * 100
    assert keep["change: none"] == f"{diff:+.1f} pts (s.e. {se:.1f})"
    assert se < np.hypot(other.estimate("keep").stderr, analysis.result.estimate("keep").stderr) * 100


def test_error_bars_are_the_runs_intervals_and_never_of_zero_width(analysis):
    values = outcome_bars({"s": analysis.result})["data"]["values"]
    assert all(0 <= v["low"] <= v["probability"] <= v["high"] <= 1 and v["low"] < v["high"] for v in values)


def test_histogram_shares_add_up_to_one(analysis):
    rows = histogram(analysis.result.per_draw["net_alliance_value"], "x")["layer"][0]["data"]["values"]
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- escaping and downloads


@pytest.mark.parametrize("markup", ["[a link](https://evil.example)", "![an image](https://evil.example/p.png)",
                                    "<img src=x onerror=alert(1)>", "**bold** and _emphasis_", ":red[colour]",
                                    "$x^2$", "www.evil.example", "# heading\n- item",
                                    "mail me@evil.example"])
def test_escaped_markup_keeps_its_text_but_cannot_start_any_markdown(markup):
    escaped = app_state.escape_markdown(markup)
    assert re.search(r"(?<!\\)[\[\]()<>*_!:$#.\-]", escaped) is None
    assert re.sub(r"\\(.)", r"\1", escaped).replace(app_state.WORD_JOINER, "") == " ".join(markup.split())
    assert re.search(r"https?://|www\.|@\w", re.sub(r"\\(.)", r"\1", escaped)) is None


def test_the_download_is_named_for_the_user_and_says_what_it_was_edited_from(base):
    day = dt.date(2026, 11, 28)
    saved = app_state.for_download(base, "baseline-2018", day)
    assert app_state.download_stem(day) == "my-scenario-20261128"
    assert saved.name == "my-scenario-20261128 (edited from baseline-2018)"
    assert saved.description.startswith("Edited from the preset baseline-2018 in the alliance explorer on "
                                        "2026-11-28.")
    assert scenario_from_upload("back.yaml", saved.to_yaml().encode()).params == base.params
