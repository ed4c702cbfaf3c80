"""Sampling: each distribution's inverse CDF matches scipy's, designs are what they claim to be."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from sim.engine.sampling import BLOCK, DIM, REPLICATES, Design, draw_parameters, ppf, replicate_bounds
from sim.spec.parameters import NAMES
from sim.spec.scenario import Dist, Param

N = 200_000


def param(value: float, **dist) -> Param:
    return Param("leader_legitimacy", value, Dist(**dist), "test", "test")


def pert(low: float, mode: float, high: float) -> stats.rv_continuous:
    a = 1 + 4 * (mode - low) / (high - low)
    b = 1 + 4 * (high - mode) / (high - low)
    return stats.beta(a, b, loc=low, scale=high - low)


CASES = {
    "uniform": (param(0.5, kind="uniform", low=0.2, high=0.9), stats.uniform(0.2, 0.7)),
    "triangular": (param(0.3, kind="triangular", low=0.1, high=0.8), stats.triang(2 / 7, loc=0.1, scale=0.7)),
    "pert": (param(0.3, kind="pert", low=0.1, high=0.8), pert(0.1, 0.3, 0.8)),
    "truncnormal": (param(0.4, kind="truncnormal", low=0.1, high=0.9, sd=0.2),
                    stats.truncnorm(-1.5, 2.5, loc=0.4, scale=0.2)),
    "lognormal": (param(0.3, kind="lognormal", sigma=0.4), stats.lognorm(0.4, scale=0.3)),
    "beta": (param(0.5, kind="beta", low=0.2, high=0.9, a=2.0, b=5.0), stats.beta(2, 5, loc=0.2, scale=0.7)),
}


@pytest.mark.parametrize("kind", CASES)
def test_each_distribution_draws_match_scipys_distribution(kind):
    p, reference = CASES[kind]
    u = np.random.default_rng(7).random(N)
    x = ppf(p, u)
    # lognormal draws are clipped to the parameter's catalogue range [0, 1]: compare below the clip
    if kind == "lognormal":
        x, u = x[x < 1.0], u[x < 1.0]
    assert stats.kstest(x, reference.cdf).statistic < 0.005
    np.testing.assert_allclose(reference.cdf(x), u, atol=1e-9)


def test_the_central_value_is_the_mode_of_a_triangular_and_the_median_of_a_lognormal():
    tri, _ = CASES["triangular"]
    x = ppf(tri, np.random.default_rng(1).random(N))
    counts, edges = np.histogram(x, bins=70, range=(0.1, 0.8))
    assert abs(edges[np.argmax(counts)] - 0.3) < 0.02
    logn, _ = CASES["lognormal"]
    assert abs(np.median(ppf(logn, np.random.default_rng(2).random(N))) - 0.3) < 0.005


def test_each_latin_hypercube_replicate_puts_exactly_one_draw_in_each_stratum_of_every_parameter():
    u = Design(1600, seed=3, sampler="lhs").uniforms(0, 1600)
    assert u.shape == (1600, DIM) and replicate_bounds(1600, "lhs") == [(100 * r, 100 * r + 100)
                                                                         for r in range(REPLICATES)]
    for a, b in replicate_bounds(1600, "lhs"):
        strata = np.sort(np.floor(u[a:b] * 100).astype(int), axis=0)
        assert np.all(strata == np.arange(100)[:, None])


def test_each_sobol_replicate_of_a_power_of_two_is_balanced_in_every_parameter():
    u = Design(16 * 64, seed=4, sampler="sobol").uniforms(0, 16 * 64)
    for a, b in replicate_bounds(16 * 64, "sobol"):
        assert np.all((u[a:b] < 0.5).sum(axis=0) == 32)


def test_replicates_are_independently_scrambled_and_plain_monte_carlo_has_one():
    u = Design(64, seed=4, sampler="sobol").uniforms(0, 64)
    assert not np.allclose(u[:4], u[4:8])
    assert replicate_bounds(100, "random") == [(0, 100)] and replicate_bounds(5, "lhs") == [(0, 2), (2, 5)]


def test_monte_carlo_rows_are_the_same_whichever_range_is_asked_for():
    design = Design(3 * BLOCK, seed=5)
    whole = design.uniforms(0, 3 * BLOCK)
    np.testing.assert_array_equal(design.uniforms(BLOCK - 10, BLOCK + 10), whole[BLOCK - 10: BLOCK + 10])
    np.testing.assert_array_equal(design.uniforms(2 * BLOCK + 1, 2 * BLOCK + 2), whole[2 * BLOCK + 1:][:1])


def test_changing_one_parameter_leaves_every_other_draw_unchanged():
    base = sim.load_scenario("baseline-2018")
    other = base.updated({"parameters.leader_legitimacy.dist.low": 0.1})
    u = Design(5000, seed=6).uniforms(0, 5000)
    a, b = draw_parameters(base, u), draw_parameters(other, u)
    assert not np.array_equal(a["leader_legitimacy"], b["leader_legitimacy"])
    for name in NAMES:
        if name != "leader_legitimacy":
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_an_unknown_sampler_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown sampler 'halton'"):
        Design(10, seed=0, sampler="halton")


@pytest.mark.parametrize("draws", [1, 1_000, BLOCK + 1_000, 3 * BLOCK])
def test_a_short_last_block_draws_the_same_numbers_as_the_whole_block(draws):
    last = (draws - 1) // BLOCK
    whole = np.random.default_rng(np.random.SeedSequence(9, spawn_key=(last,))).random((DIM, BLOCK)).T
    expected = whole[:draws - last * BLOCK]
    np.testing.assert_array_equal(Design(draws, 9).uniforms(last * BLOCK, draws), expected)
    np.testing.assert_array_equal(Design(draws, 9).uniforms(last * BLOCK, draws, scratch=True), expected)


def test_rows_outside_the_design_are_refused():
    with pytest.raises(ValueError, match="not within"):
        Design(100, 1).uniforms(50, 101)


def test_a_finished_threads_block_of_uniforms_goes_to_the_next_thread():
    import threading

    design = Design(3 * BLOCK, 7)
    got = []

    def work(b: int) -> None:
        u = design.uniforms(b * BLOCK, (b + 1) * BLOCK, scratch=True)
        got.append((u.ctypes.data, u.copy()))

    blockers = []
    for b in range(3):
        thread = threading.Thread(target=work, args=(b,))
        thread.start()
        thread.join()
        blockers.append(np.empty((DIM, BLOCK)))   # memory freed by the thread would go here
    assert got[0][0] == got[1][0] == got[2][0]   # one block, handed from thread to thread
    for b, (_, u) in enumerate(got):   # refilled for each block: the numbers are the design's
        np.testing.assert_array_equal(u, design.uniforms(b * BLOCK, (b + 1) * BLOCK))
    assert not np.array_equal(got[0][1], got[1][1])


def test_a_short_blocks_uniforms_reach_the_kernel_as_they_are_without_a_copy():
    from sim.engine.kernel import fused as kernel
    from sim.spec.scenario import load_scenario

    design = Design(2 * BLOCK + 1_000, 3)
    fresh = [design.uniforms(b * BLOCK, min((b + 1) * BLOCK, design.draws)) for b in (0, 2, 0)]
    for b, expected in zip((0, 2, 0), fresh, strict=True):   # one buffer, refilled in either layout
        u = design.uniforms(b * BLOCK, min((b + 1) * BLOCK, design.draws), scratch=True)
        np.testing.assert_array_equal(u, expected)
        assert u.T.flags.c_contiguous
        draws = kernel.sampled(load_scenario("baseline-2018"), u)
        assert np.shares_memory(draws.u, u)   # not copied into fresh memory


@pytest.mark.parametrize("draws", [2 * BLOCK, BLOCK + 1_000])
def test_a_block_drawn_for_some_columns_has_their_numbers_and_serves_no_caller_wanting_all(draws):
    design, only = Design(draws, 21), tuple(range(0, DIM, 3))
    last = (draws - 1) // BLOCK   # a whole block, or a short last one
    a, b = last * BLOCK, draws
    whole = design.uniforms(a, b)   # every column drawn, outside the scratch buffer
    some = design.uniforms(a, b, scratch=True, only=only)
    np.testing.assert_array_equal(some[:, list(only)], whole[:, list(only)])
    # The same buffer, asked for every column, is drawn again rather than handed out half-drawn.
    np.testing.assert_array_equal(design.uniforms(a, b, scratch=True), whole)
    # Drawn whole, it is handed as it is to a caller that wants some columns.
    np.testing.assert_array_equal(design.uniforms(a, b, scratch=True, only=only), whole)
