"""Per-draw arrays handed from a pool worker to the server through shared memory (sim.app.handover)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from sim.app import handover
from sim.app.handover import HandedOver, Unreadable, received, sweep

pytestmark = pytest.mark.subprocess


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {"keep": rng.random(100_000), "price_sever": np.where(rng.random(100_000) < 0.2, np.inf, 0.3),
            "counts": np.arange(7, dtype=np.int64), "none": np.empty(0)}


def _files() -> set[str]:
    return {p.name for p in handover.directory().glob(f"{handover.PREFIX}*")}


def test_the_arrays_cross_as_a_file_name_and_arrive_equal_writable_and_the_file_gone():
    arrays = _arrays()
    before = _files()
    wire = pickle.dumps(HandedOver(arrays, os.getppid()), protocol=5)
    assert len(wire) < 2_000 < sum(a.nbytes for a in arrays.values())   # the bytes did not go through
    assert len(_files() - before) == 1
    back = pickle.loads(wire)
    assert type(back) is dict and list(back) == list(arrays)
    for key, value in arrays.items():
        np.testing.assert_array_equal(back[key], value)
        assert back[key].dtype == value.dtype
    assert _files() == before   # mapped, and its name removed at once
    back["keep"][0] = -1.0      # copy-on-write: the server may write into its arrays
    assert back["keep"][0] == -1.0


def test_without_its_server_a_worker_sends_the_bytes_through_the_pipe_and_leaves_no_file():
    # the owner named is not this process's parent: the server has gone, and no one would read a file
    arrays = _arrays()
    before = _files()
    wire = pickle.dumps(HandedOver(arrays, os.getppid() + 1_000_000), protocol=5)
    assert len(wire) > sum(a.nbytes for a in arrays.values())
    assert _files() == before
    np.testing.assert_array_equal(pickle.loads(wire)["keep"], arrays["keep"])


def test_a_file_that_cannot_be_read_gives_the_reason_instead_of_breaking_the_pool(tmp_path):
    got = received(str(tmp_path / "gone"), [("keep", "<f8", (3,), 0)], 24)
    assert isinstance(got, Unreadable) and "could not be read back" in got.reason


def test_files_of_servers_no_longer_running_are_swept_and_a_leaving_server_takes_its_own():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = int(gone.stdout)   # a process that has exited
    directory = handover.directory()
    orphan = directory / f"{handover.PREFIX}{dead}-test"
    alive = directory / f"{handover.PREFIX}{os.getppid()}-test"
    own = directory / f"{handover.PREFIX}{os.getpid()}-test"
    for path in (orphan, alive, own):
        path.write_bytes(b"x")
    try:
        removed = sweep()
        assert orphan in removed and not orphan.exists()
        assert alive.exists() and own.exists()   # their servers may still read them
        assert sweep(os.getpid()) == [own] and not own.exists()
    finally:
        for path in (orphan, alive, own):
            path.unlink(missing_ok=True)


@pytest.mark.parametrize("lost", [True, False])
def test_a_pool_job_whose_draws_were_lost_says_so(lost):
    from concurrent.futures import Future

    from sim.app.pool import Job

    class Pool:
        def forget(self, job):
            pass

    class Result:
        per_draw = Unreadable("the run's draws could not be read back from /dev/shm/x: gone") if lost \
            else {"keep": np.zeros(2)}

    class Analysis:
        result = Result()

    future = Future()
    future.set_result(Analysis())
    job = Job(Pool(), 1, future)
    if lost:
        with pytest.raises(RuntimeError, match="could not be read back"):
            job.result()
    else:
        assert job.result().result.per_draw["keep"].shape == (2,)


def test_the_page_says_when_a_run_could_not_be_finished_instead_of_showing_a_traceback(monkeypatch):
    from concurrent.futures import Future

    from conftest import new_app, opened

    from app_pages import _state
    from sim.app.pool import Job

    class LosingPool:
        def analyse(self, scenario):
            future = Future()
            future.set_exception(RuntimeError("the run's draws could not be read back from /dev/shm/x: gone"))
            return Job(self, 0, future)

        def forget(self, job):
            pass

        def progress(self, job):
            return 0.0

    at = new_app(seed="918273", concession="0.45")   # a setting no other test has solved
    monkeypatch.setattr(_state, "shared_pool", lambda: LosingPool())
    opened(at)
    assert not at.exception
    shown = "\n".join(e.value for e in at.error)
    assert "This run could not be finished" in shown and "could not be read back" in shown
    assert at.slider(key="w:levers.concession").value == 0.45   # the settings are kept
