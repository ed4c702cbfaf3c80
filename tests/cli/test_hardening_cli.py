"""Every reproducer of issue 11 through the command line: exit 2, a short message, no traceback.

Most run in-process through ``sim.cli.main.main`` (the console script's entry point); the two that once
froze or crashed the interpreter (the alias bomb and deep nesting) also run as real subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import BOMB, DEEP, alias_bomb, unknown_keys

from sim.cli.main import main
from sim.spec.scenario import MAX_MESSAGE_CHARS, load_scenario

REPO = Path(__file__).resolve().parents[2]
SMALL = ("--draws", "500")


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as exc:  # argparse refuses bad options by exiting
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, *args: str) -> str:
    """Run the CLI, check that it refused the input as bad (exit 2, short, no traceback): its message."""
    status, _, err = cli(capsys, *args)
    assert status == 2, err
    assert "Traceback" not in err and 0 < len(err) < MAX_MESSAGE_CHARS, err[:500]
    return err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.subprocess
@pytest.mark.parametrize(("text", "words"), [(BOMB, "anchors and aliases"), (DEEP, "nested more than 12")])
def test_an_alias_bomb_or_deep_nesting_is_refused_in_a_real_process(tmp_path, text, words):
    path = write(tmp_path, "bad.yaml", text)
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True,
                          text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr and "line 2" in done.stderr and len(done.stderr) < MAX_MESSAGE_CHARS


def test_an_alias_bomb_in_set_is_refused_and_blamed_on_set(capsys):
    err = refused(capsys, "run", "baseline-2018", "--set", f"levers={alias_bomb()}")
    assert err.startswith("--set") and "anchors and aliases" in err


def test_a_thousand_file_extends_chain_is_refused_at_sixteen(capsys, tmp_path):
    write(tmp_path, "f0.yaml", "extends: baseline-2018\n")
    for i in range(1, 1000):
        write(tmp_path, f"f{i}.yaml", f"extends: f{i - 1}.yaml\n")
    assert "more than 16 files extend one another" in refused(capsys, "validate", str(tmp_path / "f999.yaml"))


@pytest.mark.parametrize(("entry", "where"), [
    ("aq_money: {value: 0.05, dist: {kind: truncnormal, low: 0, high: 1, sd: .inf}}", "dist.sd"),
    ("leader_legitimacy: {value: 0.5, dist: {kind: beta, low: 0, high: 1, a: .inf, b: 2}}", "dist.a"),
    ("leader_legitimacy: {value: 0.5, dist: {kind: beta, low: 0, high: 1, a: 2, b: 1e308}}", "dist.b"),
])
def test_infinite_or_huge_distribution_shapes_are_refused(capsys, tmp_path, entry, where):
    path = write(tmp_path, "shape.yaml", f"extends: baseline-2018\nparameters:\n  {entry}\n")
    assert where in refused(capsys, "run", str(path), *SMALL)


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "1000001"])
def test_lambda_must_be_finite_and_at_most_a_million(capsys, value):
    assert "--lambda: must be a number from 0 to 1e+06" in refused(capsys, "run", "baseline-2018",
                                                                   f"--lambda={value}")


def test_a_file_named_like_a_preset_is_an_error_naming_both_ways_out(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = load_scenario("baseline-2018").updated({"levers.concession": 0.0}).to_yaml()
    write(tmp_path, "what-if-major-concession.yaml", mine)
    err = refused(capsys, "run", "what-if-major-concession.yaml", *SMALL)
    assert "./what-if-major-concession.yaml" in err and "--preset what-if-major-concession" in err
    status, out, _ = cli(capsys, "run", "./what-if-major-concession.yaml", *SMALL, "--format", "json")
    assert status == 0 and json.loads(out)["levers"]["concession"] == 0.0
    status, out, _ = cli(capsys, "run", "--preset", "what-if-major-concession", *SMALL, "--format", "json")
    assert status == 0 and json.loads(out)["levers"]["concession"] == 0.7


@pytest.mark.parametrize(("args", "words"), [
    (("analyze", "baseline-2018", "--what", "sobol", "--sobol-n", "1048576"), "must be from 2 to 65,536"),
    (("analyze", "baseline-2018", "--what", "sobol", "--sobol-n", "1000"), "power of 2"),
    (("bench", "--draws", "30000000"), "--draws: must be from 1 to 10,000,000"),
    (("analyze", "baseline-2018", "--what", "morris", "--trajectories", "100000"), "from 2 to 1,000"),
    (("analyze", "baseline-2018", "--what", "curve", "--grid", "100000"), "from 2 to 101"),
    (("analyze", "baseline-2018", "--what", "prim", "--draws", "1000000"), "takes 200 to 100,000 draws"),
    (("analyze", "baseline-2018", "--what", "prim", "--draws", "1"), "takes 200 to 100,000 draws"),
    (("analyze", "baseline-2018", "--what", "price", "--draws", "2000000"), "from 1 to 1,000,000"),
    (("run", "baseline-2018", "--workers", "1000"), "--workers: must be from 1 to 32"),
    (("run", "baseline-2018", "--seed", str(2**63)), "--seed: must be from 0 to 9,223,372,036,854,775,807"),
    (("run", "baseline-2018", "--set", "run.seed=9223372036854775808"), "less than or equal to"),
    (("run", "baseline-2018", "--set", "levers.concession=.nan"), "finite number"),
    (("run", "baseline-2018", "--set", "extends=2001"), "cannot be changed with --set"),
    (("run", "baseline-2018", "--set", "name=" + "x" * 20_000), "at most 10,000"),
    (("run", "baseline-2018", "--preset", "2001"), "name one scenario"),
])
def test_analysis_sizes_and_settings_have_documented_maxima(capsys, args, words):
    assert words in refused(capsys, *args)


def test_set_problems_are_blamed_on_set_even_when_they_surface_elsewhere(capsys):
    err = refused(capsys, "run", "baseline-2018", "--set", "parameters.aq_money.dist.low=0.07")
    assert err.startswith("--set: parameters.aq_money.value") and "baseline-2018.yaml" not in err


def test_a_file_over_a_megabyte_and_a_flood_of_unknown_keys_get_short_messages(capsys, tmp_path):
    big = write(tmp_path, "big.yaml", "extends: baseline-2018\nnotes: [" + "1, " * 400_000 + "1]\n")
    assert "a scenario may have at most 1,048,576" in refused(capsys, "validate", str(big))
    keys = write(tmp_path, "keys.yaml", "extends: baseline-2018\n" + unknown_keys(105_000))
    assert "more than 20,000 entries" in refused(capsys, "validate", str(keys))
    some = write(tmp_path, "some.yaml", "extends: baseline-2018\n" + unknown_keys(5_000))
    assert "5000 problems in all" in refused(capsys, "validate", str(some))


@pytest.mark.parametrize(("text", "words"), [
    ('name: "a\\ud800"\n', "line 2"),
    ("levers: {concession: 0.1,\n  concession: 0.2}\n",
     "line 3, column 3: YAML error: duplicate key 'concession' (first on line 2)"),
    ("solution: {concept: qre, lambda: 12:30:00}\n", "solution.lambda: Input should be a valid number"),
    ("levers: {concession: .nan}\n", "levers.concession: Input should be a finite number"),
])
def test_yaml_quirks_and_bad_text_are_refused_with_where(capsys, tmp_path, text, words):
    path = write(tmp_path, "quirk.yaml", "extends: baseline-2018\n" + text)
    assert words in refused(capsys, "validate", str(path))


def test_a_lone_surrogate_from_the_command_line_is_refused_not_run(capsys):
    assert "--set" in refused(capsys, "run", "baseline-2018", "--set", "name=a\udced\udca0\udc80")


def test_yaml_12_reads_a_leading_zero_as_decimal(tmp_path):
    path = write(tmp_path, "seed.yaml", "extends: baseline-2018\nrun: {seed: 017}\n")
    assert load_scenario(path).seed == 17


def test_a_file_name_too_long_for_the_system_is_a_message(capsys):
    assert "cannot look for" in refused(capsys, "validate", "x" * 5_000 + ".yaml")


def test_extends_does_not_read_or_echo_other_kinds_of_file(capsys, tmp_path):
    write(tmp_path, "secrets.txt", "password: hunter2\n")
    write(tmp_path, "secret.yaml", "- hunter2\n")
    for target, words in (("secrets.txt", "neither a preset nor a .yaml file"), ("secret.yaml", "mapping")):
        path = write(tmp_path, "peek.yaml", f"extends: {target}\n")
        err = refused(capsys, "validate", str(path))
        assert words in err and "hunter2" not in err


def test_text_that_reads_as_a_yaml_12_number_is_quoted_when_saved(tmp_path):
    saved = load_scenario("baseline-2018").updated({"name": "1e3", "description": "0o17"})
    path = write(tmp_path, "saved.yaml", saved.to_yaml())
    again = load_scenario(path)
    assert (again.name, again.description) == ("1e3", "0o17")


@pytest.mark.parametrize(("args", "value"), [
    (("run", "baseline-2018", "--draws"), "\u0663\u0660\u0660"),      # Arabic-Indic 300, once run as 300
    (("run", "baseline-2018", "--seed"), "\uff17"),                    # a fullwidth 7
    (("run", "baseline-2018", "--lambda"), "\u0661.\u0665"),           # Arabic-Indic 1.5
    (("run", "baseline-2018", "--draws"), "\u00b2"),
    (("run", "baseline-2018", "--draws"), "9" * 5000),
    (("timeline", "baseline-2018", "--years"), "\u0665"),
    (("analyze", "price", "baseline-2018", "--grid"), "\U0001d7d1\U0001d7ce"),
])
def test_a_number_flag_takes_ascii_digits_only(capsys, args, value):
    err = refused(capsys, *args, value)
    assert args[-1] in err and ("digits 0-9" in err or "characters" in err or "not a number" in err), err


def test_save_refuses_an_existing_file_unless_forced_and_a_name_it_does_not_write(capsys, tmp_path):
    existing = tmp_path / "draws.parquet"
    existing.write_bytes(b"last week's draws")
    err = refused(capsys, "run", "baseline-2018", *SMALL, "--save", str(existing))
    assert "the file exists" in err and "--force" in err
    assert existing.read_bytes() == b"last week's draws"
    for name in ("draws.csv", "draws", "draws.parquet.txt"):
        err = refused(capsys, "run", "baseline-2018", *SMALL, "--save", str(tmp_path / name))
        assert "Parquet" in err and ".parquet" in err and not (tmp_path / name).exists()
    assert "--force goes with --save" in refused(capsys, "run", "baseline-2018", *SMALL, "--force")
    status, _, _ = cli(capsys, "run", "baseline-2018", *SMALL, "--save", str(existing), "--force")
    assert status == 0 and existing.read_bytes()[:4] == b"PAR1"


def test_more_workers_than_cores_are_capped_with_a_message(capsys, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})   # a one-core machine
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    status, out, err = cli(capsys, "run", "baseline-2018", *SMALL, "--workers", "32", "--json")
    assert status == 0 and json.loads(out)["draws"] == 500
    assert "--workers 32 capped at 1" in err and "Traceback" not in err
