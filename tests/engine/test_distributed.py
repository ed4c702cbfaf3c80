"""Spreading a run over dask workers changes no number, on a local cluster or an existing one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim
import sim.engine.distributed
from sim.engine.distributed import (
    ADDRESS_VARIABLE,
    checked_address,
    local_client,
    remote_client,
    run_distributed,
    scheduler_address,
)
from sim.engine.kernel import aot
from sim.engine.runspec import RunSpec
from sim.engine.summary_runs import run_summary

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    with local_client(2) as c:
        yield c


def _same_tally(a, b) -> None:
    assert a.draws == b.draws
    assert (a.sums, a.squares, a.replicate_sums, a.nodes) == (b.sums, b.squares, b.replicate_sums, b.nodes)
    assert json.dumps(a.summary()) == json.dumps(b.summary())


@pytest.mark.parametrize(("sampler", "chunk_size"), [("random", 40_000), ("random", 7_777),
                                                     ("sobol", 40_000)])
def test_two_workers_give_the_same_numbers_as_one_process_for_any_task_size(client, sampler, chunk_size):
    scenario = sim.load_scenario("what-if-major-concession")
    spread = run_distributed(RunSpec.of(scenario, 100_000, sampler=sampler), client, chunk_size=chunk_size)
    _same_tally(spread, run_summary(scenario, draws=100_000, sampler=sampler, threads=1))


#: A process that, as the command line does, starts a local cluster without having imported numba.
FRESH_PARENT = """
import sys
import sim
from sim.engine.distributed import local_client, run_distributed
from sim.engine.runspec import RunSpec
with local_client(2) as client:
    run_distributed(RunSpec.of(sim.load_scenario("baseline-2018"), 100_000), client, chunk_size=20_000)
    print(sorted(client.run(lambda: "numba" in sys.modules).values()), "numba" in sys.modules)
"""


def test_a_single_threaded_worker_solves_with_the_ahead_of_time_build_and_never_imports_numba():
    """A single-threaded worker's task thread is its only solver, so it takes the ahead-of-time
    build as a main thread does (sim.engine.kernel.builds.sole_solver), and the worker is spared numba's
    import.
    Its parent is a fresh process: a forked worker would inherit numba from this test process."""
    assert aot.load() is not None, "no ahead-of-time build: run `alliance-sim prepare`"
    shown = subprocess.run([sys.executable, "-c", FRESH_PARENT], capture_output=True, text=True,
                           timeout=300, cwd=ROOT, check=True).stdout
    assert shown.split("\n")[-2] == "[False, False] False", shown


def test_a_local_clusters_workers_are_spawned_not_forked_and_give_the_same_numbers(monkeypatch):
    """Spawned, a worker starts from a fresh interpreter: a mark set in this process is not there. A
    forked one would carry it, and could inherit a lock another thread held at the fork (a worker once
    hung 20 minutes in ``logging`` that way). The numbers are the single-process run's to the bit."""
    monkeypatch.setattr(sim.engine.distributed, "start_mark", os.getpid(), raising=False)
    with local_client(2) as client:
        marks = client.run(lambda: getattr(sys.modules.get("sim.engine.distributed"), "start_mark", None))
        scenario = sim.load_scenario("baseline-2018")
        _same_tally(run_distributed(RunSpec.of(scenario, 50_000), client, chunk_size=20_000),
                    run_summary(scenario, draws=50_000, threads=1))
    assert list(marks.values()) == [None, None]


def test_the_cli_accepts_workers_and_reports_the_same_json(capsys, monkeypatch):
    from sim.cli.main import main

    monkeypatch.delenv(ADDRESS_VARIABLE, raising=False)
    assert main(["run", "baseline-2018", "--draws", "5000", "--format", "json"]) == 0
    alone = capsys.readouterr().out
    assert main(["run", "baseline-2018", "--draws", "5000", "--format", "json", "--workers", "2"]) == 0
    assert capsys.readouterr().out == alone


# -- an existing cluster ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the dask scheduler did not open port {port} in {seconds} s")


def _environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(ADDRESS_VARIABLE, None)
    return env


@pytest.fixture(scope="module")
def scheduler():
    """A real ``dask scheduler`` on loopback (no dashboard) with two single-threaded ``dask worker``
    processes that import this checkout's ``sim``; all stopped afterwards."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    start = {"cwd": ROOT, "env": _environment(), "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = []
    try:
        processes.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                                           "127.0.0.1", "--port", str(port), "--no-dashboard"], **start))
        _wait_for_port(port, 30)
        for _ in range(2):
            processes.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                               "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                                              **start))
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(processes):
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _cli_json(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "sim", "run", "baseline-2018", "--draws", "200000", "--json",
                           *args], cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_run_on_an_existing_scheduler_gives_the_local_json_to_the_bit(scheduler):
    assert _cli_json("--scheduler", scheduler) == _cli_json()


@pytest.mark.parametrize("address", ["http://127.0.0.1:8786", "tcp://127.0.0.1", "tcp://127.0.0.1:70000",
                                     "tcp://bad host:1", "tcp://" + "a" * 400 + ":1", "127.0.0.1:8786"])
def test_a_malformed_scheduler_address_is_refused_with_the_expected_form(address):
    with pytest.raises(ValueError, match="tcp://HOST:PORT"):
        checked_address(address, "--scheduler")


def test_well_formed_addresses_are_accepted():
    for address in ("tcp://127.0.0.1:8786", "tls://scheduler.example.org:8786", "tcp://[::1]:8786"):
        assert checked_address(f" {address} ", "--scheduler") == address


def test_the_flag_wins_over_the_environment_and_workers_win_over_the_environment(monkeypatch):
    monkeypatch.setenv(ADDRESS_VARIABLE, "tcp://10.0.0.1:8786")
    assert scheduler_address("tcp://10.0.0.2:8786", 1) == ("tcp://10.0.0.2:8786", "--scheduler")
    assert scheduler_address(None, 1) == ("tcp://10.0.0.1:8786", ADDRESS_VARIABLE)
    assert scheduler_address(None, 2) is None
    with pytest.raises(ValueError, match="not both"):
        scheduler_address("tcp://10.0.0.2:8786", 2)
    monkeypatch.setenv(ADDRESS_VARIABLE, "nonsense")
    with pytest.raises(ValueError, match=ADDRESS_VARIABLE):
        scheduler_address(None, 1)


def test_an_unreachable_scheduler_gets_a_clear_message_after_the_timeout():
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(ValueError, match=f"nothing listens at {address}"):
        remote_client(address, timeout=1)
    assert time.monotonic() - started < 30


def test_the_cli_prints_one_line_for_a_bad_scheduler_address(capsys):
    from sim.cli.main import main

    assert main(["run", "baseline-2018", "--draws", "100", "--scheduler", "http://x:1"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler" in err and "tcp://HOST:PORT" in err and "Traceback" not in err
