"""Sampling the uncertain parameters: uniform designs mapped through inverse CDFs.

Every parameter of the catalogue owns one column of a uniform design, whether the scenario leaves it
uncertain or not, so two scenarios run with the same seed share their random numbers (common random
numbers make what-if differences far less noisy). Plain Monte Carlo draws come in fixed blocks of
``BLOCK`` rows, block ``b`` from the child ``b`` of ``SeedSequence(seed)`` (what ``spawn`` would
give), so the numbers depend only on ``(seed, draws)`` and never on how a run is chunked or spread
over workers. Latin hypercube and scrambled Sobol designs come from :mod:`scipy.stats.qmc`, as
``REPLICATES`` independently randomised designs laid end to end (:func:`replicate_bounds`): the
spread of their means gives an honest standard error (see :mod:`sim.engine.intervals`), which the iid
formula does not for a stratified design.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from sim.engine.scratch import scratch
from sim.spec.parameters import NAMES, PARAMETERS
from sim.spec.scenario import Dist, Param, Scenario

BLOCK = 1 << 16
DIM = len(NAMES)
_EPS = 1e-12
SAMPLERS = ("random", "lhs", "sobol")
#: Independent randomised replicates of a Latin hypercube or Sobol' design.
REPLICATES = 16

class Design:
    """Uniform numbers in [0, 1) for rows ``start:stop`` of a run of ``draws`` rows."""

    def __init__(self, draws: int, seed: int, sampler: str = "random"):
        if sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler '{sampler}' (choose from {', '.join(SAMPLERS)})")
        self.draws, self.seed, self.sampler = draws, seed, sampler
        self._whole: NDArray[np.float64] | None = None
        self._last: tuple[int, NDArray[np.float64]] | None = None
        if sampler != "random":
            self._whole = np.concatenate([_replicate(sampler, seed, r, b - a) for r, (a, b)
                                          in enumerate(replicate_bounds(draws, sampler))])

    def uniforms(self, start: int, stop: int, scratch: bool = False,
                 only: tuple[int, ...] | None = None) -> NDArray[np.float64]:
        """Rows ``start:stop`` (``(rows, parameters)``). With ``scratch``, rows within one block may be
        a view of this thread's reusable buffer: the caller must be done with them before its
        thread asks for uniforms again, and before the thread ends (another thread then takes it).
        ``only`` (with ``scratch``): the parameter columns the caller reads (:func:`uncertain_columns`);
        the others are then not drawn, and hold whatever the buffer held. The columns drawn have
        the same numbers either way."""
        if not 0 <= start < stop <= self.draws:
            raise ValueError(f"rows {start}:{stop} are not within the design's {self.draws} rows")
        if self._whole is not None:
            return self._whole[start:stop]
        first, last = start // BLOCK, (stop - 1) // BLOCK
        if scratch and first == last:
            return self._scratch(first, only)[start - first * BLOCK: stop - first * BLOCK]
        blocks = [self._block(b) for b in range(first, last + 1)]
        rows = np.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
        offset = first * BLOCK
        return rows[start - offset: stop - offset]

    def _columns(self, b: int) -> int:
        """How many of block ``b``'s rows the design has (all but in a short last block)."""
        return min(BLOCK, self.draws - b * BLOCK)

    def _block(self, b: int) -> NDArray[np.float64]:
        last = self._last  # one read: threads may be replacing it
        if last is not None and last[0] == b:  # chunks smaller than a block share it
            return last[1]
        block = np.empty((DIM, self._columns(b)))
        self._fill(b, block)
        self._last = (b, block.T)
        return block.T

    def _fill(self, b: int, out: NDArray[np.float64], only: tuple[int, ...] | None = None) -> None:
        """Block ``b``'s first ``out.shape[1]`` rows into ``out``, parameter-major (so that each
        parameter's column is contiguous in memory): the numbers of
        ``default_rng(SeedSequence(seed, spawn_key=(b,))).random((DIM, BLOCK))``. A short block draws
        only the rows it has and skips the rest of each parameter's (``PCG64.advance``: one 64-bit
        step a number), so a small run does not draw a whole block; likewise, a parameter not in
        ``only`` (if given) is skipped whole."""
        bits = np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(b,)))
        generator, rows = np.random.Generator(bits), out.shape[1]
        if rows == BLOCK and only is None:
            generator.random(out=out)
            return
        wanted = set(range(DIM) if only is None else only)
        skip = 0
        for k in range(DIM):
            if k not in wanted:
                skip += BLOCK
                continue
            if skip:
                bits.advance(skip)
            generator.random(out=out[k])
            skip = BLOCK - rows

    def _scratch(self, b: int, only: tuple[int, ...] | None = None) -> NDArray[np.float64]:
        """Block ``b`` in this thread's buffer (the same numbers as :meth:`_block` in the columns of
        ``only``, or all)."""
        rows = self._columns(b)
        # This thread's reusable block (sim.engine.scratch): a fresh 32 MiB block per chunk would cost a
        # page fault per 4 KiB, which on this kind of machine is a quarter of the time it takes to
        # draw the numbers.
        held = scratch("uniforms", (DIM, BLOCK), lambda: np.empty((DIM, BLOCK)))
        # A short block fills the buffer's first DIM * rows numbers, not its first rows columns, so
        # that it is C-contiguous as a whole block is: the kernel reads its uniforms so, and copies
        # (sim.engine.kernel.fused.sampled) what it is handed otherwise.
        block = held.array.reshape(-1)[:DIM * rows].reshape(DIM, rows)
        # A buffer holding every column serves any caller; one holding some, only the same columns.
        if held.key not in ((self.seed, b, rows, None), (self.seed, b, rows, only)):
            held.key = None   # until the buffer is refilled
            self._fill(b, block, only)
            held.key = (self.seed, b, rows, only)
        return block.T


def replicate_bounds(draws: int, sampler: str) -> list[tuple[int, int]]:
    """Row ranges of the independent replicates of a design: one range for plain Monte Carlo,
    :data:`REPLICATES` near-equal ranges (fewer for a tiny run) for Latin hypercube and Sobol'."""
    count = 1 if sampler == "random" else max(1, min(REPLICATES, draws // 2))
    edges = np.linspace(0, draws, count + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _replicate(sampler: str, seed: int, index: int, rows: int) -> NDArray[np.float64]:
    """Replicate ``index`` of a design: its own scrambling, from child ``index`` of the seed."""
    from scipy.stats import qmc  # here, not at the top: importing scipy.stats takes most of a second

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    engine = (qmc.LatinHypercube(d=DIM, rng=rng) if sampler == "lhs"
              else qmc.Sobol(d=DIM, scramble=True, rng=rng))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Sobol: n not a power of two
        return engine.random(rows)


def ppf(param: Param, u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Inverse CDF of ``param``'s distribution at uniforms ``u``.

    Bounded distributions already lie inside the catalogue range (validation checks their bounds);
    the unbounded lognormal is clipped to it.
    """
    x = _PPF[param.dist.kind](param.value, param.dist, u)
    if param.dist.kind == "lognormal":
        info = PARAMETERS[param.name]
        x = np.clip(x, info.low, info.high)
    return x


@cache
def _special() -> ModuleType:
    """``scipy.special``, imported by the first inverse CDF that needs it (a third of a second at
    start-up that a scenario of triangular and uniform parameters never pays)."""
    from scipy import special

    return special


def _uniform(value: float, d: Dist, u: NDArray) -> NDArray:
    return d.low + u * (d.high - d.low)


def _triangular(mode: float, d: Dist, u: NDArray) -> NDArray:
    lo, hi = d.low, d.high
    left = u < (mode - lo) / (hi - lo)
    root = np.sqrt(np.where(left, u * ((hi - lo) * (mode - lo)), (1 - u) * ((hi - lo) * (hi - mode))))
    return np.where(left, lo + root, hi - root)


def _pert(mode: float, d: Dist, u: NDArray) -> NDArray:
    """Beta-PERT with the usual shape weight 4 (Vose, *Risk Analysis*, 2008, ch. 9)."""
    lo, hi = d.low, d.high
    a = 1 + 4 * (mode - lo) / (hi - lo)
    b = 1 + 4 * (hi - mode) / (hi - lo)
    return lo + (hi - lo) * _special().betaincinv(a, b, u)


def _truncnormal(mean: float, d: Dist, u: NDArray) -> NDArray:
    special = _special()
    pa, pb = special.ndtr((d.low - mean) / d.sd), special.ndtr((d.high - mean) / d.sd)
    u = np.clip(u, _EPS, 1 - _EPS)
    z = special.ndtri(np.clip(pa + u * (pb - pa), _EPS, 1 - _EPS))
    return np.clip(mean + d.sd * z, d.low, d.high)


def _lognormal(median: float, d: Dist, u: NDArray) -> NDArray:
    return np.exp(np.log(median) + d.sigma * _special().ndtri(np.clip(u, _EPS, 1 - _EPS)))


def _beta(value: float, d: Dist, u: NDArray) -> NDArray:
    return d.low + (d.high - d.low) * _special().betaincinv(d.a, d.b, u)


_PPF: dict[str, Callable[[float, Dist, NDArray], NDArray]] = {
    "uniform": _uniform,
    "triangular": _triangular,
    "pert": _pert,
    "truncnormal": _truncnormal,
    "lognormal": _lognormal,
    "beta": _beta,
}


def draw_parameters(scenario: Scenario, u: NDArray[np.float64]) -> dict[str, NDArray[np.float64] | float]:
    """Parameter values for the rows of ``u``: arrays for uncertain parameters, floats for fixed ones."""
    u = np.asfortranarray(u)  # contiguous columns: the inverse CDFs run several times faster
    out: dict[str, NDArray[np.float64] | float] = {}
    for col, name in enumerate(NAMES):
        p = scenario.params[name]
        out[name] = ppf(p, u[:, col]) if p.uncertain else p.value
    return out


def uncertain_columns(scenario: Scenario) -> tuple[int, ...]:
    """The design's columns of ``scenario``'s uncertain parameters: all that solving it reads (a
    fixed parameter keeps its column, unread, so that scenarios share their random numbers)."""
    return tuple(k for k, n in enumerate(NAMES) if scenario.params[n].uncertain)


def uncertain_names(scenario: Scenario) -> list[str]:
    return [NAMES[k] for k in uncertain_columns(scenario)]
