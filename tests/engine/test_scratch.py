"""Per-thread scratch arrays (sim.engine.scratch): kept per thread and tag, handed on when a thread ends."""

import threading

import numpy as np

from sim.engine import scratch
from sim.engine.kernel.fused import reused


def _in_a_thread(work):
    got = []
    thread = threading.Thread(target=lambda: got.append(work()))
    thread.start()
    thread.join()
    return got[0]


def test_an_ended_threads_matrix_goes_to_the_next_thread_that_asks_for_its_shape():
    first = _in_a_thread(lambda: reused("scratch-test", 3, 50).ctypes.data)
    blocker = np.empty((3, 50))   # memory the ended thread freed would go here
    assert _in_a_thread(lambda: reused("scratch-test", 3, 50).ctypes.data) == first
    assert _in_a_thread(lambda: reused("scratch-test", 3, 51).shape) == (3, 51)   # another shape: its own
    assert blocker.ctypes.data != first


def test_spares_are_bounded_per_tag():
    start = threading.Barrier(scratch.SPARES + 3)

    def hold():
        scratch.scratch("bounded-test", (2,), lambda: np.empty(2))
        start.wait()

    threads = [threading.Thread(target=hold) for _ in range(scratch.SPARES + 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(scratch._spares["bounded-test"]) == scratch.SPARES
