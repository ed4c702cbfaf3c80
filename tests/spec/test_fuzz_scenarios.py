"""Fuzzing the scenario loader: thousands of mutated files, and only ``ScenarioError`` ever escapes.

A seeded generator (the same cases on every run) mutates a small what-if of the baseline in the
ways a reliability review did (issue 11): odd values at every path (infinities, NaN, huge and
negative numbers, text, lists, extreme distribution shapes), damaged YAML text, alias bombs, deep
nesting, YAML 1.1 number forms, duplicate keys, unicode escapes, tags, oversized entries and
``extends`` chains, cycles and non-YAML targets. Every case must either load, and then run 100 draws
with no NaN, or be refused with a ``ScenarioError`` whose message is under 2,000 characters; and
none may take 2 s of CPU (the freezes this guards against took 13 s and more).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.engine.driver import run
from sim.spec.parameters import LEVERS, NAMES, PARAMETERS
from sim.spec.scenario import MAX_MESSAGE_CHARS, Scenario, ScenarioError, load_scenario, parse_yaml

pytestmark = pytest.mark.slow

SEED = 11
CASES = 2_000
CPU_SECONDS_PER_CASE = 2.0
FILE = "fuzz.yaml"
WHATIF = {"extends": "baseline-2018", "levers": {"concession": 0.4}}
FIELDS = ("value", "dist.kind", "dist.low", "dist.high", "dist.sd", "dist.sigma", "dist.a", "dist.b",
          "meaning", "section", "unit")
ODD = [0, 1, -1, 0.5, 1e-300, 5e-324, 1e308, -1e308, math.inf, -math.inf, math.nan, 2**63, 2**64, -(2**63),
       10**30, True, False, None, "", "x", "0.5", "x" * 3_000, "\u202e\u0000", [1, 2], {}, {"value": 0.5}]


def random_dist(rng: random.Random) -> dict:
    kind = rng.choice(["fixed", "uniform", "triangular", "pert", "truncnormal", "lognormal", "beta", "gamma"])
    low = rng.choice([0.0, 0.01, rng.uniform(-5, 5), -1e308])
    dist = {"kind": kind, "low": low, "high": low + rng.choice([0.0, 1e-12, 0.5, 2.0, 1e308])}
    for shape in ("sd", "sigma", "a", "b"):
        if rng.random() < 0.6:
            dist[shape] = rng.choice([1e-9, 1e-6, 0.01, 0.3, 2.0, 1e3, 1e6, 1e308, math.inf, -1.0, 0.0])
    return dist


def odd_value(rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(ODD)
    if roll < 0.7:
        return rng.uniform(-3, 70)
    if roll < 0.85:
        return random_dist(rng)
    return rng.randrange(-10, 10**8)


def odd_path(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return f"levers.{rng.choice([*LEVERS, 'bribe'])}"
    if roll < 0.35:
        return rng.choice(["solution.concept", "solution.lambda", "run.draws", "run.seed", "run.sampler",
                           "name", "description", "extends", "colour"])
    name = rng.choice([*NAMES, "aq_monee"])
    return f"parameters.{name}" if roll < 0.45 else f"parameters.{name}.{rng.choice(FIELDS)}"


def set_path(data: dict, dotted: str, value: object) -> None:
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        node[key] = child = child if isinstance(child, dict) else {}
        node = child
    node[last] = value


def mutated_values(rng: random.Random) -> str:
    data = {"extends": "baseline-2018", "levers": {"concession": 0.4}}
    if rng.random() < 0.5:
        data["solution"] = {"concept": "qre", "lambda": rng.choice([0.0, 2.0, 1e6])}
    for _ in range(rng.randint(1, 3)):
        set_path(data, odd_path(rng), odd_value(rng))
    return yaml.safe_dump(data, allow_unicode=rng.random() < 0.5)


def alias_bomb(rng: random.Random) -> str:
    fan, depth = rng.randint(2, 9), rng.randint(2, 8)
    layers = [f"&a0 [{', '.join(['x'] * fan)}]"]
    layers += [f"&a{j} [{', '.join([f'*a{j - 1}'] * fan)}]" for j in range(1, depth)]
    return f"extends: baseline-2018\nlevers: [{', '.join(layers)}]\n"


def deep_nesting(rng: random.Random) -> str:
    k = rng.choice([5, 11, 12, 13, 50, 500, 2_000])
    inner = "[" * k + "]" * k if rng.random() < 0.5 else "{a: " * k + "1" + "}" * k
    return f"extends: baseline-2018\nlevers: {inner}\n"


def yaml11_forms(rng: random.Random) -> str:
    form = rng.choice(["017", "0o17", "0x1f", "0b101", "12:30:00", "1_000", "yes", "no", "on", "off", "1e3",
                       ".5", "+.inf", "-.inf", ".NaN", "1e400", "-0", "0.", "~", "2018-01-01", "9" * 5_000])
    key = rng.choice(["run: {seed: %s}", "run: {draws: %s}", "solution: {concept: qre, lambda: %s}",
                      "levers: {pressure: %s}", "parameters: {leader_legitimacy: %s}",
                      "parameters: {aq_money: {dist: {kind: truncnormal, low: 0, high: 1, sd: %s}}}"])
    return f"extends: baseline-2018\n{key % form}\n"


def duplicate_keys(rng: random.Random) -> str:
    where = rng.choice(["levers:\n  concession: 0.1\n  concession: 0.2\n",
                        "name: a\nname: b\n", "parameters:\n  aq_money: 0.01\n  aq_money: 0.02\n"])
    return f"extends: baseline-2018\n{where}"


ODD_TEXTS = [
    'name: "a\\ud800"\n', 'name: "nul \\x00 here"\n', 'description: "\\U0010ffff \\u202e"\n', "\tname: tab\n",
    "name: !!python/object:os.system x\n", "name: !!binary aGk=\n", "run: {seed: !!int '0b101'}\n",
    "levers: !custom {a: 1}\n", "---\nname: second\n", "? [a, b]\n: 1\n", "name: " + "x" * 200_000 + "\n",
    "parameters:\n" + "".join(f"  p{i}: {i}\n" for i in range(25_000)),
    "levers: {" + ", ".join(f"k{i}: {i}" for i in range(3_000)) + "}\n",
]


def odd_text(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(["", "# nothing\n", "- a\n- list\n", "just text\n"])
    return "extends: baseline-2018\n" + rng.choice(ODD_TEXTS)


def plausible_values(rng: random.Random) -> str:
    """A what-if with in-range but extreme settings: most load, and then must run without NaN."""
    data: dict = {
        "extends": "baseline-2018",
        "levers": {k: rng.choice([0.0, 1.0, rng.random()]) for k in LEVERS},
        "solution": {"concept": rng.choice(["spe", "qre"]), "lambda": rng.choice([0.0, 1e-3, 5.0, 1e6])},
        "run": {"seed": rng.choice([0, 2**63 - 1, rng.randrange(2**63)]),
                "sampler": rng.choice(["random", "lhs", "sobol"])},
    }
    params = {}
    for name in rng.sample(NAMES, rng.randint(1, 6)):
        info = PARAMETERS[name]
        low, high = sorted(rng.uniform(info.low, info.high) for _ in range(2))
        value = rng.choice([low, high, (low + high) / 2])
        kind = rng.choice(["uniform", "triangular", "pert", "truncnormal", "lognormal", "beta"])
        dist = {"kind": kind, "low": low, "high": high, "sd": rng.choice([1e-6, 0.05, 1e3]),
                "sigma": rng.choice([1e-6, 0.5, 10.0]), "a": rng.choice([0.01, 2.0, 1e3]),
                "b": rng.choice([0.01, 2.0, 1e3])}
        keep = {"truncnormal": ("sd",), "lognormal": ("sigma",), "beta": ("a", "b")}.get(kind, ())
        bounded = ("low", "high") if kind != "lognormal" else ()
        dist = {k: v for k, v in dist.items() if k in ("kind", *keep, *bounded)}
        params[name] = {"value": max(value, info.low + 1e-3) if kind == "lognormal" else value, "dist": dist}
    data["parameters"] = params
    return yaml.safe_dump(data)


def damaged(rng: random.Random) -> str:
    text = mutated_values(rng)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.4:
            text = text[:i] + rng.choice(":-[]{}&*!|>'\"%@`#,?\t\n\\ ") + text[i:]
        elif roll < 0.7:
            text = text[:i] + text[i + rng.randint(1, 20):]
        else:
            j = rng.randrange(len(text) + 1)
            text = text[:i] + text[min(i, j):max(i, j)] + text[i:]
    return text


GENERATORS: list[tuple[float, Callable[[random.Random], str]]] = [
    (0.3, mutated_values), (0.15, plausible_values), (0.2, damaged), (0.08, yaml11_forms), (0.07, odd_text),
    (0.07, deep_nesting), (0.05, alias_bomb), (0.03, duplicate_keys),
]


def cases() -> Iterator[tuple[int, str]]:
    rng = random.Random(SEED)
    weights = [w for w, _ in GENERATORS]
    for i in range(CASES):
        (make,) = rng.choices([g for _, g in GENERATORS], weights)
        yield i, make(rng)


def check_case(load: Callable[[], Scenario]) -> str:
    """Load; if refused, the message is short and printable; if accepted, 100 draws give no NaN."""
    try:
        scenario = load()
    except ScenarioError as exc:
        message = str(exc)
        assert len(message) <= MAX_MESSAGE_CHARS, message[:300]
        message.encode("utf-8")  # printable on any terminal: no lone surrogates
        return "refused"
    result = run(scenario, draws=100)
    nan = [k for k, v in result.per_draw.items() if np.isnan(v).any()]
    assert not nan, f"NaN in {nan}"
    assert all(math.isfinite(e.mean) for e in result.outcomes.values())
    return "accepted"


def test_two_thousand_mutated_scenarios_load_or_are_refused_with_a_short_message():
    outcomes = {"accepted": 0, "refused": 0}
    slowest = 0.0
    for i, text in cases():
        start = time.process_time()
        try:
            outcomes[check_case(lambda t=text: load_scenario(parse_yaml(t, FILE), name=FILE))] += 1
        except Exception as exc:
            raise AssertionError(f"case {i} ({type(exc).__name__}): {text[:300]!r}") from exc
        spent = time.process_time() - start
        slowest = max(slowest, spent)
        assert spent < CPU_SECONDS_PER_CASE, f"case {i} took {spent:.1f} s of CPU: {text[:300]!r}"
    print(f"\n{CASES} cases: {outcomes}; slowest {slowest:.2f} s of CPU")
    # The generator reaches both sides: a fuzzer that only produced rejects would test little.
    assert outcomes["accepted"] >= CASES // 20 and outcomes["refused"] >= CASES // 2


EXTENDS_TARGETS = ["missing.yaml", "folder", "notes.txt", "x" * 5_000 + ".yaml", "a\x00b.yaml", "../" * 50,
                   "self.yaml", "baseline-2018", "scenarios/../chain-0.yaml"]


@pytest.mark.parametrize("target", EXTENDS_TARGETS, ids=range(len(EXTENDS_TARGETS)))
def test_odd_extends_targets_are_refused_or_resolved_never_crash(tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("levers: {concession: 0.9}\n", encoding="utf-8")
    (tmp_path / "chain-0.yaml").write_text("extends: baseline-2018\n", encoding="utf-8")
    path = tmp_path / "self.yaml"
    path.write_text(yaml.safe_dump({"extends": target}), encoding="utf-8")
    check_case(lambda: load_scenario(Path(path)))


@pytest.mark.parametrize("length", [15, 16, 40])
def test_a_long_chain_of_extends_is_refused_or_resolved(tmp_path, length):
    (tmp_path / "chain-0.yaml").write_text("extends: baseline-2018\n", encoding="utf-8")
    for i in range(1, length):
        (tmp_path / f"chain-{i}.yaml").write_text(f"extends: chain-{i - 1}.yaml\n", encoding="utf-8")
    outcome = check_case(lambda: load_scenario(tmp_path / f"chain-{length - 1}.yaml"))
    assert outcome == ("accepted" if length <= 16 else "refused")
