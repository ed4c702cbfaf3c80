"""The kernel compiled ahead of time: :mod:`sim.engine.kernel._numba`'s entry points as a plain extension
module, which a process loads without importing numba.

Loading the kernel from numba's on-disk cache costs a short process about 1.2-1.5 s before its first
draw: numba itself, then the registries of its compiler, which import ``scipy.linalg`` to look for a
BLAS. ``alliance-sim prepare`` (an install step; :mod:`sim.engine.prepare`) compiles the same functions, from
the same source
and
signatures, with ``numba.pycc`` into ``sim/engine/kernel/_kernel_aot_<digest>`` beside this file, which loads
in
about a millisecond. The tests hold it bit-identical to the JIT build.

Such a module holds the GIL while it runs, so :func:`sim.engine.kernel.builds.compiled` gives it only to the
main
thread, where one task at a time is solved; threads (a run's chunks in parallel, dask's workers,
Streamlit's sessions) keep the JIT build, which releases the GIL.

The digest in the module's name covers the kernel's source, numpy's version, the interpreter and the
CPU's features (the code is compiled for this CPU): a build that no longer matches is never loaded,
whatever is left on disk, and the JIT build stands in until ``alliance-sim prepare`` is run again.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import platform
import shutil
import sys
import tempfile
import time
import warnings
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from sim.engine.kernel.layout import checked

HERE = Path(__file__).parent
SOURCE = HERE / "_numba.py"
PREFIX = "_kernel_aot_"
#: The entry points :mod:`sim.engine.kernel.fused` and :mod:`sim.engine.tally` call.
ENTRY_POINTS = ("fill_parameters", "solve_chunk", "curve_chunk", "reach_chunk", "fixed_sums", "price_counts")


def _cpu() -> str:
    """What the compiled code depends on in the CPU: its feature flags (Linux), else its name."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{platform.machine()} {platform.processor()}"


@cache
def digest() -> str:
    """The build's key: the kernel's source, numpy's version, the interpreter, the CPU."""
    h = hashlib.sha256(SOURCE.read_bytes())
    for part in (np.__version__, sys.implementation.cache_tag, platform.machine(), _cpu()):
        h.update(b"\0" + part.encode())
    return h.hexdigest()[:16]


def module_name() -> str:
    return PREFIX + digest()


def _constants_path(name: str) -> Path:
    return HERE / f"{name}.json"


@cache
def load() -> SimpleNamespace | None:
    """The ahead-of-time build for the kernel's current source, as a namespace with the JIT module's
    constants and entry points; ``None`` if there is none (the caller falls back to the JIT build)."""
    name = module_name()
    try:
        constants = json.loads(_constants_path(name).read_text(encoding="utf-8"))
        module = importlib.import_module(f"sim.engine.kernel.{name}")
    except (OSError, ImportError, ValueError):
        return None
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in constants.items()}
    return SimpleNamespace(**values, **{f: getattr(module, f) for f in ENTRY_POINTS})


def _constants(module) -> dict:
    """The module's upper-case constants that :mod:`sim.engine.kernel.fused` reads: numbers and names."""
    out = {}
    for key, value in vars(module).items():
        if key.isupper() and isinstance(value, int | float | str | tuple) and not isinstance(value, bool):
            if isinstance(value, tuple) and not all(isinstance(v, str) for v in value):
                continue
            out[key] = value
    return out


def build() -> Path:
    """Compile the entry points for this machine into ``sim/engine/kernel/_kernel_aot_<digest>`` (about a
    minute
    of CPU), replacing any earlier build; returns the module's path."""
    with warnings.catch_warnings():
        # numba marks pycc "pending deprecation" without a replacement yet; if a numba without it is
        # installed, the build fails here and the JIT build keeps serving every run.
        warnings.simplefilter("ignore")
        from numba.pycc import CC

    jit = checked(importlib.import_module("sim.engine.kernel._numba"))
    name = module_name()
    with tempfile.TemporaryDirectory(prefix="alliance-aot-") as tmp:
        cc = CC(name)
        cc.output_dir = tmp
        cc.target_cpu = "host"   # as numba's own cache; the digest names the CPU it was built for
        cc.verbose = False
        for f in ENTRY_POINTS:   # each with the one signature the JIT build declares
            cc.export(f, getattr(jit, f).nopython_signatures[0])(getattr(jit, f).py_func)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc.compile()
        built = next(Path(tmp).glob(f"{name}.*"))
        for old in HERE.glob(PREFIX + "*"):
            old.unlink()
        target = HERE / built.name
        shutil.move(str(built), target)
    _constants_path(name).write_text(json.dumps(_constants(jit), indent=1), encoding="utf-8")
    load.cache_clear()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.engine.kernel.aot",
        description="Compile the kernel ahead of time for this machine, so that a short run starts "
                    "without importing numba (an install step; about a minute).")
    parser.add_argument("--check", action="store_true",
                        help="only say whether a build for the current source is installed")
    args = parser.parse_args(argv)
    if args.check:
        ok = load() is not None
        print(f"{module_name()}: {'installed' if ok else 'missing (run alliance-sim prepare)'}")
        return 0 if ok else 1
    start = time.perf_counter()
    try:
        path = build()
    except Exception as exc:   # a compiler missing, pycc gone: say so; runs fall back to the JIT
        print(f"the ahead-of-time build failed ({type(exc).__name__}: {exc}); runs use the JIT "
              "build, which starts about a second slower", file=sys.stderr)
        return 1
    if load() is None:
        print(f"built {path.name} but it does not load", file=sys.stderr)
        return 1
    print(f"built {path.relative_to(HERE.parent)} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
