"""The mutation check runs in CI: every sign or term mutation of the model must fail a fact test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_every_model_mutation_is_caught_by_a_fact_test():
    proc = subprocess.run([sys.executable, "scripts/mutate_model.py", "--jobs", "2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SURVIVED" not in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].split()[0] == proc.stdout.strip().splitlines()[-1].split()[2]
