"""Tests of PRIM peeling (sim.analysis.prim) on synthetic data with a known answer."""

import math
import re

import numpy as np
import pytest

from sim.analysis.prim import prim

NAMES = [f"x{i}" for i in range(6)]


@pytest.fixture(scope="module")
def planted():
    """20000 uniform draws in 6 dims; y is x2 in [0.6, 1] and x4 in [0, 0.3], with 5% of labels flipped."""
    rng = np.random.default_rng(20240611)
    x = rng.uniform(size=(20_000, 6))
    inside = (x[:, 2] >= 0.6) & (x[:, 4] <= 0.3)
    y = inside ^ (rng.uniform(size=x.shape[0]) < 0.05)
    return x, y


def test_chosen_box_restricts_exactly_the_two_planted_dims_near_the_planted_limits(planted):
    result = prim(*planted, NAMES)
    box = result.box
    assert box.restricted == ("x2", "x4")
    assert box.lows[2] == pytest.approx(0.6, abs=0.05)
    assert box.highs[4] == pytest.approx(0.3, abs=0.05)
    assert box.density > 0.85


def test_trajectory_coverage_and_mass_never_increase_while_density_rises(planted):
    trajectory = prim(*planted, NAMES).trajectory
    coverage = np.array([b.coverage for b in trajectory])
    mass = np.array([b.mass for b in trajectory])
    assert len(trajectory) > 10
    assert np.all(np.diff(coverage) <= 0)
    assert np.all(np.diff(mass) < 0)
    assert trajectory[0].mass == 1.0 and trajectory[0].coverage == 1.0 and trajectory[0].restricted == ()
    assert trajectory[-1].density > trajectory[0].density
    assert all(b.mass >= 0.05 for b in trajectory)


def test_describe_names_both_planted_dims_with_their_direction(planted):
    text = prim(*planted, NAMES).describe(outcome="a Sever")
    assert text.startswith("a Sever happens in 9")
    assert re.search(r"where x2 > 0\.(5[5-9]|6[0-4])\d* and x4 < 0\.(2[5-9]|3[0-4])\d* \(", text)
    assert "of all Severs" in text
    assert "x0" not in text and "x5" not in text


def test_threshold_chooses_the_largest_box_reaching_that_density(planted):
    result = prim(*planted, NAMES, threshold=0.9)
    densities = [b.density for b in result.trajectory]
    assert densities[result.chosen] >= 0.9
    assert all(d < 0.9 for d in densities[: result.chosen])


def test_to_rows_gives_one_flat_record_per_step_and_flags_the_chosen_one(planted):
    result = prim(*planted, NAMES)
    rows = result.to_rows()
    assert len(rows) == len(result.trajectory)
    assert set(rows[0]) == {"step", "coverage", "density", "mass", "restricted", "limits", "chosen"}
    assert [r["step"] for r in rows] == list(range(len(rows)))
    assert [r["chosen"] for r in rows].count(True) == 1
    assert rows[result.chosen]["restricted"] == "x2; x4"


def test_box_with_both_sides_restricted_is_described_as_between():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(5_000, 2))
    y = (x[:, 0] > 0.3) & (x[:, 0] < 0.6)
    text = prim(x, y, ["a", "b"]).describe(outcome="an exit", outcomes="exits")
    assert re.match(
        r"an exit happens in (99|100)% of draws where a between 0\.(29|30)\d* and 0\.(59|60)\d* ", text
    )
    assert "of all exits" in text and "b " not in text


def test_no_positive_outcome_gives_the_whole_range_box_with_undefined_coverage():
    x = np.random.default_rng(2).uniform(size=(1_000, 3))
    result = prim(x, np.zeros(1_000, dtype=bool), ["a", "b", "c"])
    assert len(result.trajectory) == 1 and result.chosen == 0
    assert result.box.restricted == () and result.box.density == 0.0
    assert math.isnan(result.box.coverage)
    assert result.to_rows()[0]["coverage"] is None
    assert result.describe() == "none of the draws has a Sever, so there is no box to describe"


def test_all_positive_outcome_gives_the_unrestricted_box_at_full_density():
    x = np.random.default_rng(3).uniform(size=(500, 2))
    result = prim(x, np.ones(500, dtype=int), ["a", "b"])
    assert len(result.trajectory) == 1
    assert result.describe() == "a Sever happens in 100% of all draws (the box restricts no input)"


def test_constant_column_is_never_restricted(planted):
    x, y = planted
    with_constant = np.column_stack([x, np.full(x.shape[0], 0.5)])
    result = prim(with_constant, y, [*NAMES, "const"])
    assert all("const" not in b.restricted for b in result.trajectory)
    assert result.box.restricted == ("x2", "x4")


def test_discrete_input_is_peeled_by_whole_values_and_every_peel_drops_points():
    rng = np.random.default_rng(4)
    level = rng.integers(0, 5, size=4_000).astype(float)
    y = (level == 4) ^ (rng.uniform(size=level.size) < 0.02)
    result = prim(level[:, None], y, ["level"])
    masses = [b.mass for b in result.trajectory]
    assert np.all(np.diff(masses) < 0)
    assert result.box.lows[0] == 3.5
    assert result.describe().startswith("a Sever happens in 9")
    assert "level > 3.5" in result.describe()


def test_mismatched_shapes_and_non_binary_outcomes_raise_value_error():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="y must have shape"):
        prim(x, np.zeros(9, dtype=bool), ["a", "b"])
    with pytest.raises(ValueError, match="names has 1 entries"):
        prim(x, np.zeros(10, dtype=bool), ["a"])
    with pytest.raises(ValueError, match="only 0 and 1"):
        prim(x, np.full(10, 2), ["a", "b"])
