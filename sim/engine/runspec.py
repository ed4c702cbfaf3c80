"""What a run is, in one value: the scenario, how many draws, the seed, the sampler, the solution
concept and its lambda, and the threads it may use.

Every route a run takes (the run driver, a constant-memory summary run, dask workers, the app's pool,
the workshop's rounds, a projection over time) starts from a :class:`RunSpec`, so the bundle is
resolved against the scenario's own settings, and checked, in one place. The numbers of a run depend
on ``(scenario, draws, seed, sampler, solution, lam)`` alone; ``threads`` only says how it is spread.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.sampling import Design
from sim.spec.scenario import MAX_DRAWS, MAX_SUMMARY_DRAWS, Scenario


@dataclass(frozen=True)
class RunSpec:
    """A run, resolved: use :meth:`of`, which fills what is left ``None`` from the scenario."""

    scenario: Scenario
    draws: int
    seed: int
    sampler: str
    solution: str
    lam: float
    threads: int | None = None

    @classmethod
    def of(cls, scenario: Scenario, draws: int | None = None, seed: int | None = None,
           sampler: str | None = None, solution: str | None = None, lam: float | None = None, *,
           threads: int | None = None, cap: int = MAX_DRAWS) -> RunSpec:
        """The run of ``scenario`` with these settings, each ``None`` taken from the scenario file;
        ``draws`` checked against ``cap`` (:data:`MAX_DRAWS` for a run that keeps every draw,
        :data:`MAX_SUMMARY_DRAWS` for one that keeps running sums)."""
        draws, seed, sampler = run_settings(scenario, draws, seed, sampler, cap)
        solution, lam = solution_settings(scenario, solution, lam)
        return cls(scenario, draws, seed, sampler, solution, lam, threads)

    def design(self) -> Design:
        """The run's uniforms (:mod:`sim.engine.sampling`)."""
        return Design(self.draws, self.seed, self.sampler)


def run_settings(scenario: Scenario, draws, seed, sampler, cap: int = MAX_DRAWS) -> tuple[int, int, str]:
    """Draws, seed and sampler of a run (the arguments, or else the scenario's), with draws checked
    against ``cap``: :data:`MAX_DRAWS` for a run that keeps every draw."""
    draws = scenario.draws if draws is None else int(draws)
    if not 1 <= draws <= cap:
        hint = (f"; a summary run (sim.run_summary, the command line) takes up to {MAX_SUMMARY_DRAWS:,}"
                if cap == MAX_DRAWS else "")
        raise ValueError(f"draws must be between 1 and {cap:,} (got {draws:,}){hint}")
    return draws, scenario.seed if seed is None else int(seed), sampler or scenario.sampler


def solution_settings(scenario: Scenario, solution: str | None, lam: float | None) -> tuple[str, float]:
    """The solution concept and lambda to use: the arguments, or else the scenario's."""
    return (scenario.concept if solution is None else solution,
            scenario.lam if lam is None else float(lam))
