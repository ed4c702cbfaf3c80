"""Session state shared by the pages: the starting scenario, the user's edits and the cached runs.

The session holds the starting scenario (a preset or an uploaded file) and the user's edits as
``{dotted.path: value}`` (see :mod:`sim.present.settings`); every widget is keyed ``w:<dotted.path>`` and
seeded from them, so the edits survive a visit to another page. Runs are computed in the server's
pool of worker processes (:mod:`sim.app.pool`) and kept in a cache shared by all sessions and bounded
in bytes (:mod:`sim.app.cache`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import streamlit as st

from sim.app.cache import RunCache, return_large_arrays_to_the_system
from sim.app.calibrated import CALIBRATED, MEANING, MODEL_NAMES, PRIOR, Model, model_for
from sim.app.pool import Job, app_posterior, run_key, shared_pool, started_preset_runs
from sim.engine.prepare import ready as engine_ready
from sim.present.explain import Analysis
from sim.present.settings import escape_markdown, from_query, preset_scenario
from sim.spec.scenario import Scenario, printable

BASE, PRESET, EDITS, NOTICES = "base", "preset", "edits", "link_notices"
#: The model the student has chosen (:data:`sim.app.calibrated.PRIOR` or ``CALIBRATED``), kept
#: across pages and preset switches; its radio button's key.
MODEL, MODEL_WIDGET = "model", "model_choice"
#: The last scenario made from the starting scenario and the edits, with them.
CURRENT = "current_scenario"
WIDGET = "w:"
#: Settings a user keeps when switching preset: they describe the run, not the situation.
KEPT_ON_SWITCH = ("run.draws", "run.seed")


def init_session() -> None:
    """On a session's first run, restore the settings from the URL (naming anything ignored)."""
    if BASE in st.session_state:
        return
    restored = from_query(st.query_params.to_dict())
    st.session_state[PRESET] = restored.preset
    st.session_state[BASE] = preset_scenario(restored.preset)
    st.session_state[EDITS] = restored.changes
    st.session_state[NOTICES] = restored.problems
    st.session_state[MODEL] = CALIBRATED if restored.calibrated else PRIOR


def base_scenario() -> Scenario:
    return st.session_state[BASE]


def current_preset() -> str | None:
    """The preset the settings start from, or ``None`` for an uploaded file."""
    return st.session_state[PRESET]


def current_edits() -> dict[str, Any]:
    return dict(st.session_state[EDITS])


def current_scenario() -> Scenario:
    """The scenario as the user has set it: the starting scenario with the edits applied (validated
    once per starting scenario and edits: a page asks for it several times a run)."""
    base, edits = base_scenario(), current_edits()
    held = st.session_state.get(CURRENT)
    if held is not None and held[0] is base and held[1] == edits:
        return held[2]
    scenario = base.updated(edits)
    st.session_state[CURRENT] = (base, edits, scenario)
    return scenario


def start_from(scenario: Scenario, preset: str | None, keep: Mapping[str, Any] | None = None) -> None:
    """Replace the starting scenario, drop the edits (but ``keep``) and reseed every widget."""
    st.session_state[BASE] = scenario
    st.session_state[PRESET] = preset
    st.session_state[EDITS] = dict(keep or {})
    for key in [k for k in st.session_state if str(k).startswith(WIDGET)]:
        del st.session_state[key]


def switch_preset(name: str) -> None:
    """Start from preset ``name``, keeping the user's run settings (draws and seed)."""
    edits = current_edits()
    start_from(preset_scenario(name), name, {k: edits[k] for k in KEPT_ON_SWITCH if k in edits})


def link_notices() -> list[str]:
    """Messages about settings in the URL that were ignored."""
    return list(st.session_state.get(NOTICES, []))


def pop_link_notices() -> list[str]:
    """Messages about settings in the URL that were ignored; shown once."""
    return st.session_state.pop(NOTICES, [])


#: Bytes of solved runs kept for all sessions together (the draws stay in the pool's workers): one
#: 10^6-draw run holds about 260 MB. ``scripts/load_app.py`` measures the server's peak memory.
CACHE_BYTES = 900 * 2**20
#: Runs waiting for the pool at once, each shown with its progress; the pool runs one per core.
WAITING_AT_ONCE = 16
#: A run that has not finished after this many seconds shows a progress bar.
PROGRESS_AFTER = 0.5
#: What a first-time user sees while the kernel compiles (``alliance-sim prepare`` was not run), and
#: about how long that takes on a 2-core machine.
COMPILING = ("Preparing the compiled engine for this machine: this happens once, takes about a minute, "
             "and every later run starts at once ({} s so far). `alliance-sim prepare` does it at install.")
COMPILE_SECONDS = 60


@st.cache_resource
def _runs() -> RunCache:
    """One cache for every session of this server (the solved runs are read-only)."""
    return_large_arrays_to_the_system()
    return RunCache(CACHE_BYTES, WAITING_AT_ONCE)


def wait_for(job: Job, message: str) -> Analysis:
    """The job's result; a progress bar shows how far it has got once it takes a while."""
    place = st.empty()
    started, shown = time.monotonic(), None
    compiling = not engine_ready()
    try:
        while True:
            try:
                return job.result(timeout=0.1)
            except TimeoutError:
                done, waited = job.progress(), time.monotonic() - started
                if waited <= PROGRESS_AFTER:
                    continue
                if compiling and done == 0:   # the workers compile the kernel before the first chunk
                    place.progress(min(waited / COMPILE_SECONDS, 0.95), text=COMPILING.format(int(waited)))
                elif done != shown:
                    place.progress(done, text=message)
                    shown = done
    finally:
        place.empty()


def calibrated_chosen() -> bool:
    return st.session_state.get(MODEL, PRIOR) == CALIBRATED


def model_switch(place: Any = st, key: str = MODEL_WIDGET) -> bool:
    """The choice between the analyst's judgement and the calibrated model (each page has its own
    ``key``, seeded from the session's choice); returns whether the calibrated model is chosen."""
    st.session_state[key] = st.session_state.get(MODEL, PRIOR)
    place.radio("Model", list(MODEL_NAMES), format_func=MODEL_NAMES.get, key=key, help=MEANING,
                on_change=_model_chosen, args=(key,))
    return calibrated_chosen()


def _model_chosen(key: str) -> None:
    st.session_state[MODEL] = st.session_state[key]


def model_of(scenario: Scenario) -> Model:
    """The model the chosen one is for ``scenario``: the prior, or the app's posterior (calibrated
    once per server in a worker) where it applies to the scenario."""
    if not calibrated_chosen():
        return Model()
    future = app_posterior()
    if not future.done():
        with st.spinner("Weighting the prior draws by the 1996-2018 record (once per server, about "
                        "10 s)..."):
            future.exception()
    try:
        return model_for(scenario, future.result())
    except (RuntimeError, BrokenProcessPool) as exc:
        st.error(f"The calibration could not be finished ({escape_markdown(printable(str(exc), 300))}); "
                 "reload the page to try again.")
        st.stop()


def analysis_of(scenario: Scenario, model: Model | None = None) -> Analysis:
    """The solved run of ``scenario`` under ``model`` (the prior by default), computed in the server's
    pool of worker processes: a preset at its own settings is started when the server starts
    (``serve.py``), anything else when first asked for (and kept for every session in a cache
    bounded in bytes)."""
    model = model or Model()
    key = run_key(scenario) + model.key()
    presets = started_preset_runs()
    preset = presets.job(key) if presets and not model.calibrated else None
    try:
        if preset is not None:
            return wait_for(preset, "Solving the preset for every draw (once per server)...")
        extra = (model.posterior,) if model.calibrated else ()   # the prior's call as it always was
        return _runs().get(key, lambda: wait_for(shared_pool().analyse(scenario, *extra),
                                                "Solving the game for every draw..."))
    except (RuntimeError, BrokenProcessPool) as exc:   # a worker lost, its draws lost: nothing kept
        st.error(f"This run could not be finished ({escape_markdown(printable(str(exc), 300))}). Your "
                 "settings are kept: change one, or reload the page, to run it again.")
        st.stop()
