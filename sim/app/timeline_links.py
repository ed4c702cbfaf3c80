"""The Over time page's settings in its address, so a copied link restores the view.

Plain data in and out (no Streamlit): ``from_query`` keeps only valid settings and names the rest;
``to_query`` writes the settings that differ from the page's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.present.settings import shown
from sim.spec.numbers import NumberError, read_whole
from sim.timeline.engine import MAX_YEARS

#: The page's query keys (the scenario page leaves them alone).
KEYS = ("ot_scenario", "ot_years", "ot_draws", "ot_solution")
TRAJECTORIES = (500, 1_000, 2_000, 5_000, 10_000, 20_000)
SOLUTIONS = ("spe", "qre")


@dataclass(frozen=True)
class OverTimeLink:
    settings: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def from_query(query: Mapping[str, str], scenarios: list[str]) -> OverTimeLink:
    """The page's settings named in ``query``; anything out of range is dropped and named."""
    settings: dict[str, object] = {}
    problems: list[str] = []
    checks = {
        "ot_scenario": lambda t: t if t in scenarios else None,
        "ot_years": lambda t: _whole(t, 1, MAX_YEARS),
        "ot_draws": lambda t: value if (value := _whole(t, 1, max(TRAJECTORIES))) in TRAJECTORIES else None,
        "ot_solution": lambda t: t if t in SOLUTIONS else None,
    }
    for key, check in checks.items():
        if key not in query:
            continue
        text = str(query[key])[:40]
        value = check(text)
        if value is None:
            problems.append(f"{key}={shown(text)} ignored: not one of the page's choices")
        else:
            settings[key] = value
    return OverTimeLink(settings, problems)


def _whole(text: str, low: int, high: int) -> int | None:
    try:
        return read_whole(text, low, high)
    except NumberError:
        return None


def to_query(scenario: str, years: int, draws: int, solution: str) -> dict[str, str]:
    return {"ot_scenario": scenario, "ot_years": str(years), "ot_draws": str(draws), "ot_solution": solution}
