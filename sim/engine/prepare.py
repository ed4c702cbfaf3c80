"""Preparing the compiled engine for this machine, once: ``alliance-sim prepare``.

The kernel is compiled twice on a new machine: numba's JIT build (about 40 s of CPU, cached on disk
beside :mod:`sim.engine.kernel._numba`), which threads use, and the ahead-of-time build (about a minute;
:mod:`sim.engine.kernel.aot`), which lets a short run start without importing numba. Both run at once, one per
core, with a line of progress; a stamp named by the build's key records that both are done, so a
later ``prepare`` returns at once, and the app can tell a first-time user why the first numbers wait.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sim.engine.driver import evaluate, evaluate_block
from sim.engine.kernel import aot
from sim.engine.kernel.fused import curve, parameter_rows, sampled_rows
from sim.engine.sampling import BLOCK, Design, draw_parameters
from sim.engine.tally import Tally, settings_of
from sim.spec.scenario import load_scenario

#: The JIT build, in a process of its own (its own core): every specialisation a run uses.
JIT_BUILD = ("-c", "from sim.engine.prepare import warm; warm()")
#: The ahead-of-time build, in another.
AHEAD_OF_TIME_BUILD = ("-c", "from sim.engine.kernel.aot import main; raise SystemExit(main())")
#: How often the progress line is written, in seconds.
TICK = 5.0


def stamp() -> Path:
    """The file that says this machine's engine is prepared for the kernel's current source, numpy,
    interpreter and CPU (:func:`sim.engine.kernel.aot.digest`) and this numba."""
    try:
        numba_version = importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        numba_version = "none"
    return aot.HERE / f"_engine_ready_{aot.digest()}_{numba_version}"


def ready() -> bool:
    """Whether :func:`prepare` has finished on this machine for the current kernel and numba's cache of
    the JIT build is still there (file checks: deleting ``__pycache__`` deletes that cache)."""
    return stamp().exists() and jit_cached()


def jit_cached() -> bool:
    """Whether numba's on-disk cache holds the JIT build (its index files beside the kernel, or in
    ``NUMBA_CACHE_DIR`` when that is set, where they are not looked for)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return True
    return any((aot.HERE / "__pycache__").glob("_numba.*.nbi"))


def prepare(say: Callable[[str], None] = print, force: bool = False) -> int:
    """Build both compiled versions of the kernel at once unless they are ready; 0 on success.

    A failed ahead-of-time build is not fatal (runs use the JIT build, a second slower to start); a
    failed JIT build is."""
    if ready() and not force:
        say("The compiled engine is ready for this machine.")
        return 0
    say("Preparing the compiled engine for this machine: once, about a minute on two cores.")
    start = time.monotonic()
    jit = subprocess.Popen([sys.executable, *JIT_BUILD])
    ahead = subprocess.Popen([sys.executable, *AHEAD_OF_TIME_BUILD], stdout=subprocess.DEVNULL)
    status = {"JIT build": jit, "ahead-of-time build": ahead}
    while any(p.poll() is None for p in status.values()):
        time.sleep(0.2)
        elapsed = time.monotonic() - start
        if elapsed // TICK != (elapsed - 0.2) // TICK:
            state = ", ".join(f"{name} {'running' if p.poll() is None else 'done'}"
                              for name, p in status.items())
            say(f"  {elapsed:.0f} s: {state}")
    took = time.monotonic() - start
    if jit.returncode != 0:
        say(f"The JIT build failed (exit {jit.returncode}); see the messages above.")
        return 1
    if ahead.returncode != 0:
        say("The ahead-of-time build failed; runs use the JIT build, which starts about a second slower.")
    stamp().touch()
    say(f"The compiled engine is ready ({took:.0f} s).")
    return 0


def warm() -> None:
    """Compile (or load from the cache) every specialisation a run, a sample, a tally and a curve
    use: an install step, so that no test or first visitor pays the compilation inside a timeout.
    It runs in a thread of its own, since the main thread would use an ahead-of-time build."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_warm_jit).result()


def _warm_jit() -> None:
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
