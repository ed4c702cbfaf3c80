"""The timeline engine against a second, scalar timeline written from docs/model.md section 12a
(``tests/independent_timeline.py``), trajectory by trajectory."""

from __future__ import annotations

import independent_timeline as independent
import numpy as np
import pytest

import sim
from sim.engine.driver import sample
from sim.timeline import parse_timeline, project

DRAWS = 300
CASES = {
    "an offer for a Sever, signed, delivered, hazards on": ("baseline-2018", {"timeline.events": [
        {"year": 2019, "offer": {"concession": 0.7, "verification": 0.5}}, {"year": 2021, "sign": True},
        {"year": 2023, "deliver": True}]}, 8),
    "a pledge deal with a detection, a succession and levers by year": ("baseline-2018", {"timeline.events": [
        {"year": 2019, "offer": {"concession": 0.5, "terms": "pledge"}, "sign": True},
        {"year": 2020, "detection": True, "levers": {"pressure": 0.9}},
        {"year": 2021, "leader_death": True, "deliver": True, "hazards": {"is_surge": 0.5}}]}, 6),
    "the replay, with its ultimatum": ("history-1996-2018", {}, 23),
    "a withdrawal without delivery, Severs not absorbing": ("what-if-major-concession", {
        "timeline.start": 2018, "timeline.sever_absorbing": False,
        "timeline.events": [{"year": 2020, "set": {"us_posture": "withdrawn"}}]}, 8),
}


#: Over ~2 s each: run with the slow tests (the pledge case, about 1.5 s, runs always).
SLOW = {"an offer for a Sever, signed, delivered, hazards on", "the replay, with its ultimatum",
        "a withdrawal without delivery, Severs not absorbing"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in CASES])
def test_the_engine_matches_the_independent_timeline_trajectory_by_trajectory(case):
    name, changes, years = CASES[case]
    sc = sim.load_scenario(name, changes)
    pr = project(sc, years=years, draws=DRAWS)
    drawn = sample(sc, DRAWS, None)
    spec = parse_timeline(sc.timeline, sc.name)
    tallies = np.zeros((years, 3), int)
    for i in range(DRAWS):
        params = {k: float(v[i]) if isinstance(v, np.ndarray) else float(v) for k, v in drawn.params.items()}
        t = independent.simulate(spec, params, dict(sc.levers), drawn.seed, i, pr.years)
        assert (t.sever_year, t.delivery_year) == (pr.sever_year[i], pr.delivery_year[i]), i
        tallies += [[y["allied"], y["keep"], y["distance"]] for y in t.years]
    assert tallies.tolist() == [[t.alive, t.keep, t.distance] for t in pr.tallies]
