"""Summary runs: draws streamed chunk by chunk into a :class:`~sim.engine.tally.Tally`, in constant memory.

``run_summary`` takes the arguments of :func:`sim.engine.driver.run` and gives the same summary (see
:mod:`sim.engine.tally` for what "the same" means) for up to :data:`MAX_SUMMARY_DRAWS` draws: no per-draw
array outlives its chunk, unless ``save`` names a Parquet file to stream them to.
``run_to_precision`` adds draws until every headline probability is known to a target standard error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.driver import evaluate_block
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.layout import layout
from sim.engine.results import INTERVAL_OUTCOMES
from sim.engine.runspec import RunSpec
from sim.engine.sampling import BLOCK, Design, draw_parameters, uncertain_names
from sim.engine.tally import Settings, Tally, settings_for, settings_of
from sim.spec.scenario import MAX_DRAWS, MAX_SUMMARY_DRAWS, Scenario

if TYPE_CHECKING:
    import pyarrow

#: Most rows ``save`` writes (about 0.6 KB a row: 10^8 rows is some 60 GB of Parquet).
MAX_SAVE_ROWS = 100_000_000
#: Smallest standard error ``run_to_precision`` aims at (10^-4 needs some 2.5 * 10^7 draws).
MIN_PRECISION = 1e-4
#: Largest standard error it accepts (a probability's standard error is at most 0.5).
MAX_PRECISION = 0.1
#: Rows solved at once by a summary run: a whole block of the design. The kernel reads a chunk's
#: uniforms C-contiguous, and only a whole block's are (a part of one is a column slice, which
#: ``sim.engine.kernel.fused.sampled`` copies into fresh memory; docs/performance.md has the cost).
CHUNK = BLOCK
#: Default cap on the draws spent reaching a precision.
DEFAULT_MAX_DRAWS = 100_000_000
Progress = Callable[[int, int], None]


def run_summary(
    scenario: Scenario,
    draws: int | None = None,
    seed: int | None = None,
    solution: str | None = None,
    lam: float | None = None,
    sampler: str | None = None,
    *,
    chunk_size: int = CHUNK,
    threads: int | None = None,
    progress: Progress | None = None,
    save: str | os.PathLike | None = None,
) -> Tally:
    """The summary of :func:`sim.engine.driver.run` with the same arguments, as a :class:`Tally`, for up to
    :data:`MAX_SUMMARY_DRAWS` draws (a Latin hypercube or Sobol' design is held whole: up to
    :data:`MAX_DRAWS`). ``save`` streams every draw's outputs and sampled parameters to a Parquet
    file, in draw order (at most :data:`MAX_SAVE_ROWS` rows)."""
    spec = RunSpec.of(scenario, draws, seed, sampler, solution, lam, threads=threads, cap=MAX_SUMMARY_DRAWS)
    return summarise(spec, chunk_size=chunk_size, progress=progress, save=save)


def summarise(spec: RunSpec, *, chunk_size: int = CHUNK, progress: Progress | None = None,
              save: str | os.PathLike | None = None) -> Tally:
    """:func:`run_summary` of a resolved :class:`~sim.engine.runspec.RunSpec`, in this process, on
    ``spec.threads`` threads."""
    check_design_size(spec.draws, spec.sampler)
    writer = DrawWriter(save, spec.draws) if save is not None else None
    try:
        return tally_rows(settings_for(spec), spec.design(), 0, spec.draws, spec.draws, chunk_size=chunk_size,
                          threads=spec.threads, progress=progress, writer=writer)
    finally:
        if writer is not None:
            writer.close()


def check_design_size(draws: int, sampler: str) -> None:
    if sampler != "random" and draws > MAX_DRAWS:
        raise ValueError(f"a {sampler} run holds its whole design in memory: at most {MAX_DRAWS:,} draws "
                         f"(got {draws:,}); use the random sampler for more")


def tally_rows(settings: Settings, design: Design, start: int, stop: int, run_draws: int, *,
               chunk_size: int = CHUNK, threads: int | None = None, progress: Progress | None = None,
               writer: DrawWriter | None = None) -> Tally:
    """The tally of rows ``start:stop`` of a run of ``run_draws`` draws, ``chunk_size`` rows a task."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    bounds = [(a, min(a + chunk_size, stop)) for a in range(start, stop, chunk_size)]
    workers = kernel.thread_count(len(bounds), threads)
    keep_draws = writer is not None

    def work(rows: tuple[int, int]) -> tuple[Tally, pyarrow.Table | None]:
        a, b = rows
        # Without a writer, nothing of the chunk outlives its tally: its outputs go to a reused matrix.
        out = None if keep_draws else kernel.reused("outputs", len(layout().rows), b - a, padded=True)
        chunk = evaluate_block(settings.scenario, design, a, b, settings.solution, settings.lam, out=out)
        tally = Tally.of_chunk(settings, chunk, a, b, run_draws)
        table = draw_table(settings.scenario, design, a, b, chunk.per_draw) if keep_draws else None
        return tally, table

    total: Tally | None = None
    for (_, b), (part, table) in zip(bounds, _in_order(work, bounds, workers), strict=True):
        total = part if total is None else total.merge(part)
        if writer is not None:
            writer.write(table)
        if progress:
            progress(b - start, stop - start)
    return total


def _in_order(work, items: list, workers: int) -> Iterator:
    """``map(work, items)`` on ``workers`` threads, at most two tasks a thread ahead of the reader:
    the memory of a few chunks, whatever the number of items."""
    if workers == 1:   # in the calling thread, one item at a time (see sim.engine.driver.run)
        yield from map(work, items)
        return
    window = 2 * workers
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[Future] = [pool.submit(work, item) for item in items[:window]]
        for i in range(len(items)):
            result = pending.pop(0).result()
            if i + window < len(items):
                pending.append(pool.submit(work, items[i + window]))
            yield result


# -- precision -------------------------------------------------------------------------------------

def run_to_precision(
    scenario: Scenario,
    target: float,
    seed: int | None = None,
    solution: str | None = None,
    lam: float | None = None,
    sampler: str | None = None,
    *,
    max_draws: int = DEFAULT_MAX_DRAWS,
    threads: int | None = None,
    progress: Progress | None = None,
) -> tuple[Tally, bool]:
    """Draws, doubling from one block (65,536), until the standard error of every headline probability
    (Keep, Distance, Sever, split, deal; from the per-draw spread, as its 95% interval) is at
    most ``target``, or ``max_draws`` are spent. Returns the tally and whether the target was met;
    its numbers are those of :func:`run_summary` at ``tally.draws`` draws.

    Only plain Monte Carlo can grow: its rows depend on ``(seed, row)`` alone. A Latin hypercube or
    Sobol' design is laid out for a fixed number of draws, and adding rows would mix designs, so
    those samplers are refused.
    """
    if not MIN_PRECISION <= target <= MAX_PRECISION:
        raise ValueError(f"the precision must be from {MIN_PRECISION:g} to {MAX_PRECISION:g} (a standard "
                         f"error), got {target:g}")
    if not BLOCK <= max_draws <= MAX_SUMMARY_DRAWS:
        raise ValueError(f"the most draws for a precision must be from {BLOCK:,} to {MAX_SUMMARY_DRAWS:,}, "
                         f"got {max_draws:,}")
    spec = RunSpec.of(scenario, max_draws, seed, sampler, solution, lam, threads=threads,
                      cap=MAX_SUMMARY_DRAWS)
    if spec.sampler != "random":
        raise ValueError(f"a precision target needs the random sampler: a {spec.sampler} design is laid out "
                         "for a fixed number of draws and cannot be extended honestly; choose --draws "
                         "instead")
    settings = settings_of(scenario, 1, spec.seed, spec.solution, spec.lam, spec.sampler)
    design = spec.design()
    tally: Tally | None = None
    done, size = 0, BLOCK
    while True:
        step = tally_rows(settings, design, done, size, size, threads=spec.threads)
        tally = step if tally is None else tally.merge(step)
        done = size
        if progress:
            progress(done, max_draws)
        if largest_stderr(tally) <= target or done >= max_draws:
            return tally, largest_stderr(tally) <= target
        size = min(2 * size, max_draws)


def largest_stderr(tally: Tally) -> float:
    """The largest standard error of the headline probabilities: the per-draw standard errors their
    95% intervals are made from, the ones the run's JSON gives under ``stderr``."""
    return max(tally.interval(k).stderr for k in INTERVAL_OUTCOMES)


# -- saving the draws --------------------------------------------------------------------------------

def draw_table(scenario: Scenario, design: Design, start: int, stop: int, per_draw) -> pyarrow.Table:
    """Rows ``start:stop``: the draw's number, its outputs, and its uncertain parameters (``param_``)."""
    import pyarrow as pa  # here, not at the top: only --save needs it, and it costs a run's start

    params = draw_parameters(scenario, design.uniforms(start, stop))
    columns = {"draw": np.arange(start, stop, dtype=np.int64), **per_draw}
    columns |= {f"param_{n}": np.asarray(params[n]) for n in uncertain_names(scenario)}
    return pa.table(columns)


class DrawWriter:
    """A Parquet file written one chunk of draws at a time (pyarrow's ``ParquetWriter``)."""

    def __init__(self, path: str | os.PathLike, draws: int):
        path = Path(path)
        if draws > MAX_SAVE_ROWS:
            raise ValueError(f"--save writes at most {MAX_SAVE_ROWS:,} draws (about 0.6 KB each), got "
                             f"{draws:,}; run fewer draws to keep them")
        if not path.parent.is_dir():
            raise ValueError(f"cannot save the draws to {path}: the folder {path.parent} does not exist")
        if path.is_dir():
            raise ValueError(f"cannot save the draws to {path}: it is a folder")
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise ValueError("saving draws needs pyarrow: pip install 'alliance-sim[scale]'") from None
        self.path = path
        self._writer = None

    def write(self, table: pyarrow.Table) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
