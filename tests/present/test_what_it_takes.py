"""The "What would it take?" page's answer (:mod:`sim.present.what_it_takes`): every number with its
interval, and its curves those of :mod:`sim.analysis.negotiation` on the same draws."""

import re

import numpy as np
import pytest

from sim.analysis import negotiation
from sim.engine.driver import sample
from sim.present.what_it_takes import answer
from sim.spec.scenario import load_scenario

INTERVAL = r"^\d+(\.\d+)?% \(\d+(\.\d+)?-\d+(\.\d+)?%\)$|^< "


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("what-if-major-concession").updated({"run.draws": 3000, "run.seed": 5})


def test_every_figure_of_the_answer_carries_its_interval(scenario):
    out = answer(scenario, "sever", 0.5)
    for key in ("price_share", "zone"):
        assert out[key] and re.match(INTERVAL, out[key]), (key, out[key])
    assert out["price_median"] is None or "95% interval" in out["price_median_interval"]
    for rows in (out["curve"], out["verification"]):
        assert len(rows) == 21
        assert all(r["sever_low"] <= r["sever"] <= r["sever_high"] for r in rows)


def test_the_answers_curves_are_the_negotiation_curves_of_the_same_draws(scenario):
    out = answer(scenario, "distance_or_sever", 0.3)
    drawn = sample(scenario)
    curve = negotiation.acceptance_curve(drawn)
    offer = negotiation.best_offer(curve)
    slow = negotiation.reference_verification_curve(drawn, levers={"concession": offer.concession})
    assert out["offer"] == offer.concession and out["curve"] == curve.to_rows()
    for got, want in zip(out["verification"], slow.to_rows(), strict=True):
        assert got.keys() == want.keys()
        np.testing.assert_allclose([got[k] for k in got], [want[k] for k in got], rtol=0, atol=1e-12)
    # A different target or outcome changes the words, not the draws.
    assert answer(scenario, "distance_or_sever", 0.9)["curve"] == out["curve"]
