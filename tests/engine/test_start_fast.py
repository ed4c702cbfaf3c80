"""A plain run starts fast: ``import sim`` and ``python -m sim run`` leave the heavy libraries unloaded.

``scipy.stats`` alone takes most of a second to import, and the analysis stack (SALib, scikit-learn),
the app (Streamlit) and the distributed engine (dask) more; they are imported where they are used.
The wall-clock start time is a benchmark figure (``alliance-sim bench``, "cold start"), not a test.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("scipy.stats", "SALib", "sklearn", "streamlit", "distributed", "dask", "pygambit", "pyarrow")
#: ``import sim`` does not even load the analysis package; the command line may (its parser lists the
#: ``analyze`` options), as long as the libraries above stay out.
NOT_ON_IMPORT = (*HEAVY, "sim.analysis")

PROBE = """
import json, runpy, sys
{body}
print(json.dumps(sorted(sys.modules)))
"""
RUN_MODULE = """
sys.argv = ["sim", "run", "baseline-2018", "--draws", "1000"]
try:
    runpy.run_module("sim", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
"""


def loaded_modules(body: str) -> set[str]:
    """The modules loaded after running ``body`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_sim_loads_neither_scipy_stats_nor_the_analysis_stack():
    loaded = loaded_modules("import sim")
    assert "sim.engine.driver" in loaded
    assert sorted(loaded.intersection(NOT_ON_IMPORT)) == []


def test_a_command_line_run_loads_neither_scipy_stats_nor_the_analysis_stack():
    loaded = loaded_modules(RUN_MODULE)
    assert "sim.present.report" in loaded  # the run did happen and printed its report
    assert sorted(loaded.intersection(HEAVY)) == []


def test_the_probe_sees_a_heavy_import_when_there_is_one():
    loaded = loaded_modules("import sim\nfrom scipy import stats")
    assert "scipy.stats" in loaded


#: A run of many chunks on one thread: a summary run from the command line, and ``sim.engine.driver``.
ONE_THREAD_RUNS = """
sys.argv = ["sim", "run", "baseline-2018", "--draws", "200000", "--threads", "1"]
try:
    runpy.run_module("sim", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
import sim
assert sim.run(sim.load_scenario("baseline-2018"), draws=150_000, threads=1).draws == 150_000
"""


def test_one_thread_solves_in_the_calling_thread_with_the_ahead_of_time_build():
    """With one thread, every chunk is solved in the main thread, where the ahead-of-time build
    serves it: numba (a couple of seconds to import and load) is never loaded."""
    from sim.engine.kernel import aot

    assert aot.load() is not None, "no ahead-of-time build: run `alliance-sim prepare`"
    loaded = loaded_modules(ONE_THREAD_RUNS)
    assert "sim.engine.summary_runs" in loaded and "sim.engine.kernel.fused" in loaded
    assert "numba" not in loaded
