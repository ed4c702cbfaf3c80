"""Properties of the solved game that must hold for any admissible parameters (hypothesis).

Fact 7 of the model brief: a larger concession never makes a break less likely. It holds by
construction (the deal enters the Taliban's and the faction's payoffs with a non-negative weight,
al-Qaeda's payoffs do not involve it, and the faction staying spares the Taliban the split cost),
and these tests search the whole parameter space for a counterexample.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.game import Game, build_game, concession_line
from sim.model.price import reservation_prices
from sim.model.solve import solve
from sim.spec.parameters import CATALOGUE

pytestmark = pytest.mark.slow

SETTINGS = settings(max_examples=150, deadline=None)
KEEP = 0
#: Concessions at which each drawn game is solved: a fixed grid plus a few drawn by hypothesis.
GRID = np.linspace(0.0, 1.0, 41)

unit = st.floats(0.0, 1.0)
parameters = st.fixed_dictionaries({p.name: st.floats(p.low, p.high) for p in CATALOGUE})
levers = st.fixed_dictionaries({"verification": unit, "pressure": unit})
concessions = st.lists(unit, min_size=1, max_size=8).map(lambda cs: np.sort(np.concatenate([GRID, cs])))
precision = st.floats(0.0, 1e4)


def along_concessions(params: dict[str, float], lever: dict[str, float], cs: np.ndarray) -> Game:
    """One draw's game at every concession in ``cs`` (one column per concession)."""
    return build_game({k: np.full(len(cs), v) for k, v in params.items()}, {**lever, "concession": cs})


@SETTINGS
@given(parameters, levers, concessions)
def test_a_larger_concession_never_makes_a_subgame_perfect_break_less_likely(params, lever, cs):
    keep = solve(along_concessions(params, lever, cs), "spe").probs[""][KEEP]
    assert np.all(np.diff(keep) <= 0)


@SETTINGS
@given(parameters, levers, concessions, st.floats(0.05, 50.0))
def test_a_larger_concession_never_makes_a_qre_break_less_likely(params, lever, cs, lam):
    keep = solve(along_concessions(params, lever, cs), "qre", lam).probs[""][KEEP]
    assert np.all(np.diff(keep) <= 1e-12)


@SETTINGS
@given(parameters, levers, concessions, precision)
def test_every_probability_lies_between_zero_and_one(params, lever, cs, lam):
    game = along_concessions(params, lever, cs)
    for q in game.chance.values():
        assert np.all((q >= 0) & (q <= 1))
    for sol in (solve(game, "spe"), solve(game, "qre", lam)):
        for probs in (*sol.probs.values(), *sol.reach.values()):
            assert np.all((probs >= 0) & (probs <= 1))


@SETTINGS
@given(parameters, levers, concessions)
def test_breaking_at_a_concession_means_breaking_at_every_larger_one_and_price_below_it(params, lever, cs):
    breaks = solve(along_concessions(params, lever, cs), "spe").probs[""][KEEP] == 0
    first = np.argmax(breaks) if breaks.any() else len(cs)
    assert np.all(breaks[first:])
    one = {k: np.array([v]) for k, v in params.items()}
    line = concession_line(one, {**lever, "concession": 0.0})
    price = reservation_prices(line, "spe")["distance_or_sever"][0]
    assert np.all(cs[breaks] >= price - 1e-12)
