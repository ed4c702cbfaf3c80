"""``--scheduler`` pointed at something that is not a dask scheduler: one line naming the address and what
was found there, exit status 2, within the connection limit; never a hang or a traceback.

Every listener here is the test's own, on 127.0.0.1 (a port the system chose): nothing else is contacted.
"""

from __future__ import annotations

import http.server
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import sim.engine.distributed as distributed
from sim.cli.main import main
from sim.engine.distributed import ADDRESS_VARIABLE, probe_scheduler, remote_client

ROOT = Path(__file__).resolve().parents[2]
#: A greeting framed as a dask handshake is (the length, one frame, its length, the frame).
DASK_LIKE = struct.pack("<QQQ", 8 + 8 + 5, 1, 5) + b"hello"


@contextmanager
def listener(greeting: bytes | None, close: bool = False) -> Iterator[str]:
    """A TCP server on a free loopback port that sends ``greeting`` to each connection (nothing if
    ``None``) and then holds it open (or closes it, with ``close``); its address."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if greeting:
                conn.sendall(greeting)
            if close:
                conn.close()
            else:
                held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        server.close()
        for conn in held:
            conn.close()


@contextmanager
def web_server() -> Iterator[str]:
    """``http.server`` on a free loopback port: it waits for a request line that never comes."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def short_limit(monkeypatch):
    """A 1-second connection limit, so that a listener that stays silent fails the test quickly."""
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.delenv(ADDRESS_VARIABLE, raising=False)


def run_cli(capsys, address: str) -> tuple[int, str]:
    status = main(["run", "baseline-2018", "--draws", "1000", "--scheduler", address])
    return status, capsys.readouterr().err


@pytest.mark.parametrize(("greeting", "close", "found"), [
    (b"\xff" * 64, False, "announces"),                          # made dask allocate 3 EiB before
    (struct.pack("<Q", 2**61) + b"\x00" * 8, False, "announces"),
    (struct.pack("<QQ", 64, 2**40), False, "frames"),
    (struct.pack("<QQQ", 64, 1, 7) + b"\x00" * 7, False, "do not add up"),
    (b"SSH-2.0-OpenSSH_9.6\r\n", False, "announces"),
    (None, True, "closed the connection"),
    (None, False, "no dask handshake"),
], ids=["junk", "huge-length", "huge-frame-count", "bad-frame-lengths", "ssh", "closes", "silent"])
def test_a_listener_that_is_not_a_dask_scheduler_gets_one_line_and_exit_2(capsys, short_limit, greeting,
                                                                         close, found):
    with listener(greeting, close) as address:
        status, err = run_cli(capsys, address)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and address in lines[0] and found in lines[0], err
    assert "Traceback" not in err


def test_a_web_server_on_the_port_is_named_not_waited_for(capsys, short_limit):
    with web_server() as address:
        status, err = run_cli(capsys, address)
    assert status == 2
    assert f"{address} is not a dask scheduler: it sent no dask handshake within 1 s of connecting" in err


def test_a_closed_port_says_nothing_listens(capsys, short_limit):
    with listener(None) as address:
        pass   # closed again: nothing listens there now
    status, err = run_cli(capsys, address)
    assert status == 2 and f"nothing listens at {address}" in err


def test_a_greeting_framed_as_dasks_passes_the_probe():
    with listener(DASK_LIKE) as address:
        probe_scheduler(address, time.monotonic() + 5, 5)


@pytest.mark.parametrize("error", [MemoryError("Unable to allocate 3.07 EiB"), RuntimeError("boom"),
                                   KeyError("x"), AssertionError()])
def test_any_exception_from_dasks_client_becomes_one_line_naming_the_address(monkeypatch, capsys, short_limit,
                                                                             error):
    import distributed as dask_distributed

    def failing_client(*args, **kwargs):
        raise error

    monkeypatch.setattr(dask_distributed, "Client", failing_client)
    with listener(DASK_LIKE) as address:
        with pytest.raises(ValueError, match=f"could not attach to {address}: {type(error).__name__}"):
            remote_client(address)
        status, err = run_cli(capsys, address)
    assert status == 2 and len(err.strip().splitlines()) == 1 and address in err


def test_an_exception_during_the_run_on_a_cluster_becomes_one_line(monkeypatch, capsys, short_limit):
    import sim.engine.executors as executors

    class Attached:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(executors, "remote_client", lambda address: Attached())
    monkeypatch.setattr(executors, "run_distributed", lambda *a, **k: (_ for _ in ()).throw(MemoryError()))
    status, err = run_cli(capsys, "tcp://127.0.0.1:9")
    assert status == 2 and "the run on the dask cluster at tcp://127.0.0.1:9 failed: MemoryError" in err
    assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.subprocess
def test_the_command_against_a_web_server_exits_2_with_one_line_within_the_limit():
    """The issue's reproduction, as a user runs it, with the real 10-second limit (it hung past 60 s)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(ADDRESS_VARIABLE, None)
    with web_server() as address:
        done = subprocess.run([sys.executable, "-m", "sim", "run", "baseline-2018", "--scheduler", address,
                               "--draws", "1000"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=45)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"alliance-sim: error: {address} is not a dask scheduler: it "
                                                "sent no dask handshake within 5 s of connecting"]


def test_an_exception_from_local_workers_becomes_one_line(monkeypatch, capsys):
    def lost(workers):
        raise RuntimeError("Worker tcp://127.0.0.1:1 failed to start")

    monkeypatch.setattr(distributed, "local_client", lost)
    monkeypatch.setattr("sim.cli.run.usable_cores", lambda: 2)
    monkeypatch.delenv(ADDRESS_VARIABLE, raising=False)
    status = main(["run", "baseline-2018", "--draws", "1000", "--workers", "2"])
    err = capsys.readouterr().err
    assert status == 2 and "the run on the dask cluster at 2 local workers failed: RuntimeError" in err
    assert len(err.strip().splitlines()) == 1


def test_calibrating_on_local_workers_that_fail_says_so_in_one_line(monkeypatch, capsys):
    """calibrate --workers goes through the same local_workers as run --workers."""
    def lost(workers):
        raise RuntimeError("Worker tcp://127.0.0.1:1 failed to start")

    monkeypatch.setattr(distributed, "local_client", lost)
    monkeypatch.setattr("sim.cli.calibrate.usable_cores", lambda: 2)
    status = main(["calibrate", "history-1996-2018", "--draws", "1000", "--workers", "2"])
    err = capsys.readouterr().err
    assert status == 2 and "the run on the dask cluster at 2 local workers failed: RuntimeError" in err
    assert len(err.strip().splitlines()) == 1
