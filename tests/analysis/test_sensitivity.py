"""Tests of the SALib wrappers (sim.analysis.sensitivity) against the Ishigami function's known indices.

Ishigami with a=7, b=0.1 on [-pi, pi]^3 (Saltelli et al. 2010): S1 = (0.3139, 0.4424, 0) and
ST = (0.5576, 0.4424, 0.2437); x3 acts only through its interaction with x1.
"""

import warnings

import numpy as np
import pytest

from sim.analysis.sensitivity import (
    Problem,
    check_events,
    morris_screening,
    salib_warnings_as_errors,
    sobol_indices,
)

S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])
TOL = 0.03


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Problem(names=("x1", "x2", "x3"), bounds=[(-np.pi, np.pi)] * 3, groups=("x1x3", "x2", "x1x3"))


@pytest.fixture(scope="module")
def sobol(problem):
    return sobol_indices(problem, ishigami, 4096, seed=0, groups_too=True)


def test_sobol_recovers_ishigami_first_and_total_order_indices(sobol):
    assert sobol.names == ("x1", "x2", "x3")
    np.testing.assert_allclose(sobol.S1, S1_TRUE, atol=TOL)
    np.testing.assert_allclose(sobol.ST, ST_TRUE, atol=TOL)
    assert np.all(sobol.S1_conf > 0) and np.all(sobol.S1_conf < 0.1)
    assert sobol.n_evaluations == 4096 * (3 + 2)


def test_grouping_x1_with_x3_gives_their_joint_first_and_total_order_index(sobol):
    grouped = sobol.grouped
    assert grouped.names == ("x1x3", "x2")
    # Closed index of {x1, x3} = S1 + S3 + S13 = 0.5576 = its total index (no interaction with x2).
    np.testing.assert_allclose(grouped.S1, [0.5576, 0.4424], atol=TOL)
    np.testing.assert_allclose(grouped.ST, [0.5576, 0.4424], atol=TOL)
    assert grouped.n_evaluations == 4096 * (2 + 2)


def test_to_rows_lists_variables_then_groups(sobol):
    rows = sobol.to_rows()
    assert [(r["kind"], r["name"]) for r in rows] == [
        ("variable", "x1"),
        ("variable", "x2"),
        ("variable", "x3"),
        ("group", "x1x3"),
        ("group", "x2"),
    ]
    assert rows[0]["ST"] == pytest.approx(0.5576, abs=TOL)


def test_second_order_index_of_x1_x3_is_their_interaction(problem):
    result = sobol_indices(problem, ishigami, 1024, seed=1, second_order=True)
    assert result.S2[0, 2] == pytest.approx(0.2437, abs=0.05)
    assert abs(result.S2[0, 1]) < 0.05 and abs(result.S2[1, 2]) < 0.05
    assert result.n_evaluations == 1024 * (2 * 3 + 2)


def test_same_seed_gives_identical_sobol_results_including_seed_zero_bootstrap(problem):
    first = sobol_indices(problem, ishigami, 256, seed=0)
    second = sobol_indices(problem, ishigami, 256, seed=0)
    np.testing.assert_array_equal(first.S1, second.S1)
    np.testing.assert_array_equal(first.S1_conf, second.S1_conf)
    np.testing.assert_array_equal(first.ST_conf, second.ST_conf)


def test_morris_ranks_x1_and_x2_above_x3_and_flags_x3_as_interaction_only(problem):
    result = morris_screening(problem, ishigami, 500, seed=0)
    # On the 4-level grid every elementary effect of x2 is +-7 * 0.75 / (2/3) = +-7.875 exactly;
    # the expected mu_star of x1 is 7.70 and of x3 6.25.
    assert result.mu_star[1] == pytest.approx(7.875)
    assert result.mu_star[2] < min(result.mu_star[0], result.mu_star[1])
    assert result.mu_star[2] == pytest.approx(6.25, abs=0.75)
    ratio = result.sigma / result.mu_star
    assert np.argmax(ratio) == 2 and ratio[2] > 1.2
    assert result.n_evaluations == 500 * (3 + 1)
    assert [r["name"] for r in result.to_rows()] == ["x1", "x2", "x3"]


def test_same_seed_gives_identical_morris_results(problem):
    first = morris_screening(problem, ishigami, 20, seed=5)
    second = morris_screening(problem, ishigami, 20, seed=5)
    np.testing.assert_array_equal(first.mu_star, second.mu_star)
    np.testing.assert_array_equal(first.mu_star_conf, second.mu_star_conf)


def test_bounds_with_low_not_below_high_raise_value_error_naming_the_variable():
    with pytest.raises(ValueError, match="'b'.*low < high"):
        Problem(names=("a", "b"), bounds=[(0, 1), (2, 2)])
    with pytest.raises(ValueError, match="'a'"):
        Problem(names=("a",), bounds=[(1, 0)])


def test_sobol_sample_size_not_a_power_of_two_raises_value_error_saying_so(problem):
    with pytest.raises(ValueError, match="power of 2"):
        sobol_indices(problem, ishigami, 1000, seed=0)


def test_bad_arguments_and_model_outputs_raise_value_error(problem):
    ungrouped = Problem(names=problem.names, bounds=problem.bounds)
    with pytest.raises(ValueError, match="groups_too needs"):
        sobol_indices(ungrouped, ishigami, 64, seed=0, groups_too=True)
    with pytest.raises(ValueError, match="must return shape"):
        sobol_indices(ungrouped, lambda x: x, 64, seed=0)
    with pytest.raises(ValueError, match="same value"):
        sobol_indices(ungrouped, lambda x: np.ones(len(x)), 64, seed=0)
    with pytest.raises(ValueError, match="NaN"):
        morris_screening(ungrouped, lambda x: np.full(len(x), np.nan), 4, seed=0)
    with pytest.raises(ValueError, match="even"):
        morris_screening(ungrouped, ishigami, 4, seed=0, num_levels=3)
    with pytest.raises(ValueError, match="seed"):
        sobol_indices(ungrouped, ishigami, 64, seed=-1)


def test_to_salib_gives_a_fresh_salib_problem_dict(problem):
    salib = problem.to_salib()
    assert salib == {
        "num_vars": 3,
        "names": ["x1", "x2", "x3"],
        "bounds": [[-np.pi, np.pi]] * 3,
        "groups": ["x1x3", "x2", "x1x3"],
    }
    assert "groups" not in problem.to_salib(with_groups=False)
    assert problem.to_salib() is not problem.to_salib()


def test_a_salib_warning_is_raised_as_an_error_saying_the_indices_cannot_be_trusted():
    trusted = pytest.raises(ValueError, match="cannot be trusted here: the bootstrap saw no spread")
    with trusted, salib_warnings_as_errors():
        warnings.warn("the bootstrap saw no spread", UserWarning, stacklevel=1)
    with pytest.raises(ValueError, match="cannot be trusted"), salib_warnings_as_errors():
        np.float64(1.0) / np.float64(0.0)


def test_an_event_probability_with_too_few_events_or_non_events_is_refused():
    check_events(np.r_[np.ones(20), np.zeros(20)], 20)
    with pytest.raises(ValueError, match="only 19 of 39 model runs are events"):
        check_events(np.r_[np.ones(19), np.zeros(20)], 20)
    with pytest.raises(ValueError, match="are non-events.*less certain"):
        check_events(np.r_[np.ones(30), np.zeros(5)], 20)
