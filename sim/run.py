"""Monte Carlo over a scenario: sample -> build the game -> solve -> summarise.

``run`` processes the draws in chunks (to bound memory) but the numbers depend only on the seed,
the number of draws and the sampler: see :mod:`sim.sampling`.
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

from sim import kernel
from sim.intervals import Interval, probability_interval
from sim.model import (
    AL_QAEDA,
    MOVES,
    PLAYERS,
    TALIBAN,
    Game,
    concession_line,
    funding_dependence,
    material_net,
    taliban_terms,
)
from sim.parameters import NAMES
from sim.price import reservation_prices
from sim.sampling import BLOCK, Design, draw_parameters, replicate_bounds, uncertain_names
from sim.scenario import MAX_DRAWS, MAX_SUMMARY_DRAWS, Scenario
from sim.solve import Solution, node_at, reach_below, solve, terminal_mass

Array = NDArray[np.float64]
AQ_RESPONSES = kernel.AQ_RESPONSES
#: The outcomes a probability can be asked of (analyses' ``output``): the three moves, their "Distance
#: or Sever" sum (never called a break), the hardliners' split, and al-Qaeda's attack abroad.
OUTPUTS = ("sever", "distance", "distance_or_sever", "keep", "split", "external_op")
QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}
#: The probabilities whose 95% intervals a run's summary reports.
INTERVAL_OUTCOMES = ("keep", "distance", "sever", "split", "deal")
#: ``ALLIANCE_SIM_KERNEL=reference`` runs the numpy reference instead of the compiled kernel (the
#: mutation check uses it: it mutates sim/model.py, which the reference reads and the kernel mirrors;
#: tests/test_kernel.py holds the two equal).
REFERENCE = os.environ.get("ALLIANCE_SIM_KERNEL") == "reference"
MAX_THREADS = kernel.MAX_THREADS


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo mean and its standard error."""

    mean: float
    stderr: float

    @classmethod
    def of(cls, x: Array) -> Estimate:
        """Mean and Monte Carlo standard error of per-draw values (no error with one draw)."""
        se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")
        return cls(float(x.mean()), se)


class Readings:
    """What a run's summary reads, given ``estimate(name)``, ``price_quantiles(move)`` and
    ``price_exists(move)``: shared by :class:`Result` (per-draw arrays) and
    :class:`sim.tally.Tally` (accumulators)."""

    @property
    def outcomes(self) -> dict[str, Estimate]:
        return {m: self.estimate(m) for m in MOVES}

    @property
    def aq_responses(self) -> dict[str, Estimate]:
        return {r: self.estimate(f"aq_{r}") for r in AQ_RESPONSES}

    @property
    def expected_utility(self) -> dict[str, Estimate]:
        return {pl: self.estimate(f"eu_{pl}") for pl in PLAYERS}

    def _price_summary(self, move: str) -> dict[str, float | None]:
        return {**self.price_quantiles(move), "share_with_price": self.price_exists(move).mean}


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

    # -- summary --------------------------------------------------------------------------------
    def estimate(self, name: str) -> Estimate:
        return Estimate.of(self.per_draw[name])

    def interval(self, name: str) -> Interval:
        """The 95% interval of a probability, by the method that suits the sampler."""
        return probability_interval(self.per_draw[name], replicate_bounds(self.draws, self.sampler))

    def price_quantiles(self, move: str = "sever") -> dict[str, float | None]:
        """Quantiles of the price of ``move`` (``sever``, ``distance`` or ``distance_or_sever``);
        ``None`` where the quantile lies above 1 (no price)."""
        x = self.per_draw[f"price_{move}"]
        q = np.quantile(x, list(QUANTILES.values()), method="inverted_cdf")
        return {k: (float(v) if np.isfinite(v) else None) for k, v in zip(QUANTILES, q, strict=True)}

    def price_exists(self, move: str = "sever") -> Estimate:
        """The share of draws in which some concession up to 1 buys that move."""
        return Estimate.of(np.isfinite(self.per_draw[f"price_{move}"]).astype(float))

    @cached_property
    def parameters(self) -> dict[str, Array]:
        """The sampled values of the uncertain parameters, regenerated from (seed, draws, sampler)."""
        design = Design(self.draws, self.seed, self.sampler)
        drawn = draw_parameters(self.scenario, design.uniforms(0, self.draws))
        return {n: np.asarray(drawn[n]) for n in uncertain_names(self.scenario)}

    def summary(self) -> dict[str, Any]:
        """Plain data for JSON, text and the app: the summary of a :class:`sim.tally.Tally` of the same
        draws (so the means are the same to the bit), with the exact price quantiles."""
        from sim.tally import settings_of, tally_of_arrays

        settings = settings_of(self.scenario, self.draws, self.seed, self.solution, self.lam, self.sampler)
        out = tally_of_arrays(settings, self.per_draw, self.draws, BLOCK).summary()
        del out["quantile_resolution"]
        prices = {"sever_price": "sever", "pledge_price": "distance", "reservation_price": "sever"}
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
    draws, seed, sampler = run_settings(scenario, draws, seed, sampler)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    design = Design(draws, seed, sampler)
    concept, lam = solution_settings(scenario, solution, lam)

    # Every chunk writes its outputs into its columns of one matrix, which the result then reads:
    # nothing is concatenated (the reference path, which does not write there, is concatenated).
    matrix = None if REFERENCE else kernel.output(draws)

    def chunk(bounds: tuple[int, int]) -> Chunk:
        a, b = bounds
        columns = None if matrix is None else matrix[:, a:b]
        return evaluate_block(scenario, design, a, b, concept, lam, columns)

    bounds = [(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)]
    workers = kernel.thread_count(len(bounds), threads)
    parts: list[Chunk] = []
    # One thread's work (one chunk, or threads=1) is solved in the calling thread: no thread to
    # start, and in the main thread the kernel's ahead-of-time build serves it without importing
    # numba (sim.aot).
    with ThreadPoolExecutor(max_workers=workers) as pool:
        solved = map(chunk, bounds) if workers == 1 else pool.map(chunk, bounds)
        for (_, b), part in zip(bounds, solved, strict=True):
            parts.append(part)
            if progress:
                progress(b, draws)
    whole = None if matrix is None else kernel_rows(dict(zip(kernel.layout().rows, matrix, strict=True)))
    return assemble(scenario, draws, seed, sampler, concept, lam, parts, whole)


def evaluate_block(scenario: Scenario, design: Design, start: int, stop: int, concept: str,
                   lam: float, out: Array | None = None) -> Chunk:
    """Rows ``start:stop`` of a run, from their uniforms to their outcomes: the unit of work that
    threads, processes and dask workers share. The kernel writes the per-draw outputs into ``out``
    (columns of a :func:`sim.kernel.output` matrix) if given."""
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
    return _collect(sc, n, drawn.seed, drawn.sampler, chunks, sc.levers, solution, lam, None, price_chunks)


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


def run_settings(scenario: Scenario, draws, seed, sampler, cap: int = MAX_DRAWS) -> tuple[int, int, str]:
    """Draws, seed and sampler of a run (the arguments, or else the scenario's), with draws checked
    against ``cap``: :data:`MAX_DRAWS` for a run that keeps every draw."""
    draws = scenario.draws if draws is None else int(draws)
    if not 1 <= draws <= cap:
        hint = (f"; a summary run (sim.run_summary, the command line) takes up to {MAX_SUMMARY_DRAWS:,}"
                if cap == MAX_DRAWS else "")
        raise ValueError(f"draws must be between 1 and {cap:,} (got {draws:,}){hint}")
    return draws, scenario.seed if seed is None else int(seed), sampler or scenario.sampler


def _slice(params: dict[str, Array | float], a: int, b: int) -> dict[str, Array | float]:
    return {k: (v[a:b] if isinstance(v, np.ndarray) else v) for k, v in params.items()}


def _collect(scenario, draws, seed, sampler, param_chunks, levers, solution, lam, progress,
             price_chunks=None) -> Result:
    concept, lam = solution_settings(scenario, solution, lam)
    parts: list[Chunk] = []
    done = 0
    for params, n in param_chunks:
        known = None if price_chunks is None else next(price_chunks)
        parts.append(evaluate(params, levers, concept, lam, n, known))
        done += n
        if progress:
            progress(done, draws)
    return assemble(scenario, draws, seed, sampler, concept, lam, parts)


def solution_settings(scenario: Scenario, solution: str | None, lam: float | None) -> tuple[str, float]:
    """The solution concept and lambda to use: the arguments, or else the scenario's."""
    return (scenario.concept if solution is None else solution,
            scenario.lam if lam is None else float(lam))


def assemble(scenario, draws, seed, sampler, concept, lam, parts: list[Chunk],
             per_draw: dict[str, Array] | None = None) -> Result:
    """Join per-chunk outputs, in draw order, into one :class:`Result` (``per_draw``: the chunks'
    outputs already joined)."""
    if per_draw is None:
        per_draw = {k: np.concatenate([p.per_draw[k] for p in parts]) for k in parts[0].per_draw}
    # Python integers: the fixed-point sums add up exactly, in any grouping.
    sums = {k: [sum(int(x) for x in col) for col in zip(*(p.sums[k] for p in parts), strict=True)]
            for k in parts[0].sums}
    mean = [_from_fixed(total, draws) for total in sums.pop("reach")]
    reach = dict(zip(parts[0].reach_keys, mean, strict=True))
    behaviour = {path: tuple(_from_fixed(t, draws) for t in totals) for path, totals in sums.items()}
    return Result(scenario, draws, seed, concept, lam, sampler, per_draw, behaviour, reach)


@dataclass(frozen=True)
class Chunk:
    """What one chunk of draws contributes: per-draw arrays and sums to average over the run."""

    per_draw: dict[str, Array]
    #: Fixed-point sums (see :func:`node_sums`) by node path, and ``"reach"`` by terminal.
    sums: dict[str, Array]
    reach_keys: tuple[str, ...]


def evaluate(params, levers, concept: str, lam: float, n: int,
             prices: Mapping[str, Array] | None = None) -> Chunk:
    """Solve one chunk of draws and reduce it to per-draw outcome arrays and node sums.

    The payoffs come from :mod:`sim.model`; solving, reach, sums and prices run in the compiled
    kernel of :mod:`sim.kernel`. :func:`evaluate_reference` is the same computation in numpy.
    """
    if REFERENCE:
        return evaluate_reference(params, levers, concept, lam, n, prices)
    return _from_kernel(kernel.fused(kernel.parameter_rows(params, n), levers, concept, lam, prices is None),
                        n, prices)


def evaluate_matrix(rows: Array, levers, concept: str, lam: float,
                    prices: Mapping[str, Array] | None = None) -> Chunk:
    """:func:`evaluate` on a parameter matrix (``sim.kernel.sampled_rows``: one row per catalogue
    parameter, a column per draw), which the kernel reads where it is."""
    n = rows.shape[1]
    if REFERENCE:
        return evaluate_reference(dict(zip(NAMES, rows, strict=True)), levers, concept, lam, n, prices)
    fused = kernel.fused(kernel.given_rows(rows), levers, concept, lam, prices is None)
    return _from_kernel(fused, n, prices)


#: Per-draw outputs that are another output under a second name.
ALIASES = {"external_op": "aq_attack", "aq_value_keep": "keep_al_qaeda",
           "aq_value_distance": "distance_al_qaeda"}


def per_draw_names() -> tuple[str, ...]:
    """The per-draw outputs of a chunk, in the order :func:`evaluate_reference` gives them."""
    return (*MOVES, "distance_or_sever", "split", "split_if_sever", "detected", "deal",
            *(f"aq_{a}" for a in AQ_RESPONSES), "external_op", *(f"external_op_if_{m}" for m in MOVES),
            "retaliation", *(f"eu_{pl}" for pl in PLAYERS), "net_alliance_value", "aq_net_gain",
            "taliban_sever_loss", "aq_value_keep", "aq_value_distance", "price_sever", "price_distance",
            "price_distance_or_sever", "material_net", "funding_dependence")


def kernel_rows(rows: Mapping[str, Array]) -> dict[str, Array]:
    """The per-draw outputs, by name, from the kernel's rows (views: nothing is copied)."""
    return {name: rows[ALIASES.get(name, name)] for name in per_draw_names()}


def _from_kernel(fused: kernel.Fused, n: int, prices: Mapping[str, Array] | None = None) -> Chunk:
    """A :class:`Chunk` from the kernel's rows (``prices`` given, or else the kernel's)."""
    out = kernel_rows(fused.rows)
    if prices is not None:
        out.update(prices)
    return Chunk(out, _kernel_sums(fused), kernel.flat_tree().terminals)


def _kernel_sums(fused: kernel.Fused) -> dict[str, Array]:
    """The kernel's node sums keyed as :func:`node_sums` keys them."""
    tree = kernel.flat_tree()
    sums = {path: fused.decision_sums[d, :len(node_at(path).actions)]
            for d, path in enumerate(tree.decision_paths)}
    sums.update({path: fused.chance_sums[c] for c, path in enumerate(tree.chance_paths)})
    sums["reach"] = fused.reach_sums
    return sums


def _derived_values(keep_t, distance_t, sever_t, keep_aq, distance_aq, sever_aq) -> dict[str, Array]:
    """What each move is worth against the others, from the values at the move nodes."""
    return {
        "net_alliance_value": keep_t - np.maximum(distance_t, sever_t),
        # What a Sever costs each side against Keep (fact 3): al-Qaeda's loss, the Taliban's loss.
        "aq_net_gain": keep_aq - sever_aq,
        "taliban_sever_loss": keep_t - sever_t,
        # What a pledge leaves al-Qaeda of its Keep value (fact 1: it hardly falls).
        "aq_value_keep": keep_aq,
        "aq_value_distance": distance_aq,
    }


def evaluate_reference(params, levers, concept: str, lam: float, n: int,
                       prices: Mapping[str, Array] | None = None) -> Chunk:
    """:func:`evaluate` in numpy (:mod:`sim.solve`, :mod:`sim.price`): the reference in tests."""
    line = concession_line(params, levers)
    game = line.at(levers["concession"])
    sol = solve(game, concept, lam)
    out = outcome_arrays(sol, game, params)
    if prices is None:
        prices = {f"price_{k}": v for k, v in reservation_prices(line, concept, lam, sol).items()}
    out.update(prices)
    terms = taliban_terms(params, levers)
    out["material_net"] = material_net(terms)
    out["funding_dependence"] = funding_dependence(params)
    per_draw = {k: per_draw_array(v, n) for k, v in out.items()}
    return Chunk(per_draw, node_sums(sol, n), tuple(sol.reach))


def per_draw_array(values: Array | float, n: int) -> Array:
    """``values`` as an ``(n,)`` float array (a fixed parameter's scalar is repeated)."""
    values = np.asarray(values, dtype=float)
    return values if values.shape == (n,) else np.full(n, values)


#: Probabilities are summed as integers in units of 2**-32: each draw's rounding is its own, so the
#: sums, unlike float sums, do not depend on how the draws are chunked (resolution ~2e-10).
FIXED_POINT = 2**32


def node_sums(sol: Solution, n: int) -> dict[str, Array]:
    """Fixed-point sums over the draws of the branch probabilities at every node and of the reach
    of every terminal (``"reach"``, in ``sol.reach`` order)."""
    sums = {path: _fixed_sum(p, n) for path, p in sol.probs.items()}
    sums.update({path: _fixed_sum(np.stack([q, 1 - q]), n) for path, q in sol.chance.items()})
    sums["reach"] = _fixed_sum(np.stack(list(sol.reach.values())), n)
    return sums


def _fixed_sum(p: Array, n: int) -> Array:
    """Row sums over ``n`` draws of ``(k, n)`` probabilities (or ``(k, 1)`` for a game with every
    parameter fixed) in exact fixed point; int64 holds 2**31 draws a chunk."""
    return np.rint(np.broadcast_to(p, (p.shape[0], n)) * FIXED_POINT).astype(np.int64).sum(axis=1)


def _from_fixed(total: int, draws: int) -> float:
    return total / (FIXED_POINT * draws)


def outcome_arrays(sol: Solution, game: Game, params: Mapping[str, Array | float]) -> dict[str, Array]:
    """Outcome probabilities, al-Qaeda's responses, expected utilities and derived values per draw."""
    root = sol.probs[""]
    out = {m: root[i] for i, m in enumerate(MOVES)}
    out["distance_or_sever"] = out["distance"] + out["sever"]
    out["split"] = terminal_mass(sol, segment="split")
    out["split_if_sever"] = sol.probs["sever"][1]
    out["detected"] = terminal_mass(sol, "distance", "detected")
    out["deal"] = terminal_mass(sol, "sever") + terminal_mass(sol, "distance", "undetected")
    out.update({f"aq_{r}": terminal_mass(sol, segment=r) for r in AQ_RESPONSES})
    out["external_op"] = out["aq_attack"]
    for m in MOVES:   # al-Qaeda's attack abroad after each move, whether or not the move is played
        below = reach_below(sol, game, m)
        out[f"external_op_if_{m}"] = sum(r for k, r in below.items() if k.endswith("attack"))
    # An attack falls on the Taliban where it is traced to Afghan soil: always while al-Qaeda is
    # hosted (Keep, Distance), from underground after a Sever with probability sever_trace.
    from_underground = sum(r for k, r in sol.reach.items()
                           if k.startswith("sever") and "underground/attack" in k)
    out["retaliation"] = (terminal_mass(sol, "keep", "attack") + terminal_mass(sol, "distance", "attack")
                          + params["sever_trace"] * from_underground)
    out.update({f"eu_{pl}": sol.values[""][i] for i, pl in enumerate(PLAYERS)})
    v = sol.values
    out.update(_derived_values(v["keep"][TALIBAN], v["distance"][TALIBAN], v["sever"][TALIBAN],
                               v["keep"][AL_QAEDA], v["distance"][AL_QAEDA], v["sever"][AL_QAEDA]))
    return out
