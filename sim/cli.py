"""The ``alliance-sim`` command line: the library's face (run, list, show, validate, bench).

Bad input never produces a traceback: every :class:`~sim.scenario.ScenarioError` or bad option is
printed as one message per problem on stderr, and the exit status is 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import yaml

from sim import report
from sim.analysis.cli import add_analyze_parser, cmd_analyze, cmd_analyze_bench
from sim.run import MAX_THREADS
from sim.sampling import BLOCK
from sim.scenario import (
    MAX_DRAWS,
    MAX_LAMBDA,
    MAX_SEED,
    MAX_SUMMARY_DRAWS,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_yaml,
    preset_names,
    preset_path,
    printable,
    shown,
)
from sim.stream import DEFAULT_MAX_DRAWS, MAX_PRECISION, MAX_SAVE_ROWS, MIN_PRECISION, run_summary
from sim.timeline.cli import add_timeline_parser, cmd_timeline

EXIT_BAD_INPUT = 2


#: Most draws of the bench's summary-run figures (the issue's 10^9-draw run).
MAX_BENCH_SCALE_DRAWS = 1_000_000_000
#: Largest number of local dask workers ``run --workers`` starts.
MAX_WORKERS = 32
#: Longest ``--set`` value, in characters (a whole scenario file is at most 1 MB).
MAX_SET_CHARS = 10_000
SEED_HELP = f"random seed, 0 to {MAX_SEED:,}"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {printable(message, 600)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="alliance-sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p_run = sub.add_parser("run", help="run the Monte Carlo for a scenario")
    scenario_arguments(p_run)
    p_run.add_argument("--draws", type=whole_number(1, MAX_SUMMARY_DRAWS),
                       help=f"at most {MAX_SUMMARY_DRAWS:,} (kept as running sums, not per draw; LHS and "
                            f"Sobol' hold their design: at most {MAX_DRAWS:,})")
    p_run.add_argument("--seed", type=whole_number(0, MAX_SEED), help=SEED_HELP)
    p_run.add_argument("--solution", choices=("spe", "qre"))
    p_run.add_argument("--lambda", dest="lam", type=number(0, MAX_LAMBDA),
                       help=f"QRE precision, 0 to {MAX_LAMBDA:g}")
    p_run.add_argument("--sampler", choices=("random", "lhs", "sobol"))
    p_run.add_argument("--threads", type=whole_number(1, MAX_THREADS),
                       help=f"threads in this process, at most {MAX_THREADS} (default: one per core)")
    p_run.add_argument("--workers", type=whole_number(1, MAX_WORKERS), default=1,
                       help=f"spread the draws over this many local dask worker processes, at most "
                            f"{MAX_WORKERS} (same numbers)")
    p_run.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing dask cluster (same numbers); without --scheduler or "
                            "--workers, the DASK_SCHEDULER_ADDRESS environment variable is used if set")
    p_run.add_argument("--precision", type=number(MIN_PRECISION, MAX_PRECISION), metavar="SE",
                       help="instead of --draws: double the draws until every headline probability's "
                            f"standard error is at most SE ({MIN_PRECISION:g} to {MAX_PRECISION:g}; "
                            "random sampler)")
    p_run.add_argument("--max-draws", type=whole_number(BLOCK, MAX_SUMMARY_DRAWS),
                       help=f"with --precision: the most draws to spend (default {DEFAULT_MAX_DRAWS:,})")
    p_run.add_argument("--save", type=Path, metavar="DRAWS.parquet",
                       help=f"also write every draw's outputs and parameters to this Parquet file (at most "
                            f"{MAX_SAVE_ROWS:,} draws)")
    p_run.add_argument("--json", action="store_const", const="json", dest="format", default=argparse.SUPPRESS,
                       help="the same as --format json")
    _output_options(p_run)

    sub.add_parser("list", help="the shipped presets, one line each")
    p_show = sub.add_parser("show", help="the resolved parameters with meanings and sections")
    scenario_arguments(p_show)
    p_val = sub.add_parser("validate", help="check scenario files")
    p_val.add_argument("files", nargs="+")

    p_bench = sub.add_parser("bench", help="speed against the random-number floor and Gambit, memory, "
                                            "workers and cold start on baseline-2018")
    p_bench.add_argument("--draws", type=whole_number(1, MAX_DRAWS),
                         help=f"draws of the in-process figures (default 1,000,000), at most {MAX_DRAWS:,}")
    p_bench.add_argument("--scale-draws", type=whole_number(1, MAX_BENCH_SCALE_DRAWS),
                         help="draws of the summary-run memory and 2-worker figures (default 100,000,000), "
                              f"at most {MAX_BENCH_SCALE_DRAWS:,}")
    p_bench.add_argument("--quick", action="store_true", help="shrink every size (a check of the bench)")
    p_bench.add_argument("--json", action="store_true", help="all figures as one JSON object")
    p_prep = sub.add_parser("prepare", help="compile the engine for this machine (once, about a minute); "
                                             "the app's set-up command runs it")
    p_prep.add_argument("--force", action="store_true", help="compile again even if it is ready")
    add_analyze_parser(sub)
    add_timeline_parser(sub, scenario_arguments, whole_number, _output_options)
    return parser


def scenario_arguments(p: argparse.ArgumentParser) -> None:
    """The scenario (a file, or a preset's name) and ``--set`` changes on top of it."""
    p.add_argument("scenario", nargs="?", help="a YAML file, or a preset's name if no such file exists")
    p.add_argument("--preset", help="a preset's name, even if a file of that name exists here")
    p.add_argument("--set", dest="changes", action="append", default=[], metavar="PATH=VALUE",
                   help="override a value, e.g. levers.concession=0.6 (repeatable)")


def chosen_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, with its ``--set`` changes."""
    if (args.scenario is None) == (args.preset is None):
        raise ScenarioError([Problem("<command line>", "", "name one scenario: a file or preset name, "
                                     "or --preset NAME")])
    source = args.scenario if args.preset is None else preset_path(args.preset)
    return load_scenario(source, parse_changes(args.changes))


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--out", type=Path, help="write here instead of standard output")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (``1_000_000`` allowed)."""
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {shown(text)}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {shown(text)}")
        return value
    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a finite number from ``low`` to ``high``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {shown(text)}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"must be a number from {low:g} to {high:g}, got {shown(text)}")
        return value
    return parse


def parse_changes(items: Sequence[str]) -> dict[str, object]:
    """``["levers.concession=0.6"]`` -> ``{"levers.concession": 0.6}`` (values read as YAML scalars)."""
    out: dict[str, object] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError([Problem("--set", item, "expected PATH=VALUE, e.g. levers.concession=0.6")])
        if len(text) > MAX_SET_CHARS:
            raise ScenarioError([Problem("--set", path, f"the value has {len(text):,} characters; at most "
                                         f"{MAX_SET_CHARS:,}")])
        out[path.strip()] = parse_yaml(f"v: {text}", "--set")["v"]
    return out


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} draws")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_run(args: argparse.Namespace) -> int:
    """A summary run (accumulators, not per-draw arrays), in this process or on dask workers."""
    scenario = chosen_scenario(args)
    _check_run_options(args)
    from sim.distributed import scheduler_address

    remote = scheduler_address(args.scheduler, args.workers)
    precision = None
    if remote is not None or args.workers > 1:
        tally = _run_on_cluster(args, scenario, remote)
    elif args.precision is not None:
        from sim.stream import run_to_precision

        tally, reached = run_to_precision(scenario, args.precision, args.seed, args.solution, args.lam,
                                          args.sampler, max_draws=args.max_draws or DEFAULT_MAX_DRAWS,
                                          threads=args.threads)
        precision = report.precision_note(tally, args.precision, reached)
    else:
        draws = args.draws or scenario.draws
        show_bar = draws >= 200_000 and sys.stderr.isatty()
        tally = run_summary(scenario, draws=draws, seed=args.seed, solution=args.solution, lam=args.lam,
                            sampler=args.sampler, threads=args.threads, save=args.save,
                            progress=_progress if show_bar else None)
    _emit(report.render(tally, args.format, precision), args.out)
    if precision is not None and not precision["reached"]:
        print(f"alliance-sim: the standard error target {args.precision:g} was not reached in "
              f"{tally.draws:,} draws (largest {precision['largest_stderr']:.2g}); raise --max-draws",
              file=sys.stderr)
        return 1
    return 0


def _check_run_options(args: argparse.Namespace) -> None:
    cluster = args.workers > 1 or args.scheduler is not None
    if args.precision is not None and args.draws is not None:
        raise ValueError("choose --draws or --precision, not both")
    if args.max_draws is not None and args.precision is None:
        raise ValueError("--max-draws goes with --precision")
    if cluster and (args.precision is not None or args.save is not None):
        raise ValueError("--precision and --save run in this process: drop --workers and --scheduler")
    if cluster and args.threads is not None:
        raise ValueError("--threads is for a run in this process; dask workers run one thread each")


def _run_on_cluster(args: argparse.Namespace, scenario: Scenario, remote: tuple[str, str] | None):
    from sim.distributed import local_client, remote_client, run_distributed

    if remote is not None:
        address, where = remote
        if where != "--scheduler":
            print(f"alliance-sim: running on the dask scheduler at {address} (from {where})", file=sys.stderr)
        client = remote_client(address)
    else:
        client = local_client(args.workers)
    with client:
        return run_distributed(scenario, client, draws=args.draws or scenario.draws, seed=args.seed,
                               solution=args.solution, lam=args.lam, sampler=args.sampler)


def cmd_list(_: argparse.Namespace) -> int:
    for name in preset_names():
        scenario = load_scenario(name)
        first = scenario.description.split(". ")[0].rstrip(".")
        print(f"{name:<28} {first}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    scenario = chosen_scenario(args)
    print(report.describe_scenario(scenario))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for f in args.files:
        try:
            load_scenario(f)
            print(f"{f}: ok")
        except ScenarioError as exc:
            failed = True
            print(str(exc), file=sys.stderr)
    return EXIT_BAD_INPUT if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from sim import bench

    sizes = bench.resized(bench.Sizes.quick() if args.quick else bench.Sizes(), draws=args.draws,
                          scale_draws=args.scale_draws)
    report = bench.measure(sizes, say=lambda text: print(text, file=sys.stderr, flush=True))
    print(bench.to_json(report) if args.json else bench.render(report))
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from sim.prepare import prepare

    return prepare(lambda text: print(text, flush=True), force=args.force)


def cmd_timeline_here(args: argparse.Namespace) -> int:
    return cmd_timeline(args, chosen_scenario(args), _emit)


COMMANDS = {"run": cmd_run, "list": cmd_list, "show": cmd_show, "validate": cmd_validate,
            "bench": cmd_bench, "analyze": cmd_analyze, "analyze-bench": cmd_analyze_bench,
            "timeline": cmd_timeline_here, "prepare": cmd_prepare}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, yaml.YAMLError, ValueError) as exc:
        print(f"alliance-sim: error: {printable(str(exc), 600)}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
