"""A summary run keeps accumulators, not draws, and reports what a run that keeps every draw reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import sim
from sim.engine.intervals import Z95, probability_interval
from sim.engine.results import INTERVAL_OUTCOMES, QUANTILES, Estimate
from sim.engine.sampling import BLOCK, replicate_bounds
from sim.engine.summary_runs import DrawWriter, largest_stderr, run_summary, run_to_precision
from sim.engine.tally import PRICE_MOVES, QUANTILE_RESOLUTION, Tally, settings_of

ROOT = Path(__file__).resolve().parents[2]
#: Each draw is rounded to 2**-32 on its own, errors of either sign: over 9,000 draws a mean moves by
#: about 1e-12 (the worst case, every error one way, is 2**-33 ~ 1.2e-10).
TOLERANCE = 1e-11


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario("what-if-major-concession")


@pytest.fixture(scope="module", params=[("spe", "random"), ("qre", "sobol"), ("spe", "lhs")])
def pair(request, scenario):
    """A run that keeps every draw, and a summary run of the same draws in chunks that straddle the
    replicates of a Latin hypercube or Sobol' design (9,000 draws: 16 replicates of 562 or 563)."""
    solution, sampler = request.param
    kept = sim.run(scenario, draws=9_000, solution=solution, sampler=sampler)
    return kept, run_summary(scenario, draws=9_000, solution=solution, sampler=sampler, chunk_size=1_000)


def test_the_summary_has_the_keys_of_a_kept_run_and_states_its_quantile_resolution(pair):
    kept, tally = pair
    summary = tally.summary()
    assert summary.keys() - kept.summary().keys() == {"quantile_resolution"}
    assert summary["quantile_resolution"] == QUANTILE_RESOLUTION
    assert kept.summary().keys() <= summary.keys()


def test_the_summary_means_are_those_of_a_kept_run_to_the_bit(pair):
    kept, tally = pair
    s, t = kept.summary(), tally.summary()
    for key in ("outcomes", "aq_response", "external_op", "split", "deal", "detected", "retaliation"):
        assert t[key] == s[key], key
    for key in ("expected_utility",):
        assert {k: v["mean"] for k, v in t[key].items()} == {k: v["mean"] for k, v in s[key].items()}


def test_means_and_standard_errors_match_the_per_draw_formulas_to_1e_11(pair):
    kept, tally = pair
    for name in [*INTERVAL_OUTCOMES, "detected", "eu_taliban", "eu_us", "aq_net_gain", "material_net"]:
        exact, read = Estimate.of(kept.per_draw[name]), tally.estimate(name)
        assert read.mean == pytest.approx(exact.mean, abs=TOLERANCE), name
        assert read.stderr == pytest.approx(exact.stderr, abs=TOLERANCE), name


def test_intervals_match_the_per_draw_intervals_to_1e_11_with_the_same_method(pair):
    kept, tally = pair
    bounds = replicate_bounds(kept.draws, kept.sampler)
    for name in (*INTERVAL_OUTCOMES, "detected"):
        exact, read = probability_interval(kept.per_draw[name], bounds), tally.interval(name)
        assert read.method == exact.method, name
        assert read.pair() == pytest.approx(exact.pair(), abs=TOLERANCE), name


def test_price_quantiles_are_the_exact_ones_rounded_to_the_resolution(pair):
    kept, tally = pair
    for move in PRICE_MOVES:
        exact = np.quantile(kept.per_draw[f"price_{move}"], list(QUANTILES.values()), method="inverted_cdf")
        rounded = [float(np.rint(q / QUANTILE_RESOLUTION) * QUANTILE_RESOLUTION) if np.isfinite(q) else None
                   for q in exact]
        read = tally.price_quantiles(move)
        assert list(read.values()) == pytest.approx(rounded, abs=1e-15), move
        for q, r in zip(exact, read.values(), strict=True):
            assert (r is None) == (not np.isfinite(q))
            assert r is None or abs(r - q) <= QUANTILE_RESOLUTION / 2
        assert tally.price_exists(move).mean == kept.price_exists(move).mean


def test_node_sums_and_reach_are_those_of_a_kept_run(pair):
    kept, tally = pair
    assert tally.behaviour == kept.behaviour and tally.reach == kept.reach


def test_quantiles_from_the_bins_follow_numpys_inverted_cdf_on_any_count():
    rng = np.random.default_rng(5)
    scenario = sim.load_scenario("baseline-2018")
    settings = settings_of(scenario, 10, 0, "spe", 1.0, "random")
    for n in (1, 2, 3, 7, 10, 11, 99, 1000, 4321):
        prices = np.where(rng.random(n) < 0.3, np.inf, rng.random(n))
        prices[rng.random(n) < 0.1] = 0.0
        outputs = {"keep": np.zeros(n), "distance": np.zeros(n), "sever": np.zeros(n), "split": np.zeros(n),
                   "deal": np.zeros(n), "detected": np.zeros(n)}
        outputs |= {f"price_{m}": prices for m in PRICE_MOVES}
        tally = Tally.of_rows(settings, outputs, 0, n, n, {}, ())
        exact = np.quantile(prices, list(QUANTILES.values()), method="inverted_cdf")
        expected = [float(np.rint(q * 1e4) / 1e4) if np.isfinite(q) else None for q in exact]
        assert list(tally.price_quantiles("sever").values()) == expected, n


def test_any_chunking_and_thread_count_gives_the_same_tally(scenario):
    one = run_summary(scenario, draws=20_000, threads=1)
    many = run_summary(scenario, draws=20_000, chunk_size=3_001, threads=3)
    assert (one.sums, one.squares, one.replicate_sums, one.nodes) == (many.sums, many.squares,
                                                                      many.replicate_sums, many.nodes)
    assert all(np.array_equal(one.histograms[m], many.histograms[m]) for m in PRICE_MOVES)
    assert json.dumps(one.summary()) == json.dumps(many.summary())


def test_merging_is_associative_and_gives_the_whole_run(scenario):
    settings = settings_of(scenario, 3 * BLOCK, scenario.seed, "spe", scenario.lam, "random")
    parts = [run_summary(scenario, draws=BLOCK, chunk_size=BLOCK // 4)]
    from sim.engine.sampling import Design
    from sim.engine.summary_runs import tally_rows

    design = Design(3 * BLOCK, scenario.seed)
    parts += [tally_rows(settings, design, a, a + BLOCK, 3 * BLOCK) for a in (BLOCK, 2 * BLOCK)]
    left, right = parts[0].merge(parts[1]).merge(parts[2]), parts[0].merge(parts[1].merge(parts[2]))
    whole = run_summary(scenario, draws=3 * BLOCK, solution="spe")
    assert left.summary() == right.summary() == whole.summary()


def test_a_per_draw_run_past_its_cap_points_to_the_summary_run(scenario):
    with pytest.raises(ValueError, match="10,000,000 .*summary run .* 1,000,000,000"):
        sim.run(scenario, draws=10_000_001)


def test_a_scenario_file_may_ask_for_a_billion_draws_but_no_more(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("extends: baseline-2018\nrun: {draws: 1000000000}\n")
    assert sim.load_scenario(str(path)).draws == 10**9
    path.write_text("extends: baseline-2018\nrun: {draws: 1000000001}\n")
    with pytest.raises(sim.ScenarioError, match="run.draws"):
        sim.load_scenario(str(path))


# -- precision -------------------------------------------------------------------------------------

def test_a_precision_target_adds_draws_until_every_headline_standard_error_is_below_it(scenario):
    tally, reached = run_to_precision(scenario, 0.0015)
    assert reached and tally.draws == 2 * BLOCK  # 65,536 draws leave a s.e. near 0.00195
    for name in INTERVAL_OUTCOMES:
        iv = tally.interval(name)
        assert (iv.high - iv.low) / (2 * Z95) <= 0.0015, name
    assert largest_stderr(tally) > 0.0015 / 2  # it stopped at the first block that met the target
    plain = run_summary(scenario, draws=tally.draws)
    assert tally.summary() == plain.summary()


def test_a_precision_target_not_met_within_the_cap_says_so(scenario):
    tally, reached = run_to_precision(scenario, 1e-4, max_draws=BLOCK)
    assert not reached and tally.draws == BLOCK and largest_stderr(tally) > 1e-4


@pytest.mark.parametrize(("target", "sampler", "message"), [
    (1e-5, "random", "from 0.0001 to 0.1"), (0.01, "lhs", "needs the random sampler")])
def test_a_precision_target_out_of_range_or_on_a_fixed_design_is_refused(scenario, target, sampler, message):
    with pytest.raises(ValueError, match=message):
        run_to_precision(scenario, target, sampler=sampler)


def test_the_cli_reports_the_draws_a_precision_took_in_text_and_json(capsys):
    from sim.cli.main import main

    assert main(["run", "baseline-2018", "--precision", "0.003", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["precision"] == {"target": 0.003, "reached": True, "draws": BLOCK,
                                "largest_stderr": pytest.approx(0.00195, abs=1e-4)}
    assert out["draws"] == BLOCK
    assert main(["run", "baseline-2018", "--precision", "0.003"]) == 0
    assert "standard error target 0.003 reached after 65,536 draws" in capsys.readouterr().out


# -- saving the draws --------------------------------------------------------------------------------

def test_saved_draws_read_back_as_the_per_draw_outputs_and_parameters_in_draw_order(scenario, tmp_path):
    path = tmp_path / "draws.parquet"
    tally = run_summary(scenario, draws=5_000, chunk_size=1_500, threads=2, save=path)
    kept = sim.run(scenario, draws=5_000)
    table = pq.read_table(path)
    assert table.num_rows == 5_000 and tally.draws == 5_000
    np.testing.assert_array_equal(table["draw"].to_numpy(), np.arange(5_000))
    for name, values in kept.per_draw.items():
        np.testing.assert_array_equal(table[name].to_numpy(), values, err_msg=name)
    for name, values in kept.parameters.items():
        np.testing.assert_array_equal(table[f"param_{name}"].to_numpy(), values, err_msg=name)


def test_saving_into_a_missing_folder_or_too_many_draws_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        DrawWriter(tmp_path / "nowhere" / "draws.parquet", 10)
    with pytest.raises(ValueError, match="at most 100,000,000 draws"):
        DrawWriter(tmp_path / "draws.parquet", 100_000_001)


def test_the_cli_refuses_a_save_path_in_a_missing_folder_with_a_message(capsys, tmp_path):
    from sim.cli.main import main

    assert main(["run", "baseline-2018", "--draws", "100", "--save", str(tmp_path / "no" / "d.parquet")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


# -- memory ---------------------------------------------------------------------------------------

def _peak_rss_mib(draws: int) -> float:
    """Peak resident memory of a CLI summary run of ``draws`` draws, in a fresh process."""
    code = ("import resource, sys; from sim.cli.main import main; "
            f"main(['run', 'baseline-2018', '--draws', '{draws}', '--json', '--threads', '2']); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(done.stderr.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_summary_run_does_not_grow_in_memory_with_its_draws():
    small, large = _peak_rss_mib(100_000), _peak_rss_mib(1_000_000)
    print(f"peak RSS: {small:.0f} MiB at 10^5 draws, {large:.0f} MiB at 10^6")
    # Keeping every draw would add ~450 bytes a draw: some 430 MiB more at 10^6.
    assert large < small + 200


def test_a_chunks_matrices_are_reused_per_thread_and_tag_and_a_big_one_is_not_kept():
    from concurrent.futures import ThreadPoolExecutor

    from sim.engine.kernel.fused import REUSE_COLUMNS, reused

    first = reused("test", 3, 100)
    assert reused("test", 3, 100) is first and reused("other", 3, 100) is not first
    assert reused("test", 3, 99) is not first and reused("test", 3, 99).shape == (3, 99)
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(reused, "test", 3, 99).result() is not reused("test", 3, 99)
    big = reused("test", 1, REUSE_COLUMNS + 1)
    assert reused("test", 1, REUSE_COLUMNS + 1) is not big and reused("test", 3, 99).shape == (3, 99)


def test_a_summary_run_with_reused_matrices_equals_its_run_chunk_by_chunk_whatever_the_threads():
    """Reusing a thread's matrices changes no number: two threads, short chunks and a short last one."""
    scenario = sim.load_scenario("baseline-2018")
    one = run_summary(scenario, draws=70_001, seed=4, threads=1)
    two = run_summary(scenario, draws=70_001, seed=4, threads=2)
    assert one.summary() == two.summary() and one.sums == two.sums and one.squares == two.squares
