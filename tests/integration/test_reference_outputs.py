"""Refactoring changes no number: the JSON of a fixed list of commands (runs under SPE and QRE with
the random, Latin hypercube and Sobol' samplers, every analysis, projections over time, the workshop's
adjudication) equals the references in ``tests/reference/`` byte for byte.

A change that moves numbers on purpose regenerates them with ``python scripts/reference_outputs.py
--write`` and says why in its commit. On a machine of another kind than the one that wrote them (its
CPU's features or numpy's version differ; see ``machine.txt``), the last bit of an ``exp`` may differ,
so there every number is held to the reference within 1e-12 relative instead, and every text exactly.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("reference_outputs", ROOT / "scripts" / "reference_outputs.py")
reference_outputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference_outputs)
WRITTEN_ON = (reference_outputs.REFERENCES / "machine.txt").read_text(encoding="utf-8").strip()
SAME_MACHINE = reference_outputs.machine() == WRITTEN_ON


def close(found, stored, where: str = "") -> list[str]:
    """Where two JSON values differ beyond rounding: numbers within 1e-12 relative, all else exactly."""
    if isinstance(stored, dict) and isinstance(found, dict):
        if found.keys() != stored.keys():
            return [f"{where}: keys {sorted(found)} != {sorted(stored)}"]
        return [d for k in stored for d in close(found[k], stored[k], f"{where}.{k}")]
    if isinstance(stored, list) and isinstance(found, list) and len(found) == len(stored):
        pairs = enumerate(zip(found, stored, strict=True))
        return [d for i, (a, b) in pairs for d in close(a, b, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(stored, numbers) and isinstance(found, numbers) and not isinstance(stored, bool):
        same = math.isclose(found, stored, rel_tol=1e-12, abs_tol=1e-15)
        return [] if same else [f"{where}: {found} != {stored}"]
    return [] if found == stored else [f"{where}: {found!r} != {stored!r}"]


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    return reference_outputs.outputs()


@pytest.mark.parametrize("name", [*reference_outputs.COMMANDS, *reference_outputs.WORKSHOP])
def test_each_commands_json_equals_its_reference(outputs, name):
    stored = (reference_outputs.REFERENCES / f"{name}.json").read_text(encoding="utf-8")
    if SAME_MACHINE:
        assert outputs[name] == stored
    else:
        assert not close(json.loads(outputs[name]), json.loads(stored))


def test_the_check_sees_a_changed_number(outputs):
    """The comparison is not blind: one number moved in its last kept digit is a difference."""
    text = outputs["run-spe-random"]
    data = json.loads(text)
    data["draws"] += 1
    assert close(data, json.loads(text))
    assert reference_outputs.differing({"run-spe-random": text.replace("20000", "20001", 1)})
