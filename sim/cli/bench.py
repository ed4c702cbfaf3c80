"""``alliance-sim bench``: speed against the random-number floor and Gambit, memory, workers and cold
start, printed as figures (a benchmark, not a test)."""

from __future__ import annotations

import argparse
import sys

from sim.bench import measure as bench
from sim.cli.args import whole_number
from sim.spec.scenario import MAX_DRAWS

#: Most draws of the bench's summary-run figures (the issue's 10^9-draw run).
MAX_BENCH_SCALE_DRAWS = 1_000_000_000


def add_parser(sub: argparse._SubParsersAction) -> None:
    p_bench = sub.add_parser("bench", help="speed against the random-number floor and Gambit, memory, "
                                            "workers and cold start on baseline-2018")
    p_bench.add_argument("--draws", type=whole_number(1, MAX_DRAWS),
                         help=f"draws of the in-process figures (default 1,000,000), at most {MAX_DRAWS:,}")
    p_bench.add_argument("--scale-draws", type=whole_number(1, MAX_BENCH_SCALE_DRAWS),
                         help="draws of the summary-run memory and 2-worker figures (default 100,000,000), "
                              f"at most {MAX_BENCH_SCALE_DRAWS:,}")
    p_bench.add_argument("--quick", action="store_true", help="shrink every size (a check of the bench)")
    p_bench.add_argument("--json", action="store_true", help="all figures as one JSON object")


def command(args: argparse.Namespace) -> int:
    sizes = bench.resized(bench.Sizes.quick() if args.quick else bench.Sizes(), draws=args.draws,
                          scale_draws=args.scale_draws)
    report = bench.measure(sizes, say=lambda text: print(text, file=sys.stderr, flush=True))
    print(bench.to_json(report) if args.json else bench.render(report))
    return 0
