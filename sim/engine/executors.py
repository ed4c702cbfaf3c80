"""Where a summary run is solved, behind one interface: this process (one thread or several), local
dask worker processes, or an existing dask cluster. Whatever solves it, a :class:`RunSpec` gives the
same :class:`Tally` to the bit (the chunks' tallies add up exactly, in any order).

The app's pool of worker processes (:mod:`sim.app.pool`) also takes runs as :class:`RunSpec` values,
but returns each draw's outcomes for the explorer's charts rather than a tally, so it keeps its own
interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sim.engine.distributed import (
    cluster_failure,
    local_workers,
    remote_client,
    run_distributed,
    scheduler_address,
)
from sim.engine.runspec import RunSpec
from sim.engine.summary_runs import Progress, summarise
from sim.engine.tally import Tally


class Executor(Protocol):
    """Solves a run and returns its summary accumulators."""

    def summarise(self, spec: RunSpec, progress: Progress | None = None) -> Tally: ...


@dataclass(frozen=True)
class InProcess:
    """This process: the calling thread, or ``spec.threads`` threads (one per core by default)."""

    def summarise(self, spec: RunSpec, progress: Progress | None = None) -> Tally:
        return summarise(spec, progress=progress)


@dataclass(frozen=True)
class LocalWorkers:
    """``workers`` single-threaded dask worker processes started for this run, then stopped."""

    workers: int

    def summarise(self, spec: RunSpec, progress: Progress | None = None) -> Tally:
        with local_workers(self.workers) as client:
            return run_distributed(spec, client, progress=progress)


@dataclass(frozen=True)
class Cluster:
    """An existing dask cluster, by its scheduler's address (``tcp://HOST:PORT``)."""

    address: str

    def summarise(self, spec: RunSpec, progress: Progress | None = None) -> Tally:
        client = remote_client(self.address)   # its errors are one line naming the address
        try:
            with client:
                return run_distributed(spec, client, progress=progress)
        except ValueError:
            raise
        except Exception as exc:   # noqa: BLE001 - whatever dask's client raises, one line at the CLI
            raise cluster_failure(self.address, exc) from None


def executor_for(workers: int = 1, scheduler: str | None = None) -> tuple[Executor, str | None]:
    """The executor that ``--workers`` and ``--scheduler`` (or ``DASK_SCHEDULER_ADDRESS``) name, and
    where a cluster's address came from when it was not named on the command line (else ``None``)."""
    remote = scheduler_address(scheduler, workers)
    if remote is not None:
        address, where = remote
        return Cluster(address), (None if where == "--scheduler" else where)
    return (LocalWorkers(workers) if workers > 1 else InProcess()), None
