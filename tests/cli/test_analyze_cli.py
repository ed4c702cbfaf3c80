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
