"""Load on a real ``streamlit run``: sessions with distinct share links at once; latency and peak memory
(see :mod:`sim.bench.load`; the bench prints the same figures beside a 2-thread run).

Run: ``PYTHONPATH=. python scripts/load_app.py`` (8 sessions of 10^5 draws); ``--beside 2`` runs a
2-thread ``alliance-sim run`` meanwhile; ``--draws 1000000`` checks memory at the app's cap (a few
minutes on 2 cores).
"""

from __future__ import annotations

import argparse

import psutil

from sim.bench.load import measure_load, percentiles


def describe(label: str, seconds: list[float]) -> str:
    p50, p95 = percentiles(seconds)
    return f"  {label:<34} p50 {p50:6.1f} s   p95 {p95:6.1f} s   ({len(seconds)} sessions)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--beside", type=int, default=0, help="threads of a summary run beside the load")
    parser.add_argument("--timeout", type=float, default=900, help="stop the whole run after this many s")
    args = parser.parse_args()
    load = measure_load(args.sessions, args.draws, args.beside, args.timeout)
    print(f"the server's start-up runs ended {load.warm_after:.0f} s after the default view was shown")
    beside = f", beside a {args.beside}-thread run" if args.beside else ""
    print(f"{args.sessions} sessions at once on a real `streamlit run`, each link distinct "
          f"({args.draws:,} draws, its own seed){beside}; {psutil.cpu_count()} cores")
    for label, opened in (("first open (computed)", load.first), ("reopened (cached if it fits)", load.again),
                          ("all", load.first + load.again)):
        print(describe(label, opened) if opened else f"  {label}: none rendered in time")
    if load.unfinished:
        print(f"  {load.unfinished} sessions had not rendered after {args.timeout:.0f} s")
    print(f"  exceptions shown on the pages: {load.exceptions}")
    print(f"  server memory: {load.idle_rss / 2**30:.2f} GiB at start, peak {load.peak_rss / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
