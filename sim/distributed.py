"""Scale-out: the same Monte Carlo spread over dask.distributed workers.

Each task rebuilds the uniforms of its own rows from ``(seed, draws, sampler)`` (plain Monte Carlo
draws come in seeded blocks, see :mod:`sim.sampling`), so a run gives the same numbers whatever the
number of workers or the chunk size. Latin hypercube and Sobol designs depend on the whole run and
are generated once by the caller and sent in slices. Workers are spawned processes: the task
function lives here, in an importable module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.run import Result, assemble, evaluate, run_settings, solution_settings
from sim.sampling import BLOCK, Design, draw_parameters
from sim.scenario import Scenario

if TYPE_CHECKING:
    from distributed import Client


def evaluate_rows(scenario: Scenario, draws: int, seed: int, sampler: str, start: int, stop: int,
                  concept: str, lam: float, uniforms: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Outcome arrays for rows ``start:stop`` of a run (runs on a worker)."""
    if uniforms is None:
        uniforms = Design(draws, seed, sampler).uniforms(start, stop)
    return evaluate(draw_parameters(scenario, uniforms), scenario.levers, concept, lam, stop - start)


def run_distributed(scenario: Scenario, client: Client, draws: int | None = None, seed: int | None = None,
                    solution: str | None = None, lam: float | None = None, sampler: str | None = None,
                    *, chunk_size: int = 4 * BLOCK) -> Result:
    """Like :func:`sim.run.run`, with the chunks evaluated on ``client``'s workers."""
    draws, seed, sampler = run_settings(scenario, draws, seed, sampler)
    concept, lam = solution_settings(scenario, solution, lam)
    bounds = [(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)]
    if sampler == "random":
        slices = [None] * len(bounds)
    else:  # the design depends on the whole run: make it once, ship each worker its rows
        whole = Design(draws, seed, sampler).uniforms(0, draws)
        slices = client.scatter([whole[a:b] for a, b in bounds])
    futures = [
        client.submit(evaluate_rows, scenario, draws, seed, sampler, a, b, concept, lam, rows, pure=False)
        for (a, b), rows in zip(bounds, slices, strict=True)
    ]
    return assemble(scenario, draws, seed, sampler, concept, lam, client.gather(futures))


def local_client(workers: int) -> Client:
    """A local cluster of ``workers`` single-threaded processes (its HTTP endpoint on a free port)."""
    from distributed import Client, LocalCluster

    # ":0" puts the scheduler's HTTP endpoint on a free port, so two clusters never clash on 8787.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    return Client(cluster)
