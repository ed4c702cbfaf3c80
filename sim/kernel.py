"""The hot path, fused: one compiled pass per draw from the game's payoff lines to its outputs.

:func:`sim.run.evaluate` hands this module a chunk's :class:`~sim.model.ConcessionLine` (the payoffs,
built by :mod:`sim.model` with numpy: the model's one source of truth) and gets back every per-draw
output and node sum a run reports. Per draw, in one compiled loop (numba, ``nogil``: chunks solve
in parallel on threads) and without a temporary array per operation:

* the game at the lever's concession (the line's value there, the chip where it is due);
* the solution (SPE or logit QRE) by backward induction over :data:`sim.model.TREE`, flattened
  here once into index arrays, so the tree itself is still defined in one place;
* the reach of every terminal, the branch sums in fixed point, the outcome groups;
* the prices (:mod:`sim.price` is the reference): SPE closed-form on the concession line; QRE a scan
  for the first crossing, then a safeguarded Illinois step on the value gap instead of bisection.
  Neither re-solves a tree: below the faction the values are affine in the concession, and Keep's
  value is one line, independent of the search.

The numpy implementation in :mod:`sim.solve` and :mod:`sim.price` stays as the reference:
``tests/test_kernel.py`` checks the two agree (SPE bit for bit; QRE to rounding, within 1e-12, as
numpy's exp is not the C library's on AVX-512 machines, and its prices within 1e-9).
The compiled code is cached on disk next to this module (``cache=True``): only the first run on a
machine pays the compilation. An ahead-of-time build of the same functions (:mod:`sim.aot`) serves
the main thread without importing numba, which is what a short run's start-up is mostly made of.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model import MOVES, TREE, Chance, Leaf
from sim.parameters import NAMES
from sim.sampling import Design, ppf, uncertain_columns
from sim.scenario import Scenario
from sim.scratch import scratch

Array = NDArray[np.float64]
LEAF, CHANCE, DECISION = 0, 1, 2
AQ_RESPONSES = ("restrain", "attack", "lie_low", "active", "relocate", "underground")
#: The chance probabilities, in the order the kernel computes them.
CHANCES = ("detect_lie_low", "detect_active")
#: Elements of padding per row of the kernel's arrays (see :func:`_rows`).
PAD = 24
#: Most threads a run or a curve uses (each holds a chunk of draws in memory), and the fewest draws
#: of a curve worth a thread.
MAX_THREADS = 4
TILE_DRAWS = 4096


# ----------------------------------------------------------------------------- the tree, flattened


@dataclass(frozen=True)
class FlatTree:
    """:data:`TREE` as arrays, nodes numbered in post-order (children before their parent)."""

    kind: NDArray[np.int64]
    player: NDArray[np.int64]
    children: NDArray[np.int64]      # (nodes, 3), -1 where a node has fewer children
    leaf: NDArray[np.int64]          # terminal index of a leaf, else -1
    chance: NDArray[np.int64]        # index of a chance node's probability in CHANCES, else -1
    chance_node: NDArray[np.int64]   # index among chance nodes, else -1
    decision: NDArray[np.int64]      # index among decision nodes, else -1
    first: NDArray[np.int64]         # first node of each node's subtree (a contiguous range)
    terminals: tuple[str, ...]       # terminal keys, left to right (``Solution.reach`` order)
    decision_paths: tuple[str, ...]  # in post-order (``Solution.probs`` order)
    chance_paths: tuple[str, ...]    # left to right (``Solution.chance`` order)
    chance_names: tuple[str, ...]    # the game's chance probability of each chance node
    node_of: dict[str, int]          # decision-node path -> node

    @property
    def root(self) -> int:
        return len(self.kind) - 1


def _join(path: str, step: str) -> str:
    return f"{path}/{step}" if path else step


@cache
def flat_tree() -> FlatTree:
    rows: list[dict[str, Any]] = []
    terminals: list[str] = []
    decision_paths: list[str] = []
    chance_paths: list[str] = []
    chance_names: list[str] = []

    def visit(node, path: str) -> int:
        start = len(rows)
        if isinstance(node, Leaf):
            terminals.append(node.key)
            kids, row = [], {"kind": LEAF, "leaf": len(terminals) - 1}
        elif isinstance(node, Chance):
            chance_paths.append(path)
            chance_names.append(node.prob)
            row = {"kind": CHANCE, "chance": CHANCES.index(node.prob), "chance_node": len(chance_paths) - 1}
            kids = [visit(child, _join(path, name)) for name, child in node.outcomes.items()]
        else:
            kids = [visit(child, _join(path, name)) for name, child in node.actions.items()]
            decision_paths.append(path)
            row = {"kind": DECISION, "player": node.player, "decision": len(decision_paths) - 1,
                   "path": path}
        rows.append({"children": kids, "first": start, **row})
        return len(rows) - 1

    visit(TREE, "")
    n = len(rows)

    def column(name: str) -> NDArray[np.int64]:
        return np.array([r.get(name, -1) for r in rows], dtype=np.int64)

    children = np.full((n, 3), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        children[i, :len(r["children"])] = r["children"]
    return FlatTree(column("kind"), column("player"), children, column("leaf"), column("chance"),
                    column("chance_node"), column("decision"), column("first"), tuple(terminals),
                    tuple(decision_paths),
                    tuple(chance_paths), tuple(chance_names),
                    {r["path"]: i for i, r in enumerate(rows) if r["kind"] == DECISION})


def matching(terminals: tuple[str, ...], prefix: str = "", segment: str | None = None) -> list[int]:
    """Terminals under ``prefix`` that pass an action named ``segment`` (as
    :func:`sim.solve.terminal_mass` selects them), in reach order."""
    return [i for i, key in enumerate(terminals)
            if key.startswith(prefix) and (segment is None or segment in key.split("/"))]


# ----------------------------------------------------------------------------- what a chunk reports

#: Sums of terminal reach, each a list of terminals added in reach order.
def _groups(tree: FlatTree) -> dict[str, list[int]]:
    t = tree.terminals
    groups = {
        "split": matching(t, segment="split"),
        "detected": matching(t, "distance", "detected"),
        "deal_sever": matching(t, "sever"),
        "deal_pledge": matching(t, "distance", "undetected"),
        **{f"aq_{r}": matching(t, segment=r) for r in AQ_RESPONSES},
        "keep_attack": matching(t, "keep", "attack"),
        "distance_attack": matching(t, "distance", "attack"),
        "underground_attack": [i for i, k in enumerate(t)
                               if k.startswith("sever") and "underground/attack" in k],
    }
    return groups


#: Groups the kernel sums only to derive other outputs (deal, retaliation): not kept per draw.
INTERNAL_GROUPS = ("deal_sever", "deal_pledge", "keep_attack", "distance_attack", "underground_attack")
#: Rows of the kernel's output matrix besides the groups.
VALUE_ROWS = ("eu_taliban", "eu_faction", "eu_al_qaeda", "eu_us", "keep_taliban", "keep_al_qaeda",
              "distance_taliban", "distance_al_qaeda", "sever_taliban", "sever_al_qaeda", "retaliation",
              "material_net", "funding_dependence")
#: Rows the kernel derives from the others (:func:`sim.run._derived_values` has their meaning).
DERIVED_ROWS = ("distance_or_sever", "deal", "net_alliance_value", "aq_net_gain", "taliban_sever_loss")
PRICE_ROWS = ("price_sever", "price_distance", "price_distance_or_sever")


@dataclass(frozen=True)
class Layout:
    """Index arrays the compiled kernel reads, and the names of its output rows."""

    tree: FlatTree
    group_names: tuple[str, ...]       # the groups a run reports (rows of the output)
    group_members: NDArray[np.int64]   # (groups, terminals), -1 padded: reported, then INTERNAL_GROUPS
    attack_leaf: NDArray[np.bool_]     # terminals after an attack abroad
    move_nodes: NDArray[np.int64]      # the nodes of keep, distance, sever
    line_nodes: NDArray[np.int64]      # keep, distance/stay, distance/split, sever/stay, sever/split
    sever_node: int
    rows: tuple[str, ...]


@cache
def layout() -> Layout:
    tree = flat_tree()
    groups = _groups(tree)
    names = tuple(g for g in groups if g not in INTERNAL_GROUPS)
    members = np.full((len(groups), len(tree.terminals)), -1, dtype=np.int64)
    for g, name in enumerate((*names, *INTERNAL_GROUPS)):
        members[g, :len(groups[name])] = groups[name]
    rows = (*MOVES, "split_if_sever", *names, *(f"external_op_if_{m}" for m in MOVES), *VALUE_ROWS,
            *DERIVED_ROWS, *PRICE_ROWS)
    node = tree.node_of
    return Layout(tree, names, members,
                  np.array([k.endswith("attack") for k in tree.terminals]),
                  np.array([node[m] for m in MOVES], dtype=np.int64),
                  np.array([node[p] for p in ("keep", "distance/stay", "distance/split", "sever/stay",
                                              "sever/split")], dtype=np.int64),
                  node["sever"], rows)


# ----------------------------------------------------------------------------- the entry point


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
    (:func:`sim.scratch.scratch`: an ended thread's matrix goes to the next thread).

    A summary run solves chunk after chunk, and each chunk's outputs are read and dropped before the
    next one is drawn. On this kind of machine the first write to fresh memory costs about 2.6 ms a
    MB (a page fault per 4 KiB), some 50 ms for a block's outputs, half what the kernel spends
    solving them; so the chunk's matrices are kept instead, one per tag and thread. The caller must
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
    :meth:`sim.sampling.Design.uniforms` gives them): the same numbers as
    :func:`sim.sampling.draw_parameters`, the uniform and triangular inverse CDFs compiled and the
    others (PERT, beta, normal, lognormal) left to :func:`sim.sampling.ppf`."""
    compiled = _compiled()
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
            # The constants of sim.sampling._uniform and _triangular, computed as they compute them.
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
    _compiled().fill_parameters(draws.u, draws.kind, draws.spec, draws.given, out)
    return out


def given_rows(rows: Array) -> Draws:
    """The kernel's draws from a whole parameter matrix (:func:`sampled_rows`, or one that
    :func:`parameter_rows` has filled from a mapping), every row given and nothing copied."""
    if rows.ndim != 2 or rows.shape[0] != len(NAMES):
        raise ValueError(f"a parameter matrix has {len(NAMES)} rows, not {rows.shape}")
    compiled = _compiled()
    return Draws(_NO_UNIFORMS, np.full(len(NAMES), compiled.GIVEN, dtype=np.int64), np.zeros((len(NAMES), 5)),
                 rows)


#: The uniforms of draws whose every parameter is given: none is read.
_NO_UNIFORMS = np.empty((len(NAMES), 0))


def parameters_of(scenario: Scenario, rows: Array) -> dict[str, Array | float]:
    """:func:`sim.sampling.draw_parameters`'s mapping for a parameter matrix: a row (a view) for an
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
    within seconds, and the first write to fresh memory then costs about 2.3 ms a MB: at 10^6 draws
    the 288 MB matrix took about 0.6 s to fill, half as long as solving the draws. So the last
    matrix (up to :data:`SPARE_BYTES`) is kept, and handed out again once nothing refers to it: a
    result refers to it through its per-draw arrays (views), until it is dropped."""
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
    _compiled().solve_chunk(
        draws.u, draws.kind, draws.spec, draws.given, float(levers["concession"]),
        float(levers["verification"]), float(levers["pressure"]), concept == "qre", float(lam), prices,
        out, dsums, csums, rsums)
    return Fused(dict(zip(lay.rows, out, strict=True)), dsums, csums, rsums)


#: What :func:`curve` reports at each concession of its grid, per draw.
CURVE_ROWS = ("keep", "distance", "sever", "split", "eu_us", "keep_us")


def curve(draws: Draws, grid: Array, levers: Mapping[str, float], concept: str, lam: float) -> Array:
    """``(len(grid), len(CURVE_ROWS), n)``: every draw solved at each concession of ``grid``."""
    _check_solution(concept, lam)
    out = np.empty((len(grid), len(CURVE_ROWS), draws.n))
    grid = np.asarray(grid, dtype=float)

    def part(bounds: tuple[int, int]) -> None:
        # The build is the solving thread's: the ahead-of-time one holds the GIL, so a pool thread
        # handed it would solve its share one after another with the others.
        _compiled().curve_chunk(draws.u, draws.kind, draws.spec, draws.given, grid,
                                float(levers["verification"]), float(levers["pressure"]), concept == "qre",
                                float(lam), *bounds, out)

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


_sole = threading.local()


@contextmanager
def sole_solver() -> Iterator[None]:
    """Within this block the calling thread is its process's only solving thread (the task thread
    of a single-threaded dask worker), so it may take the ahead-of-time build as the main thread
    does: holding the GIL for a chunk (a block of 65,536 draws: about a tenth of a second with SPE,
    a quarter with QRE, here) keeps no other solver waiting, only the worker's event loop for that
    long, and the process does not spend a couple of seconds importing numba and loading its cache."""
    before = getattr(_sole, "on", False)
    _sole.on = True
    try:
        yield
    finally:
        _sole.on = before


def _compiled():
    """The compiled kernel for the calling thread: the ahead-of-time build (:mod:`sim.aot`) in the
    main thread (or a :func:`sole_solver`) if one is installed for this source, else the JIT build.
    The ahead-of-time build holds the GIL while it runs, so other threads, which may run beside
    others, get the JIT one."""
    if threading.current_thread() is threading.main_thread() or getattr(_sole, "on", False):
        ahead = _ahead_of_time()
        if ahead is not None:
            return ahead
    return _jit()


@cache
def _ahead_of_time():
    from sim import aot

    built = aot.load()
    return None if built is None else checked(built)


@cache
def _jit():
    """The JIT module (numba is imported, and the cached machine code loaded, on first use)."""
    from sim import _kernel_numba

    return checked(_kernel_numba)


def checked(compiled):
    """``compiled`` (a build of :mod:`sim._kernel_numba`), checked against the tree and the catalogue
    it was written for."""
    tree, lay = flat_tree(), layout()
    if (compiled.ORDER != NAMES or tree.terminals != compiled.TERMINALS
            or len(lay.group_names) != compiled.N_GROUPS or len(tree.decision_paths) != compiled.N_DECISIONS
            or lay.rows[4 + compiled.N_GROUPS + 3:] != (*VALUE_ROWS, *DERIVED_ROWS, *PRICE_ROWS)
            or compiled.INTERNAL_GROUPS != INTERNAL_GROUPS
            or tree.terminals.index(next(t for t in tree.terminals if t.startswith("sever/")))
            != compiled.FIRST_SEVER
            or not set(tree.chance_names) <= set(CHANCES)):
        raise RuntimeError("sim/_kernel_numba.py no longer matches the model's catalogue or tree")
    return compiled


def warm() -> None:
    """Compile (or load from the cache) every specialisation a run, a sample, a tally and a curve
    use: an install step, so that no test or first visitor pays the compilation inside a timeout.
    It runs in a thread of its own, since the main thread would use an ahead-of-time build."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_warm_jit).result()


def _warm_jit() -> None:
    from sim.run import evaluate, evaluate_block
    from sim.sampling import BLOCK, draw_parameters
    from sim.scenario import load_scenario
    from sim.tally import Tally, settings_of

    scenario = load_scenario("baseline-2018")
    design = Design(BLOCK + 64, 1)
    for concept in ("spe", "qre"):
        evaluate_block(scenario, design, 0, 64, concept, 10.0)              # inside a block
        chunk = evaluate_block(scenario, design, BLOCK - 32, BLOCK + 32, concept, 10.0)   # across two
        Tally.of_chunk(settings_of(scenario, BLOCK + 64, 1, concept, 10.0, "random"), chunk, BLOCK - 32,
                       BLOCK + 32, BLOCK + 64)
        params = draw_parameters(scenario, design.uniforms(0, 64))
        evaluate(params, scenario.levers, concept, 10.0, 64)
        curve(parameter_rows(params, 64), np.linspace(0, 1, 3), scenario.levers, concept, 10.0)
    sampled_rows(scenario, design.uniforms(0, 64))
