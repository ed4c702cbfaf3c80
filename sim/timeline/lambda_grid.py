"""How rational does the record say the players are? The QRE precision lambda weighed by the record.

Issue 28 lets lambda be among the calibrated quantities. It is not a sampled parameter (the kernel
solves a chunk at one lambda), so it is weighed on a grid: the record's likelihood is computed on the
same prior draws once per grid value, a uniform prior is put on the grid, and

    P(lambda_g | record) = sum_i L_g(i) / sum_h sum_i L_h(i),

a ratio of Monte Carlo means over the prior draws i. Its Monte Carlo standard error is the delta
method's for a ratio estimator, sqrt(sum_i (L_g(i) - P_g D(i))^2) / sum_i D(i) with D(i) = sum_h
L_h(i) (checked by simulation in tests/timeline/test_lambda_grid.py); each value also gets the log of
its marginal likelihood (the record's log score at that lambda, as ``score`` gives it). The answer is
refused when the draws are too few for it: fewer than :data:`MIN_ESS` effective draws, or a
probability's 95% interval wider than :data:`MAX_HALF_WIDTH` either side. The grid is the user's:
lambda is a precision (0 plays at random, large values approach the subgame-perfect play), so a
grid spaced by factors (0.3, 1, 3, 10, ...) is the natural one. Nothing here changes a run: the
app and ``run`` use the lambda they are given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.driver import sample
from sim.engine.intervals import Z95
from sim.engine.runspec import RunSpec
from sim.spec.scenario import MAX_LAMBDA, Scenario
from sim.timeline.calibration import calibrate_on, kish, log_mean, record_of

Array = NDArray[np.float64]

#: Most values a grid may hold: each is a whole calibration of the draws.
MAX_GRID = 12
#: Most draws times grid values one call solves (about 30 s on 2 cores).
MAX_GRID_WORK = 4_000_000
#: Fewest effective draws (Kish, of each draw's likelihood summed over the grid) an answer rests on:
#: below it the Monte Carlo error is itself too uncertain to state.
MIN_ESS = 200
#: A probability's 95% interval may reach this far either side before the answer is refused.
MAX_HALF_WIDTH = 0.05
#: The grid the command line suggests: factors of about 3 from near-random play to near-SPE play.
SUGGESTED_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def checked_grid(values: list[float], draws: int) -> tuple[float, ...]:
    """The grid sorted, or ``ValueError`` naming what is wrong: fewer than 2 or more than
    :data:`MAX_GRID` values, a value not in (0, MAX_LAMBDA], a repeat, or too much work."""
    if not 2 <= len(values) <= MAX_GRID:
        raise ValueError(f"--lambda-grid: {len(values)} values; give 2 to {MAX_GRID}")
    bad = [v for v in values if not 0 < v <= MAX_LAMBDA]
    if bad:
        raise ValueError(f"--lambda-grid: {bad[0]:g} is outside (0, {MAX_LAMBDA:g}]")
    if len(set(values)) < len(values):
        raise ValueError("--lambda-grid: a value is given twice")
    if draws * len(values) > MAX_GRID_WORK:
        raise ValueError(f"--lambda-grid: {len(values)} values x {draws:,} draws is more than "
                         f"{MAX_GRID_WORK:,} solved draws; use fewer draws or values")
    return tuple(sorted(values))


def grid_probabilities(log_lik: Array) -> tuple[Array, Array]:
    """P(lambda_g | record) under a uniform prior on the grid, from the record's log-likelihood on
    the same prior draws at each grid value (``(grid, draws)``), and each probability's Monte Carlo
    standard error (delta method for a ratio of means)."""
    return _probabilities(np.exp(log_lik - np.max(log_lik)))


def _probabilities(x: Array) -> tuple[Array, Array]:
    """:func:`grid_probabilities` from the likelihoods themselves (each scaled alike)."""
    per_draw = x.sum(axis=0)
    total = float(per_draw.sum())
    p = x.sum(axis=1) / total
    se = np.sqrt(((x - p[:, None] * per_draw) ** 2).sum(axis=1)) / total
    return p, se


@dataclass(frozen=True)
class LambdaGrid:
    """The record weighed at each lambda of ``grid`` on the prior draws of ``run`` (its lambda unused)."""

    run: RunSpec
    grid: tuple[float, ...]
    log_lik: Array   # (grid, draws): the record's log-likelihood, summed over its years

    def report(self) -> dict:
        """Each grid value's probability with its 95% interval and Monte Carlo error, and its log
        marginal likelihood; ``ValueError`` when an interval is wider than :data:`MAX_HALF_WIDTH`."""
        likelihoods = np.exp(self.log_lik - np.max(self.log_lik))
        p, se = _probabilities(likelihoods)
        ess = kish(likelihoods.sum(axis=0))
        if ess < MIN_ESS:
            raise ValueError(
                f"{self.run.draws:,} prior draws are too few to weigh lambda on this record: their "
                f"effective number under it is {ess:,.0f} (at least {MIN_ESS}); use more --draws")
        widest = int(np.argmax(se))
        if Z95 * se[widest] > MAX_HALF_WIDTH:
            raise ValueError(
                f"{self.run.draws:,} prior draws are too few to weigh lambda on this record: "
                f"P(lambda = {self.grid[widest]:g}) is {p[widest]:.2f} with a 95% Monte Carlo interval of "
                f"±{Z95 * se[widest]:.2f} (at most ±{MAX_HALF_WIDTH}); use more --draws")
        rows = []
        for g, lam in enumerate(self.grid):
            value, error = log_mean(self.log_lik[g])
            half = Z95 * float(se[g])
            rows.append({"lambda": lam, "probability": float(p[g]), "se": float(se[g]),
                         "interval": [max(0.0, float(p[g]) - half), min(1.0, float(p[g]) + half)],
                         "log_marginal_likelihood": {"value": value, "se": error}})
        return {"scenario": self.run.scenario.name, "draws": self.run.draws, "seed": self.run.seed,
                "effective_draws": ess, "solution": "qre", "prior": "uniform on the grid",
                "grid": list(self.grid), "most_probable": self.grid[int(np.argmax(p))], "lambdas": rows}


def weigh_lambda(scenario: Scenario, grid: list[float], draws: int | None = None, seed: int | None = None,
                 *, threads: int = 1, workers: int = 0) -> LambdaGrid:
    """The scenario's record weighed at each lambda of ``grid`` (QRE), on one set of prior draws."""
    _, record = record_of(scenario)
    values = checked_grid(list(grid), scenario.draws if draws is None else draws)   # before any draw
    drawn = sample(scenario, draws, seed)
    log_lik = np.array([calibrate_on(scenario, record, drawn.params, drawn.draws, "qre", lam,
                                     threads=threads, workers=workers).sum(axis=0) for lam in values])
    run = RunSpec(scenario, drawn.draws, drawn.seed, drawn.sampler, "qre", values[0])
    return LambdaGrid(run, values, log_lik)
