"""Spreading a run over dask workers changes no number."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.distributed import local_client, run_distributed


@pytest.fixture(scope="module")
def client():
    with local_client(2) as c:
        yield c


@pytest.mark.parametrize("sampler", ["random", "sobol"])
def test_two_workers_give_the_same_numbers_as_one_process(client, sampler):
    scenario = sim.load_scenario("what-if-major-concession")
    spread = run_distributed(scenario, client, draws=150_000, sampler=sampler, chunk_size=40_000)
    local = sim.run(scenario, draws=150_000, sampler=sampler)
    assert spread.per_draw.keys() == local.per_draw.keys()
    for name, values in local.per_draw.items():
        np.testing.assert_array_equal(spread.per_draw[name], values, err_msg=name)
    assert spread.behaviour == local.behaviour and spread.reach == local.reach


def test_the_cli_accepts_workers_and_reports_the_same_json(capsys):
    from sim.cli import main

    assert main(["run", "baseline-2018", "--draws", "5000", "--format", "json"]) == 0
    alone = capsys.readouterr().out
    assert main(["run", "baseline-2018", "--draws", "5000", "--format", "json", "--workers", "2"]) == 0
    assert capsys.readouterr().out == alone
