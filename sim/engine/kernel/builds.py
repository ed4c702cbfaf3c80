"""Which compiled build of the kernel a thread uses: the ahead-of-time one or numba's JIT one.

The ahead-of-time build (:mod:`sim.engine.kernel.aot`) loads in about a millisecond and holds the GIL
while it runs, so it serves the main thread (and a :func:`sole_solver`); other threads, which may run
beside each other, get the JIT build (:mod:`sim.engine.kernel._numba`), which releases the GIL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sim.engine.kernel import aot
from sim.engine.kernel.layout import checked

_sole = threading.local()


@contextmanager
def sole_solver() -> Iterator[None]:
    """Within this block the calling thread is its process's only solving thread (the task thread
    of a single-threaded dask worker), so it may take the ahead-of-time build as the main thread
    does: holding the GIL for a chunk (a block of 65,536 draws: about a tenth of a second with SPE,
    a quarter with QRE, here) keeps no other solver waiting, only the worker's event loop for that
    long, and the process does not spend a couple of seconds importing numba and loading its cache."""
    before = getattr(_sole, "on", False)
    _sole.on = True
    try:
        yield
    finally:
        _sole.on = before


def compiled():
    """The compiled kernel for the calling thread: the ahead-of-time build (:mod:`sim.engine.kernel.aot`) in
    the
    main thread (or a :func:`sole_solver`) if one is installed for this source, else the JIT build.
    The ahead-of-time build holds the GIL while it runs, so other threads, which may run beside
    others, get the JIT one."""
    if threading.current_thread() is threading.main_thread() or getattr(_sole, "on", False):
        ahead = _ahead_of_time()
        if ahead is not None:
            return ahead
    return _jit()


@cache
def _ahead_of_time():
    built = aot.load()
    return None if built is None else checked(built)


@cache
def _jit():
    """The JIT module (numba is imported, and the cached machine code loaded, on first use)."""
    # Here, not at the top: importing numba and loading its cache costs a process 1.2-1.5 s, which a
    # run served by the ahead-of-time build never pays.
    from sim.engine.kernel import _numba as _kernel_numba

    return checked(_kernel_numba)
