"""The switch between the analyst's judgement and the calibrated model on the scenario and compare
pages: it changes the numbers and names the model everywhere, the link keeps it, and its numbers are
those of ``alliance-sim run --calibrated`` on the same posterior."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import new_app, opened
from streamlit.runtime.media_file_manager import MediaFileManager

from sim.app.calibrated import (
    CALIBRATED,
    POSTERIOR_FILE,
    PRIOR_DRAWS,
    RECORD,
    SOLUTION,
    analyse_calibrated,
    calibrated_command,
    model_for,
)
from sim.app.pool import app_posterior, solution_of
from sim.cli import main as cli
from sim.present import report
from sim.present.settings import from_query, to_query
from sim.spec.scenario import load_scenario
from sim.timeline.calibration import load_posterior

pytestmark = pytest.mark.subprocess
SWITCH = "model_choice"
NAMED = "calibrated on history"


def model_captions(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption if c.value.startswith("Model")]


def calibrated(at):
    return at.radio(key=SWITCH).set_value(CALIBRATED).run()


def test_the_switch_changes_the_numbers_and_names_the_model(app):
    before = [m.value for m in app.metric]
    assert all("analyst's judgement" in c for c in model_captions(app))   # the prior, named
    calibrated(app)
    assert not app.exception
    after = [m.value for m in app.metric]
    assert after != before
    captions = model_captions(app)
    assert captions and all(NAMED in c and "ESS" in c for c in captions)
    assert any("repeat draws" in c.value and "n_eff" in c.value for c in app.sidebar.caption)


def test_the_link_keeps_the_choice(fresh_cache):
    at = calibrated(opened(new_app()))
    assert at.query_params["model"] == [CALIBRATED] or at.query_params["model"] == CALIBRATED
    shown = [m.value for m in at.metric]
    again = opened(new_app(model=CALIBRATED))   # a new session opening that link
    assert again.radio(key=SWITCH).value == CALIBRATED
    assert [m.value for m in again.metric] == shown
    prior = opened(new_app())
    assert [m.value for m in prior.metric] != shown   # without the link's model: the prior's numbers


def test_the_links_model_is_read_and_a_wrong_one_named():
    assert from_query({"model": "calibrated"}).calibrated
    assert not from_query({}).calibrated
    wrong = from_query({"model": "<b>x</b>"})
    assert not wrong.calibrated and any("model=" in p for p in wrong.problems)
    assert to_query("baseline-2018", {}, True)["model"] == "calibrated"
    assert "model" not in to_query("baseline-2018", {})


def test_the_apps_calibrated_run_equals_run_calibrated_on_the_same_posterior(tmp_path, capsys):
    """The posterior the app calibrates is the one ``alliance-sim calibrate`` writes with the app's
    settings, and the app's run on it gives ``run --calibrated``'s numbers exactly."""
    path = tmp_path / POSTERIOR_FILE
    assert cli.main(["calibrate", RECORD, "--draws", str(PRIOR_DRAWS), "--solution", SOLUTION,
                     "--posterior", str(path)]) in (0, None)
    on_file = load_posterior(path)
    in_app = app_posterior().result()
    np.testing.assert_array_equal(in_app.rows, on_file.rows)
    assert in_app.meta["names"] == on_file.meta["names"]
    scenario = load_scenario("baseline-2018").updated({"levers.concession": 0.4})
    capsys.readouterr()
    assert cli.main(["run", "baseline-2018", "--set", "levers.concession=0.4", "--calibrated", str(path),
                     "--format", "json"]) in (0, None)
    summary = json.loads(capsys.readouterr().out)
    result = analyse_calibrated(scenario, in_app, *solution_of(scenario)).result
    named = summary.pop("calibrated")
    assert named["label"].startswith("calibrated on history") and named["ess"] == in_app.meta["ess"]
    assert json.loads(report.render(result, "json")) == summary   # every figure, bit for bit
    # and not the prior's numbers on as many draws
    prior = summary_of_prior(capsys, result.draws)
    assert prior["outcomes"]["keep"] != summary["outcomes"]["keep"]


def summary_of_prior(capsys, draws: int) -> dict:
    capsys.readouterr()
    assert cli.main(["run", "baseline-2018", "--set", "levers.concession=0.4", "--draws", str(draws),
                     "--format", "json"]) in (0, None)
    return json.loads(capsys.readouterr().out)


def test_the_brief_command_reproduces_through_calibrate_and_run_calibrated():
    command = calibrated_command("alliance-sim run baseline-2018 --draws 100000 --seed 7 --format json")
    calibrate, run = command.split(" && ")
    assert calibrate.split()[2:] == [RECORD, "--draws", str(PRIOR_DRAWS), "--solution", SOLUTION,
                                     "--posterior", POSTERIOR_FILE]
    assert "--draws" not in run and run.endswith(f"--calibrated {POSTERIOR_FILE}")


def test_a_scenario_whose_priors_differ_is_refused_and_shown_on_the_prior():
    posterior = app_posterior().result()
    assert model_for(load_scenario("baseline-2018"), posterior).calibrated
    carried = posterior.meta["names"][0]
    base = load_scenario("baseline-2018")
    low, high = base.params[carried].dist.low, base.params[carried].dist.high
    narrow = base.updated({f"parameters.{carried}.dist.low": low + (high - low) / 4})
    refused = model_for(narrow, posterior)
    assert not refused.calibrated and carried in refused.refused


@pytest.fixture
def served(fresh_cache, monkeypatch) -> dict:
    """The app's downloads by file name, each as the function that would make it when asked for."""
    made = {}
    add_deferred = MediaFileManager.add_deferred

    def keep(self, data, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data
        return add_deferred(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def test_every_export_names_the_calibrated_model(served):
    at = calibrated(opened(new_app()))
    files = {name.rsplit("-", 1)[-1]: make for name, make in served.items()}
    brief = files["brief.html"]()
    assert NAMED in brief and "--calibrated" in brief and "model=calibrated" in brief
    summary = files["summary.csv"]()
    assert summary.startswith("# calibrated on history")
    draws = files["draws.csv"]()
    assert draws.startswith(b"# calibrated on history")
    assert files["brief.pdf"]()[:4] == b"%PDF"   # its text is the brief's (its run line names the model)
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    assert at.radio(key="compare_model_choice").value == CALIBRATED
    assert any(NAMED in c for c in model_captions(at))


def test_the_prior_exports_are_unchanged(served):
    """The default (the prior) writes the files as before: no model line in the CSV."""
    opened(new_app())
    summary = next(make for name, make in served.items() if name.endswith("summary.csv"))()
    assert summary.startswith("metric,")


def test_a_page_without_the_switch_says_it_runs_on_the_prior(fresh_cache):
    at = opened(new_app(model=CALIBRATED))
    at.switch_page("app_pages/what_it_takes.py").run()
    assert not at.exception
    assert any("analyst's judgement" in i.value for i in at.info)
    prior = opened(new_app()).switch_page("app_pages/what_it_takes.py").run()
    assert not any("analyst's judgement" in i.value for i in prior.info)


def test_the_server_starts_the_calibration_right_after_the_default_presets_run(monkeypatch):
    """The calibrated model is warmed at start-up: after the default preset's run, before the others."""
    import time
    from concurrent.futures import Future

    from sim.app import pool as pool_module
    from sim.present.settings import DEFAULT_PRESET
    from sim.spec.scenario import preset_names

    def done() -> Future:
        future = Future()
        future.set_result(None)
        return future

    class RecordingPool:
        def __init__(self):
            self.calls = []

        def analyse(self, scenario):
            self.calls.append(scenario.name)
            return pool_module.Job(self, len(self.calls), done())

        def calibrate(self):
            self.calls.append("calibration")
            return done()

    monkeypatch.setattr(pool_module, "_posterior", None)
    recording = RecordingPool()
    pool_module.PresetRuns(recording)
    expected = len(preset_names()) + 1
    deadline = time.monotonic() + 30
    while len(recording.calls) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert recording.calls[:2] == [DEFAULT_PRESET, "calibration"]
    assert recording.calls.count("calibration") == 1 and len(recording.calls) == expected
