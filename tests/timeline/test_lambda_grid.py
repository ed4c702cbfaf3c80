"""The QRE lambda weighed by a record on a grid (sim.timeline.lambda_grid, ``calibrate --lambda-grid``):
its Monte Carlo intervals cover, it recovers the lambda a record was simulated at (and not when the
likelihood ignores lambda), it is calibrated in the simulation-based sense, and it refuses what the
draws cannot support."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import sim
from sim.cli.main import main
from sim.engine.driver import sample
from sim.engine.intervals import Z95
from sim.timeline.calibration import calibrate_on, simulate_record
from sim.timeline.lambda_grid import (
    MAX_GRID,
    MAX_GRID_WORK,
    SUGGESTED_GRID,
    checked_grid,
    grid_probabilities,
    weigh_lambda,
)

REPLAY = "history-1996-2018"
GRID = list(SUGGESTED_GRID)


@pytest.fixture(scope="module")
def replay() -> sim.Scenario:
    return sim.load_scenario(REPLAY)


# -- the Monte Carlo interval ------------------------------------------------------------------------------

MU = np.array([0.0, -0.7, -2.0])   # log of each grid value's marginal likelihood, up to a constant
TRUE_P = np.exp(MU) / np.exp(MU).sum()


def _synthetic(seed: int, n: int = 2_000) -> np.ndarray:
    """Log-likelihoods with a known answer: a factor shared by every grid value (the draw's own fit,
    spread as the record's is: about a third of the draws effective) and one of each value's own."""
    rng = np.random.default_rng(seed)
    return MU[:, None] + 1.1 * rng.standard_normal(n) + 0.5 * rng.standard_normal((MU.size, n))


def _coverage(se_of) -> np.ndarray:
    hits = np.zeros(MU.size)
    for seed in range(400):
        ll = _synthetic(seed)
        p, _ = grid_probabilities(ll)
        hits += np.abs(p - TRUE_P) <= Z95 * se_of(ll)
    return hits


def test_the_intervals_cover_the_true_probabilities_95_times_in_100():
    """400 seeds: a correct 95% method lands outside 366-394 for one grid value 0.14% of the time
    (3.2 standard deviations of the binomial count), for any of the three 0.4%."""
    hits = _coverage(lambda ll: grid_probabilities(ll)[1])
    assert all(366 <= h <= 394 for h in hits), hits


def test_an_error_that_ignores_the_shared_denominator_fails_the_same_check():
    """The companion: the numerator's error alone (each draw's fit is shared by every grid value, so
    numerator and denominator move together) gives intervals far too wide."""
    def numerator_only(ll):
        x = np.exp(ll - ll.max())
        return x.std(axis=1) / np.sqrt(x.shape[1]) / x.sum(axis=0).mean()
    hits = _coverage(numerator_only)
    assert not all(366 <= h <= 394 for h in hits), hits


# -- what the record says about lambda ----------------------------------------------------------------------

def _records(replay, lam: float, count: int = 3) -> list:
    truths = sample(replay, count, 12)
    return [simulate_record(replay, {k: (v[r:r + 1] if isinstance(v, np.ndarray) else v)
                                     for k, v in truths.params.items()}, np.random.default_rng(r), "qre", lam)
            for r in range(count)]


def _log_lik(replay, record, pool, lams) -> np.ndarray:
    return np.array([calibrate_on(replay, record, pool.params, pool.draws, "qre", g).sum(axis=0)
                     for g in lams])


def test_records_played_near_random_and_near_the_equilibrium_are_told_apart(replay):
    """Each record simulated at lambda 0.3 puts more than 90% on lambda 3 or less, and each simulated
    at lambda 100 more than 90% on lambda 10 or more (fixed seeds: a decision, not a rate)."""
    pool = sample(replay, 2_000, 11)
    grid = np.array(GRID)
    for lam, side in ((0.3, grid <= 3), (100.0, grid >= 10)):
        for record in _records(replay, lam):
            p, _ = grid_probabilities(_log_lik(replay, record, pool, GRID))
            assert p[side].sum() > 0.9, (lam, p)


def test_a_likelihood_that_ignores_lambda_cannot_tell_them_apart(replay):
    """The companion: the same records scored at lambda 10 on every row of the grid leave the uniform
    prior where it was, and the decision above is not reached."""
    pool = sample(replay, 2_000, 11)
    for record in _records(replay, 0.3):
        p, _ = grid_probabilities(_log_lik(replay, record, pool, [10.0] * len(GRID)))
        assert np.allclose(p, 1 / len(GRID)) and p[np.array(GRID) <= 3].sum() < 0.9


@pytest.fixture(scope="module")
def sbc_cases(replay) -> list[tuple[int, np.ndarray]]:
    """Simulation-based calibration on the grid, 120 cases: lambda drawn uniformly from the grid and
    parameters from the prior, a record simulated from them, and its log-likelihood at each grid value
    on 1,000 other prior draws; (the true value's index, the log-likelihoods) each."""
    pool = sample(replay, 1_000, 11)
    truths = sample(replay, 120, 12)
    rng = np.random.default_rng(5)
    cases = []
    for r in range(120):
        truth = int(rng.integers(len(GRID)))
        params = {k: (v[r:r + 1] if isinstance(v, np.ndarray) else v) for k, v in truths.params.items()}
        record = simulate_record(replay, params, np.random.default_rng([7, r]), "qre", GRID[truth])
        cases.append((truth, _log_lik(replay, record, pool, GRID)))
    return cases


def _sbc_pvalue(cases, miscode=lambda ll: ll) -> float:
    """The KS test's p-value for the randomised rank of the truth, P(below) + V P(at), which is
    uniform when the grid posterior is right."""
    rng = np.random.default_rng(6)
    ranks = []
    for truth, ll in cases:
        p, _ = grid_probabilities(miscode(ll))
        ranks.append(p[:truth].sum() + rng.random() * p[truth])
    return stats.kstest(ranks, "uniform").pvalue


@pytest.mark.slow
def test_the_grid_posterior_ranks_the_true_lambda_uniformly(sbc_cases):
    """A correct method fails this KS test 0.1% of the time (importance sampling on 1,000 draws adds
    a little)."""
    assert _sbc_pvalue(sbc_cases) > 0.001


@pytest.mark.slow
def test_a_grid_read_backwards_fails_the_same_check(sbc_cases):
    """The companion: each grid value's likelihood credited to the value opposite it."""
    assert _sbc_pvalue(sbc_cases, miscode=lambda ll: ll[::-1]) < 0.001


# -- bounds and the command --------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "draws", "words"), [
    ([10.0], 1_000, "1 values; give 2"),
    ([float(v + 1) for v in range(MAX_GRID + 1)], 1_000, f"give 2 to {MAX_GRID}"),
    ([0.0, 1.0], 1_000, "outside (0,"),
    ([1.0, 1.0], 1_000, "given twice"),
    ([1.0, 3.0], MAX_GRID_WORK, "solved draws"),
])
def test_a_grid_out_of_bounds_is_refused_with_what_is_wrong(values, draws, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        checked_grid(values, draws)


def test_the_command_prints_the_grid_and_its_json_holds_the_same(capsys):
    args = ["calibrate", REPLAY, "--lambda-grid", "0.3, 1,3,10,30,100", "--draws", "4000", "--seed", "3"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "uniform prior on the grid" in text and "Most probable on this grid: lambda" in text
    assert main([*args, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grid"] == GRID and out["draws"] == 4_000
    assert sum(row["probability"] for row in out["lambdas"]) == pytest.approx(1.0)
    assert all(lo <= row["probability"] <= hi for row in out["lambdas"] for lo, hi in [row["interval"]])
    best = max(out["lambdas"], key=lambda row: row["probability"])
    assert out["most_probable"] == best["lambda"] and f"lambda {best['lambda']:g}." in text
    same = weigh_lambda(sim.load_scenario(REPLAY), GRID, 4_000, 3).report()
    assert same["lambdas"] == out["lambdas"]


@pytest.mark.parametrize(("extra", "words"), [
    (["--lambda", "3"], "drop --lambda"),
    (["--solution", "spe"], "drop --solution spe"),
    (["--draws", "30"], "too few to weigh lambda"),
])
def test_the_command_refuses_what_it_cannot_answer_in_one_line(capsys, extra, words):
    assert main(["calibrate", REPLAY, "--lambda-grid", "3,10", *extra]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("grid", ["1,\u0663", "1,,3", "1;3", "1," + "1" * 400, ",".join(["1"] * 13), "1,nan"])
def test_hostile_grids_are_refused_by_the_number_reader(capsys, grid):
    with pytest.raises(SystemExit) as stop:
        main(["calibrate", REPLAY, "--lambda-grid", grid])
    assert stop.value.code == 2 and "--lambda-grid" in capsys.readouterr().err
