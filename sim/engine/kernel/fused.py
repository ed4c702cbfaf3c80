"""The hot path, fused: one compiled pass per draw from the game's payoff lines to its outputs.

:func:`sim.engine.driver.evaluate` hands this module a chunk's :class:`~sim.model.game.ConcessionLine` (the
payoffs,
built by :mod:`sim.model.game` with numpy: the model's one source of truth) and gets back every per-draw
output and node sum a run reports. Per draw, in one compiled loop (numba, ``nogil``: chunks solve
in parallel on threads) and without a temporary array per operation:

* the game at the lever's concession (the line's value there, the chip where it is due);
* the solution (SPE or logit QRE) by backward induction over :data:`sim.model.game.TREE`, flattened
  here once into index arrays, so the tree itself is still defined in one place;
* the reach of every terminal, the branch sums in fixed point, the outcome groups;
* the prices (:mod:`sim.model.price` is the reference): SPE closed-form on the concession line; QRE a scan
  for the first crossing, then a safeguarded Illinois step on the value gap instead of bisection.
  Neither re-solves a tree: below the faction the values are affine in the concession, and Keep's
  value is one line, independent of the search.

The numpy implementation in :mod:`sim.model.solve` and :mod:`sim.model.price` stays as the reference:
``tests/engine/test_kernel.py`` checks the two agree (SPE bit for bit; QRE to rounding, within 1e-12, as
numpy's exp is not the C library's on AVX-512 machines, and its prices within 1e-9).
The compiled code is cached on disk next to this module (``cache=True``): only the first run on a
machine pays the compilation. An ahead-of-time build of the same functions (:mod:`sim.engine.kernel.aot`)
serves
the main thread without importing numba, which is what a short run's start-up is mostly made of.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.kernel.builds import compiled as compiled_build
from sim.engine.kernel.layout import flat_tree, layout
from sim.engine.sampling import Design, ppf, uncertain_columns
from sim.engine.scratch import scratch
from sim.spec.parameters import NAMES
from sim.spec.scenario import Scenario

Array = NDArray[np.float64]
#: Elements of padding per row of the kernel's arrays (see :func:`_rows`).
PAD = 24
#: Most threads a run or a curve uses (each holds a chunk of draws in memory), and the fewest draws
#: of a curve worth a thread.
MAX_THREADS = 4
TILE_DRAWS = 4096


@dataclass(frozen=True)
class Fused:
    """A chunk's per-draw outputs (rows of :attr:`Layout.rows`) and its fixed-point node sums."""

    rows: dict[str, Array]
    decision_sums: NDArray[np.int64]   # (decision nodes, 3)
    chance_sums: NDArray[np.int64]     # (chance nodes, 2)
    reach_sums: NDArray[np.int64]      # (terminals,)


def _rows(count: int, n: int) -> Array:
    """An uninitialised ``(count, n)`` array whose rows are not a power of two bytes apart (the
    kernel reads a draw down a column: equal strides would put it all in one cache set)."""
    return np.empty((count, n + PAD))[:, :n]


#: Matrices up to this many columns are kept for reuse; larger ones are made afresh.
REUSE_COLUMNS = 1 << 16


def reused(tag: str, count: int, n: int, padded: bool = False) -> Array:
    """This thread's ``(count, n)`` float64 matrix for ``tag``, reused while its shape stays the same
    (:func:`sim.engine.scratch.scratch`: an ended thread's matrix goes to the next thread).

    A summary run solves chunk after chunk, and each chunk's outputs are read and dropped before the
    next one is drawn. The first write to fresh memory costs a page fault per 4 KiB, half what the
    kernel spends solving a block (docs/performance.md), so the chunk's matrices are kept instead,
    one per tag and thread. The caller must
    be done with the matrix before its thread asks for ``tag`` again. ``padded``: laid out as
    :func:`output` lays it out."""
    if n > REUSE_COLUMNS:
        return _rows(count, n) if padded else np.empty((count, n))
    return scratch(tag, (count, n, padded),
                   lambda: _rows(count, n) if padded else np.empty((count, n))).array


def thread_count(tasks: int, threads: int | None = None) -> int:
    """Threads for ``tasks`` independent pieces of work: ``threads`` (default one per core), at most
    :data:`MAX_THREADS` and at most one per piece."""
    return max(1, min(threads or os.cpu_count() or 1, MAX_THREADS, tasks))


@dataclass(frozen=True)
class Draws:
    """A chunk's parameters as the kernel reads them: draw ``i``'s parameter ``k`` is ``given[k, i]``,
    a fixed value, or an inverse CDF of the uniform ``u[k, i]``, as ``kind[k]`` says (the constants
    of each in ``spec[k]``). The kernel computes them draw by draw, so no chunk-sized parameter matrix
    is written and read back. ``u`` is C-contiguous (the kernel's inverse CDFs run a tile of draws
    at a time, in vector registers); with every row given it is an empty placeholder."""

    u: Array
    kind: NDArray[np.int64]
    spec: Array
    given: Array

    @property
    def n(self) -> int:
        return self.given.shape[1]


def parameter_rows(params: Mapping[str, Array | float], n: int) -> Draws:
    """The kernel's draws from a parameter mapping (arrays or floats), every row given."""
    given = _rows(len(NAMES), n)
    for k, name in enumerate(NAMES):
        given[k] = params[name]
    return given_rows(given)


def sampled(scenario: Scenario, u: Array) -> Draws:
    """The kernel's draws for the uniform rows ``u`` (``(draws, parameters)``, as
    :meth:`sim.engine.sampling.Design.uniforms` gives them): the same numbers as
    :func:`sim.engine.sampling.draw_parameters`, the uniform and triangular inverse CDFs compiled and the
    others (PERT, beta, normal, lognormal) left to :func:`sim.engine.sampling.ppf`."""
    compiled = compiled_build()
    n = u.shape[0]
    given = _rows(len(NAMES), n)   # only the rows left to numpy are written
    kind = np.empty(len(NAMES), dtype=np.int64)
    spec = np.zeros((len(NAMES), 5))
    for k, name in enumerate(NAMES):
        p = scenario.params[name]
        if not p.uncertain:
            kind[k], spec[k, compiled.LOW] = compiled.FIXED, p.value
        elif p.dist.kind in ("uniform", "triangular"):
            lo, hi, mode = p.dist.low, p.dist.high, p.value
            # The constants of sim.engine.sampling._uniform and _triangular, computed as they compute them.
            if p.dist.kind == "uniform":
                kind[k], spec[k, :2] = compiled.UNIFORM, (lo, hi - lo)
            else:
                kind[k] = compiled.TRIANGULAR
                spec[k] = (lo, hi, (mode - lo) / (hi - lo), (hi - lo) * (mode - lo), (hi - lo) * (hi - mode))
        else:
            kind[k] = compiled.GIVEN
            given[k] = ppf(p, u[:, k])
    # A whole block's uniforms are C-contiguous already; a column slice or a design stored draw-major
    # is copied (64 numbers a draw: far less than reading them strided would cost the kernel).
    return Draws(np.ascontiguousarray(u.T), kind, spec, given)


def block_uniforms(scenario: Scenario, design: Design, start: int, stop: int) -> Array:
    """Rows ``start:stop`` of ``design`` for :func:`sampled`: in this thread's scratch buffer, with
    only the columns of ``scenario``'s uncertain parameters drawn, as :func:`sampled` reads no other."""
    return design.uniforms(start, stop, scratch=True, only=uncertain_columns(scenario))


def parameter_matrix(n: int) -> Array:
    """An uninitialised matrix of ``n`` draws' parameters (one row per catalogue parameter), for
    :func:`sampled_rows` to fill a block of columns at a time and :func:`given_rows` to solve."""
    return _rows(len(NAMES), n)


def sampled_rows(scenario: Scenario, u: Array, out: Array | None = None) -> Array:
    """The parameter matrix (one row per catalogue parameter) that :func:`sampled` stands for,
    written into ``out`` (columns of a :func:`parameter_matrix`) if given."""
    draws = sampled(scenario, u)
    if out is None:
        out = _rows(len(NAMES), draws.n)
    if out.shape != (len(NAMES), draws.n):
        raise ValueError(f"the parameter matrix is {out.shape}, not {(len(NAMES), draws.n)}")
    compiled_build().fill_parameters(draws.u, draws.kind, draws.spec, draws.given, out)
    return out


def given_rows(rows: Array) -> Draws:
    """The kernel's draws from a whole parameter matrix (:func:`sampled_rows`, or one that
    :func:`parameter_rows` has filled from a mapping), every row given and nothing copied."""
    if rows.ndim != 2 or rows.shape[0] != len(NAMES):
        raise ValueError(f"a parameter matrix has {len(NAMES)} rows, not {rows.shape}")
    compiled = compiled_build()
    return Draws(_NO_UNIFORMS, np.full(len(NAMES), compiled.GIVEN, dtype=np.int64), np.zeros((len(NAMES), 5)),
                 rows)


#: The uniforms of draws whose every parameter is given: none is read.
_NO_UNIFORMS = np.empty((len(NAMES), 0))


def parameters_of(scenario: Scenario, rows: Array) -> dict[str, Array | float]:
    """:func:`sim.engine.sampling.draw_parameters`'s mapping for a parameter matrix: a row (a view) for an
    uncertain parameter, the value for a fixed one."""
    return {name: rows[k] if scenario.params[name].uncertain else scenario.params[name].value
            for k, name in enumerate(NAMES)}


def _check_solution(concept: str, lam: float) -> None:
    if concept not in ("spe", "qre"):
        raise ValueError(f"unknown solution concept '{concept}' (choose spe or qre)")
    if concept == "qre" and not lam >= 0:
        raise ValueError(f"lambda must be non-negative, got {lam}")


#: The largest output matrix (bytes) that :func:`output` keeps for a later run.
SPARE_BYTES = 512 << 20
_spare_lock = threading.Lock()
_spare: list[Array] = []   # at most one matrix, with its padding (a :func:`_rows` base)


def _references(held: list[Array]) -> int:
    """References to ``held[0]``: the list's, this frame's and getrefcount's own, plus one per view
    of it (a view refers to its base). How many a free matrix has is measured, not assumed
    (:data:`_FREE`): an interpreter that counts the frame's references otherwise changes it."""
    base = held[0]
    return sys.getrefcount(base)


#: :func:`_references` of a matrix nothing else refers to.
_FREE = _references([np.empty(1)])


def output(n: int) -> Array:
    """A matrix for :func:`fused` to write ``n`` draws' outputs into (one row per output).

    On a virtual machine such as this project's, memory a process frees is handed back to the host
    within seconds, and filling fresh memory again takes about half as long as solving the draws
    (docs/performance.md). So the last matrix (up to :data:`SPARE_BYTES`) is kept, and handed out
    again once nothing refers to it: a result refers to it through its per-draw arrays (views),
    until it is dropped."""
    count = len(layout().rows)
    with _spare_lock:
        if _spare and _references(_spare) == _FREE and _spare[0].shape[1] - PAD >= n:
            return _spare[0][:, :n]
        fresh = np.empty((count, n + PAD))
        if fresh.nbytes <= SPARE_BYTES:
            _spare[:] = [fresh]   # a spare still in use stays with its users
        return fresh[:, :n]


def fused(draws: Draws, levers: Mapping[str, float], concept: str, lam: float,
          prices: bool = True, out: Array | None = None) -> Fused:
    """Solve every draw under ``levers`` and reduce it, in one compiled pass; the outputs go to
    ``out`` (columns of an :func:`output` matrix: a run writes every chunk into one) or a new one."""
    _check_solution(concept, lam)
    lay, tree = layout(), flat_tree()
    if out is None:
        out = output(draws.n)
    if out.shape != (len(lay.rows), draws.n):
        raise ValueError(f"the output matrix is {out.shape}, not {(len(lay.rows), draws.n)}")
    dsums = np.zeros((len(tree.decision_paths), 3), dtype=np.int64)
    csums = np.zeros((len(tree.chance_paths), 2), dtype=np.int64)
    rsums = np.zeros(len(tree.terminals), dtype=np.int64)
    compiled_build().solve_chunk(
        draws.u, draws.kind, draws.spec, draws.given, float(levers["concession"]),
        float(levers["verification"]), float(levers["pressure"]), concept == "qre", float(lam), prices,
        out, dsums, csums, rsums)
    return Fused(dict(zip(lay.rows, out, strict=True)), dsums, csums, rsums)


#: The levers :func:`reach` takes, a value per draw or one for all.
REACH_LEVERS = ("concession", "verification", "pressure")


def reach(draws: Draws, levers: Mapping[str, Array | float], concept: str, lam: float) -> Array:
    """``(terminals, n)``: the probability that each draw's play ends at each terminal (rows in
    :func:`sim.engine.kernel.layout.flat_tree` ``.terminals`` order), every draw solved at its own
    levers (arrays of ``n``, or one value for all) and its game built at its concession as
    :func:`sim.model.game.build_game` builds it: ``solve(build_game(params, levers)).reach``, SPE to
    the bit, QRE to rounding. The timeline's yearly solve (each trajectory's state sets its levers)."""
    _check_solution(concept, lam)
    n = draws.n
    per_draw = [np.empty(n) for _ in REACH_LEVERS]   # writable and contiguous, as the kernel takes them
    for row, k in zip(per_draw, REACH_LEVERS, strict=True):
        row[:] = levers[k]
    out = np.empty((len(flat_tree().terminals), n))
    compiled_build().reach_chunk(draws.u, draws.kind, draws.spec, draws.given, *per_draw,
                                 concept == "qre", float(lam), out)
    return out


#: What :func:`curve` reports at each concession of its grid, per draw.
CURVE_ROWS = ("keep", "distance", "sever", "split", "eu_us", "keep_us")


def curve(draws: Draws, grid: Array, levers: Mapping[str, float], concept: str, lam: float) -> Array:
    """``(len(grid), len(CURVE_ROWS), n)``: every draw solved at each concession of ``grid``."""
    grid = np.asarray(grid, dtype=float)
    return _shared_out(draws, concept, lam, len(grid), lambda build, bounds, out: build.curve_chunk(
        draws.u, draws.kind, draws.spec, draws.given, grid, float(levers["verification"]),
        float(levers["pressure"]), concept == "qre", float(lam), *bounds, out))


def verification_curve(draws: Draws, grid: Array, levers: Mapping[str, float], concept: str,
                       lam: float) -> Array:
    """``(len(grid), len(CURVE_ROWS), n)``: every draw solved at the levers' concession with
    verification at each value of ``grid``. Verification moves the chances of detection, not a payoff
    line, so each point solves the draws afresh (:func:`curve` at one concession), the points in one
    pool of threads. At 100,000 draws here: 0.35 s for 21 points, against 1.8 s for the numpy solver's
    21 whole-game solves (``sim.analysis.negotiation.reference_verification_curve``)."""
    grid = np.asarray(grid, dtype=float)
    concession = np.array([float(levers["concession"])])

    def points(build, bounds: tuple[int, int], out: Array) -> None:
        for g, v in enumerate(grid.tolist()):
            build.curve_chunk(draws.u, draws.kind, draws.spec, draws.given, concession, v,
                              float(levers["pressure"]), concept == "qre", float(lam), *bounds, out[g:g + 1])

    return _shared_out(draws, concept, lam, len(grid), points)


def _shared_out(draws: Draws, concept: str, lam: float, points: int, solve) -> Array:
    """``(points, len(CURVE_ROWS), n)`` filled by ``solve(build, (start, stop), out)`` for shares of
    the draws, one share per thread."""
    _check_solution(concept, lam)
    out = np.empty((points, len(CURVE_ROWS), draws.n))

    def part(bounds: tuple[int, int]) -> None:
        # The build is the solving thread's: the ahead-of-time one holds the GIL, so a pool thread
        # handed it would solve its share one after another with the others.
        solve(compiled_build(), bounds, out)

    # The kernel releases the GIL: the draws are shared out among threads, each writing its columns
    # (one share is solved in the calling thread, as a run's one chunk is).
    workers = thread_count(draws.n // TILE_DRAWS)
    edges = np.linspace(0, draws.n, workers + 1).astype(int)
    shares = list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))
    if workers == 1:
        part(shares[0])
        return out
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(part, shares))
    return out
