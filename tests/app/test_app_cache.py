"""The app's run cache: bounded in bytes, least recently used first out, each key computed once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from sim.app.cache import RunCache, return_large_arrays_to_the_system, size_of


def floats(n: int) -> np.ndarray:
    return np.zeros(n)  # 8 bytes each


@dataclass(frozen=True)
class Held:
    params: dict
    extra: np.ndarray


def test_size_of_counts_every_array_once():
    shared = floats(1000)
    held = Held({"a": shared, "b": floats(500), "c": 1.0}, shared)
    assert 12_000 <= size_of(held) < 13_000


def test_the_cache_drops_the_least_recently_used_to_stay_within_its_bytes():
    cache = RunCache(max_bytes=2_000)
    for key in "abc":
        cache.get(key, lambda: floats(100))  # 800 bytes each
    assert len(cache) == 2 and cache.bytes_held <= 2_000
    calls = []
    cache.get("a", lambda: calls.append("a") or floats(100))
    assert calls == ["a"]  # "a" was the oldest, so it had gone


def test_reading_an_entry_keeps_it():
    cache = RunCache(max_bytes=2_000)
    cache.get("a", lambda: floats(100))
    cache.get("b", lambda: floats(100))
    cache.get("a", lambda: floats(100))
    cache.get("c", lambda: floats(100))
    calls = []
    cache.get("a", lambda: calls.append("a") or floats(100))
    assert calls == []


def test_a_value_larger_than_the_budget_is_returned_but_not_kept():
    cache = RunCache(max_bytes=1_000)
    assert cache.get("big", lambda: floats(1_000)).size == 1_000
    assert len(cache) == 0


def test_sessions_asking_for_one_key_at_once_compute_it_once():
    cache = RunCache(max_bytes=10**6)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return floats(10)

    threads = [threading.Thread(target=cache.get, args=("k", slow)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1


def test_at_most_max_running_computations_run_together_and_nesting_does_not_deadlock():
    cache = RunCache(max_bytes=10**6, max_running=2)
    running, most = [0], [0]
    lock = threading.Lock()

    def work(key):
        def inner():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.1)
            with lock:
                running[0] -= 1
            return floats(10)
        # the computation asks the cache for its own input, as the app's analysis asks for its draws
        return cache.get(key, lambda: cache.get(("input", key), inner))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert most[0] == 2 and len(cache) == 12


def test_large_arrays_are_mapped_on_their_own_on_this_linux():
    assert return_large_arrays_to_the_system()
