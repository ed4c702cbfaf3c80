"""alliance-sim: a cost-benefit bargaining model of the Taliban / al-Qaeda alliance.

The flow is one way: scenario file -> validated :class:`Scenario` -> sampled parameters -> solved
games -> :class:`Result` summaries. ``load_scenario`` and ``run`` are the public entry points.
"""

from sim.engine.driver import Result, Sample, run, run_sample, sample
from sim.engine.summary_runs import run_summary, run_to_precision
from sim.spec.scenario import Scenario, ScenarioError, load_scenario, preset_names

__all__ = [
    "Result", "Sample", "Scenario", "ScenarioError", "load_scenario", "preset_names", "run", "run_sample",
    "run_summary", "run_to_precision", "sample",
]
__version__ = "0.1.0"
