"""Load on a real ``streamlit run``: sessions with distinct share links at once, optionally beside a
2-thread ``alliance-sim run``; latency of the first open and of a reopen, and the server's peak memory.

The app is served on a free loopback port (nothing listens beyond 127.0.0.1, nothing leaves the
machine). One session first opens the default view, so the server has started its worker pool and
solved the default preset, and the load waits until the server and its workers are idle: the figures
are those of a warm server. Each of ``sessions`` links then has its own seed (no two share a cached
run); a second round reopens the same links in new sessions. Bounded in time: the whole measurement
stops after ``timeout`` seconds. Used by ``scripts/load_app.py`` and by the bench
(:func:`sim.bench.measure.load_figures`); asserts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from sim.bench.local_server import HOST, ROOT, free_port, start_app, stop, wait_healthy

#: Draws of the run beside the load (it is stopped when the load ends, long before it finishes).
BESIDE_DRAWS = 1_000_000_000


class PeakMemory(threading.Thread):
    """Polls the server's resident memory (with any child processes) until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                return


async def open_session(port: int, query: str) -> tuple[float, int]:
    """Open one session on ``/?query`` and wait until its page has rendered: (seconds, exceptions shown)."""
    start = time.perf_counter()
    async with websockets.connect(f"ws://{HOST}:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_script_hash = ""
        await ws.send(msg.SerializeToString())
        exceptions = 0
        async for data in ws:
            fwd = ForwardMsg.FromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.new_element.WhichOneof("type") == "exception":
                exceptions += 1
            if kind == "script_finished" and fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return time.perf_counter() - start, exceptions
    raise RuntimeError(f"session on ?{query} closed before its page rendered")


async def one_round(port: int, queries: list[str], deadline: float) -> list[tuple[float, int]]:
    """Open every link at once; the sessions that have not rendered by ``deadline`` are left out."""
    tasks = [asyncio.ensure_future(open_session(port, q)) for q in queries]
    done, pending = await asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0))
    for task in pending:
        task.cancel()
    return [task.result() for task in done]


async def until_idle(pid: int, deadline: float, below: float = 10.0, quiet: float = 1.5) -> float:
    """Wait until the server ``pid`` and its children use under ``below`` % of one core for ``quiet``
    seconds in a row (or ``deadline`` passes); returns the seconds waited."""
    start, calm = time.monotonic(), 0.0
    server = psutil.Process(pid)

    def cpu_seconds() -> float:
        total = 0.0
        for p in [server, *server.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += sum(p.cpu_times()[:2])
        return total

    before = cpu_seconds()
    while calm < quiet and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = cpu_seconds()
        calm = calm + 0.5 if (now - before) / 0.5 * 100 < below else 0.0
        before = now
    return time.monotonic() - start


@dataclass
class Load:
    """What :func:`measure_load` saw: the seconds to render of each session, first and reopened."""

    sessions: int
    draws: int
    beside_threads: int
    first: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)
    exceptions: int = 0
    idle_rss: int = 0
    peak_rss: int = 0
    warm_after: float = 0.0

    @property
    def unfinished(self) -> int:
        return 2 * self.sessions - len(self.first) - len(self.again)


def links(sessions: int, draws: int) -> list[str]:
    """Distinct share links: each its own seed and concession."""
    return [f"draws={draws}&seed={1000 + i}&concession={0.05 * (i % 10):.2f}" for i in range(sessions)]


def measure_load(sessions: int = 8, draws: int = 100_000, beside_threads: int = 0,
                 timeout: float = 900) -> Load:
    """Open ``sessions`` distinct links at once on a warm server, twice; with ``beside_threads``, a
    summary run on that many threads of this machine runs meanwhile (as another user's work would)."""
    load = Load(sessions, draws, beside_threads)
    queries = links(sessions, draws)
    port = free_port()
    server = start_app(port)
    beside = None
    try:
        wait_healthy(f"http://{HOST}:{port}", server)
        memory = PeakMemory(server.pid)
        memory.start()
        load.idle_rss = psutil.Process(server.pid).memory_info().rss
        deadline = time.monotonic() + timeout

        async def warm() -> None:
            await one_round(port, [""], deadline)  # the default view: the server is warm
            load.warm_after = await until_idle(server.pid, deadline)

        asyncio.run(warm())
        if beside_threads:
            beside = subprocess.Popen([sys.executable, "-m", "sim", "run", "baseline-2018", "--draws",
                                       str(BESIDE_DRAWS), "--threads", str(beside_threads)], cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)   # its threads are solving before the sessions arrive

        async def both_rounds():
            return await one_round(port, queries, deadline), await one_round(port, queries, deadline)

        first, again = asyncio.run(both_rounds())
        memory.stop.set()
        memory.join()
    finally:
        if beside is not None:
            beside.kill()
            beside.wait()
        stop(server)
    load.first, load.again = [s for s, _ in first], [s for s, _ in again]
    load.exceptions = sum(e for _, e in first + again)
    load.peak_rss = memory.peak
    return load


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``seconds``."""
    p50, p95 = np.percentile(seconds, [50, 95])
    return float(p50), float(p95)
