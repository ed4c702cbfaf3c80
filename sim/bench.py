"""Benchmark: draws per second for each stage on baseline-2018, and peak memory.

Run with ``alliance-sim bench [--draws N] [--json]``. Timings are wall-clock on this machine and are
printed, never asserted: the test suite checks numbers, the benchmark measures speed.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sim.model import build_game
from sim.run import run
from sim.sampling import BLOCK, Design, draw_parameters
from sim.scenario import load_scenario
from sim.solve import solve
from sim.timeline import project

SCENARIO = "baseline-2018"
QRE_LAMBDA = 10.0
#: The timeline figure: trajectories and years (issue 8's target: under 5 s here, SPE).
TIMELINE_TRAJECTORIES, TIMELINE_YEARS = 100_000, 15


@dataclass(frozen=True)
class Figure:
    stage: str
    draws: int
    seconds: float
    draws_per_second: float
    peak_mib: float


def _chunks(draws: int):
    return ((a, min(a + BLOCK, draws)) for a in range(0, draws, BLOCK))


def _timed(stage: str, draws: int, work: Callable[[], object]) -> Figure:
    """Time ``work`` once without tracing, then measure its peak traced memory in a second pass."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Figure(stage, draws, seconds, draws / seconds, peak / 2**20)


def measure(draws: int = 1_000_000) -> list[Figure]:
    """Sampling alone, SPE and QRE solving alone, and end to end (SPE and QRE) at ``draws``."""
    scenario = load_scenario(SCENARIO)
    design = Design(draws, scenario.seed)
    levers = scenario.levers

    def sampling():
        for a, b in _chunks(draws):
            draw_parameters(scenario, design.uniforms(a, b))

    chunks = [draw_parameters(scenario, design.uniforms(a, b)) for a, b in _chunks(draws)]

    def solving(concept: str):
        def work():
            for p in chunks:
                solve(build_game(p, levers), concept, QRE_LAMBDA)
        return work

    figures = [
        _timed("sampling", draws, sampling),
        _timed("spe solve", draws, solving("spe")),
        _timed("qre solve", draws, solving("qre")),
    ]
    chunks.clear()  # free the pre-sampled draws before the end-to-end runs
    figures.append(_timed("end to end (spe)", draws, lambda: run(scenario, draws=draws, solution="spe")))
    figures.append(_timed("end to end (qre)", draws,
                          lambda: run(scenario, draws=draws, solution="qre", lam=QRE_LAMBDA)))
    figures.append(_timed(f"timeline {TIMELINE_YEARS} y (spe)", TIMELINE_TRAJECTORIES,
                          lambda: project(scenario, years=TIMELINE_YEARS, draws=TIMELINE_TRAJECTORIES)))
    return figures


def render(figures: list[Figure], as_json: bool = False) -> str:
    if as_json:
        return json.dumps([asdict(f) for f in figures], indent=2)
    lines = [f"alliance-sim bench on {SCENARIO} (solving stages on one thread; end to end on one thread "
             "per core and including reservation prices; the timeline's draws are trajectories)",
             f"{'stage':<22} {'draws':>10} {'seconds':>9} {'draws/s':>12} {'peak MiB':>9}"]
    lines += [f"{f.stage:<22} {f.draws:>10,} {f.seconds:>9.3f} {f.draws_per_second:>12,.0f} "
              f"{f.peak_mib:>9.1f}" for f in figures]
    return "\n".join(lines)
