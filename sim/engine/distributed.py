"""Scale-out: a summary run spread over dask.distributed workers, each returning a :class:`Tally`.

Each task rebuilds the uniforms of its own rows from ``(seed, row)`` (plain Monte Carlo draws come in
seeded blocks, see :mod:`sim.engine.sampling`), solves them a block at a time and sends back its
accumulators (a few hundred kilobytes), never per-draw arrays; the client adds them up exactly, so a
run gives the same numbers, to the bit, whatever the number of workers or the task size. Latin
hypercube and Sobol' designs depend on the whole run: the client generates them once and ships each
task its rows. Workers are separate processes: the task function lives here, in an importable module.

Where the workers come from (:func:`cluster_client`): ``--scheduler ADDRESS`` attaches to an existing
cluster; else ``--workers N`` (N > 1) starts N local single-threaded worker processes; else, if the
environment sets ``DASK_SCHEDULER_ADDRESS``, that cluster is used; else the run stays in this process.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.kernel.builds import sole_solver
from sim.engine.runspec import RunSpec
from sim.engine.sampling import BLOCK, Design
from sim.engine.summary_runs import CHUNK, check_design_size, tally_rows
from sim.engine.tally import Settings, Tally, settings_for
from sim.spec.scenario import shown

if TYPE_CHECKING:
    from distributed import Client

#: Rows per task: 16 blocks (about a million draws), solved a block at a time on the worker.
TASK_ROWS = 16 * BLOCK
#: Tasks in flight per worker: enough to keep every worker busy, few enough to bound memory.
TASKS_PER_WORKER = 3
#: Seconds to wait for a scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT = 10
ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"
MAX_ADDRESS_CHARS = 300
_ADDRESS = re.compile(r"(?P<scheme>tcp|tls)://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])"
                      r":(?P<port>[0-9]{1,5})")


class _Rows:
    """Rows ``start:`` of a design, shipped to a worker, read with the :class:`Design` interface."""

    def __init__(self, rows: np.ndarray, start: int):
        self.rows, self.start = rows, start

    def uniforms(self, a: int, b: int, scratch: bool = False, only: tuple[int, ...] | None = None
                 ) -> np.ndarray:
        return self.rows[a - self.start: b - self.start]


def tally_task(settings: Settings, run_draws: int, start: int, stop: int,
               rows: np.ndarray | None = None) -> Tally:
    """The tally of rows ``start:stop`` of a run, a block at a time on one thread (runs on a worker;
    on a single-threaded one, with the kernel's ahead-of-time build: see
    :func:`sim.engine.kernel.builds.sole_solver`)."""
    from distributed import get_worker

    design = (Design(run_draws, settings.seed, settings.sampler) if rows is None else _Rows(rows, start))
    alone = get_worker().state.nthreads == 1
    with sole_solver() if alone else contextlib.nullcontext():
        return tally_rows(settings, design, start, stop, run_draws, threads=1)


def run_distributed(spec: RunSpec, client: Client, *, chunk_size: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Tally:
    """:func:`sim.engine.summary_runs.summarise` of ``spec``, with the chunks tallied on ``client``'s
    workers, in tasks of ``chunk_size`` rows (default: :data:`TASK_ROWS`, less if that leaves a worker
    idle)."""
    from distributed import as_completed

    draws = spec.draws
    check_design_size(draws, spec.sampler)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    chunk_size = chunk_size or task_rows(draws, workers)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    settings = settings_for(spec)
    whole = None if spec.sampler == "random" else spec.design().uniforms(0, draws)
    tasks = iter([(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)])
    [settings_future] = client.scatter([settings], broadcast=True)

    def submit(bounds: tuple[int, int]):
        a, b = bounds
        rows = None if whole is None else client.scatter(whole[a:b])
        return client.submit(tally_task, settings_future, draws, a, b, rows, pure=False)

    running = as_completed([submit(t) for _, t in zip(range(TASKS_PER_WORKER * workers), tasks,
                                                      strict=False)])
    total: Tally | None = None
    for future in running:
        part = future.result()
        future.release()
        total = part if total is None else total.merge(part)
        if progress:
            progress(total.draws, draws)
        following = next(tasks, None)
        if following is not None:
            running.add(submit(following))
    return total


def task_rows(draws: int, workers: int) -> int:
    """Rows per task: :data:`TASK_ROWS`, or fewer (whole summary chunks) so that every worker gets
    at least :data:`TASKS_PER_WORKER` tasks."""
    share = -(-draws // (TASKS_PER_WORKER * workers))
    return min(TASK_ROWS, max(CHUNK, -(-share // CHUNK) * CHUNK))


def local_client(workers: int) -> Client:
    """A local cluster of ``workers`` single-threaded processes (its HTTP endpoint on a free port).

    The workers are spawned (dask's default), never forked: a process forked while this one runs
    threads (a thread pool, Streamlit's event loop, numba's) can inherit a lock held at that instant
    and deadlock at start, as a worker once did in ``logging`` for 20 minutes. Spawning costs each
    worker its own imports (about 2 s of CPU, in parallel), paid once per cluster."""
    from distributed import Client, LocalCluster

    # ":0" puts the scheduler's HTTP endpoint on a free port, so two clusters never clash on 8787.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    return Client(cluster)


def checked_address(address: str, where: str) -> str:
    """A scheduler address ``tcp://HOST:PORT`` or ``tls://HOST:PORT``, or a clear ValueError."""
    text = address.strip()
    match = _ADDRESS.fullmatch(text) if len(text) <= MAX_ADDRESS_CHARS else None
    if match is None or not 1 <= int(match["port"]) <= 65535:
        raise ValueError(f"{where}: {shown(address)} is not a dask scheduler address; expected "
                         "tcp://HOST:PORT or tls://HOST:PORT with a port from 1 to 65535")
    return text


def scheduler_address(flag: str | None, workers: int) -> tuple[str, str] | None:
    """The scheduler to attach to and where it was named: ``--scheduler``, else (with no
    ``--workers``) ``DASK_SCHEDULER_ADDRESS``; ``None`` to start local workers or stay in process."""
    if flag is not None:
        if workers > 1:
            raise ValueError("choose --scheduler (an existing cluster) or --workers (a local one), not both")
        return checked_address(flag, "--scheduler"), "--scheduler"
    from_env = os.environ.get(ADDRESS_VARIABLE, "").strip()
    if from_env and workers == 1:
        return checked_address(from_env, ADDRESS_VARIABLE), ADDRESS_VARIABLE
    return None


def remote_client(address: str, timeout: float = CONNECT_TIMEOUT) -> Client:
    """A client of the scheduler at ``address`` with at least one worker, or a clear ValueError."""
    from distributed import Client

    try:
        client = Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"could not reach the dask scheduler at {address} within {timeout:g} s "
                         f"({type(exc).__name__}); is it running, and is the address right?") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        client.close()
        raise ValueError(f"the dask scheduler at {address} has no worker after {timeout:g} s; start one "
                         f"with: dask worker {address}") from None
    return client
