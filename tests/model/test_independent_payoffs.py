"""The model's payoffs against a second payoff function written from ``docs/model.md`` alone."""

from __future__ import annotations

import independent_payoffs as independent
import numpy as np

from sim.model.game import build_game
from sim.spec.parameters import CATALOGUE, LEVERS

DRAWS = 500


def test_build_game_agrees_with_the_independent_payoffs_on_random_draws_and_levers():
    rng = np.random.default_rng(2026)
    params = {p.name: rng.uniform(p.low, p.high, DRAWS) for p in CATALOGUE}
    levers = {lever: rng.uniform(0, 1, DRAWS) for lever in LEVERS}
    # Put a fifth of the offers exactly on the chip threshold, where the chip stops being charged.
    on_threshold = rng.random(DRAWS) < 0.2
    levers["concession"] = np.where(on_threshold, params["chip_threshold"], levers["concession"])
    game = build_game(params, levers)
    for i in range(DRAWS):
        one = {k: float(v[i]) for k, v in params.items()}
        at = {k: float(v[i]) for k, v in levers.items()}
        expected = independent.payoffs(one, at)
        assert set(expected) == set(game.payoffs)
        for key, row in expected.items():
            np.testing.assert_allclose(game.payoffs[key][:, i], row, rtol=0, atol=1e-12, err_msg=key)
        for response, q in independent.chances(one, at).items():
            assert abs(game.chance[f"detect_{response}"][i] - q) <= 1e-12
