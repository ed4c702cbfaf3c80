"""Scale-out: a summary run spread over dask.distributed workers, each returning a :class:`Tally`.

Each task rebuilds the uniforms of its own rows from ``(seed, row)`` (plain Monte Carlo draws come in
seeded blocks, see :mod:`sim.engine.sampling`), solves them a block at a time and sends back its
accumulators (a few hundred kilobytes), never per-draw arrays; the client adds them up exactly, so a
run gives the same numbers, to the bit, whatever the number of workers or the task size. Latin
hypercube and Sobol' designs depend on the whole run: the client generates them once and ships each
task its rows. Workers are separate processes: the task function lives here, in an importable module.

Where the workers come from (:func:`cluster_client`): ``--scheduler ADDRESS`` attaches to an existing
cluster; else ``--workers N`` (N > 1) starts N local single-threaded worker processes; else, if the
environment sets ``DASK_SCHEDULER_ADDRESS``, that cluster is used; else the run stays in this process.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.kernel.builds import sole_solver
from sim.engine.runspec import RunSpec
from sim.engine.sampling import BLOCK, Design
from sim.engine.summary_runs import CHUNK, check_design_size, tally_rows
from sim.engine.tally import Settings, Tally, settings_for
from sim.spec.scenario import printable, shown

if TYPE_CHECKING:
    from distributed import Client

#: Rows per task: 16 blocks (about a million draws), solved a block at a time on the worker.
TASK_ROWS = 16 * BLOCK
#: Tasks in flight per worker: enough to keep every worker busy, few enough to bound memory.
TASKS_PER_WORKER = 3
#: Seconds to wait for a scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT = 10
ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"
MAX_ADDRESS_CHARS = 300
_ADDRESS = re.compile(r"(?P<scheme>tcp|tls)://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])"
                      r":(?P<port>[0-9]{1,5})")


class _Rows:
    """Rows ``start:`` of a design, shipped to a worker, read with the :class:`Design` interface."""

    def __init__(self, rows: np.ndarray, start: int):
        self.rows, self.start = rows, start

    def uniforms(self, a: int, b: int, scratch: bool = False, only: tuple[int, ...] | None = None
                 ) -> np.ndarray:
        return self.rows[a - self.start: b - self.start]


def tally_task(settings: Settings, run_draws: int, start: int, stop: int,
               rows: np.ndarray | None = None) -> Tally:
    """The tally of rows ``start:stop`` of a run, a block at a time on one thread (runs on a worker;
    on a single-threaded one, with the kernel's ahead-of-time build: see
    :func:`sim.engine.kernel.builds.sole_solver`)."""
    from distributed import get_worker

    design = (Design(run_draws, settings.seed, settings.sampler) if rows is None else _Rows(rows, start))
    alone = get_worker().state.nthreads == 1
    with sole_solver() if alone else contextlib.nullcontext():
        return tally_rows(settings, design, start, stop, run_draws, threads=1)


def run_distributed(spec: RunSpec, client: Client, *, chunk_size: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Tally:
    """:func:`sim.engine.summary_runs.summarise` of ``spec``, with the chunks tallied on ``client``'s
    workers, in tasks of ``chunk_size`` rows (default: :data:`TASK_ROWS`, less if that leaves a worker
    idle)."""
    from distributed import as_completed

    draws = spec.draws
    check_design_size(draws, spec.sampler)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    chunk_size = chunk_size or task_rows(draws, workers)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    settings = settings_for(spec)
    whole = None if spec.sampler == "random" else spec.design().uniforms(0, draws)
    tasks = iter([(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)])
    [settings_future] = client.scatter([settings], broadcast=True)

    def submit(bounds: tuple[int, int]):
        a, b = bounds
        rows = None if whole is None else client.scatter(whole[a:b])
        return client.submit(tally_task, settings_future, draws, a, b, rows, pure=False)

    running = as_completed([submit(t) for _, t in zip(range(TASKS_PER_WORKER * workers), tasks,
                                                      strict=False)])
    total: Tally | None = None
    for future in running:
        part = future.result()
        future.release()
        total = part if total is None else total.merge(part)
        if progress:
            progress(total.draws, draws)
        following = next(tasks, None)
        if following is not None:
            running.add(submit(following))
    return total


def task_rows(draws: int, workers: int) -> int:
    """Rows per task: :data:`TASK_ROWS`, or fewer (whole summary chunks) so that every worker gets
    at least :data:`TASKS_PER_WORKER` tasks."""
    share = -(-draws // (TASKS_PER_WORKER * workers))
    return min(TASK_ROWS, max(CHUNK, -(-share // CHUNK) * CHUNK))


def local_client(workers: int) -> Client:
    """A local cluster of ``workers`` single-threaded processes (its HTTP endpoint on a free port).

    The workers are spawned (dask's default), never forked: a process forked while this one runs
    threads (a thread pool, Streamlit's event loop, numba's) can inherit a lock held at that instant
    and deadlock at start, as a worker once did in ``logging`` for 20 minutes. Spawning costs each
    worker its own imports (about 2 s of CPU, in parallel), paid once per cluster."""
    from distributed import Client, LocalCluster

    # ":0" puts the scheduler's HTTP endpoint on a free port, so two clusters never clash on 8787.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    return Client(cluster)


@contextlib.contextmanager
def local_workers(workers: int) -> Iterator[Client]:
    """:func:`local_client` for the length of a ``with``, every failure on its way in or inside it (a
    worker lost, a port taken) one :func:`cluster_failure` line; a ``ValueError`` (bad input) passes."""
    try:
        with local_client(workers) as client:
            yield client
    except ValueError:
        raise
    except Exception as exc:   # noqa: BLE001 - whatever dask raises: one line at the CLI
        raise cluster_failure(f"{workers} local workers", exc) from None


def checked_address(address: str, where: str) -> str:
    """A scheduler address ``tcp://HOST:PORT`` or ``tls://HOST:PORT``, or a clear ValueError."""
    text = address.strip()
    match = _ADDRESS.fullmatch(text) if len(text) <= MAX_ADDRESS_CHARS else None
    if match is None or not 1 <= int(match["port"]) <= 65535:
        raise ValueError(f"{where}: {shown(address)} is not a dask scheduler address; expected "
                         "tcp://HOST:PORT or tls://HOST:PORT with a port from 1 to 65535")
    return text


def scheduler_address(flag: str | None, workers: int) -> tuple[str, str] | None:
    """The scheduler to attach to and where it was named: ``--scheduler``, else (with no
    ``--workers``) ``DASK_SCHEDULER_ADDRESS``; ``None`` to start local workers or stay in process."""
    if flag is not None:
        if workers > 1:
            raise ValueError("choose --scheduler (an existing cluster) or --workers (a local one), not both")
        return checked_address(flag, "--scheduler"), "--scheduler"
    from_env = os.environ.get(ADDRESS_VARIABLE, "").strip()
    if from_env and workers == 1:
        return checked_address(from_env, ADDRESS_VARIABLE), ADDRESS_VARIABLE
    return None


def remote_client(address: str, timeout: float | None = None) -> Client:
    """A client of the scheduler at ``address`` with at least one worker, or a clear ValueError.

    The whole attachment is bounded: before dask's client sees the address, :func:`probe_scheduler`
    checks (within ``timeout`` seconds, name resolution included) that something listens there and
    greets as a dask scheduler does; dask's own connection then gets what is left of ``timeout``. Any
    exception from dask's client becomes one line naming the address (a listener that sent garbage
    once made dask try to allocate 3 EiB)."""
    from distributed import Client

    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    probe_scheduler(address, deadline, timeout)
    try:
        client = Client(address, timeout=f"{max(1.0, deadline - time.monotonic()):.3f}s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"could not reach the dask scheduler at {address} within {timeout:g} s "
                         f"({type(exc).__name__}); is it running, and is the address right?") from None
    except Exception as exc:   # noqa: BLE001 - dask's client raises anything from a strange peer
        raise ValueError(f"the dask client could not attach to {address}: {_what(exc)}") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        client.close()
        raise ValueError(f"the dask scheduler at {address} has no worker after {timeout:g} s; start one "
                         f"with: dask worker {address}") from None
    except Exception as exc:   # noqa: BLE001
        client.close()
        raise ValueError(f"the dask scheduler at {address} failed while waiting for a worker: "
                         f"{_what(exc)}") from None
    return client


def cluster_failure(where: str, exc: Exception) -> ValueError:
    """The one-line error of a run on the dask cluster at ``where`` (an address, or the local workers)
    that failed with ``exc``."""
    return ValueError(f"the run on the dask cluster at {where} failed: {_what(exc)}")


def _what(exc: BaseException) -> str:
    """An exception as one short line: its type and message."""
    text = " ".join(str(exc).split())
    return printable(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, 300)


#: Seconds a scheduler has to greet once connected: it sends its handshake as it accepts, so a
#: listener silent this long is something else (a web server waits for a request), and the whole
#: command fails well within the 10-second limit, the interpreter's start included.
GREETING_SECONDS = 5.0
#: The most bytes a scheduler's greeting (its handshake, a few hundred bytes) may announce.
MAX_HANDSHAKE_BYTES = 64 * 1024
#: The most frames the greeting may hold (it is one small message).
MAX_HANDSHAKE_FRAMES = 16


def probe_scheduler(address: str, deadline: float, timeout: float) -> None:
    """Return if a dask scheduler seems to listen at ``address`` (checked well formed), else raise a
    ValueError of one line naming the address and what was found there, by ``deadline``
    (:func:`time.monotonic`).

    A dask scheduler speaks first: on a new connection it sends its handshake, eight bytes (the
    length of what follows, little-endian), then the number of frames and each frame's length (eight
    bytes each) and the frames. The probe reads that much, bounded, and checks that the numbers add
    up. Over TLS only the connection is checked (dask's client then does the TLS handshake)."""
    match = _ADDRESS.fullmatch(address)
    if match is None:
        raise ValueError(f"{shown(address)} is not a dask scheduler address; expected tcp://HOST:PORT")
    host, port = match["host"].strip("[]"), int(match["port"])
    within = f"within {timeout:g} s"
    infos = _resolve(host, port, deadline)
    if infos is None:
        raise ValueError(f"could not look up the host of {address} {within}; is the address right?")
    if isinstance(infos, OSError):
        raise ValueError(f"could not look up the host of {address} ({_what(infos)}); is the address right?")
    sock = _connect(infos, deadline)
    if isinstance(sock, OSError):
        if isinstance(sock, ConnectionRefusedError):
            raise ValueError(f"nothing listens at {address} (connection refused); is the dask scheduler "
                             "running, and is the address right?")
        why = within if isinstance(sock, TimeoutError) else f"({_what(sock)})"
        raise ValueError(f"could not reach the dask scheduler at {address} {why}; is it running, and is "
                         "the address right?")
    with sock:
        if match["scheme"] == "tls":
            return
        got = bytearray()
        wait = min(GREETING_SECONDS, max(0.0, deadline - time.monotonic()))
        problem = _read_greeting(sock, got, time.monotonic() + wait)
    if problem is None:
        return
    if problem.startswith(("it sent no", "its greeting stopped")):
        problem += f" within {min(GREETING_SECONDS, timeout):g} s of connecting"
    seen = f"; it sent {_bytes_shown(bytes(got))}" if got else ""
    raise ValueError(f"{address} is not a dask scheduler: {problem}{seen}")


def _resolve(host: str, port: int, deadline: float) -> list | OSError | None:
    """``getaddrinfo`` of ``host``, which has no timeout of its own, in a thread waited for until
    ``deadline``: the addresses, the error, or ``None`` if it took too long."""
    found: list = []

    def look_up() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            found.append(exc)

    thread = threading.Thread(target=look_up, name="scheduler-lookup", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    return found[0] if found else None


def _connect(infos: list, deadline: float) -> socket.socket | OSError:
    """A socket connected to the first of ``infos`` that answers by ``deadline``, or the last error."""
    error: OSError = TimeoutError()
    for family, kind, proto, _, where in infos:
        left = deadline - time.monotonic()
        if left <= 0:
            return TimeoutError()
        sock = socket.socket(family, kind, proto)
        sock.settimeout(left)
        try:
            sock.connect(where)
            return sock
        except OSError as exc:   # socket.timeout is TimeoutError
            sock.close()
            error = exc
    return error


def _read_exactly(sock: socket.socket, n: int, got: bytearray, deadline: float) -> str | None:
    """Append ``n`` more bytes to ``got`` by ``deadline``, or say why not."""
    want = len(got) + n
    while len(got) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            return "it sent no dask handshake" if not got else "its greeting stopped part way"
        sock.settimeout(left)
        try:
            chunk = sock.recv(want - len(got))
        except TimeoutError:
            continue
        except OSError as exc:
            return f"the connection failed ({_what(exc)})"
        if not chunk:
            return "it closed the connection without a dask handshake"
        got += chunk
    return None


def _read_greeting(sock: socket.socket, got: bytearray, deadline: float) -> str | None:
    """Read and check a dask handshake's framing (see :func:`probe_scheduler`); ``None`` if it holds."""
    problem = _read_exactly(sock, 8, got, deadline)
    if problem:
        return problem
    (size,) = struct.unpack("<Q", got[:8])
    if not 16 <= size <= MAX_HANDSHAKE_BYTES:
        return f"its first message announces {size:,} bytes, not a dask handshake"
    problem = _read_exactly(sock, 8, got, deadline)
    if problem:
        return problem
    (frames,) = struct.unpack("<Q", got[8:16])
    if not 1 <= frames <= MAX_HANDSHAKE_FRAMES or 8 * (frames + 1) > size:
        return f"its first message announces {frames:,} frames, not a dask handshake"
    problem = _read_exactly(sock, 8 * frames, got, deadline)
    if problem:
        return problem
    lengths = struct.unpack(f"<{frames}Q", got[16:16 + 8 * frames])
    if sum(lengths) + 8 * (frames + 1) != size:
        return "its first message's frame lengths do not add up, not a dask handshake"
    return None


def _bytes_shown(data: bytes) -> str:
    return printable(repr(data[:40]) + ("..." if len(data) > 40 else ""), 100)
