"""The app's runs in the server's process pool: the same numbers as a run in the server's own
process, one pool per process shared by every session, and progress reported chunk by chunk."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from sim.app.kept import KeptDraws
from sim.app.pool import analyse_setting, shared_pool
from sim.engine.driver import Result, run, sample
from sim.engine.sampling import BLOCK
from sim.present.explain import analyse
from sim.present.settings import preset_scenario, sample_key

pytestmark = pytest.mark.subprocess

#: Two chunks: the second one partial.
DRAWS = BLOCK + 4_000


def same_numbers(a: Result, b: Result) -> bool:
    return (a.per_draw.keys() == b.per_draw.keys() and a.behaviour == b.behaviour and a.reach == b.reach
            and all(np.array_equal(a.per_draw[k], b.per_draw[k], equal_nan=True) for k in a.per_draw))


@pytest.fixture(scope="module")
def scenario():
    return preset_scenario("baseline-2018").updated({"run.draws": DRAWS, "run.seed": 11})


def test_a_run_through_the_pool_equals_the_in_process_run(scenario):
    pooled = shared_pool().analyse(scenario).result(timeout=300)
    assert same_numbers(pooled.result, run(scenario))
    in_process = analyse(sample(scenario), scenario.levers, "spe", 10.0)
    assert pooled.explanation == in_process.explanation and pooled.tree == in_process.tree


@pytest.mark.parametrize("concept", ["spe", "qre"])
def test_moving_only_the_concession_reuses_the_draws_and_prices_and_keeps_the_numbers(scenario, concept):
    kept = KeptDraws()
    first = scenario.updated({"solution.concept": concept})
    analyse_setting(first, kept=kept)
    drawn = kept.rows(sample_key(first))
    moved = first.updated({"levers.concession": 0.6})
    steps = []
    again = analyse_setting(moved, lambda done, total: steps.append((done, total)), kept)
    assert len(kept) == 1 and kept.rows(sample_key(moved)) is drawn  # the first setting's draws, reused
    assert same_numbers(again.result, run(moved))
    assert steps == [(BLOCK, DRAWS), (DRAWS, DRAWS)]


def _arrays(value, seen=None):
    """Every numpy array reachable from ``value`` (dataclasses, mappings, sequences)."""
    import dataclasses

    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _arrays(getattr(value, f.name), seen)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays(v, seen)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _arrays(v, seen)


def test_new_settings_are_drawn_into_the_matrix_they_displace_with_the_same_numbers(scenario):
    """The worker's memory stops growing: past two settings, a new one reuses the oldest's matrix.
    A run returned earlier holds no view of that matrix, so reusing it changes none of its numbers."""
    kept = KeptDraws(settings=2)
    seeds = [scenario.updated({"run.seed": s}) for s in (21, 22, 23, 24)]
    first = analyse_setting(seeds[0], kept=kept)
    matrix = kept.rows(sample_key(seeds[0]))
    assert not any(np.shares_memory(a, matrix) for a in _arrays(first))
    before = {k: v.copy() for k, v in first.result.per_draw.items()}
    analyse_setting(seeds[1], kept=kept)
    third = analyse_setting(seeds[2], kept=kept)
    assert len(kept) == 2 and kept.rows(sample_key(seeds[0])) is None
    assert kept.rows(sample_key(seeds[2])) is matrix   # drawn into the displaced setting's memory
    assert same_numbers(third.result, run(seeds[2]))
    assert all(np.array_equal(before[k], first.result.per_draw[k], equal_nan=True) for k in before)
    fourth = analyse_setting(seeds[3].updated({"run.draws": DRAWS - 1}), kept=kept)   # another shape
    assert fourth.result.draws == DRAWS - 1 and len(kept) == 2


def test_what_a_worker_keeps_is_bounded_in_bytes(scenario):
    one = KeptDraws()
    analyse_setting(scenario, kept=one)
    size = one.nbytes
    assert size > 0
    small = KeptDraws(settings=5, max_bytes=int(size * 1.5))   # room for one setting, not two
    for seed in (31, 32, 33):
        analyse_setting(scenario.updated({"run.seed": seed}), kept=small)
        assert len(small) == 1 and small.nbytes <= small.max_bytes
    tiny = KeptDraws(max_bytes=size // 2)   # a setting too large is solved but not kept
    assert same_numbers(analyse_setting(scenario, kept=tiny).result, run(scenario)) and len(tiny) == 0


def test_the_pool_is_one_per_process_with_a_worker_per_core_shared_by_every_session(scenario):
    with ThreadPoolExecutor(4) as sessions:
        pools = list(sessions.map(lambda _: shared_pool(), range(4)))
    assert all(p is pools[0] for p in pools)
    assert pools[0].workers == os.cpu_count() and len(pools[0].pids) == os.cpu_count()
    assert os.getpid() not in pools[0].pids
    job = pools[0].analyse(scenario.updated({"run.draws": 3_000}))
    assert job.result(timeout=300).result.draws == 3_000 and job.progress() == 1.0


KILLED_SERVER = """
import os, sys
sys.path.insert(0, {root!r})
from sim.app.pool import shared_pool
pool = shared_pool()
print(" ".join(str(p) for p in sorted(pool.pids)), flush=True)
import time
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has ended: its state is Z until its new parent reaps it
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _workers_of_a_killed_server(script: str) -> list[int]:
    """Start a server process from ``script``, read its pool workers' pids, ``kill -9`` it; the pids."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    server = subprocess.Popen([sys.executable, "-c", script.format(root=root)], stdout=subprocess.PIPE,
                              text=True)
    try:
        pids = [int(p) for p in server.stdout.readline().split()]
        assert len(pids) == os.cpu_count() and all(_alive(p) for p in pids)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    return pids


def test_the_workers_end_when_their_server_is_killed_without_shutting_its_pool_down():
    pids = _workers_of_a_killed_server(KILLED_SERVER)
    assert _gone_within(pids, 30), "a pool worker outlived its killed server"


BUSY_SERVER = """
import math, os, sys, time
sys.path.insert(0, {root!r})
from sim.app.pool import shared_pool
pool = shared_pool()
# Each worker in one long C call that holds the interpreter lock (as numba's compiler does): the
# worker's own watchdog thread cannot run until it returns, about a minute later.
busy = [pool._executor.submit(math.factorial, 4_000_000) for _ in pool.pids]
time.sleep(1.0)
print(" ".join(str(p) for p in sorted(pool.pids)), flush=True)
time.sleep(600)
"""


def _gone_within(pids: list[int], seconds: float) -> bool:
    """Whether every process of ``pids`` has ended within ``seconds`` (a bound on the cleanup, the
    behaviour under test; no speed is measured). Any still running afterwards is killed."""
    import signal
    import time

    deadline = time.monotonic() + seconds
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in pids if _alive(p)]
    for pid in left:   # the test's own processes: do not leave them burning a core
        os.kill(pid, signal.SIGKILL)
    return not left


@pytest.mark.slow
def test_workers_busy_in_a_long_c_call_end_with_their_killed_server():
    """The watchdog thread needs the interpreter lock; the parent-death signal does not."""
    pids = _workers_of_a_killed_server(BUSY_SERVER)
    assert _gone_within(pids, 5), "a busy pool worker outlived its killed server"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` and that run a multiprocessing spawn (the pool's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmd:
                spawned = b"spawn_main" in cmd.read()
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if ppid == pid and spawned:
            found.append(int(entry))
    return found


@pytest.mark.slow
def test_the_pool_workers_of_a_real_server_end_when_it_is_killed_with_kill_9(tmp_path):
    """The issue's reproduction: ``streamlit run serve.py`` starts its pool at start-up (from a thread
    that ends at once: the workers must not die with it), then ``kill -9``; its workers must follow."""
    import signal
    import time

    from live_server import start_streamlit, stop

    with (tmp_path / "streamlit.log").open("w") as log:
        _, server = start_streamlit(log)
        try:
            deadline = time.monotonic() + 60
            while len(workers := _children(server.pid)) < os.cpu_count() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(workers) == os.cpu_count(), "the server did not start its pool"
            time.sleep(2)   # the start-up thread that asked for the pool has ended by now
            assert all(_alive(p) for p in workers), "a pool worker died with the thread that started it"
            server.send_signal(signal.SIGKILL)
            server.wait()
        finally:
            stop(server)
    assert _gone_within(workers, 5), "a pool worker outlived its server killed with kill -9"


def test_a_pool_whose_worker_died_is_replaced_and_the_next_run_succeeds(scenario):
    import signal
    import time
    from concurrent.futures.process import BrokenProcessPool

    pool = shared_pool()
    for pid in pool.pids:   # a worker killed (out of memory, say): the executor takes no more work
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    with pytest.raises(BrokenProcessPool):
        while time.monotonic() < deadline:   # the executor notices at its next look at its workers
            pool.analyse(scenario.updated({"run.draws": 1_000})).result(timeout=60)
            time.sleep(0.2)
    assert pool.broken
    fresh = shared_pool()
    assert fresh is not pool and not fresh.broken and not fresh.pids & pool.pids
    assert same_numbers(fresh.analyse(scenario).result(timeout=300).result, run(scenario))
