"""Benchmark of the negotiation analytics: wall-clock seconds against the issue's targets.

Run with ``alliance-sim analyze-bench [--json]`` or ``python -m sim.bench.analysis_speed``. Figures are
printed, never asserted (the tests check numbers; this measures speed on the machine at hand):

* the reservation price plus a 21-point acceptance curve for 100,000 draws (target: under 0.5 s),
  sampling excluded, since an app samples once and re-solves; best of three runs;
* the "What would it take?" page's answer for a new setting at the app's default size (100,000 draws;
  target: under 3 s), sampling included, as the page samples each setting afresh; median of three
  settings never seen before;
* Sobol' indices of P(Sever) with base sample 4,096 over all uncertain parameters, with grouped
  indices (target: under 20 s), split into sampling, model runs and SALib's analysis.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from sim.analysis import drivers, negotiation
from sim.engine.driver import Sample, sample
from sim.present import what_it_takes
from sim.present.settings import APP_DRAWS
from sim.spec.scenario import Scenario, load_scenario

SCENARIO = "baseline-2018"
#: The Sobol' benchmark runs at a concession where Sever happens, so P(Sever) is not constant.
SOBOL_CONCESSION = 0.8
FAST_REPEATS = 3
#: Seconds the price and the 21-point curve may take together at 100,000 draws (issue 12).
PRICE_CURVE_TARGET = 0.5
#: Seconds the "What would it take?" page may take to answer a new setting at its default size (issue 31).
NEW_SETTING_TARGET = 3.0
NEW_SETTING_LABEL = "what would it take, new setting, default size (median of 3)"


@dataclass(frozen=True)
class Figure:
    task: str
    size: int
    seconds: float
    target_seconds: float | None


def _seconds(work: Callable[[], object], repeats: int = 1) -> float:
    """Best wall-clock time of ``repeats`` runs (the least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(draws: int = 100_000, sobol_n: int = 4096) -> list[Figure]:
    """Time the negotiation analyses on ``draws`` draws and Sobol' with base sample ``sobol_n``."""
    scenario = load_scenario(SCENARIO)
    drawn = sample(scenario, draws)
    price, curve = price_and_curve_seconds(drawn)
    zone = _seconds(lambda: negotiation.bargaining_zone(drawn), FAST_REPEATS)
    at_offer = scenario.updated({"levers.concession": SOBOL_CONCESSION})
    problem = drivers.problem(at_offer).to_salib(with_groups=False)
    x = sobol_sample.sample(problem, sobol_n, calc_second_order=False, seed=1)
    func = drivers.model_output(at_offer, "sever", "distributions")
    y = func(x)
    total = _seconds(lambda: drivers.sobol(at_offer, "sever", n=sobol_n))
    return [
        Figure("price", draws, price, None),
        Figure("curve (21 points)", draws, curve, None),
        Figure("price + curve", draws, price + curve, PRICE_CURVE_TARGET),
        Figure("bargaining zone", draws, zone, None),
        Figure(NEW_SETTING_LABEL, APP_DRAWS, new_setting_seconds(scenario.updated({"run.draws": APP_DRAWS})),
               NEW_SETTING_TARGET),
        Figure("Sobol' sampling (SALib, ungrouped)", sobol_n,
               _seconds(lambda: sobol_sample.sample(problem, sobol_n, calc_second_order=False, seed=1)),
               None),
        Figure("Sobol' model runs (ungrouped)", y.size, _seconds(lambda: func(x)), None),
        Figure("Sobol' analysis (SALib, ungrouped)", sobol_n,
               _seconds(lambda: sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100,
                                                      seed=1)), None),
        Figure("Sobol' P(Sever), per parameter and factor", sobol_n, total, 20.0),
    ]


def price_and_curve_seconds(drawn: Sample) -> tuple[float, float]:
    """Best-of-three seconds of the reservation price and of the 21-point acceptance curve."""
    return (_seconds(lambda: negotiation.price_distribution(drawn), FAST_REPEATS),
            _seconds(lambda: negotiation.acceptance_curve(drawn), FAST_REPEATS))


def new_setting_seconds(scenario: Scenario, repeats: int = 3) -> float:
    """Median wall-clock seconds of the page's answer (:func:`sim.present.what_it_takes.answer`) for
    ``repeats`` settings of ``scenario`` none of which was answered before (a concession of its own each,
    and a seed of its own, so that nothing from an earlier setting could be reused)."""
    times = []
    for k in range(repeats):
        new = scenario.updated({"levers.concession": round(0.05 + 0.1 * k, 2),
                                "run.seed": scenario.seed + k + 1})
        start = time.perf_counter()
        what_it_takes.answer(new, "sever", 0.5)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def render(figures: list[Figure], as_json: bool = False) -> str:
    if as_json:
        return json.dumps([asdict(f) for f in figures], indent=2)
    lines = [f"{'task':<60} {'size':>9} {'seconds':>8}  target"]
    for f in figures:
        verdict = "" if f.target_seconds is None else (
            f"< {f.target_seconds:g} s {'met' if f.seconds < f.target_seconds else 'MISSED'}")
        lines.append(f"{f.task:<60} {f.size:>9,} {f.seconds:8.2f}  {verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(measure(), as_json="--json" in sys.argv[1:]))
