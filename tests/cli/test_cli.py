"""The ``alliance-sim`` command line, in-process through ``sim.cli.main.main`` and as a real subprocess.

Runs use 2,000 draws to stay fast; the numbers are checked for shape and consistency, not value.
"""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import BAD_SCENARIOS

from sim.cli.main import main
from sim.engine.intervals import Interval, format_probability
from sim.spec.parameters import NAMES
from sim.spec.scenario import SCENARIO_DIR, load_scenario

REPO = Path(__file__).resolve().parents[2]
SMALL = ("--draws", "2000")


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command line in-process: exit status, standard output, standard error."""
    try:
        status = main(list(args))
    except SystemExit as exc:  # argparse exits on bad options
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_json(capsys, *args: str) -> dict:
    status, out, err = cli(capsys, "run", "baseline-2018", *SMALL, "--format", "json", *args)
    assert status == 0, err
    return json.loads(out)


def subprocess_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


# ----------------------------------------------------------------------------- run


def test_run_text_shows_the_headline_probabilities_of_the_json(capsys):
    summary = run_json(capsys, "--seed", "5")
    status, out, _ = cli(capsys, "run", "baseline-2018", *SMALL, "--seed", "5")
    assert status == 0
    lines = out.splitlines()
    for label, key in (("Keep the alliance", "keep"), ("Pledge (public, ties may go on)", "distance"),
                       ("Sever ties", "sever")):
        (line,) = [x for x in lines if x.strip().startswith(label)]
        mean, (low, high) = summary["outcomes"][key], summary["intervals"][key]
        shown = format_probability(Interval(mean, low, high, "", mean * summary["draws"], summary["draws"]))
        assert line.endswith(shown)
    assert "Sever price" in out and "pledge price" in out


def test_run_json_has_every_headline_key_and_outcomes_sum_to_one(capsys):
    summary = run_json(capsys)
    assert {"scenario", "draws", "seed", "solution", "outcomes", "split", "deal", "stderr",
            "reservation_price"} <= set(summary)
    assert (summary["scenario"], summary["draws"], summary["solution"]) == ("baseline-2018", 2000, "spe")
    assert set(summary["outcomes"]) == {"keep", "distance", "sever"}
    assert sum(summary["outcomes"].values()) == pytest.approx(1.0)
    assert {"keep", "distance", "sever", "split", "deal"} <= set(summary["stderr"])
    assert {"p10", "median", "p90"} <= set(summary["reservation_price"])


def test_run_csv_parses_into_metric_rows(capsys):
    status, out, _ = cli(capsys, "run", "baseline-2018", *SMALL, "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) == {"metric", "mean", "stderr", "low", "high"}
    sever = next(r for r in rows if r["metric"] == "P(sever)")
    low, mean, high = (float(sever[k]) for k in ("low", "mean", "high"))
    assert low <= mean <= high and low < high
    by_metric = {r["metric"]: r for r in rows}
    probs = [float(by_metric[f"P({m})"]["mean"]) for m in ("keep", "distance", "sever")]
    assert sum(probs) == pytest.approx(1.0)


def test_run_out_writes_the_file_and_nothing_to_stdout(capsys, tmp_path):
    target = tmp_path / "result.json"
    status, out, _ = cli(capsys, "run", "baseline-2018", *SMALL, "--format", "json", "--out", str(target))
    assert status == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["draws"] == 2000


def test_set_concession_changes_the_levers_and_lowers_keep(capsys):
    before = run_json(capsys)
    after = run_json(capsys, "--set", "levers.concession=0.8")
    assert after["levers"]["concession"] == 0.8
    assert after["outcomes"]["keep"] < before["outcomes"]["keep"] - 0.1


def test_qre_at_lambda_zero_plays_each_move_with_probability_one_third(capsys):
    summary = run_json(capsys, "--solution", "qre", "--lambda", "0")
    assert summary["solution"] == "qre" and summary["lambda"] == 0
    assert all(p == pytest.approx(1 / 3) for p in summary["outcomes"].values())


def test_the_same_seed_gives_the_same_json_and_another_seed_does_not(capsys):
    first, second = (cli(capsys, "run", "baseline-2018", *SMALL, "--format", "json", "--seed", "11")[1]
                     for _ in range(2))
    other = cli(capsys, "run", "baseline-2018", *SMALL, "--format", "json", "--seed", "12")[1]
    assert first == second
    assert json.loads(other)["outcomes"] != json.loads(first)["outcomes"]


@pytest.mark.subprocess
def test_python_m_sim_in_a_subprocess_gives_the_in_process_json(capsys, tmp_path):
    args = ("run", "baseline-2018", *SMALL, "--format", "json", "--seed", "3")
    done = subprocess_cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(cli(capsys, *args)[1])


# ----------------------------------------------------------------------------- list, show, validate


def test_list_prints_every_preset_on_one_line(capsys):
    status, out, _ = cli(capsys, "list")
    assert status == 0
    lines = out.splitlines()
    presets = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    assert len(lines) == len(presets)
    assert [line.split()[0] for line in lines] == presets


def test_show_prints_each_parameter_with_its_meaning_and_section(capsys):
    status, out, _ = cli(capsys, "show", "baseline-2018")
    assert status == 0
    lines = out.splitlines()
    for param in load_scenario("baseline-2018").params.values():
        (line,) = [x for x in lines if x.split() and x.split()[0] == param.name]
        assert param.meaning in line and f"({param.section})" in line
    assert len([x for x in lines if x.split() and x.split()[0] in NAMES]) == len(NAMES)


def test_validate_says_ok_for_good_files_and_names_the_fault_in_bad_ones(capsys, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("extends: baseline-2018\nlevers: {concession: 0.6}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: baseline-2018\nlevers: {concession: 6}\n", encoding="utf-8")
    assert cli(capsys, "validate", str(good)) == (0, f"{good}: ok\n", "")
    status, out, err = cli(capsys, "validate", str(good), str(bad))
    assert status == 2
    assert out == f"{good}: ok\n"
    assert err.startswith(f"{bad.resolve()}: levers.concession: ")


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("case", "text", "where", "words"), BAD_SCENARIOS, ids=[c[0] for c in BAD_SCENARIOS])
def test_run_on_a_bad_scenario_file_exits_2_with_the_message_and_no_traceback(
        capsys, tmp_path, case, text, where, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = cli(capsys, "run", str(path), *SMALL)
    assert status == 2 and out == ""
    assert f"{path.resolve()}: {where}" in err and words in err
    assert "Traceback" not in err


BAD_OPTIONS = [
    (("run", "no-such-preset"), "no scenario 'no-such-preset'"),
    (("run", "baseline-2018", "--draws", "-5"), "--draws"),
    (("run", "baseline-2018", "--draws", "abc"), "--draws"),
    (("run", "baseline-2018", "--set", "nonsense"), "expected PATH=VALUE"),
    (("run", "baseline-2018", "--set", "levers.concession=2"), "levers.concession"),
    (("run", "baseline-2018", "--set", "parameters.aq_monee=1"), "aq_monee"),
    (("run", "baseline-2018", "--solution", "foo"), "--solution"),
    (("run", "baseline-2018", "--format", "xml"), "--format"),
    (("show", "no-such-preset"), "no scenario 'no-such-preset'"),
    ((), "command"),
]


@pytest.mark.parametrize(("args", "words"), BAD_OPTIONS, ids=[" ".join(a) or "none" for a, _ in BAD_OPTIONS])
def test_bad_options_exit_2_with_a_message_and_no_traceback(capsys, args, words):
    status, out, err = cli(capsys, *args)
    assert status == 2 and out == ""
    assert words in err
    assert "Traceback" not in err


@pytest.mark.subprocess
def test_a_bad_option_in_a_subprocess_exits_2_without_a_traceback(tmp_path):
    done = subprocess_cli("run", "baseline-2018", "--set", "levers.concession=2", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "levers.concession" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_set_value_is_reported_against_set_not_the_file(capsys):
    assert main(["run", "baseline-2018", "--set", "levers.concession=true"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--set: levers.concession:")
    assert "Traceback" not in err


def test_json_is_strict_even_when_a_standard_error_is_undefined(capsys):
    assert main(["run", "baseline-2018", "--draws", "1", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert out["stderr"]["keep"] is None
    assert sum(out["outcomes"].values()) == pytest.approx(1.0)


def test_more_draws_than_a_summary_run_allows_is_refused_with_the_limit(capsys):
    status, _, err = cli(capsys, "run", "baseline-2018", "--draws", "1000000001")
    assert status == 2
    assert "--draws: must be from 1 to 1,000,000,000" in err and "Traceback" not in err


def test_a_latin_hypercube_past_the_per_draw_cap_is_refused_because_its_design_is_held_whole(capsys):
    status, _, err = cli(capsys, "run", "baseline-2018", "--draws", "10000001", "--sampler", "lhs")
    assert status == 2
    assert "at most 10,000,000 draws" in err and "random sampler" in err and "Traceback" not in err


# -- the two lenses on the command line (Negotiations ¶2) ----------------------------------------------


def test_the_material_lens_on_the_command_line_is_the_librarys_material_lens(capsys):
    """``--lens material`` equals switching off, by hand, the terms the library's lens switches off;
    at a phased withdrawal (0.6) it severs in almost every draw, where the full model does not."""
    from sim.spec.lenses import MATERIAL_OFF
    by_hand = [f"--set=parameters.{n}=0" for names in MATERIAL_OFF.values() for n in names]
    lens = run_json(capsys, "--lens", "material", "--set", "levers.concession=0.6")
    assert lens == run_json(capsys, *by_hand, "--set", "levers.concession=0.6")
    full = run_json(capsys, "--lens", "full", "--set", "levers.concession=0.6")
    assert lens != full


@pytest.mark.parametrize("command", [("timeline", "baseline-2018", "--years", "2", "--draws", "300"),
                                     ("analyze", "baseline-2018", "--what", "price", "--draws", "2000")])
def test_timeline_and_analyze_take_the_lens_too(capsys, command):
    results = {}
    for lens in ("full", "material"):
        status, out, err = cli(capsys, *command, "--lens", lens, "--format", "json",
                               "--set", "levers.concession=0.6")
        assert status == 0, err
        results[lens] = json.loads(out)
    assert results["full"] != results["material"]


def test_run_text_and_csv_give_each_price_quantile_its_interval(capsys):
    """Issue 29, defect 4: the quantiles of run's text and CSV had no interval."""
    args = ["run", "baseline-2018", "--set", "levers.concession=0.6", "--draws", "5000", "--seed", "1"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "95% order-statistic intervals" in text and "p10 0.6" in text and "(0.6" in text
    assert main([*args, "--format", "csv"]) == 0
    rows = [r.split(",") for r in capsys.readouterr().out.splitlines() if r.startswith("reservation price")]
    p10 = next(r for r in rows if r[0] == "reservation price sever p10")
    assert float(p10[3]) <= float(p10[1]) <= float(p10[4])
