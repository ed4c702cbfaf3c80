"""Load on a real ``streamlit run``: sessions with distinct share links at once; latency and peak memory.

Starts the app on a free loopback port (nothing listens beyond 127.0.0.1, nothing leaves the
machine), opens ``--sessions`` websocket sessions at once, each on a link with its own seed (so no
two share a cached run) and ``--draws`` draws, and times each until its page has rendered. A second
round reopens the same links in new sessions, answered from the cache where it holds them. Prints p50
and p95 latency and the server's peak resident memory; asserts nothing. Bounded in time: the whole
run stops after ``--timeout`` seconds.

Before the rounds, one session opens the default view, so the server has started its worker pool and
solved the default preset, and the script waits until the server and its workers are idle (they solve
the other presets at start-up, one after another): the figures are those of a warm server.

Run: ``PYTHONPATH=. python scripts/load_app.py`` (8 sessions of 10^5 draws: the target is a p95 under
3 s on 2 cores); ``--draws 1000000`` checks memory at the app's cap (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time

import numpy as np
import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from sim.bench.local_server import HOST, free_port, start_app, stop, wait_healthy


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


def describe(label: str, seconds: list[float]) -> str:
    p50, p95 = np.percentile(seconds, [50, 95])
    return f"  {label:<34} p50 {p50:6.1f} s   p95 {p95:6.1f} s   ({len(seconds)} sessions)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=900, help="stop the whole run after this many s")
    args = parser.parse_args()
    queries = [f"draws={args.draws}&seed={1000 + i}&concession={0.05 * (i % 10):.2f}"
               for i in range(args.sessions)]
    port = free_port()
    server = start_app(port)
    try:
        wait_healthy(f"http://{HOST}:{port}", server)
        memory = PeakMemory(server.pid)
        memory.start()
        idle = psutil.Process(server.pid).memory_info().rss

        deadline = time.monotonic() + args.timeout

        async def both_rounds():
            await one_round(port, [""], deadline)  # the default view: the server is warm
            waited = await until_idle(server.pid, deadline)
            print(f"the server's start-up runs ended {waited:.0f} s after the default view was shown")
            return await one_round(port, queries, deadline), await one_round(port, queries, deadline)

        first, again = asyncio.run(both_rounds())
        memory.stop.set()
        memory.join()
    finally:
        stop(server)
    print(f"{args.sessions} sessions at once on a real `streamlit run`, each link distinct "
          f"({args.draws:,} draws, its own seed); {psutil.cpu_count()} cores")
    for label, opened in (("first open (computed)", first), ("reopened (cached if it fits)", again),
                          ("all", first + again)):
        print(describe(label, [s for s, _ in opened]) if opened else f"  {label}: none rendered in time")
    unfinished = 2 * args.sessions - len(first) - len(again)
    if unfinished:
        print(f"  {unfinished} sessions had not rendered after {args.timeout:.0f} s")
    print(f"  exceptions shown on the pages: {sum(e for _, e in first + again)}")
    print(f"  server memory: {idle / 2**30:.2f} GiB at start, peak {memory.peak / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
