"""A worker's per-draw arrays handed to the server through a file in shared memory, not the pipe.

A pool worker's result crosses to the server pickled through a pipe, 64 KB a read. The server's
thread that reads it gives the interpreter lock up at every read and waits for it again behind the
page scripts of the sessions being served: on this 2-core machine a 26 MB result (10^5 draws) took
2.3 s to arrive beside one busy Python thread and 4.9 s beside two, against 0.2-0.3 s alone. Its bytes
were then copied three times more (the read buffer, the message, the arrays), each into fresh memory.

:class:`HandedOver` pickles instead as the name of a file in ``/dev/shm`` (memory, not disk) that holds
the arrays one after another. The server maps that file copy-on-write and removes its name at once:
the arrays are read where the worker wrote them, and their memory is released with the last of them.
Files left by a server that died before reading them are removed by the next server (:func:`sweep`).
"""

from __future__ import annotations

import contextlib
import math
import mmap
import os
import tempfile
from pathlib import Path

import numpy as np

PREFIX = "alliance-sim-"
#: Each array starts on a multiple of this many bytes (a cache line).
ALIGN = 64


def directory() -> Path:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


class HandedOver(dict):
    """A mapping of numpy arrays that pickles as a shared-memory file rather than as its bytes, for
    the server ``owner`` (the worker's side); it unpickles as a plain ``dict`` of arrays on the
    server's side."""

    def __init__(self, arrays: dict[str, np.ndarray], owner: int):
        super().__init__(arrays)
        self.owner = owner

    def __reduce__(self):
        if os.getppid() != self.owner:   # the server has gone: no one would read (or remove) a file
            return dict, (dict(self),)
        try:
            return received, hand_over(self, self.owner)
        except OSError:   # no room in shared memory: through the pipe after all
            return dict, (dict(self),)


def hand_over(arrays: dict[str, np.ndarray], owner: int) -> tuple[str, list[tuple], int]:
    """Write ``arrays`` into a new file, named for the server ``owner`` (see :func:`sweep`); returns
    what :func:`received` needs to read them back."""
    fd, path = tempfile.mkstemp(prefix=f"{PREFIX}{owner}-", dir=directory())
    layout, offset = [], 0
    try:
        with open(fd, "wb", buffering=0) as f:
            for key, value in arrays.items():
                a = np.ascontiguousarray(value)
                start = -(-offset // ALIGN) * ALIGN
                if start > offset:
                    f.write(bytes(start - offset))
                f.write(a.data.cast("B") if a.nbytes else b"")
                layout.append((key, a.dtype.str, a.shape, start))
                offset = start + a.nbytes
    except BaseException:
        os.unlink(path)
        raise
    return path, layout, offset


class Unreadable(dict):
    """What :func:`received` gives when the file cannot be read: empty, with the reason. Unpickling
    must not raise, or the process pool would take the whole pool for broken."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


def received(path: str, layout: list[tuple[str, str, tuple, int]], size: int) -> dict[str, np.ndarray]:
    """The arrays of :func:`hand_over`'s file, mapped copy-on-write (writable, nothing copied until
    written); the file's name is removed at once."""
    try:
        with open(path, "rb") as f:
            buffer = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY) if size else b""
    except OSError as exc:
        return Unreadable(f"the run's draws could not be read back from {path}: {exc.strerror or exc}")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    out = {}
    for key, dtype, shape, start in layout:
        count = math.prod(shape)
        out[key] = (np.frombuffer(buffer, dtype=dtype, count=count, offset=start).reshape(shape) if count
                    else np.empty(shape, dtype=dtype))
    return out


def sweep(owner: int | None = None) -> list[Path]:
    """Remove the files of servers that are no longer running (they died before reading them), or all
    of ``owner``'s (a server leaving: what it has not read, no one will)."""
    removed = []
    for path in directory().glob(f"{PREFIX}{'' if owner is None else f'{owner}-'}*"):
        try:
            named = int(path.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if named == owner or (owner is None and named != os.getpid() and not _running(named)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
