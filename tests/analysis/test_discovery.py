"""Tests of held-out PRIM and the class-balanced tree: findings that replicate, refusals that explain."""

import json

import numpy as np
import pytest

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
    assert bool(box.warnings) == last
    # A box exactly at the smallest mass allowed: the held-out half favours the last box.
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(4000, 2))
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
    assert "quasi-p" in text and "balanced accuracy" in text and "held-out" in text


def test_a_refused_prim_exits_2_with_a_message(capsys):
    assert main(["analyze", "baseline-2018", "--what", "prim", "--draws", "2000"]) == 2
    err = capsys.readouterr().err
    assert "only 0 of 2,000 draws have a Sever" in err and "Traceback" not in err


def test_the_tree_reports_held_out_balanced_accuracy_recall_and_per_leaf_shares():
    found = drivers.discover(load_scenario("baseline-2018").updated({"levers.concession": 0.8}), 4000)
    tree = found.tree
    assert 0.6 < tree.balanced_accuracy <= 1 and 0.5 < tree.recall <= 1
    assert abs(tree.base_rate - found.base_rate) < 0.02
    leaves = [line for line in tree.rules.splitlines() if "predicts" in line]
    assert all("% of " in line and "draws" in line for line in leaves)
    # no split is left whose two sides predict the same class
    lines = tree.rules.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "<=" in line:
            depth = line.index("|---")
            sibling = next(j for j in range(i + 1, len(lines)) if lines[j].index("|---") == depth)
            left = {x.split(":")[0] for x in lines[i + 1:sibling] if "predicts" in x}
            end = next((j for j in range(sibling + 1, len(lines)) if lines[j].index("|---") <= depth - 4),
                       len(lines))
            right = {x.split(":")[0] for x in lines[sibling + 1:end] if "predicts" in x}
            assert not (len(left) == len(right) == 1 and left == right), line
