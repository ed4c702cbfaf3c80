"""Bad input shared by the tests of the scenario loader, the command line and the app: what-ifs of the
shipped baseline with one mistake each (``BAD_SCENARIOS``), an alias bomb, deep nesting and a flood
of unknown keys."""

from __future__ import annotations

from pathlib import Path

WHATIF = "extends: baseline-2018\n"


def with_param(entry: str) -> str:
    """A what-if of the baseline whose ``parameters`` section holds the one line ``entry``."""
    return f"{WHATIF}parameters:\n  {entry}\n"


#: (case, file text, dotted path of the fault, words the message must contain)
BAD_SCENARIOS = [
    ("unknown top-level key", WHATIF + "colour: red\n", "colour", "unknown key"),
    ("unknown lever", WHATIF + "levers: {bribe: 0.3}\n", "levers.bribe", "unknown key"),
    ("unknown key in a parameter entry", with_param("aq_money: {value: 0.05, unit: usd}"),
     "parameters.aq_money.unit", "unknown key"),
    ("unknown key in a distribution",
     with_param("aq_money: {dist: {kind: uniform, low: 0, high: 0.1, mode: 0.05}}"),
     "parameters.aq_money.dist.mode", "unknown key"),
    ("unknown parameter name", with_param("aq_monee: 0.05"), "parameters", "aq_monee"),
    ("string for a number", with_param("aq_money: {value: lots}"),
     "parameters.aq_money.value", "valid number"),
    ("string for a number in shorthand", with_param("aq_money: lots"),
     "parameters.aq_money", "expected a number"),
    ("string for a whole number", WHATIF + "run: {draws: many}\n", "run.draws", "valid integer"),
    ("low above high", with_param("aq_money: {dist: {kind: uniform, low: 0.08, high: 0.0}}"),
     "parameters.aq_money.dist", "must be below high"),
    ("low equal to high", with_param("aq_money: {dist: {kind: uniform, low: 0.05, high: 0.05}}"),
     "parameters.aq_money.dist", "must be below high"),
    ("lever above 1", WHATIF + "levers: {concession: 1.5}\n", "levers.concession", "less than or equal to 1"),
    ("lever below 0", WHATIF + "levers: {verification: -0.1}\n", "levers.verification",
     "greater than or equal to 0"),
    ("share parameter above 1", with_param("leader_legitimacy: 1.2"),
     "parameters.leader_legitimacy.value", "outside the allowed range [0.0, 1.0]"),
    ("value outside its distribution", with_param("aq_money: {value: 0.5}"),
     "parameters.aq_money.value", "outside its distribution's range [0.0, 0.08]"),
    ("distribution bound outside the catalogue range",
     with_param("aq_money: {dist: {kind: uniform, low: 0.0, high: 9.0}}"),
     "parameters.aq_money.dist.high", "outside the allowed range [0.0, 5.0]"),
    ("triangular without high", with_param("aq_money: {dist: {kind: triangular, low: 0.0}}"),
     "parameters.aq_money.dist", "triangular distribution needs high"),
    ("unknown distribution kind", with_param("aq_money: {dist: {kind: gamma, low: 0, high: 1}}"),
     "parameters.aq_money.dist.kind", "'triangular'"),
    ("missing extends target", "extends: no-such-preset\n", "extends", "no scenario 'no-such-preset'"),
    ("YAML syntax error", WHATIF + "levers: a: b\n", "line 2, column 10", "YAML syntax error"),
    ("top-level list", "- extends\n- baseline-2018\n", "", "must be a mapping"),
    ("empty file", "# nothing here yet\n", "", "the file is empty"),
]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def alias_bomb(levels: int = 8) -> str:
    layers = ["&a0 [x,x,x,x,x,x,x,x,x]"] + [f"&a{j} [" + ",".join([f"*a{j - 1}"] * 9) + "]"
                                             for j in range(1, levels)]
    return "[" + ", ".join(layers) + "]"


BOMB = f"extends: baseline-2018\nlevers: {alias_bomb()}\n"
DEEP = "extends: baseline-2018\nlevers: " + "[" * 1000 + "]" * 1000 + "\n"


def unknown_keys(n: int) -> str:
    return "".join(f"k{i}: 1\n" for i in range(n))
