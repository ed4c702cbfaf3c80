"""Monte Carlo over a scenario: sample -> build the game -> solve -> summarise.

``run`` processes the draws in chunks (to bound memory) but the numbers depend only on the seed,
the number of draws and the sampler: see :mod:`sim.engine.sampling`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.intervals import Interval, inflated, probability_interval, quantile_interval
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.layout import flat_tree, layout
from sim.engine.reference import evaluate_reference
from sim.engine.results import (
    QUANTILES,
    Chunk,
    Estimate,
    Readings,
    from_fixed,
    kernel_rows,
)
from sim.engine.runspec import RunSpec, run_settings, solution_settings
from sim.engine.sampling import BLOCK, Design, draw_parameters, replicate_bounds, uncertain_names
from sim.engine.tally import settings_of, tally_of_arrays
from sim.model.solve import node_at
from sim.spec.parameters import NAMES
from sim.spec.scenario import Scenario

Array = NDArray[np.float64]
#: ``ALLIANCE_SIM_KERNEL=reference`` runs the numpy reference instead of the compiled kernel (the
#: mutation check uses it: it mutates sim/model/game.py, which the reference reads and the kernel mirrors;
#: tests/engine/test_kernel.py holds the two equal).
REFERENCE = os.environ.get("ALLIANCE_SIM_KERNEL") == "reference"
MAX_THREADS = kernel.MAX_THREADS


@dataclass(frozen=True)
class Result(Readings):
    """Per-draw outcome arrays of one run, and their summary.

    ``per_draw[name]`` are ``(n,)`` arrays: for SPE the probabilities are 0 or 1, for QRE they are
    the equilibrium probabilities in that draw.
    """

    scenario: Scenario
    draws: int
    seed: int
    solution: str
    lam: float
    sampler: str
    per_draw: dict[str, Array] = field(repr=False)
    #: Mean probability of each branch at every decision and chance node, keyed by node path.
    behaviour: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)
    #: Mean probability that play ends at each terminal.
    reach: dict[str, float] = field(default_factory=dict, repr=False)
    #: The independent draws the rows are worth when they are a weighted resample (a calibrated
    #: model's posterior resample, :attr:`Sample.effective_draws`); ``None``: the rows are the draws.
    effective_draws: float | None = None

    # -- summary --------------------------------------------------------------------------------
    def estimate(self, name: str) -> Estimate:
        e = Estimate.of(self.per_draw[name])
        return Estimate(e.mean, self.inflated(e.stderr))

    def inflated(self, stderr: float) -> float:
        """A standard error computed as if the rows were independent draws, made that of the
        effective draws (unchanged on the prior)."""
        return inflated(stderr, self.draws, self.effective_draws)

    def interval(self, name: str) -> Interval:
        """The 95% interval of a probability, by the method that suits the sampler."""
        return probability_interval(self.per_draw[name], replicate_bounds(self.draws, self.sampler),
                                    self.effective_draws)

    def price_quantiles(self, move: str = "sever") -> dict[str, float | None]:
        """Quantiles of the price of ``move`` (``sever``, ``distance`` or ``distance_or_sever``);
        ``None`` where the quantile lies above 1 (no price)."""
        x = self.per_draw[f"price_{move}"]
        q = np.quantile(x, list(QUANTILES.values()), method="inverted_cdf")
        return {k: (float(v) if np.isfinite(v) else None) for k, v in zip(QUANTILES, q, strict=True)}

    def price_quantile_intervals(self, move: str = "sever") -> dict[str, list[float | None] | None]:
        """The 95% order-statistic interval of each quantile of :meth:`price_quantiles` (exact):
        ``None`` where the quantile lies above 1, an end ``None`` where the interval is open above 1."""
        x = self.per_draw[f"price_{move}"]
        return {k: quantile_interval(x, q, self.effective_draws) for k, q in QUANTILES.items()}

    def price_exists(self, move: str = "sever") -> Estimate:
        """The share of draws in which some concession up to 1 buys that move."""
        e = Estimate.of(np.isfinite(self.per_draw[f"price_{move}"]).astype(float))
        return Estimate(e.mean, self.inflated(e.stderr))

    @cached_property
    def parameters(self) -> dict[str, Array]:
        """The sampled values of the uncertain parameters, regenerated from (seed, draws, sampler)."""
        design = Design(self.draws, self.seed, self.sampler)
        drawn = draw_parameters(self.scenario, design.uniforms(0, self.draws))
        return {n: np.asarray(drawn[n]) for n in uncertain_names(self.scenario)}

    def summary(self) -> dict[str, Any]:
        """Plain data for JSON, text and the app: the summary of a :class:`sim.engine.tally.Tally` of the same
        draws (so the means are the same to the bit), with the exact price quantiles."""
        settings = settings_of(self.scenario, self.draws, self.seed, self.solution, self.lam, self.sampler,
                               self.effective_draws)
        out = tally_of_arrays(settings, self.per_draw, self.draws, BLOCK).summary()
        del out["quantile_resolution"]
        prices = {"sever_price": "sever", "pledge_price": "distance", "reservation_price": "sever"}
        out["intervals"] |= {"sever_price": self.price_quantile_intervals("sever"),
                             "pledge_price": self.price_quantile_intervals("distance")}
        return out | {key: self._price_summary(move) for key, move in prices.items()}


@dataclass(frozen=True)
class Sample:
    """Sampled parameter values for ``draws`` rows: arrays for uncertain parameters, floats for fixed.

    Sampling apart from solving lets a caller (the app) keep one sample and re-solve it as the
    levers or the solution concept change.
    """

    scenario: Scenario
    draws: int
    seed: int
    sampler: str
    params: dict[str, Array | float] = field(repr=False)
    #: The independent draws the rows are worth when they are a weighted resample (a calibrated
    #: model's, :func:`sim.timeline.calibration.calibrated_sample`): a run of it reports intervals
    #: on so many draws. ``None``: the rows are independent draws.
    effective_draws: float | None = None


def sample(scenario: Scenario, draws: int | None = None, seed: int | None = None,
           sampler: str | None = None) -> Sample:
    """Draw every parameter of ``scenario`` (the same numbers ``run`` would use)."""
    draws, seed, sampler = run_settings(scenario, draws, seed, sampler)
    design = Design(draws, seed, sampler)
    return Sample(scenario, draws, seed, sampler, draw_parameters(scenario, design.uniforms(0, draws)))


def run(
    scenario: Scenario,
    draws: int | None = None,
    seed: int | None = None,
    solution: str | None = None,
    lam: float | None = None,
    sampler: str | None = None,
    *,
    chunk_size: int = BLOCK,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Run the Monte Carlo for ``scenario``; arguments left ``None`` come from the scenario file.

    Draws are sampled and solved ``chunk_size`` at a time, which bounds memory, on ``threads``
    threads (numpy releases the GIL in its array loops; default: one per core, at most
    :data:`MAX_THREADS`). Neither changes any number: chunks are sampled from fixed seeded blocks
    and joined in draw order.
    """
    spec = RunSpec.of(scenario, draws, seed, sampler, solution, lam, threads=threads)
    return run_spec(spec, chunk_size=chunk_size, progress=progress)


def run_spec(spec: RunSpec, *, chunk_size: int = BLOCK,
             progress: Callable[[int, int], None] | None = None) -> Result:
    """:func:`run` of a resolved :class:`~sim.engine.runspec.RunSpec`."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    scenario, draws, concept, lam = spec.scenario, spec.draws, spec.solution, spec.lam
    design = spec.design()

    # Every chunk writes its outputs into its columns of one matrix, which the result then reads:
    # nothing is concatenated (the reference path, which does not write there, is concatenated).
    matrix = None if REFERENCE else kernel.output(draws)

    def chunk(bounds: tuple[int, int]) -> Chunk:
        a, b = bounds
        columns = None if matrix is None else matrix[:, a:b]
        return evaluate_block(scenario, design, a, b, concept, lam, columns)

    bounds = [(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)]
    workers = kernel.thread_count(len(bounds), spec.threads)
    parts: list[Chunk] = []
    # One thread's work (one chunk, or threads=1) is solved in the calling thread: no thread to
    # start, and in the main thread the kernel's ahead-of-time build serves it without importing
    # numba (sim.engine.kernel.aot).
    with ThreadPoolExecutor(max_workers=workers) as pool:
        solved = map(chunk, bounds) if workers == 1 else pool.map(chunk, bounds)
        for (_, b), part in zip(bounds, solved, strict=True):
            parts.append(part)
            if progress:
                progress(b, draws)
    whole = None if matrix is None else kernel_rows(dict(zip(layout().rows, matrix, strict=True)))
    return assemble(spec, parts, whole)


def evaluate_block(scenario: Scenario, design: Design, start: int, stop: int, concept: str,
                   lam: float, out: Array | None = None) -> Chunk:
    """Rows ``start:stop`` of a run, from their uniforms to their outcomes: the unit of work that
    threads, processes and dask workers share. The kernel writes the per-draw outputs into ``out``
    (columns of a :func:`sim.engine.kernel.fused.output` matrix) if given."""
    if REFERENCE:
        params = draw_parameters(scenario, design.uniforms(start, stop))
        return evaluate_reference(params, scenario.levers, concept, lam, stop - start)
    draws = kernel.sampled(scenario, kernel.block_uniforms(scenario, design, start, stop))
    return _from_kernel(kernel.fused(draws, scenario.levers, concept, lam, out=out), stop - start)


def run_sample(drawn: Sample, levers: dict[str, float] | None = None, solution: str | None = None,
               lam: float | None = None, *, chunk_size: int = BLOCK,
               prices: Mapping[str, Array] | None = None) -> Result:
    """Solve an existing :class:`Sample`, optionally under other levers; same numbers as ``run``.

    ``prices`` may pass in the ``price_*`` arrays of this sample under the same verification,
    pressure and solution (from :func:`sample_prices` or an earlier result): they do not depend on
    the concession, so a caller that only moves the concession need not search for them again.
    """
    sc = drawn.scenario
    if levers is not None and levers != sc.levers:
        sc = sc.updated({f"levers.{k}": v for k, v in levers.items()})
    n = drawn.draws
    bounds = [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]
    chunks = ((_slice(drawn.params, a, b), b - a) for a, b in bounds)
    price_chunks = None if prices is None else (_slice(dict(prices), a, b) for a, b in bounds)
    spec = RunSpec(sc, n, drawn.seed, drawn.sampler, *solution_settings(sc, solution, lam))
    return _collect(spec, chunks, sc.levers, None, price_chunks, drawn.effective_draws)


def sample_prices(drawn: Sample, levers: Mapping[str, float], solution: str | None = None,
                  lam: float | None = None, *, chunk_size: int = BLOCK) -> dict[str, Array]:
    """The ``price_*`` arrays of a sample alone (they do not depend on ``levers["concession"]``),
    solved in pieces on threads (the kernel releases the GIL; the pieces change no number)."""
    concept, lam = solution_settings(drawn.scenario, solution, lam)
    n = drawn.draws
    workers = kernel.thread_count(-(-n // chunk_size))
    step = min(chunk_size, -(-n // workers))   # every thread gets work, whatever the draws

    def prices(a: int) -> dict[str, Array]:
        b = min(a + step, n)
        chunk = evaluate(_slice(drawn.params, a, b), dict(levers), concept, lam, b - a)
        return {k: v for k, v in chunk.per_draw.items() if k.startswith("price_")}

    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(prices, range(0, n, step)))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _slice(params: dict[str, Array | float], a: int, b: int) -> dict[str, Array | float]:
    return {k: (v[a:b] if isinstance(v, np.ndarray) else v) for k, v in params.items()}


def _collect(spec: RunSpec, param_chunks, levers, progress, price_chunks=None,
             effective_draws: float | None = None) -> Result:
    concept, lam, draws = spec.solution, spec.lam, spec.draws
    parts: list[Chunk] = []
    done = 0
    for params, n in param_chunks:
        known = None if price_chunks is None else next(price_chunks)
        parts.append(evaluate(params, levers, concept, lam, n, known))
        done += n
        if progress:
            progress(done, draws)
    return assemble(spec, parts, effective_draws=effective_draws)


def assemble(spec: RunSpec, parts: list[Chunk], per_draw: dict[str, Array] | None = None,
             effective_draws: float | None = None) -> Result:
    """Join per-chunk outputs, in draw order, into one :class:`Result` of the run ``spec``
    (``per_draw``: the chunks' outputs already joined; ``effective_draws``: what the rows are worth
    when they are a weighted resample, :attr:`Sample.effective_draws`)."""
    draws = spec.draws
    if per_draw is None:
        per_draw = {k: np.concatenate([p.per_draw[k] for p in parts]) for k in parts[0].per_draw}
    # Python integers: the fixed-point sums add up exactly, in any grouping.
    sums = {k: [sum(int(x) for x in col) for col in zip(*(p.sums[k] for p in parts), strict=True)]
            for k in parts[0].sums}
    mean = [from_fixed(total, draws) for total in sums.pop("reach")]
    reach = dict(zip(parts[0].reach_keys, mean, strict=True))
    behaviour = {path: tuple(from_fixed(t, draws) for t in totals) for path, totals in sums.items()}
    return Result(spec.scenario, draws, spec.seed, spec.solution, spec.lam, spec.sampler, per_draw, behaviour,
                  reach, effective_draws)


def evaluate(params, levers, concept: str, lam: float, n: int,
             prices: Mapping[str, Array] | None = None) -> Chunk:
    """Solve one chunk of draws and reduce it to per-draw outcome arrays and node sums.

    The payoffs come from :mod:`sim.model.game`; solving, reach, sums and prices run in the compiled
    kernel of :mod:`sim.engine.kernel.fused`. :func:`evaluate_reference` is the same computation in numpy.
    """
    if REFERENCE:
        return evaluate_reference(params, levers, concept, lam, n, prices)
    return _from_kernel(kernel.fused(kernel.parameter_rows(params, n), levers, concept, lam, prices is None),
                        n, prices)


def evaluate_matrix(rows: Array, levers, concept: str, lam: float,
                    prices: Mapping[str, Array] | None = None) -> Chunk:
    """:func:`evaluate` on a parameter matrix (``sim.engine.kernel.fused.sampled_rows``: one row per catalogue
    parameter, a column per draw), which the kernel reads where it is."""
    n = rows.shape[1]
    if REFERENCE:
        return evaluate_reference(dict(zip(NAMES, rows, strict=True)), levers, concept, lam, n, prices)
    fused = kernel.fused(kernel.given_rows(rows), levers, concept, lam, prices is None)
    return _from_kernel(fused, n, prices)


def _from_kernel(fused: kernel.Fused, n: int, prices: Mapping[str, Array] | None = None) -> Chunk:
    """A :class:`Chunk` from the kernel's rows (``prices`` given, or else the kernel's)."""
    out = kernel_rows(fused.rows)
    if prices is not None:
        out.update(prices)
    return Chunk(out, _kernel_sums(fused), flat_tree().terminals)


def _kernel_sums(fused: kernel.Fused) -> dict[str, Array]:
    """The kernel's node sums keyed as :func:`node_sums` keys them."""
    tree = flat_tree()
    sums = {path: fused.decision_sums[d, :len(node_at(path).actions)]
            for d, path in enumerate(tree.decision_paths)}
    sums.update({path: fused.chance_sums[c] for c, path in enumerate(tree.chance_paths)})
    sums["reach"] = fused.reach_sums
    return sums


