"""The app's heavy runs, in worker processes shared by every session of one server.

Streamlit runs each session's script in a thread of one process, so runs computed there queue
behind one interpreter lock. The server instead hands each run to a pool of worker processes, one
per core, spawned (nothing of the server's threads is copied) and created once per server process
(:func:`shared_pool`). The pool computes; the server's :class:`sim.app.cache.RunCache` keeps.

A worker runs :func:`analyse_setting`: the same chunks and the same numbers as ``sim.engine.driver.run``, with
its progress after every chunk sent back through one queue the server reads. It keeps the draws and
Sever and pledge prices of its two most recent settings (:class:`sim.app.kept.KeptDraws`), so that a
request that moves only the concession is re-solved without redrawing or searching for the prices
again when it reaches the same worker.
"""

from __future__ import annotations

import atexit
import ctypes
import dataclasses
import functools
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import numpy as np

from sim.app.calibrated import analyse_calibrated, compute_posterior
from sim.app.handover import HandedOver, Unreadable, sweep
from sim.app.kept import KeptDraws
from sim.engine.driver import assemble, evaluate_matrix
from sim.engine.kernel.fused import block_uniforms, parameter_matrix, parameters_of, sampled_rows
from sim.engine.runspec import RunSpec
from sim.engine.sampling import BLOCK
from sim.present.explain import Analysis, explain_result
from sim.present.settings import DEFAULT_PRESET, preset_scenario, sample_key
from sim.spec.scenario import Scenario, preset_names
from sim.timeline.calibration import Posterior

Progress = Callable[[int, int], None]
#: The lambda used for a subgame-perfect run, where it plays no part (as the app always did).
SPE_LAMBDA = 10.0
#: Seconds between a worker's checks that the server that started it is still there.
PARENT_CHECK_SECONDS = 1.0


# ----------------------------------------------------------------------------- what a worker computes


def solution_of(scenario: Scenario) -> tuple[str, float]:
    """The solution concept and the lambda a run of ``scenario`` uses."""
    return scenario.concept, scenario.lam if scenario.concept == "qre" else SPE_LAMBDA


def run_key(scenario: Scenario) -> tuple:
    """Everything that fixes a run's numbers: its draws, levers and solution."""
    return sample_key(scenario), tuple(sorted(scenario.levers.items())), *solution_of(scenario)


def analyse_setting(scenario: Scenario, progress: Progress | None = None,
                    kept: KeptDraws | None = None) -> Analysis:
    """What the scenario page shows for ``scenario``: its run, solved chunk by chunk as
    ``sim.engine.driver.run`` does (same numbers), with ``progress(done, total)`` after each chunk.

    ``kept`` holds the draws and prices of recent settings: with the same draws and the same levers
    but the concession, only the solving is redone; new draws are drawn into the matrix of the
    setting they displace.
    """
    concept, lam = solution_of(scenario)
    spec = RunSpec.of(scenario, solution=concept, lam=lam)
    draws = spec.draws
    levers = dict(scenario.levers)
    drawn_key = sample_key(scenario)
    solved_key = (tuple(sorted((k, v) for k, v in levers.items() if k != "concession")), concept, lam)
    # The draws' parameters, one matrix (a row per parameter) that the kernel reads in place: each
    # block of columns is sampled into it and solved, with nothing joined or copied afterwards.
    held = kept.rows(drawn_key) if kept else None
    prices = kept.prices(drawn_key, solved_key) if kept and held is not None else None
    rows = held if held is not None else kept.matrix(draws) if kept else parameter_matrix(draws)
    design = spec.design()
    parts = []
    for start in range(0, draws, BLOCK):
        stop = min(start + BLOCK, draws)
        block = rows[:, start:stop]
        if held is None:
            sampled_rows(scenario, block_uniforms(scenario, design, start, stop), out=block)
        given = _rows(prices, start, stop) if prices else None
        parts.append(evaluate_matrix(block, levers, concept, lam, given))
        if progress:
            progress(stop, draws)
    result = assemble(spec, parts)
    if kept is not None:
        kept.keep(drawn_key, rows, solved_key,
                  {k: v for k, v in result.per_draw.items() if k.startswith("price_")})
    return explain_result(result, parameters_of(scenario, rows), levers)


def _rows(values: dict[str, Any], start: int, stop: int) -> dict[str, Any]:
    return {k: (v[start:stop] if isinstance(v, np.ndarray) else v) for k, v in values.items()}


# ----------------------------------------------------------------------------- inside a worker

_worker_progress: Any = None
_worker_kept: KeptDraws | None = None
_worker_server: int = 0


def _start_worker(progress_queue: Any, server: int) -> None:
    global _worker_progress, _worker_kept, _worker_server
    _die_with_parent()
    if os.getppid() != server:   # the server died before the signal was asked for
        os._exit(0)
    _worker_progress, _worker_server = progress_queue, server
    _worker_kept = KeptDraws()
    threading.Thread(target=_exit_with_parent, args=(server,), name="parent-watch", daemon=True).start()


#: ``prctl`` option: the signal this process gets when the thread that started it ends.
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> bool:
    """Ask Linux to kill this worker the moment the server's thread that spawned it ends (the server
    killed with ``kill -9``, or crashed): the kernel does it, so it works while this worker's main
    thread holds the interpreter lock (numba's compiler, a long C call), when the watchdog thread of
    :func:`_exit_with_parent` cannot run. The spawning thread is the pool's spawner, which lives as
    long as the server (see :class:`_Executor`). False where there is no ``prctl`` (not Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent: int) -> None:
    """Ends this worker once the server ``parent`` that started it has gone (killed, it cannot shut
    its pool down, and an idle worker would wait for work for ever): the worker is then re-parented,
    so ``getppid`` changes. The server passes its own id, since a worker still importing when the
    server dies would otherwise take its new parent for the server. A thread, as the worker's main
    thread may be busy with a run; the kernel releases the interpreter lock while it solves."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    sweep()   # a result handed over as the server died
    os._exit(0)


def _analyse_in_worker(job: int, scenario: Scenario, posterior: Posterior | None = None) -> Analysis:
    def report(done: int, total: int) -> None:
        _worker_progress.put((job, done, total))
    if posterior is None:
        analysis = analyse_setting(scenario, report, _worker_kept)
    else:
        analysis = analyse_calibrated(scenario, posterior, *solution_of(scenario), report)
    # The per-draw arrays (26 MB at 10^5 draws) go back through shared memory (sim.app.handover).
    per_draw = HandedOver(analysis.result.per_draw, _worker_server)
    result = dataclasses.replace(analysis.result, per_draw=per_draw)
    return dataclasses.replace(analysis, result=result)


# ----------------------------------------------------------------------------- the server's side


def _ready() -> None:
    """Nothing: a worker that has run it has started."""


@contextmanager
def _plain_main() -> Iterator[None]:
    """A blank ``__main__`` module while workers are spawned.

    Streamlit runs each page as a stand-in ``__main__`` module whose file is the page, and a spawned
    process first runs the file of its parent's ``__main__``: a worker would run the app.
    """
    previous, blank = sys.modules["__main__"], types.ModuleType("__main__")
    sys.modules["__main__"] = blank
    try:
        yield
    finally:
        if sys.modules["__main__"] is blank:  # unless a script run has installed its own meanwhile
            sys.modules["__main__"] = previous


_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _spawner_thread() -> ThreadPoolExecutor:
    """One thread of the server that starts every pool worker and lives as long as the server: a
    worker's parent-death signal (:func:`_die_with_parent`) follows the thread that spawned it, and a
    session's thread, or the start-up thread of ``serve.py``, ends long before the server does."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(1, thread_name_prefix="pool-spawner")
        return _spawner


class _Executor(ProcessPoolExecutor):
    """A process pool whose workers are all started by :func:`_spawner_thread`."""

    def _spawn_process(self) -> None:
        spawn = functools.partial(ProcessPoolExecutor._spawn_process, self)
        if threading.current_thread().name.startswith("pool-spawner"):
            spawn()
        else:
            _spawner_thread().submit(spawn).result()


class SharedPool:
    """Worker processes, one per core, and the progress of the jobs they run."""

    def __init__(self, workers: int):
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        sweep()   # what the workers of a server that died had handed over
        atexit.register(sweep, os.getpid())   # and what this one leaves unread
        self._queue = context.Queue()
        self._executor = _Executor(workers, mp_context=context, initializer=_start_worker,
                                             initargs=(self._queue, os.getpid()))
        others = set(multiprocessing.active_children())
        with _plain_main():  # every worker starts now: one per call until all are busy
            started = [self._executor.submit(_ready) for _ in range(workers)]
        for ready in started:
            ready.result()
        #: The worker processes' ids.
        self.pids = frozenset(p.pid for p in multiprocessing.active_children() if p not in others)
        self._ids = itertools.count()
        #: True once a worker has died (killed, out of memory): the executor then takes no more work,
        #: and :func:`shared_pool` starts a new pool in its place.
        self.broken = False
        self._progress: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._listen, name="pool-progress", daemon=True).start()

    def analyse(self, scenario: Scenario, posterior: Posterior | None = None) -> Job:
        """Start :func:`analyse_setting` of ``scenario`` in a worker, or with a ``posterior``,
        :func:`sim.app.calibrated.analyse_calibrated` on it."""
        job = next(self._ids)
        try:
            return Job(self, job, self._executor.submit(_analyse_in_worker, job, scenario, posterior))
        except BrokenProcessPool:
            self.broken = True
            raise

    def calibrate(self) -> Future:
        """Start :func:`sim.app.calibrated.compute_posterior` in a worker: a future of the posterior."""
        try:
            return self._executor.submit(compute_posterior)
        except BrokenProcessPool:
            self.broken = True
            raise

    def progress(self, job: int) -> float:
        """The share of the job's draws done so far."""
        with self._lock:
            done, total = self._progress.get(job, (0, 1))
        return done / total

    def shutdown(self) -> None:
        """Stop the workers, without waiting for them (a broken pool's may be gone already)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def forget(self, job: int) -> None:
        with self._lock:
            self._progress.pop(job, None)

    def _listen(self) -> None:
        while True:
            job, done, total = self._queue.get()
            with self._lock:
                self._progress[job] = (done, total)


class Job:
    """One run in the pool: its progress and its result."""

    def __init__(self, pool: SharedPool, job: int, future: Future):
        self.pool, self.id, self.future = pool, job, future

    def progress(self) -> float:
        return 1.0 if self.future.done() else self.pool.progress(self.id)

    def failed(self) -> bool:
        """True if the job has ended without a result (its worker died, or it was cancelled)."""
        return self.future.done() and (self.future.cancelled() or self.future.exception() is not None)

    def result(self, timeout: float | None = None) -> Analysis:
        try:
            value = self.future.result(timeout)
        except BrokenProcessPool:
            self.pool.broken = True
            raise
        self.pool.forget(self.id)
        if isinstance(value.result.per_draw, Unreadable):
            raise RuntimeError(value.result.per_draw.reason)
        return value


_pool: SharedPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def shared_pool() -> SharedPool:
    """This process's pool (created on first use, one worker per core, and again if a worker died)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is not None and _pool_pid == os.getpid() and _pool.broken:
            _pool.shutdown()
            _pool = None
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = SharedPool(os.cpu_count() or 1), os.getpid()
        return _pool


class PresetRuns:
    """The presets' runs at their own settings, kept for the life of the server so that a new session
    finds its numbers ready. They start when the server does, the default preset at once and the
    others one after another, so that they hold at most one worker while visitors arrive."""

    def __init__(self, pool: SharedPool):
        names = sorted(preset_names(), key=lambda n: n != DEFAULT_PRESET)
        self._pool, self._jobs = pool, {}
        first = self._start(names[0])
        threading.Thread(target=self._run_in_turn, args=(first, names[1:]), name="preset-runs",
                         daemon=True).start()

    def _start(self, name: str) -> Job:
        scenario = preset_scenario(name)
        job = self._jobs[run_key(scenario)] = self._pool.analyse(scenario)
        return job

    def _run_in_turn(self, first: Job, names: list[str]) -> None:
        try:
            first.future.exception()  # waits for it, however it ends
            app_posterior(self._pool).exception()   # the calibrated model, before the other presets
            for name in names:
                self._start(name).future.exception()
        except (RuntimeError, CancelledError):  # the pool has shut down, or broken: no more presets
            return

    def job(self, key: tuple) -> Job | None:
        """The run of the preset setting ``key`` (see :func:`run_key`) if it has started and not failed,
        else ``None`` (the caller then runs it in the pool, as any other setting)."""
        job = self._jobs.get(key)
        return None if job is None or job.failed() else job


_presets: PresetRuns | None = None


def started_preset_runs() -> PresetRuns | None:
    """This process's :class:`PresetRuns` if the server has started them (see ``serve.py``)."""
    return _presets


def preset_runs() -> PresetRuns:
    """This process's :class:`PresetRuns`, started on first use (by the server at start-up)."""
    global _presets
    pool = shared_pool()
    with _pool_lock:
        if _presets is None:
            _presets = PresetRuns(pool)
        return _presets


_posterior: tuple[SharedPool, Future] | None = None


def app_posterior(pool: SharedPool | None = None) -> Future:
    """A future of the app's posterior (:func:`sim.app.calibrated.compute_posterior`), computed once per
    pool in one of its workers (again if that failed); the server starts it after the default preset's
    run (:class:`PresetRuns`), so that the calibrated model is ready when a student asks for it."""
    global _posterior
    pool = pool or shared_pool()
    with _pool_lock:
        held = _posterior
        future = None if held is None or held[0] is not pool else held[1]
        if future is None or (future.done() and (future.cancelled() or future.exception() is not None)):
            _posterior = held = (pool, pool.calibrate())
        return held[1]
