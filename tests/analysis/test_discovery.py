"""Tests of held-out PRIM and the class-balanced tree: findings that replicate, refusals that explain."""

import json

import numpy as np
import pytest
from scipy.stats import binom

from sim.analysis import discovery, drivers
from sim.cli.main import main
from sim.spec.parameters import PARAMETERS
from sim.spec.scenario import load_scenario

NAMES = [f"x{i}" for i in range(50)]


def planted(seed: int, draws: int = 10_000):
    """50 uniform inputs; the outcome lives in a box of mass 0.14^2 = 0.0196 on x7 and x23 (90% inside,
    0.2% background elsewhere)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(draws, 50))
    inside = (x[:, 7] > 0.86) & (x[:, 23] < 0.14)
    return x, np.where(inside, rng.uniform(size=draws) < 0.9, rng.uniform(size=draws) < 0.002)


@pytest.mark.slow
def test_a_planted_rare_box_in_50_dimensions_is_recovered_with_at_most_2_spurious_dims_in_9_of_10_seeds():
    """Peeled on half the draws, chosen on a quarter, tested on the last quarter (10 of 10 when written)."""
    recovered = 0
    for seed in range(10):
        box = discovery.held_out_prim(*planted(seed), NAMES)
        found = {r.name for r in box.restrictions}
        recovered += {"x7", "x23"} <= found and len(found - {"x7", "x23"}) <= 2
    assert recovered >= 9


def test_an_outcome_unrelated_to_the_inputs_keeps_few_restrictions_on_the_held_out_half():
    rng = np.random.default_rng(5)
    x = rng.uniform(size=(6000, 50))
    box = discovery.held_out_prim(x, rng.uniform(size=6000) < 0.03, NAMES)
    assert len(box.restrictions) <= 2 and len(box.dropped) + len(box.restrictions) >= 1


def test_min_mass_scales_with_the_base_rate_up_to_the_usual_five_percent():
    assert discovery.scaled_min_mass(0.02, 5000) == 0.01
    assert discovery.scaled_min_mass(0.4, 5000) == 0.05
    assert discovery.scaled_min_mass(0.0001, 1000) == 0.01


def test_choosing_the_last_box_of_the_trajectory_warns():
    x, y = planted(3)
    box = discovery.held_out_prim(x, y, NAMES)
    last = box.chosen == len(box.peeled.trajectory) - 1
    assert bool(box.warnings) == (last and bool(box.restrictions))   # no box reported, no warning on it
    # A box exactly at the smallest mass allowed: the choosing third favours the last box.
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(6000, 2))
    y = x[:, 0] > 0.9
    tight = discovery.held_out_prim(x, y, ["a", "b"])
    assert tight.chosen == len(tight.peeled.trajectory) - 1 and "last, smallest" in tight.warnings[0]


def test_too_few_events_are_refused_with_a_message_saying_how_many():
    x = np.random.default_rng(0).uniform(size=(1000, 3))
    y = np.zeros(1000, dtype=bool)
    y[:7] = True
    with pytest.raises(discovery.TooFewEvents, match="only 7 of 1,000 draws have a Sever"):
        discovery.held_out_prim(x, y, ["a", "b", "c"], "a Sever")


def test_parameters_that_enter_no_choice_are_left_out_of_the_inputs_at_concession_zero():
    inputs, left_out = drivers.choice_inputs(load_scenario("baseline-2018"))
    assert "concession_value" in left_out and "concession_value" not in inputs
    assert all(n in left_out for n in inputs + left_out if PARAMETERS[n].group == "united_states")
    assert "leader_legitimacy" in inputs
    offered, _ = drivers.choice_inputs(load_scenario("baseline-2018").updated({"levers.concession": 0.5}))
    assert "concession_value" in offered


def test_prim_at_concession_zero_names_no_us_parameter_and_not_the_concessions_worth(capsys):
    args = ["analyze", "baseline-2018", "--what", "prim", "--output", "distance_or_sever", "--draws", "2000"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert main([*args, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    conditions = payload["limits"] + [r["limits"] for r in payload["trajectory"]] + [payload["cart_rules"]]
    assert payload["limits"] and all(" " in c for c in payload["limits"])
    for banned in ("us_", "concession_value"):
        assert not any(banned in c for c in conditions) and banned not in text
    assert "quasi-p" in text and "balanced accuracy" in text and "test draws" in text


def test_a_refused_prim_exits_2_with_a_message(capsys):
    assert main(["analyze", "baseline-2018", "--what", "prim", "--draws", "2000"]) == 2
    err = capsys.readouterr().err
    assert "only 0 of 2,000 draws have a Sever" in err and "Traceback" not in err


def test_the_tree_reports_held_out_balanced_accuracy_recall_and_per_leaf_shares():
    found = drivers.discover(load_scenario("baseline-2018").updated({"levers.concession": 0.8}), 4000)
    tree = found.tree
    assert 0.6 < tree.balanced_accuracy <= 1 and 0.5 < tree.recall <= 1
    assert abs(tree.base_rate - found.base_rate) < 0.02
    leaves = [line for line in tree.rules.splitlines() if "of these draws have" in line]
    assert leaves and all("held-out draws)" in line for line in leaves)
    # the held-out leaves partition the held-out half
    assert sum(int(line.split("(")[-1].split()[0].replace(",", "")) for line in leaves) == 2000


# ----------------------------------------------------------------------------- issue 29


def test_the_three_parts_are_disjoint_and_the_reported_figures_are_the_test_parts():
    """Defect 2: peel, choose and test on disjoint draws; density, coverage and mass from the test part."""
    peel, choose, test = discovery.thirds(3001)
    assert not (set(peel) & set(choose) or set(peel) & set(test) or set(choose) & set(test))
    assert len(peel) + len(choose) + len(test) == 3001 and len(peel) == 1501
    x, y = planted(4)
    box = discovery.held_out_prim(x, y, NAMES)
    test = discovery.thirds(y.size)[2]
    inside = np.ones(test.size, dtype=bool)
    for r in box.restrictions:
        column = x[test, NAMES.index(r.name)]
        inside &= (column >= r.low if r.low is not None else True) & (column <= r.high if r.high is not None
                                                                     else True)
    y_test = y[test]
    assert box.restrictions and box.held_out.draws_inside == inside.sum()
    assert box.held_out.events_inside == (inside & y_test).sum()


def _weak_box(seed: int, draws: int = 4000):
    """10 uniform inputs; the outcome in 40% of draws with x0 > 0.7, 10% elsewhere."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(draws, 10))
    return x, rng.uniform(size=draws) < np.where(x[:, 0] > 0.7, 0.4, 0.1)


def _true_density(box) -> float:
    """The density of a box under :func:`_weak_box`: the inputs are independent, so only x0's limits
    matter (the others are cut at the sample's range, essentially [0, 1])."""
    low, high = 0.0, 1.0
    for r in box.restrictions:
        if r.name == "x0":
            low, high = r.low if r.low is not None else 0.0, r.high if r.high is not None else 1.0
    planted_share = max(0.0, high - max(low, 0.7)) / (high - low)
    return 0.1 + 0.3 * planted_share


def test_the_reported_density_is_unbiased_for_the_boxs_true_density_over_40_seeds():
    """Defect 2: figures measured on draws that chose the box are too high on average (by 0.014 on the
    model). Here the reported density minus the true one averages zero within 3 standard errors of the
    mean over 40 seeds (a correct method fails this about 0.3% of the time)."""
    gaps = []
    for seed in range(40):
        box = discovery.held_out_prim(*_weak_box(seed), [f"x{i}" for i in range(10)])
        if box.restrictions:
            gaps.append(box.held_out.density - _true_density(box))
    gaps = np.asarray(gaps)
    assert gaps.size >= 30
    assert abs(gaps.mean()) <= 3 * gaps.std(ddof=1) / np.sqrt(gaps.size), (gaps.mean(), gaps.size)


def test_quasi_p_values_are_multiplied_by_the_number_of_restrictions_tried():
    x, y = planted(2)
    box = discovery.held_out_prim(x, y, NAMES)
    _, choose, _ = discovery.thirds(y.size)
    limits = {NAMES.index(r.name): (r.low, r.high) for r in box.restrictions}
    assert box.tried >= len(box.restrictions) >= 2
    for r in box.restrictions:
        raw = discovery._quasi_p(limits, NAMES.index(r.name), x[choose], y[choose])
        assert r.p_value == pytest.approx(min(1.0, box.tried * raw))


def test_on_noise_the_test_part_claims_a_better_box_in_at_most_7_of_40_seeds():
    """With an outcome unrelated to the inputs, a box "does better than the base rate" on the test part
    by chance only: in at most 5% of seeds if the test is honest. A test whose false claims run at
    exactly 5% makes 8 or more in 40 seeds with probability under 0.3% (binomial tail, checked below)."""
    assert binom.sf(7, 40, 0.05) < 0.003
    claims = 0
    for seed in range(40):
        rng = np.random.default_rng(100 + seed)
        box = discovery.held_out_prim(rng.uniform(size=(3000, 10)), rng.uniform(size=3000) < 0.2,
                                      [f"x{i}" for i in range(10)])
        claims += box.replicates
    assert claims <= 7


def test_prim_on_a_common_outcome_names_its_rule_and_never_denies_what_its_test_shows():
    """Defect 1: on an outcome in 92% of draws the F1 rule always kept the whole range and the message
    said nothing beats the base rate, though the held-out density rose to 0.98 on most draws."""
    found = drivers.discover(load_scenario("what-if-major-concession"), 6000, 1, "distance_or_sever")
    box, text = found.box, found.box.describe("a Distance or a Sever")
    assert found.base_rate > 0.85 and box.rule == "density"
    assert "halving the share of draws without the outcome" in text
    assert box.restrictions and box.replicates and box.held_out.density > box.test_base_rate
    assert "no box does clearly better" not in text and "does better than the base rate" in text


def test_when_no_box_is_chosen_the_message_names_the_rule_and_does_not_deny_a_region():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(3000, 4))
    box = discovery.held_out_prim(x, rng.uniform(size=3000) < 0.95, ["a", "b", "c", "d"])
    text = box.describe("a Sever")
    if not box.restrictions:
        assert "The rule (" in text and "declined" in text and "not that no region" in text
    else:   # a chance box: then the test part must not call it a finding
        assert not box.replicates and "hint, not a finding" in text


def test_the_tree_declines_below_its_minimum_sample_and_says_why():
    """Defect 8: at 400 draws a pure-noise column entered 4 of 20 trees."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(400, 5))
    tree = drivers.class_tree(x, x[:, 0] + rng.normal(0, 0.3, 400) > 0.5, list("abcde"), "Sever")
    assert tree.declined and tree.balanced_accuracy is None
    assert f"at least {drivers.MIN_TREE_EVENTS} of each" in tree.sentence("Sever")


def test_the_trees_leaves_are_read_on_the_held_out_half_in_plain_words_with_an_accuracy_interval():
    """Defect 8: leaf shares came from the fitting half, and a leaf where 77% had the outcome could read
    "predicts not ..." (class balancing)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(4000, 3))
    y = rng.uniform(size=4000) < np.where(x[:, 0] > 0.5, 0.77, 0.05)
    tree = drivers.class_tree(x, y, ["a", "b", "c"], "Sever")
    _, test = discovery.halves(4000)
    lines = [line for line in tree.rules.splitlines() if "of these draws have Sever" in line]
    assert lines and "predicts" not in tree.rules
    right = x[test, 0] > 0.5
    shares = {round(100 * y[test][right].mean()), round(100 * y[test][~right].mean())}
    assert any(line.strip("|- ").startswith(f"{s}% ") for s in shares for line in lines)
    low, high = tree.accuracy_interval
    assert low < tree.balanced_accuracy < high and high - low < 0.1
    assert "95% interval" in tree.sentence("Sever")
