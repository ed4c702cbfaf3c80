"""Tests of ``alliance-sim analyze``: every analysis in every format, and bad input exiting 2."""

import csv
import io
import json

import pytest

from sim.cli.analyze import WHAT
from sim.cli.main import main

SMALL = ["--draws", "1500", "--sobol-n", "256", "--trajectories", "20", "--set", "levers.concession=0.8"]
JSON_KEY = {"price": "summary", "curve": "curve", "zone": "zone", "sobol": "indices", "morris": "screening",
            "prim": "trajectory", "terms": "terms"}


@pytest.mark.parametrize("what", WHAT)
def test_each_analysis_prints_valid_json(what, capsys):
    assert main(["analyze", "baseline-2018", "--what", what, "--format", "json", *SMALL]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scenario"] == "baseline-2018" and payload[JSON_KEY[what]]


def test_curve_csv_has_one_row_per_grid_point_with_bands(capsys):
    args = ["analyze", "baseline-2018", "--what", "curve", "--format", "csv", "--grid", "5", *SMALL]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [float(r["concession"]) for r in rows] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert all(float(r["sever_low"]) <= float(r["sever"]) <= float(r["sever_high"]) for r in rows)


def test_zone_text_states_the_findings_in_plain_words(capsys):
    assert main(["analyze", "baseline-2018", "--what", "zone", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "zone of possible agreement" in out and "best offer" in out


def test_verification_curve_moves_verification(capsys):
    assert main(["analyze", "baseline-2018", "--what", "curve", "--by", "verification", "--format", "json",
                 "--grid", "3", *SMALL]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [r["verification"] for r in payload["curve"]] == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("args", [
    ["analyze", "no-such-scenario", "--what", "price"],
    ["analyze", "baseline-2018", "--what", "price", "--set", "levers.concession=7"],
    ["analyze", "baseline-2018", "--what", "price", "--set", "nonsense"],
    ["analyze", "baseline-2018", "--what", "bogus"],
    ["analyze", "baseline-2018", "--what", "sobol", "--sobol-n", "100"],
    ["analyze", "baseline-2018", "--what", "curve", "--grid", "1"],
    ["analyze", "baseline-2018", "--what", "price", "--draws", "0"],
    ["analyze", "baseline-2018", "--what", "price", "--output", "split"],
    ["analyze", "baseline-2018", "--what", "sobol", "--sobol-n", "64"],
])
def test_bad_input_exits_2_without_a_traceback(args, capsys):
    try:
        code = main(args)
    except SystemExit as exc:  # argparse rejects bad options this way
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() and "Traceback" not in err


def test_analyze_terms_switches_off_each_term_of_the_full_model_alone(capsys):
    """One row per term of the material lens, over the same draws: at an offer of 0.5 (below the
    chip's threshold) switching off the chip raises P(Sever); at 0.6 (the threshold) it changes nothing."""
    from sim.spec.lenses import MATERIAL_OFF

    def rows(concession: float) -> dict[str, dict]:
        assert main(["analyze", "baseline-2018", "--what", "terms", "--draws", "5000", "--format", "json",
                     "--set", f"levers.concession={concession}"]) == 0
        return {r["term"]: r for r in json.loads(capsys.readouterr().out)["terms"]}
    below, at = rows(0.5), rows(0.6)
    assert set(below) == {"none (the scenario)", *MATERIAL_OFF}
    assert below["the chip"]["change"] > 0.01
    assert at["the chip"]["change"] == 0.0


def test_sobol_on_too_few_events_exits_2_with_the_reason(capsys):
    """Issue 29, defect 5: the reproducer gave indices from 20-30 events (ST = 1.011 +- 0.528)."""
    assert main(["analyze", "baseline-2018", "--set", "levers.concession=0.42", "--what", "sobol",
                 "--seed", "2"]) == 2
    err = capsys.readouterr().err
    assert "at least 100 of each" in err and "Traceback" not in err


def test_sobol_json_has_a_warnings_list_and_ranks_and_the_text_shows_them(capsys):
    args = ["analyze", "baseline-2018", "--what", "sobol", "--sobol-n", "256", "--set",
            "levers.concession=0.8"]
    assert main([*args, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert isinstance(payload["warnings"], list)
    assert all({"rank", "rank_tied"} <= set(r) for r in payload["indices"])
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "rank" in text and all(w in text for w in payload["warnings"])


def test_price_and_zone_print_intervals_on_their_quantiles(capsys):
    """Issue 29, defect 4: no interval on any quantile of analyze --what price or zone."""
    base = ["analyze", "baseline-2018", "--draws", "3000", "--set", "levers.concession=0.8"]
    assert main([*base, "--what", "price"]) == 0
    text = capsys.readouterr().out
    assert "95% order-statistic intervals" in text and "p50" in text and "[" in text
    assert main([*base, "--what", "price", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    for s in summary.values():
        assert set(s["quantile_intervals"]) == {"p10", "p25", "p50", "p75", "p90"}
        for q, pair in s["quantile_intervals"].items():
            assert (pair is None) == (s[q] is None)
            if pair is not None:
                assert pair[0] <= s[q] and (pair[1] is None or s[q] <= pair[1])
    assert main([*base, "--what", "zone", "--format", "json"]) == 0
    zone = json.loads(capsys.readouterr().out)["zone"]
    assert set(zone["cheapest_deal_interval"]) == set(zone["cheapest_deal"])
    assert all(zone["move_at_cheapest_deal_interval"][m] for m in ("distance", "sever"))
    assert main([*base, "--what", "zone"]) == 0
    assert "95% interval" in capsys.readouterr().out
