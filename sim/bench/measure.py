"""Benchmark of alliance-sim on baseline-2018: speed against the random-number floor, Gambit, memory,
the dask speed-up and the cold start, in one run.

Run with ``alliance-sim bench [--draws N] [--scale-draws N] [--quick] [--json]``. Every figure is
printed, never asserted (the tests check numbers; this measures speed on the machine at hand). The
machine may be shared, so the figures that matter are **ratios taken within one run**:

* **the floor**: what no Monte Carlo of the scenario can avoid, drawing its K uniforms per draw
  (``rng.random((K, 16384))`` chunk after chunk, numpy's default generator, this process, nothing
  else), against SPE and QRE end to end (:func:`sim.engine.driver`, one thread and the default threads): each
  the best of as many runs, all five timed in turn, so that a shared machine's drift over the
  minute they take favours none of them;
* Gambit per draw on the same tree (read from :mod:`sim.model.efg`'s ``.efg`` text) against ours;
* peak RSS of ``alliance-sim run`` at 10^6 and at ``--scale-draws`` draws (10^8 by default; 10^9
  for the issue's completion figure, which takes hours here), each in a fresh process;
* the speed-up of ``run --workers 2`` over ``run --threads 1`` at ``--scale-draws`` draws, and the
  machine's own 2-process scaling (the floor drawn by two processes at once against one), measured
  on each side of those runs: the ceiling no code can pass on this machine;
* the cold start: ``python -m sim run baseline-2018 --draws 1000`` in a fresh process;
* the reservation price and 21-point acceptance curve at 10^5 draws (:mod:`sim.bench.analysis_speed`);
* the "What would it take?" page's answer for a new setting at its default size, 10^5 draws (target:
  under 3 s);
* the timeline of 10^5 trajectories over 15 years;
* the calibration on the 1996-2018 record at 10^6 prior draws (target: under 60 s).

A figure the build cannot give (pygambit not installed, the CLI refusing a size) is reported as
"not available" with the reason, and the bench goes on. ``--quick`` shrinks every size (for tests).
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.engine import distributed
from sim.engine.driver import evaluate_block, run, sample
from sim.engine.kernel import aot
from sim.engine.sampling import BLOCK, Design, draw_parameters, uncertain_names
from sim.engine.tally import Tally, settings_of
from sim.model.efg import game_efg
from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.scenario import Scenario, load_scenario
from sim.timeline import project
from sim.timeline.calibration import calibrate

SCENARIO = "baseline-2018"
RECORD_SCENARIO = "history-1996-2018"
QRE_LAMBDA = 10.0
SEED = 2018
#: Columns of one chunk of the floor's uniforms.
FLOOR_CHUNK = 16_384
#: Repeats of the cheap figures (the floor): the best is the least disturbed by other work.
FLOOR_REPEATS = 5
#: ``(operator, bound)`` of the issue's targets, by figure name.
TARGETS: dict[str, tuple[str, float]] = {
    "floor_over_spe_1_thread": (">=", 0.2),
    "floor_over_qre_1_thread": (">=", 0.07),
    "cold_start_best": ("<", 0.8),
    "peak_rss_scale": ("<", 1024.0),
    "workers_2_speedup": (">=", 1.7),
    "price_and_curve": ("<", 0.5),
    "what_it_takes_new_setting": ("<", 3.0),
    "calibration": ("<", 60.0),
    "load_first_open_p95": ("<", 2.0),
    "load_reopen_p95": ("<", 0.5),
}
TARGET_SIZES = {"floor_over_spe_1_thread": 1_000_000, "floor_over_qre_1_thread": 1_000_000,
                "peak_rss_scale": 100_000_000, "workers_2_speedup": 100_000_000, "price_and_curve": 100_000,
                "what_it_takes_new_setting": 100_000,
                "load_first_open_p95": 100_000, "load_reopen_p95": 100_000, "calibration": 1_000_000}


@dataclass(frozen=True)
class Sizes:
    """How big each part of the bench is."""

    draws: int = 1_000_000
    scale_draws: int = 100_000_000
    rss_draws: int = 1_000_000
    gambit_draws: int = 200
    cold_starts: int = 5
    curve_draws: int = 100_000
    trajectories: int = 100_000
    years: int = 15
    #: Prior draws of the calibration on the 1996-2018 record (issue 28: under 60 s at 10^6).
    calibration_draws: int = 1_000_000
    #: Draws of the floor per process in a round of the machine's own 2-process scaling (about 8 s).
    scaling_draws: int = 30_000_000
    #: Sessions opening distinct links at once on a real server, and each link's draws.
    load_sessions: int = 8
    load_draws: int = 100_000
    #: Threads of the summary run beside the load (another user's work on the machine).
    load_beside_threads: int = 2

    @classmethod
    def quick(cls) -> Sizes:
        """Every size shrunk, for a test of the bench itself (its figures mean little)."""
        return cls(draws=5_000, scale_draws=20_000, rss_draws=5_000, gambit_draws=3, cold_starts=1,
                   curve_draws=2_000, trajectories=1_000, years=2, scaling_draws=20_000, load_sessions=2,
                   load_draws=2_000, load_beside_threads=1, calibration_draws=2_000)


@dataclass(frozen=True)
class Figure:
    """One measured figure: a positive ``value``, or ``not_available`` saying why there is none."""

    name: str
    label: str
    size: int
    unit: str
    value: float | None = None
    not_available: str | None = None
    target: tuple[str, float] | None = field(default=None)

    @property
    def met(self) -> bool | None:
        """Whether the figure meets its target, at the target's size (None when that cannot be said)."""
        if self.target is None or self.value is None or self.size != TARGET_SIZES.get(self.name, self.size):
            return None
        op, bound = self.target
        return self.value >= bound if op == ">=" else self.value < bound

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v is not None}
        if self.target is not None:
            out["target"] = f"{self.target[0]} {self.target[1]:g}"
            out["met"] = self.met
        return out


def figure(name: str, label: str, size: int, unit: str, value: float | str) -> Figure:
    """A figure with its target; a string ``value`` is the reason the figure is not available."""
    if isinstance(value, str):
        return Figure(name, label, size, unit, not_available=value, target=TARGETS.get(name))
    return Figure(name, label, size, unit, value=float(value), target=TARGETS.get(name))


# ----------------------------------------------------------------------------- in this process


def seconds(work: Callable[[], object], repeats: int = 1) -> float:
    """Best wall-clock time of ``repeats`` runs of ``work``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def floor_work(k: int, draws: int, seed: int = SEED) -> Callable[[], None]:
    """The floor: ``k`` uniforms per draw for ``draws`` draws, ``FLOOR_CHUNK`` columns at a time."""
    def work() -> None:
        rng = np.random.default_rng(seed)
        for a in range(0, draws, FLOOR_CHUNK):
            rng.random((k, min(FLOOR_CHUNK, draws - a)))
    return work


def interleaved(works: dict[Any, Callable[[], object]], repeats: int) -> dict[Any, float]:
    """Best wall-clock time of each of ``works``, run in turn ``repeats`` times: every work is timed
    across the same stretch of the run, so a machine that speeds up or slows down meanwhile (it is
    shared) favours none of them, and the ratios between them hold."""
    best = dict.fromkeys(works, float("inf"))
    for _ in range(repeats):
        for key, work in works.items():
            best[key] = min(best[key], seconds(work))
    return best


def end_to_end(scenario: Scenario, draws: int, floor: Callable[[], None] | None = None
               ) -> dict[tuple[str, int | None], float]:
    """Seconds of ``sim.engine.driver`` for SPE and QRE, on one thread (1) and the default threads (None), and
    of ``floor`` if given (key ``("floor", None)``): each the best of ``FLOOR_REPEATS``, interleaved."""
    works: dict[tuple[str, int | None], Callable[[], object]] = {
        (concept, threads): (lambda c=concept, t=threads: run(
            scenario, draws=draws, seed=SEED, solution=c, lam=QRE_LAMBDA, threads=t))
        for threads in (1, None) for concept in ("spe", "qre")}
    if floor is not None:
        works = {("floor", None): floor, **works}
    return interleaved(works, FLOOR_REPEATS)


def floor_figures(scenario: Scenario, draws: int) -> tuple[list[Figure], dict]:
    k = len(uncertain_names(scenario))
    ends = end_to_end(scenario, draws, floor_work(k, draws))
    floor = ends.pop(("floor", None))
    out = [figure("floor", f"the floor: {k} uniforms per draw, best of {FLOOR_REPEATS} (timed in turn with "
                  "the runs below)", draws, "s", floor)]
    for (concept, threads), secs in ends.items():
        where = "1 thread" if threads == 1 else "default threads"
        tag = "1_thread" if threads == 1 else "default_threads"
        out.append(figure(f"{concept}_{tag}", f"{concept.upper()} end to end, {where} (sim.engine.driver)",
                          draws, "s",
                          secs))
        out.append(figure(f"floor_over_{concept}_{tag}", f"floor / {concept.upper()} end to end, {where}",
                          draws, "ratio", floor / secs))
    return out, ends


def stage_figures(scenario: Scenario, draws: int) -> list[Figure]:
    """Where the time goes, one thread: sampling, payoffs, and SPE and QRE solves (prices excluded)."""
    design = Design(draws, SEED)
    spent = dict.fromkeys(("sampling", "payoffs", "spe solve", "qre solve"), 0.0)
    for a in range(0, draws, BLOCK):
        b = min(a + BLOCK, draws)
        start = time.perf_counter()
        params = draw_parameters(scenario, design.uniforms(a, b))
        spent["sampling"] += time.perf_counter() - start
        start = time.perf_counter()
        game = build_game(params, scenario.levers)
        spent["payoffs"] += time.perf_counter() - start
        for concept in ("spe", "qre"):
            start = time.perf_counter()
            solve(game, concept, QRE_LAMBDA)
            spent[f"{concept} solve"] += time.perf_counter() - start
    return [figure(stage.replace(" ", "_"), f"stage alone, 1 thread: {stage}", draws, "draws/s", draws / s)
            for stage, s in spent.items()]


def gambit_figures(scenario: Scenario, draws: int, ours: dict[str, float]) -> list[Figure]:
    """Gambit per draw on the same trees (read from their ``.efg`` text) against ours per draw."""
    try:
        import pygambit as gbt
    except ImportError:
        reason = "pygambit is not installed (pip install 'alliance-sim[test]' installs it)"
        return [figure(f"gambit_{c}_per_draw", f"Gambit per draw, {c.upper()}", draws, "s", reason)
                for c in ("spe", "qre")]

    game = build_game(sample(scenario, draws, SEED).params, scenario.levers)
    texts = [game_efg(game, d) for d in range(draws)]

    def trees() -> Iterator:
        return (gbt.read_efg(io.StringIO(text)) for text in texts)

    per_draw = {
        "spe": seconds(lambda: [gambit_backward_induction(g, gbt.H) for g in trees()]) / draws,
        "qre": seconds(lambda: [gbt.qre.logit_solve_lambda(g, [QRE_LAMBDA]) for g in trees()]) / draws,
    }
    how = {"spe": "backward induction on its tree", "qre": f"logit_solve_lambda at {QRE_LAMBDA:g}"}
    out = []
    for c in ("spe", "qre"):
        out.append(figure(f"gambit_{c}_per_draw", f"Gambit per draw, {c.upper()} (.efg read + {how[c]})",
                          draws, "s", per_draw[c]))
        out.append(figure(f"gambit_over_ours_{c}", f"Gambit per draw / ours, {c.upper()}, 1 thread",
                          draws, "x", per_draw[c] / ours[c]))
    return out


def gambit_backward_induction(game, H) -> list[float]:  # noqa: N803 (pygambit's name for histories)
    """The subgame-perfect payoffs of a perfect-information Gambit game, by backward induction on its
    own tree (pygambit has no subgame-perfect solver for three players; ``lcp_solve`` takes two)."""
    players = list(game.players)

    def value(actions: tuple[str, ...]) -> list[float]:
        at = H.path(*actions)
        moves = game.get_actions(at)
        if not moves:
            payoffs = game.get_outcome_payoffs(game.get_outcome(at))
            return [float(payoffs[p]) for p in players]
        children = [value((*actions, m)) for m in moves]
        odds = game.get_action_probs(at)
        if odds:
            weights = [float(p) for p in odds.values()]
            return [sum(w * v[i] for w, v in zip(weights, children, strict=True))
                    for i in range(len(players))]
        mover = players.index(game.get_player(at))
        return max(children, key=lambda v: v[mover])

    return value(())


def analysis_figures(scenario: Scenario, sizes: Sizes) -> list[Figure]:
    # Here, not at the top: the analyses import SALib and scikit-learn (about a second).
    from sim.bench.analysis_speed import NEW_SETTING_LABEL, new_setting_seconds, price_and_curve_seconds

    price, curve = price_and_curve_seconds(sample(scenario, sizes.curve_draws, SEED))
    timeline = seconds(lambda: project(scenario, years=sizes.years, draws=sizes.trajectories))
    return [figure("price_and_curve", "reservation price + 21-point curve (no sampling; best of 3)",
                   sizes.curve_draws, "s", price + curve),
            figure("what_it_takes_new_setting", NEW_SETTING_LABEL, sizes.curve_draws, "s",
                   new_setting_seconds(scenario.updated({"run.draws": sizes.curve_draws}))),
            figure("timeline", f"timeline, {sizes.years} years, SPE (size: trajectories)", sizes.trajectories,
                   "s", timeline),
            figure("calibration", "calibration on the 1996-2018 record, SPE, 2 threads (size: prior draws)",
                   sizes.calibration_draws, "s",
                   seconds(lambda: calibrate(load_scenario(RECORD_SCENARIO), sizes.calibration_draws, SEED,
                                             threads=2)))]


def traffic_figures(scenario: Scenario, draws: int) -> list[Figure]:
    """What a worker ships back for ``draws`` draws: per-draw arrays, or one summary accumulator."""
    chunk = evaluate_block(scenario, Design(draws, SEED), 0, draws, "spe", QRE_LAMBDA)
    per_draw = sum(a.nbytes for a in chunk.per_draw.values()) / draws
    settings = settings_of(scenario, draws, SEED, "spe", QRE_LAMBDA, "random")
    accumulator = len(pickle.dumps(Tally.of_chunk(settings, chunk, 0, draws, draws)))
    return [figure("per_draw_bytes", "per-draw outputs a worker would ship, per draw", draws, "bytes",
                   per_draw),
            figure("accumulator_bytes", "one summary accumulator (pickled), whatever its draws", draws,
                   "bytes", accumulator)]


# ----------------------------------------------------------------------------- fresh processes


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_bytes: int
    status: int
    stderr: str

    def refusal(self) -> str | None:
        """Why the command failed, in the CLI's words (None if it succeeded)."""
        if self.status == 0:
            return None
        last = [line for line in self.stderr.strip().splitlines() if line.strip()][-1:] or ["no message"]
        return f"the command failed (exit {self.status}): {last[0][:300]}"


#: ``python -m sim`` that writes its own peak RSS (VmHWM, in kB) to the file named by
#: ``ALLIANCE_SIM_PEAK_FILE`` on the way out. Linux carries a process's peak RSS across exec, so a
#: child's ``ru_maxrss`` is at least its parent's size when it was started: until 2026-11-29 the
#: bench's "peak RSS" figures were the bench's own (about 600 MiB), not the run's. VmHWM belongs to
#: the memory the command itself uses.
_PEAK_CHILD = """
import atexit, os, runpy, sys
def _peak():
    with open('/proc/self/status') as status:
        kb = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    with open(os.environ['ALLIANCE_SIM_PEAK_FILE'], 'w') as out:
        out.write(kb)
atexit.register(_peak)
sys.argv[0] = 'sim'
runpy.run_module('sim', run_name='__main__', alter_sys=True)
"""


def cli(*args: str) -> ChildRun:
    """Run ``python -m sim ARGS`` in a fresh process (this copy of sim): its wall time and peak RSS
    (its own VmHWM where /proc has it, else the child's ``ru_maxrss``)."""
    root = str(Path(sim.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    own = Path("/proc/self/status").exists()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch, "peak")
        command = [sys.executable, "-c", _PEAK_CHILD] if own else [sys.executable, "-m", "sim"]
        start = time.perf_counter()
        child = subprocess.Popen([*command, *args], stdout=out, stderr=err,
                                 env={**env, "ALLIANCE_SIM_PEAK_FILE": str(peak_file)})
        _, status, usage = os.wait4(child.pid, 0)  # the rusage of this child alone
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        peak = (int(peak_file.read_text()) * 1024 if own and peak_file.exists()
                else usage.ru_maxrss * 1024)
        return ChildRun(elapsed, peak, child.returncode, err.read().decode("utf-8", "replace"))


def run_args(draws: int, *extra: str) -> list[str]:
    return ["run", "--preset", SCENARIO, "--draws", str(draws), "--format", "json", *extra]


def cold_start_figures(repeats: int) -> list[Figure]:
    runs = [cli("run", "--preset", SCENARIO, "--draws", "1000") for _ in range(repeats)]
    failed = next((r.refusal() for r in runs if r.refusal()), None)
    times = [r.seconds for r in runs]

    build = ("ahead-of-time kernel" if aot.load() is not None
             else "JIT kernel from numba's cache (no alliance-sim prepare)")
    label = f"cold start: run baseline-2018 --draws 1000, new process, {build}"
    return [figure("cold_start_best", f"{label}, best of {repeats}", 1000, "s", failed or min(times)),
            figure("cold_start_median", f"{label}, median of {repeats}", 1000, "s",
                   failed or statistics.median(times))]


def memory_figures(rss_draws: int, scale_draws: int) -> list[Figure]:
    small, scale = cli(*run_args(rss_draws)), cli(*run_args(scale_draws))
    return [figure("peak_rss", "peak RSS, alliance-sim run (SPE), fresh process", rss_draws, "MiB",
                   small.refusal() or small.peak_bytes / 2**20),
            figure("peak_rss_scale", "peak RSS, alliance-sim run (SPE, summary), fresh process",
                   scale_draws, "MiB", scale.refusal() or scale.peak_bytes / 2**20),
            figure("run_scale", "alliance-sim run (SPE, summary) completed, wall clock",
                   scale_draws, "s", scale.refusal() or scale.seconds)]


def worker_figures(scenario: Scenario, scale_draws: int, scaling_draws: int) -> list[Figure]:
    """``run --workers 2`` against ``run --threads 1`` at the same draws (each a fresh process), and
    that speed-up against what the machine itself gives two processes (:func:`machine_scaling`),
    measured on each side of the runs."""
    k = len(uncertain_names(scenario))
    before = machine_scaling(k, scaling_draws)
    one, two = cli(*run_args(scale_draws, "--threads", "1")), cli(*run_args(scale_draws, "--workers", "2"))
    ceiling = statistics.median([*before, *machine_scaling(k, scaling_draws)])
    why = one.refusal() or two.refusal()
    speedup = why or one.seconds / two.seconds
    return [figure("run_1_thread", "alliance-sim run --threads 1 (SPE), wall clock", scale_draws, "s",
                   one.refusal() or one.seconds),
            figure("run_2_workers", "alliance-sim run --workers 2 (SPE), wall clock", scale_draws, "s",
                   two.refusal() or two.seconds),
            figure("workers_2_speedup", "speed-up of --workers 2 over --threads 1", scale_draws, "x",
                   speedup),
            figure("machine_2_process_scaling", "the machine's own: the floor in 2 processes at once over "
                   f"1 (median of {2 * SCALING_ROUNDS}, before and after the runs)", scaling_draws, "x",
                   ceiling),
            figure("workers_2_share_of_machine", "the 2-worker speed-up as a share of the machine's own",
                   scale_draws, "ratio", speedup if isinstance(speedup, str) else speedup / ceiling),
            figure("per_core_rate", "draws per second of one core (run --threads 1, SPE)", scale_draws,
                   "draws/s", one.refusal() or scale_draws / one.seconds)]


#: Rounds of :func:`machine_scaling` on each side of the worker runs.
SCALING_ROUNDS = 2


def load_figures(sessions: int, draws: int, beside_threads: int) -> list[Figure]:
    """``sessions`` distinct links opened at once on a real, warm ``streamlit run`` beside a summary run
    on ``beside_threads`` threads (:mod:`sim.bench.load`): p50 and p95 of the first open, p95 of a
    reopen, the server's peak memory with its workers."""
    from sim.bench.load import measure_load, percentiles

    where = f"{sessions} sessions at once, beside a {beside_threads}-thread run"
    names = [("load_first_open_p50", f"app: first open p50, {where}", "s"),
             ("load_first_open_p95", f"app: first open p95, {where}", "s"),
             ("load_reopen_p95", f"app: reopened p95, {where}", "s"),
             ("load_peak_rss", "app: server peak memory with its workers, under that load", "MiB")]
    try:
        load = measure_load(sessions, draws, beside_threads, timeout=LOAD_TIMEOUT)
    except (OSError, RuntimeError) as exc:
        return [figure(n, label, draws, unit, f"the server could not be measured: {exc}")
                for n, label, unit in names]
    if load.unfinished or load.exceptions or not load.first or not load.again:
        why = (f"{load.unfinished} of {2 * sessions} sessions did not render in {LOAD_TIMEOUT} s; "
               f"{load.exceptions} exceptions shown")
        return [figure(n, label, draws, unit, why) for n, label, unit in names]
    first, again = percentiles(load.first), percentiles(load.again)
    values = [first[0], first[1], again[1], load.peak_rss / 2**20]
    return [figure(n, label, draws, unit, v) for (n, label, unit), v in zip(names, values, strict=True)]


#: Seconds the whole load measurement may take.
LOAD_TIMEOUT = 600


def _floor_seconds(k: int, draws: int) -> float:
    """Seconds to draw the floor for ``draws`` draws (in a pool's process)."""
    return seconds(floor_work(k, draws))


def machine_scaling(k: int, draws: int, rounds: int = SCALING_ROUNDS) -> list[float]:
    """The machine's own ceiling for a 2-worker speed-up, ``rounds`` times: the floor (``k``
    uniforms for ``draws`` draws) drawn by two processes at once, against one process alone, in
    turn. A shared or virtual machine's two cores may give two processes much less than twice the
    work of one (a host's other load, shared physical cores, clocks that drop when both are busy);
    no code can beat that, so the speed-up is also given as a share of it."""

    out = []
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.starmap(_floor_seconds, [(k, FLOOR_CHUNK)] * 2, chunksize=1)   # both processes started
        for _ in range(rounds):
            alone = pool.apply(_floor_seconds, (k, draws))
            start = time.perf_counter()
            pool.starmap(_floor_seconds, [(k, draws)] * 2, chunksize=1)
            out.append(2 * alone / (time.perf_counter() - start))
    return out


# ----------------------------------------------------------------------------- the whole bench


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__}


def measure(sizes: Sizes | None = None, say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every figure of the bench, as one JSON-ready object."""
    sizes = sizes or Sizes()
    load_before = os.getloadavg()[0]
    scenario = load_scenario(SCENARIO)
    say("the floor and end to end ...")
    figures, ends = floor_figures(scenario, sizes.draws)
    say("stages ...")
    figures += stage_figures(scenario, sizes.draws)
    say("Gambit ...")
    ours = {c: ends[(c, 1)] / sizes.draws for c in ("spe", "qre")}
    figures += gambit_figures(scenario, sizes.gambit_draws, ours)
    say("price, curve and timeline ...")
    figures += analysis_figures(scenario, sizes)
    figures += traffic_figures(scenario, min(sizes.draws, BLOCK))
    say("cold start ...")
    figures += cold_start_figures(sizes.cold_starts)
    say("memory ...")
    figures += memory_figures(sizes.rss_draws, sizes.scale_draws)
    say("workers ...")
    figures += worker_figures(scenario, sizes.scale_draws, sizes.scaling_draws)
    say("the app under load ...")
    figures += load_figures(sizes.load_sessions, sizes.load_draws, sizes.load_beside_threads)
    return {"scenario": SCENARIO, "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {**machine(), "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]},
            "sizes": asdict(sizes), "task_rows": task_rows(),
            "figures": [f.as_dict() for f in figures]}


def task_rows() -> int | None:
    """Draws per task of a dask run, when the build fixes one (``sim.engine.distributed.TASK_ROWS``)."""

    return getattr(distributed, "TASK_ROWS", None)


def machine_text(m: dict[str, Any]) -> str:
    """The machine in words, with how busy it was (the 1-minute load average at start and end)."""
    load = m.get("load_average")
    busy = f"; load average {load[0]:g} at the start, {load[1]:g} at the end" if load else ""
    return f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}{busy}"


def figures_of(report: dict[str, Any]) -> list[Figure]:
    """The figures of a bench report (as :func:`measure` gives or ``docs/bench.json`` stores)."""
    out = []
    for d in report["figures"]:
        op, _, bound = d.get("target", "").partition(" ")
        out.append(Figure(d["name"], d["label"], d["size"], d["unit"], d.get("value"), d.get("not_available"),
                          (op, float(bound)) if bound else None))
    return out


def shown(f: Figure) -> str:
    """A figure's value with its unit, in the precision it deserves."""
    if f.value is None:
        return f"not available: {f.not_available}"
    v = f.value
    if f.unit in ("draws/s", "bytes"):
        return f"{v:,.0f} {f.unit}"
    if f.unit == "MiB":
        return f"{v:,.0f} MiB"
    if f.unit == "x":
        return f"{v:.3g}x" if v < 100 else f"{v:,.0f}x"
    if f.unit == "s":
        return f"{v:.3g} s" if v >= 1e-3 else f"{v * 1e6:.3g} µs"
    return f"{v:.3g}"


def verdict(f: Figure) -> str:
    if f.target is None:
        return ""
    op, bound = f.target
    state = ("(not measured)" if f.value is None else
             {True: "met", False: "MISSED", None: "(at another size)"}[f.met])
    return f"target {op} {bound:g} {state}"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [f"alliance-sim bench on {report['scenario']}, {report['date']}: {machine_text(m)}", ""]
    for f in figures_of(report):
        lines.append(f"{f.label:<66} {f.size:>12,}  {shown(f):<16} {verdict(f)}".rstrip())
    return "\n".join(lines)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, allow_nan=False) + "\n"


def resized(sizes: Sizes, **changes: int | None) -> Sizes:
    """``sizes`` with the given fields changed (``None`` leaves a field as it is)."""
    return replace(sizes, **{k: v for k, v in changes.items() if v is not None})
