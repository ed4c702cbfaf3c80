"""A cache for the app's runs that is bounded in bytes, not in entries, and limits concurrent work.

One Monte Carlo sample of 10^6 draws holds about 400 MB of arrays and its solved results another
200 MB, so a cache bounded by its number of entries lets a handful of share links exhaust the
server's memory. :class:`RunCache` counts the bytes of every array it holds (see :func:`size_of`),
drops the least recently used entries to stay within its budget, computes each key once even when
several sessions ask for it at the same moment, and lets at most ``max_running`` computations run at
once, so that eight sessions opening eight different links queue rather than allocate together.

Values are shared between sessions, not copied: callers must treat them as read-only (the app's
samples and results are frozen dataclasses of arrays it never writes to).
"""

from __future__ import annotations

import ctypes
import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
#: glibc's ``mallopt`` option for the size above which an allocation gets its own memory mapping.
_M_MMAP_THRESHOLD = -3
LARGE_ALLOCATION = 1 << 20


def return_large_arrays_to_the_system() -> bool:
    """Have glibc map every allocation over 1 MiB on its own, so that freeing it gives it back.

    By default glibc raises that threshold as large blocks are freed (up to 32 MiB), after which
    the 8 MB arrays of a 10^6-draw run come from per-thread heaps that keep their high-water mark:
    eight sessions then left the server at twice the memory its cache holds. Fixing the threshold
    halves the peak (docs/performance.md).
    Returns whether the setting took effect (``False`` off glibc).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, LARGE_ALLOCATION))
    except (OSError, AttributeError):
        return False


def size_of(value: Any, _seen: set[int] | None = None) -> int:
    """Approximate bytes held by ``value``: its numpy arrays in full, anything else shallowly.

    Walks dataclasses, mappings and sequences; an object reached twice is counted once.
    """
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        parts = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        parts = list(value)
    else:
        return sys.getsizeof(value)
    return sys.getsizeof(value) + sum(size_of(p, seen) for p in parts)


class RunCache:
    """A thread-safe least-recently-used cache holding at most ``max_bytes`` of values."""

    def __init__(self, max_bytes: int, max_running: int = 2):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._running = threading.BoundedSemaphore(max_running)
        self._holding = threading.local()  # a computation may use the cache for its own inputs

    @property
    def bytes_held(self) -> int:
        with self._lock:
            return sum(size for _, size in self._entries.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing it with ``compute()`` if it is not held.

        A value larger than the whole budget is returned but not kept.
        """
        found = self._lookup(key)
        if found is not None:
            return found[0]
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # a second session asking for the same key waits for the first one's value
            found = self._lookup(key)
            if found is not None:
                return found[0]
            value = self._compute(compute)
            self._store(key, value)
        with self._lock:
            self._key_locks.pop(key, None)
        return value

    def held(self, key: Hashable) -> Any:
        """The value of ``key`` if it is held, else ``None`` (nothing is computed)."""
        found = self._lookup(key)
        return None if found is None else found[0]

    def _compute(self, compute: Callable[[], T]) -> T:
        """``compute()`` within a slot of ``max_running``; nested calls in that thread reuse its slot."""
        if getattr(self._holding, "slot", False):
            return compute()
        with self._running:
            self._holding.slot = True
            try:
                return compute()
            finally:
                self._holding.slot = False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _lookup(self, key: Hashable) -> tuple[Any] | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return (self._entries[key][0],)

    def _store(self, key: Hashable, value: Any) -> None:
        size = size_of(value)
        if size > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = (value, size)
            total = sum(s for _, s in self._entries.values())
            while total > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                total -= dropped
