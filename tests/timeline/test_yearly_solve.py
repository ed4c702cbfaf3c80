"""The timeline's yearly solve through the compiled kernel (:func:`sim.engine.kernel.fused.reach`) against
the numpy reference it replaces, ``solve(build_game(params, levers)).reach``: on random draws, random
states (the values :func:`sim.timeline.engine.year_parameters` sets) and the per-trajectory levers
:func:`sim.timeline.engine.year_levers` gives. SPE to the bit; QRE within rounding."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine import driver
from sim.engine.driver import sample
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.layout import flat_tree
from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.timeline_section import Ultimatum, parse_timeline
from sim.timeline import project
from sim.timeline.calibration import calibrate
from sim.timeline.engine import DELIVERED, NONE, OFFERED, SIGNED, SPENT, State, year_levers, year_parameters

DRAWS = 20_000
#: QRE's exp is the C library's in the kernel, numpy's in the reference (see tests/engine/test_kernel.py).
QRE_ROUNDING = 1e-12


def _random_year(seed: int, ultimatum: bool):
    """A year's parameters and levers for ``DRAWS`` trajectories in random states: deals in every
    state, offers at random concessions (some at the chip's threshold, some at 0), withdrawn or not,
    in power or not, split or not, under pledge terms or not, a random memory and bond."""
    rng = np.random.default_rng(seed)
    sc = sim.load_scenario("history-1996-2018")
    spec = parse_timeline(sc.timeline, sc.name)
    params = sample(sc, DRAWS, seed).params
    state = State.start(params, DRAWS, spec, sc.levers)
    state.deal[:] = rng.choice([NONE, OFFERED, SIGNED, DELIVERED, SPENT], DRAWS)
    state.offer[:] = rng.random(DRAWS)
    at_threshold = rng.random(DRAWS) < 0.2
    state.offer[at_threshold] = np.broadcast_to(params["chip_threshold"], DRAWS)[at_threshold]
    state.offer[rng.random(DRAWS) < 0.1] = 0.0
    state.offer_verification[:] = rng.random(DRAWS)
    state.pledge_terms[:] = rng.random(DRAWS) < 0.5
    state.withdrawn[:] = rng.random(DRAWS) < 0.4
    state.in_power[:] = rng.random(DRAWS) < 0.5
    state.split[:] = rng.random(DRAWS) < 0.3
    state.numeric["retaliation_memory"][:] = rng.choice([0.0, 1.0, 0.5, 0.25], DRAWS)
    state.numeric["years_together"][:] = rng.integers(0, 25, DRAWS)
    state.numeric["personal_ties"][rng.random(DRAWS) < 0.3] = 0.0
    levers = {"concession": 0.0, "verification": float(rng.random()), "pressure": float(rng.random())}
    threat = Ultimatum(threat=2.5) if ultimatum else None
    return (year_parameters(params, state, spec, threat), year_levers(state, levers, spec, threat))


def _kernel(p, levers, concept):
    return kernel.reach(kernel.parameter_rows(p, DRAWS), levers, concept, 8.0)


def _reference(p, levers, concept):
    sol = solve(build_game(p, levers), concept, 8.0)
    assert tuple(sol.reach) == flat_tree().terminals   # the same rows, in the same order
    return np.stack([np.broadcast_to(sol.reach[k], DRAWS) for k in sol.reach])


def _assert_same(got, want, concept):
    if concept == "spe":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=0, atol=QRE_ROUNDING)


@pytest.mark.parametrize("ultimatum", [False, True])
@pytest.mark.parametrize("concept", ["spe", "qre"])
def test_the_kernel_solves_each_trajectorys_year_as_the_reference_does(concept, ultimatum):
    p, levers = _random_year(3 + ultimatum, ultimatum)
    varying = ("concession", "verification") if ultimatum else kernel.REACH_LEVERS   # the threat: in full
    assert all(np.ptp(levers[k]) > 0 for k in varying)   # the levers do differ between trajectories
    got, want = _kernel(p, levers, concept), _reference(p, levers, concept)
    _assert_same(got, want, concept)
    # every move is played somewhere among the draws: the comparison covers the whole tree
    keep, distance, sever = (want[[i for i, t in enumerate(flat_tree().terminals) if t.startswith(m)]].sum(0)
                             for m in ("keep/", "distance/", "sever/"))
    assert keep.max() > 0.5 and distance.max() > 0.5 and sever.max() > 0.5


@pytest.mark.parametrize("lever", kernel.REACH_LEVERS)
@pytest.mark.parametrize("concept", ["spe", "qre"])
def test_a_kernel_that_ignored_a_trajectorys_lever_would_fail_the_comparison(concept, lever):
    """The companion: the same comparison, the kernel given one lever as a single value for all
    trajectories (as if it read only the first), fails."""
    p, levers = _random_year(3, False)
    flattened = {**levers, lever: float(np.asarray(levers[lever])[0])}
    with pytest.raises(AssertionError):
        _assert_same(_kernel(p, flattened, concept), _reference(p, levers, concept), concept)


def test_the_kernel_refuses_an_unknown_solution():
    p, levers = _random_year(3, False)
    with pytest.raises(ValueError, match="unknown solution concept"):
        kernel.reach(kernel.parameter_rows(p, DRAWS), levers, "nash", 1.0)


def _both(monkeypatch, work):
    """``work()`` through the numpy reference (``ALLIANCE_SIM_KERNEL=reference``), then the kernel."""
    monkeypatch.setattr(driver, "REFERENCE", True)
    reference = work()
    monkeypatch.setattr(driver, "REFERENCE", False)
    return reference, work()


@pytest.mark.parametrize("concept", ["spe", "qre"])
@pytest.mark.parametrize("name", ["history-1996-2018", "what-if-major-concession"])
def test_a_projection_through_the_kernel_is_the_references_trajectory_for_trajectory(monkeypatch, name,
                                                                                      concept):
    sc = sim.load_scenario(name)
    reference, compiled = _both(monkeypatch,
                                lambda: project(sc, years=12, draws=3_000, seed=5, solution=concept))
    assert [vars(t) for t in compiled.tallies] == [vars(t) for t in reference.tallies]
    np.testing.assert_array_equal(compiled.sever_year, reference.sever_year)
    np.testing.assert_array_equal(compiled.delivery_year, reference.delivery_year)
    assert compiled.deal == reference.deal
    assert 0 < compiled.tallies[-1].alive < 3_000   # some trajectories severed, others did not


@pytest.mark.parametrize("concept", ["spe", "qre"])
def test_the_calibrations_likelihood_through_the_kernel_is_the_references(monkeypatch, concept):
    sc = sim.load_scenario("history-1996-2018")
    reference, compiled = _both(monkeypatch, lambda: calibrate(sc, 3_000, 7, solution=concept).log_lik_years)
    _assert_same(compiled, reference, concept)
    assert np.ptp(reference) > 1.0   # the draws' likelihoods differ
