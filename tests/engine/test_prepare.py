"""``alliance-sim prepare``: the engine compiled once for this machine, with progress, and a stamp that
makes the next call return at once (and tells the app whether a first run will compile)."""

from __future__ import annotations

import pytest

import sim.engine.prepare
from sim.cli.main import main


@pytest.fixture
def fresh_machine(tmp_path, monkeypatch):
    """A machine where the engine was never prepared: the stamp lives in a temporary folder."""
    monkeypatch.setattr(sim.engine.prepare, "stamp", lambda: tmp_path / "ready")
    monkeypatch.setattr(sim.engine.prepare, "TICK", 0.2)
    return tmp_path / "ready"


def test_the_install_step_prepared_this_machine_and_a_second_call_returns_at_once(capsys):
    """scripts/install-test-deps.sh runs `python -m sim prepare`: the stamp is there, so nothing runs."""
    assert sim.engine.prepare.ready()
    assert main(["prepare"]) == 0
    assert capsys.readouterr().out.strip() == "The compiled engine is ready for this machine."


def test_a_first_prepare_runs_both_builds_says_how_far_it_got_and_leaves_the_stamp(fresh_machine,
                                                                                   monkeypatch):
    monkeypatch.setattr(sim.engine.prepare, "JIT_BUILD", ("-c", "import time; time.sleep(0.6)"))
    monkeypatch.setattr(sim.engine.prepare, "AHEAD_OF_TIME_BUILD", ("-c", "pass"))
    said: list[str] = []
    assert not sim.engine.prepare.ready()
    assert sim.engine.prepare.prepare(said.append) == 0
    assert sim.engine.prepare.ready()
    assert said[0].startswith("Preparing the compiled engine for this machine: once")
    assert any("JIT build running, ahead-of-time build done" in line for line in said), said
    assert said[-1].startswith("The compiled engine is ready (")


def test_a_failed_ahead_of_time_build_still_prepares_but_a_failed_jit_build_does_not(fresh_machine,
                                                                                    monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(sim.engine.prepare, "JIT_BUILD", ("-c", "pass"))
    monkeypatch.setattr(sim.engine.prepare, "AHEAD_OF_TIME_BUILD", ("-c", "import sys; sys.exit(1)"))
    assert sim.engine.prepare.prepare(said.append) == 0 and sim.engine.prepare.ready()
    assert any("runs use the JIT build" in line for line in said)
    fresh_machine.unlink()
    monkeypatch.setattr(sim.engine.prepare, "JIT_BUILD", ("-c", "import sys; sys.exit(3)"))
    assert sim.engine.prepare.prepare(said.append) == 1 and not sim.engine.prepare.ready()
    assert "The JIT build failed (exit 3)" in said[-1]


def test_a_stamp_without_numbas_cache_is_not_ready(fresh_machine, monkeypatch, tmp_path):
    """Deleting __pycache__ deletes the JIT build's cache: the stamp alone does not make it ready, so
    prepare compiles again instead of leaving a first run to pay the compilation."""
    fresh_machine.touch()
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert sim.engine.prepare.ready()
    monkeypatch.setattr(sim.engine.prepare.aot, "HERE", tmp_path)
    assert not sim.engine.prepare.ready()
