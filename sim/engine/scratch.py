"""Per-thread scratch arrays that outlive their thread.

A run refills the same few large arrays chunk after chunk (a block of uniforms, a chunk's
outputs), so each thread keeps one per tag instead of allocating it afresh. But a run's threads live
only as long as the run, and on this kind of machine (a virtual machine) memory a process frees
goes back to the host within seconds: writing to it again costs about 2.3 ms a MB, some 75 ms for a
32 MiB block. So when a thread ends, its arrays go to a few spares per tag, and the next thread
that asks for the same tag and shape takes one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

#: Spares kept per tag; an ended thread's array beyond them is freed.
SPARES = 4

_local = threading.local()
_lock = threading.Lock()
_spares: dict[str, list[Scratch]] = {}


class Scratch:
    """One thread's array for ``tag`` (made to ``spec``), and what the caller noted it holds (``key``).
    When the thread ends or replaces it, it goes to the spares."""

    def __init__(self, tag: str, spec: Hashable, array: Any, key: Any = None) -> None:
        self.tag, self.spec, self.array, self.key = tag, spec, array, key

    def __del__(self) -> None:
        # A new holder: an object is finalised once only (PEP 442), and the array may be handed on
        # again. At interpreter exit the module may already be gone: then there is no one to hand to.
        try:
            spares = _spares.setdefault(self.tag, [])
            if len(spares) < SPARES:
                spares.append(Scratch(self.tag, self.spec, self.array, self.key))
        except Exception:   # not contextlib.suppress: at exit, contextlib may be gone too
            return


def scratch(tag: str, spec: Hashable, make: Callable[[], Any]) -> Scratch:
    """This thread's :class:`Scratch` for ``tag``, made by ``make`` if it has none of that ``spec``:
    a spare one if an ended thread left one, else a new one. The caller must be done with the array
    before its thread asks for ``tag`` again, and before the thread ends."""
    held = getattr(_local, tag, None)
    if held is None or held.spec != spec:
        with _lock:
            spares = _spares.get(tag, [])
            # The latest to come back first: the memory most recently written.
            index = next((i for i in reversed(range(len(spares))) if spares[i].spec == spec), None)
            taken = spares.pop(index) if index is not None else None
        # Taken from the spares, the holder keeps its key (what its array already holds).
        held = Scratch(tag, spec, make()) if taken is None else taken
        setattr(_local, tag, held)   # a holder replaced here goes to the spares
    return held
