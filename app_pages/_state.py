"""Session state shared by the pages: the starting scenario, the user's edits and the cached runs.

The session holds the starting scenario (a preset or an uploaded file) and the user's edits as
``{dotted.path: value}`` (see :mod:`sim.app_state`); every widget is keyed ``w:<dotted.path>`` and
seeded from them, so the edits survive a visit to another page. Sampled draws are cached on
everything but the levers and the solution concept, so moving a lever only re-solves the game; the
cache is shared by all sessions and bounded in bytes (:mod:`sim.app_cache`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from sim.app_cache import RunCache, return_large_arrays_to_the_system
from sim.app_state import from_query, preset_scenario, sample_key
from sim.explain import Analysis, analyse
from sim.run import Sample, sample, sample_prices
from sim.scenario import Scenario, preset_names

BASE, PRESET, EDITS, NOTICES = "base", "preset", "edits", "link_notices"
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


def base_scenario() -> Scenario:
    return st.session_state[BASE]


def current_preset() -> str | None:
    """The preset the settings start from, or ``None`` for an uploaded file."""
    return st.session_state[PRESET]


def current_edits() -> dict[str, Any]:
    return dict(st.session_state[EDITS])


def current_scenario() -> Scenario:
    """The scenario as the user has set it: the starting scenario with the edits applied."""
    return base_scenario().updated(current_edits())


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


def pop_link_notices() -> list[str]:
    """Messages about settings in the URL that were ignored; shown once."""
    return st.session_state.pop(NOTICES, [])


#: Bytes of samples and results kept for all sessions together: one 10^6-draw setting holds about
#: 0.65 GB. With at most two runs computing at once, eight sessions on eight distinct 10^6-draw
#: links stay under 4 GB (``scripts/load_app.py`` measures it; 1.2 GiB here peaked at 3.8 GiB).
CACHE_BYTES = 900 * 2**20
RUNNING_AT_ONCE = 2


@st.cache_resource
def _runs() -> RunCache:
    """One cache for every session of this server (samples and results are read-only)."""
    return_large_arrays_to_the_system()
    return RunCache(CACHE_BYTES, RUNNING_AT_ONCE)


def _cached(key: tuple, message: str, compute: Callable[[], Any]) -> Any:
    def with_spinner() -> Any:
        with st.spinner(message):
            return compute()
    return _runs().get(key, with_spinner)


def _draws(key: str, scenario: Scenario) -> Sample:
    return _cached(("draws", key), "Drawing the uncertain parameters...", lambda: sample(scenario))


def _prices(key: str, levers: tuple[tuple[str, float], ...], concept: str, lam: float,
            scenario: Scenario) -> dict:
    # Prices do not depend on the concession: ``levers`` comes here without it.
    return _cached(("prices", key, levers, concept, lam), "Finding the Taliban's price in every draw...",
                   lambda: sample_prices(_draws(key, scenario), {**dict(levers), "concession": 0.0}, concept,
                                         lam))


def _analysis(key: str, levers: tuple[tuple[str, float], ...], concept: str, lam: float | None,
              scenario: Scenario) -> Analysis:
    lam = 10.0 if lam is None else lam
    others = tuple((k, v) for k, v in levers if k != "concession")

    def solve() -> Analysis:
        prices = _prices(key, others, concept, lam, scenario)
        return analyse(_draws(key, scenario), dict(levers), concept, lam, prices)
    return _cached(("analysis", key, levers, concept, lam), "Solving the game for every draw...", solve)


def _run_key(scenario: Scenario) -> tuple:
    lam = scenario.lam if scenario.concept == "qre" else None
    return sample_key(scenario), tuple(sorted(scenario.levers.items())), scenario.concept, lam


class PresetRuns:
    """The presets' runs at their own settings, solved once per server process.

    Once the first request has its preset solved, a thread solves every other preset in turn, so a
    new session that opens any preset finds its numbers ready.
    """

    def __init__(self) -> None:
        self._runs: dict[tuple, Analysis] = {}
        self._lock = threading.Lock()
        self._started = False

    def get(self, scenario: Scenario) -> Analysis | None:
        with self._lock:
            return self._runs.get(_run_key(scenario))

    def solve(self, scenario: Scenario) -> Analysis:
        found = self.get(scenario)
        if found is None:
            found = analyse(sample(scenario), scenario.levers, scenario.concept, scenario.lam)
            with self._lock:
                self._runs[_run_key(scenario)] = found
        return found

    def solve_all_in_background(self) -> None:
        """Start (once) a thread that solves every preset not yet solved."""
        with self._lock:
            if self._started:
                return
            self._started = True

        def work() -> None:
            for name in preset_names():
                self.solve(preset_scenario(name))

        threading.Thread(target=work, name="preset-runs", daemon=True).start()


@st.cache_resource(show_spinner=False)
def preset_runs() -> PresetRuns:
    """The process's :class:`PresetRuns`."""
    return PresetRuns()


@st.cache_resource(show_spinner=False)
def _preset_keys() -> frozenset[tuple]:
    return frozenset(_run_key(preset_scenario(name)) for name in preset_names())


def analysis_of(scenario: Scenario) -> Analysis:
    """The solved run of ``scenario``: shared by every session if it is a preset at its own settings,
    else from the session caches (reusing cached draws when only levers or the concept changed)."""
    key = _run_key(scenario)
    if key in _preset_keys():
        runs = preset_runs()
        with st.spinner("Solving the preset for every draw (once per server)..."):
            found = runs.solve(scenario)
        # Only now, so that the first request does not share the processor with the others.
        runs.solve_all_in_background()
        return found
    return _analysis(*key, scenario)
