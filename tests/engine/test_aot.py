"""The kernel's ahead-of-time build (sim.engine.kernel.aot): installed by the test set-up, bit-identical to
the JIT
build it stands in for, given only to the main thread, never loaded once stale, and what lets a short
run start without numba."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from sim.engine.driver import run
from sim.engine.kernel import aot
from sim.engine.kernel import builds as compiled_builds
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.layout import flat_tree
from sim.engine.sampling import Design
from sim.engine.summary_runs import run_summary
from sim.present import report
from sim.spec.scenario import load_scenario


@pytest.fixture(scope="module")
def builds():
    ahead = aot.load()
    assert ahead is not None, ("no ahead-of-time build for this source: run `alliance-sim prepare` "
                               "(scripts/install-test-deps.sh does)")
    return ahead, compiled_builds._jit()


def _draws(n: int = 6_000, seed: int = 4):
    scenario = load_scenario("what-if-haqqani-ascendant")
    return scenario, kernel.sampled(scenario, Design(n, seed).uniforms(0, n))


def _solve(build, draws, levers, concept, lam, prices=True):
    tree = flat_tree()
    out = kernel.output(draws.n)
    sums = (np.zeros((len(tree.decision_paths), 3), dtype=np.int64),
            np.zeros((len(tree.chance_paths), 2), dtype=np.int64),
            np.zeros(len(tree.terminals), dtype=np.int64))
    build.solve_chunk(draws.u, draws.kind, draws.spec, draws.given, levers["concession"],
                      levers["verification"], levers["pressure"], concept == "qre", lam, prices, out, *sums)
    return out, sums


@pytest.mark.parametrize(("concept", "lam"), [("spe", 0.0), ("qre", 3.0), ("qre", 25.0)])
def test_the_ahead_of_time_build_solves_every_draw_bit_for_bit_as_the_jit_build(builds, concept, lam):
    ahead, jit = builds
    scenario, draws = _draws()
    for concession in (0.0, 0.6):
        levers = {**scenario.levers, "concession": concession}
        out_a, sums_a = _solve(ahead, draws, levers, concept, lam)
        out_j, sums_j = _solve(jit, draws, levers, concept, lam)
        np.testing.assert_array_equal(out_a, out_j)
        for a, j in zip(sums_a, sums_j, strict=True):
            np.testing.assert_array_equal(a, j)
    assert np.isfinite(out_a).any() and sums_a[2].sum() > 0   # it did solve something


@pytest.mark.parametrize(("concept", "lam"), [("spe", 0.0), ("qre", 3.0)])
def test_the_ahead_of_time_build_solves_the_timelines_year_bit_for_bit_as_the_jit_build(builds, concept, lam):
    """reach_chunk, with levers that differ from draw to draw, as the timeline calls it."""
    _, draws = _draws(3_000)
    rng = np.random.default_rng(2)
    levers = [rng.random(draws.n) for _ in kernel.REACH_LEVERS]
    reach = [np.full((len(flat_tree().terminals), draws.n), np.nan) for _ in builds]
    for build, out in zip(builds, reach, strict=True):
        build.reach_chunk(draws.u, draws.kind, draws.spec, draws.given, *levers, concept == "qre", lam, out)
    np.testing.assert_array_equal(*reach)
    np.testing.assert_allclose(reach[0].sum(axis=0), 1.0, rtol=0, atol=1e-12)   # every draw solved


def test_the_ahead_of_time_build_draws_curves_and_tallies_as_the_jit_build(builds):
    ahead, jit = builds
    scenario, draws = _draws(3_000)
    rows = [np.empty((len(kernel.NAMES), draws.n)) for _ in builds]
    for build, out in zip(builds, rows, strict=True):
        build.fill_parameters(draws.u, draws.kind, draws.spec, draws.given, out)
    np.testing.assert_array_equal(*rows)

    grid = np.linspace(0, 1, 5)
    for qre in (True, False):
        curves = [np.full((5, len(kernel.CURVE_ROWS), draws.n), np.nan) for _ in builds]
        for build, out in zip(builds, curves, strict=True):
            build.curve_chunk(draws.u, draws.kind, draws.spec, draws.given, grid, 0.5, 0.5, qre, 4.0, 0,
                              draws.n, out)
        np.testing.assert_array_equal(*curves)
        assert not np.isnan(curves[0]).any()

    values = np.random.default_rng(1).normal(size=(3, 1_000))
    tallies = []
    for build in builds:
        sums, squares = np.zeros((3, 4), dtype=np.int64), np.zeros((3, 4), dtype=np.int64)
        assert build.fixed_sums(values, 250, 1e6, sums, squares)
        tallies.append((sums, squares))
    np.testing.assert_array_equal(tallies[0][0], tallies[1][0])
    np.testing.assert_array_equal(tallies[0][1], tallies[1][1])
    values[2, 7] = np.nan
    assert [build.fixed_sums(values, 250, 1e6, *tallies[0]) for build in builds] == [False, False]

    prices = np.array([0.0, 0.25, 0.2500001, 1.0, np.inf, 0.5])
    counts = [np.zeros(102, dtype=np.int64) for _ in builds]
    assert all(build.price_counts(prices, 100, c) for build, c in zip(builds, counts, strict=True))
    np.testing.assert_array_equal(*counts)
    assert counts[0][25] == 2 and counts[0][101] == 1
    assert [build.price_counts(np.array([1.5]), 100, c) for build, c in zip(builds, counts, strict=True)] \
        == [False, False]


def test_the_main_thread_gets_the_ahead_of_time_build_and_other_threads_the_jit_build(builds):
    ahead, jit = builds
    assert threading.current_thread() is threading.main_thread()
    assert compiled_builds.compiled() is ahead
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(compiled_builds.compiled).result() is jit


def test_a_sole_solver_thread_takes_the_ahead_of_time_build_for_that_block_only(builds):
    ahead, jit = builds

    def taken():
        before = compiled_builds.compiled()
        with compiled_builds.sole_solver():
            inside = compiled_builds.compiled()
        return before, inside, compiled_builds.compiled()

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(taken).result() == (jit, ahead, jit)


def test_a_curves_threads_each_solve_with_their_own_threads_build(builds, monkeypatch):
    """The ahead-of-time build holds the GIL: handed from the main thread to the curve's pool
    threads, it would make them solve their shares one after another."""
    ahead, jit = builds
    calls = []   # (the build, the thread it was taken in, the thread that solved with it)

    class Recorded:
        def __init__(self, build):
            self.build, self.taken_in = build, threading.current_thread()

        def curve_chunk(self, *args):
            calls.append((self.build, self.taken_in, threading.current_thread()))
            self.build.curve_chunk(*args)

    _, draws = _draws(4 * kernel.TILE_DRAWS)
    compiled = compiled_builds.compiled
    monkeypatch.setattr(kernel, "compiled_build", lambda: Recorded(compiled()))
    monkeypatch.setattr(kernel, "thread_count", lambda tasks, threads=None: 2)
    kernel.curve(draws, np.linspace(0, 1, 3), {"verification": 0.5, "pressure": 0.5}, "spe", 1.0)
    assert len(calls) == 2
    for build, taken_in, solved_in in calls:
        assert taken_in is solved_in and solved_in is not threading.main_thread() and build is jit


def test_a_run_gives_the_same_numbers_whichever_build_solves_it(builds):
    # one chunk is solved in the calling thread: the main thread (ahead of time) against a thread (JIT)
    scenario = load_scenario("baseline-2018")
    here = run(scenario, draws=4_000, seed=9, solution="qre", lam=6.0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        there = pool.submit(run, scenario, 4_000, 9, "qre", 6.0).result()
    assert here.behaviour == there.behaviour and here.reach == there.reach
    for key, values in here.per_draw.items():
        np.testing.assert_array_equal(values, there.per_draw[key], err_msg=key)


def test_a_stale_build_is_never_loaded(monkeypatch, builds):
    # the digest names the source it was built from: any other source finds no build, and runs JIT
    monkeypatch.setattr(aot, "digest", lambda: "0" * 16)
    aot.load.cache_clear()
    try:
        assert aot.load() is None
    finally:
        monkeypatch.undo()
        aot.load.cache_clear()
    assert aot.load() is not None


SHORT_RUN = """
import json, sys
from sim.cli.main import main
code = main(["run", "baseline-2018", "--draws", "1000", "--seed", "3", "--format", "json"])
print(json.dumps({"numba": "numba" in sys.modules, "scipy": "scipy" in sys.modules, "code": code}),
      file=sys.stderr)
"""


@pytest.mark.subprocess
def test_a_short_run_starts_without_numba_or_scipy_and_prints_the_jit_builds_numbers(builds):
    done = subprocess.run([sys.executable, "-c", SHORT_RUN], capture_output=True, text=True, timeout=120)
    state = json.loads(done.stderr.strip().splitlines()[-1])
    assert state == {"numba": False, "scipy": False, "code": 0}
    printed = json.loads(done.stdout)
    with ThreadPoolExecutor(max_workers=1) as pool:   # the same run, solved by the JIT build
        there = pool.submit(run_summary, load_scenario("baseline-2018"), 1000, 3).result()
    assert printed == json.loads(report.render(there, "json"))
    assert printed["draws"] == 1000 and printed["outcomes"]
