"""Scenario files: every kind of bad input gets one clear message, and good what-ifs resolve.

A message names the file, the dotted path inside it and the problem (``file: path: message``). The
bad cases are what-ifs extending the shipped baseline with one mistake each; ``BAD_SCENARIOS`` is
kept in ``tests/bad_inputs.py``, shared with ``tests/cli/test_cli.py``, which checks that the command
line reports them without a traceback.
"""

from pathlib import Path

import pytest
from bad_inputs import BAD_SCENARIOS, WHATIF, with_param, write

from sim.spec.parameters import NAMES
from sim.spec.scenario import Problem, Scenario, ScenarioError, load_scenario


def problems_of(source: str | Path) -> tuple[Problem, ...]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(source)
    return caught.value.problems


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("case", "text", "where", "words"), BAD_SCENARIOS, ids=[c[0] for c in BAD_SCENARIOS])
def test_each_bad_input_gives_one_message_naming_file_path_and_problem(tmp_path, case, text, where, words):
    path = write(tmp_path, "whatif.yaml", text)
    problems = problems_of(path)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert (problem.file, problem.path) == (str(path.resolve()), where)
    assert words in problem.message
    expected_head = f"{path.resolve()}: {where}: " if where else f"{path.resolve()}: "
    assert str(problem).startswith(expected_head)


def test_circular_extends_is_named_at_the_file_that_closes_the_loop(tmp_path):
    first = write(tmp_path, "first.yaml", "extends: second.yaml\n")
    second = write(tmp_path, "second.yaml", "extends: first.yaml\n")
    (problem,) = problems_of(first)
    assert (problem.file, problem.path) == (str(second.resolve()), "extends")
    assert "circular extends" in problem.message


def test_a_file_extending_itself_is_circular(tmp_path):
    path = write(tmp_path, "loop.yaml", "extends: loop.yaml\n")
    (problem,) = problems_of(path)
    assert problem.path == "extends" and "circular" in problem.message


def test_a_nonexistent_preset_lists_the_presets_that_exist():
    (problem,) = problems_of("no-such-preset")
    assert "baseline-2018" in problem.message


def test_yaml_with_a_python_object_tag_is_rejected_and_nothing_runs(tmp_path):
    marker = tmp_path / "executed"
    text = WHATIF + f'levers: !!python/object/apply:os.system ["touch {marker}"]\n'
    (problem,) = problems_of(write(tmp_path, "evil.yaml", text))
    assert "python/object/apply:os.system" in problem.message
    assert problem.path == "line 2, column 9"
    assert not marker.exists()


def test_a_file_without_extends_reports_every_missing_entry(tmp_path):
    path = write(tmp_path, "partial.yaml", "levers: {concession: 0, verification: 0, pressure: 0}\n")
    paths = {p.path for p in problems_of(path)}
    assert {"solution.concept", "run.draws", "run.seed"} <= paths
    assert {f"parameters.{n}" for n in NAMES} <= paths


# ----------------------------------------------------------------------------- good what-ifs


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline-2018")


def test_a_whatif_extending_the_preset_by_name_changes_only_what_it_overrides(tmp_path, baseline):
    text = "name: weak-leader\nlevers: {concession: 0.6}\n" + with_param("leader_legitimacy: {value: 0.35}")
    path = write(tmp_path, "weak-leader.yaml", text)
    whatif = load_scenario(path)
    assert whatif.name == "weak-leader"
    assert whatif.levers == {**baseline.levers, "concession": 0.6}
    legit, base_legit = whatif.params["leader_legitimacy"], baseline.params["leader_legitimacy"]
    assert legit.value == 0.35
    assert (legit.dist, legit.section) == (base_legit.dist, base_legit.section)
    assert legit.meaning == base_legit.meaning
    others = set(NAMES) - {"leader_legitimacy"}
    assert all(whatif.params[n] == baseline.params[n] for n in others)
    assert whatif.chain[-1].endswith("baseline-2018.yaml")


def test_a_bare_number_fixes_a_parameter_and_keeps_its_meaning_and_section(tmp_path, baseline):
    legit = load_scenario(write(tmp_path, "fixed.yaml", with_param("leader_legitimacy: 0.9"))).params[
        "leader_legitimacy"]
    assert (legit.value, legit.uncertain) == (0.9, False)
    assert (legit.meaning, legit.section) == (baseline.params["leader_legitimacy"].meaning,
                                              baseline.params["leader_legitimacy"].section)


def test_overriding_a_whole_dist_replaces_it_and_keeps_the_value(tmp_path, baseline):
    text = with_param("aq_money:\n    dist: {kind: uniform, low: 0.0, high: 0.05}")
    money = load_scenario(write(tmp_path, "money.yaml", text)).params["aq_money"]
    assert money.dist.model_dump(exclude_none=True) == {"kind": "uniform", "low": 0.0, "high": 0.05}
    assert money.value == baseline.params["aq_money"].value


def test_extends_with_a_relative_path_resolves_from_the_extending_file(tmp_path, baseline, monkeypatch):
    write(tmp_path, "base/mine.yaml", baseline.updated({"name": "mine"}).to_yaml())
    child = write(tmp_path, "whatifs/child.yaml", "extends: ../base/mine.yaml\nlevers: {pressure: 0.9}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = load_scenario(child)
    assert scenario.levers["pressure"] == 0.9
    assert scenario.params == baseline.params
    assert scenario.chain == (str(child.resolve()), str((tmp_path / "base/mine.yaml").resolve()))


def test_to_yaml_round_trips_to_an_equal_scenario(tmp_path, baseline):
    whatif = baseline.updated({"levers.concession": 0.3, "parameters.aq_money.dist.high": 0.2})
    reloaded = load_scenario(write(tmp_path, "dumped.yaml", whatif.to_yaml()))
    assert "extends" not in whatif.to_yaml()
    assert reloaded.params == whatif.params
    assert reloaded.levers == whatif.levers
    settings = ("name", "description", "concept", "lam", "draws", "seed", "sampler")
    assert all(getattr(reloaded, s) == getattr(whatif, s) for s in settings)


def test_updated_applies_dotted_changes_and_leaves_the_original_alone(baseline):
    changed = baseline.updated({
        "levers.concession": 0.6,
        "parameters.leader_legitimacy.value": 0.3,
        "parameters.haqqani_closeness": 0.5,
        "solution.concept": "qre",
    })
    assert changed.levers["concession"] == 0.6
    assert changed.params["leader_legitimacy"].value == 0.3
    assert changed.params["leader_legitimacy"].dist == baseline.params["leader_legitimacy"].dist
    closeness = changed.params["haqqani_closeness"]
    assert (closeness.value, closeness.uncertain) == (0.5, False)
    assert changed.concept == "qre"
    assert baseline.levers["concession"] == 0.0 and baseline.params["leader_legitimacy"].value == 0.45


def test_updated_with_a_bad_value_names_the_dotted_path(baseline):
    with pytest.raises(ScenarioError) as caught:
        baseline.updated({"levers.concession": 2})
    assert [p.path for p in caught.value.problems] == ["levers.concession"]


def test_load_scenario_with_changes_validates_them():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline-2018", {"parameters.leader_legitimacy": -0.5})
    (problem,) = caught.value.problems
    assert problem.path == "parameters.leader_legitimacy.value"


@pytest.mark.parametrize(("text", "column"), [("a: " + "[" * 1000 + "]" * 1000, 16),
                                              ("a: " + "{b: " * 13 + "1" + "}" * 13, 52)])
def test_deep_flow_nesting_is_refused_by_the_project_before_any_yaml_parser_runs(text, column,
                                                                                   monkeypatch):
    """The bound is the project's whatever PyYAML's version: 6.0.4's libyaml scanner reads a whole flow
    collection ahead and raises its own error at a thousand levels, before the event walk's count."""
    import sim.spec.scenario

    def no_parser(*_args, **_kwargs):
        raise AssertionError("a YAML parser was reached")

    monkeypatch.setattr(sim.spec.scenario.yaml, "parse", no_parser)
    monkeypatch.setattr(sim.spec.scenario.yaml, "load", no_parser)
    words = f"line 1, column {column}: YAML error: nested more than 12 levels"
    with pytest.raises(ScenarioError, match=words):
        sim.spec.scenario.parse_yaml(text, "deep.yaml")


def test_brackets_inside_quotes_and_comments_do_not_count_as_nesting():
    """The text scan skips quoted scalars and comments; an apostrophe inside a word is not a quote."""
    from sim.spec.scenario import parse_yaml

    text = ("note: '[[[[[[[[[[[[[[[[ it''s text'\nother: \"{{{{{{{{{{{{{{{{ \\\" still\"\n"
            "# [[[[[[[[[[[[[[[[[[[[\nwords: it's [[ fine\nlist: [[1], {a: [2]}]\n")
    assert parse_yaml(text, "ok.yaml") == {
        "note": "[[[[[[[[[[[[[[[[ it's text", "other": "{{{{{{{{{{{{{{{{ \" still", "words": "it's [[ fine",
        "list": [[1], {"a": [2]}]}
