"""``alliance-sim run``: a summary run of a scenario, in this process, on local dask workers or on an
existing cluster."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sim.cli.args import (
    SEED_HELP,
    chosen_scenario,
    emit,
    number,
    output_options,
    progress,
    scenario_arguments,
    whole_number,
)
from sim.engine.driver import MAX_THREADS, run_sample
from sim.engine.executors import InProcess, executor_for
from sim.engine.runspec import RunSpec
from sim.engine.sampling import BLOCK
from sim.engine.summary_runs import (
    DEFAULT_MAX_DRAWS,
    MAX_PRECISION,
    MAX_SAVE_ROWS,
    MIN_PRECISION,
    run_to_precision,
    summarise,
)
from sim.present import report
from sim.spec.scenario import MAX_DRAWS, MAX_LAMBDA, MAX_SEED, MAX_SUMMARY_DRAWS, printable
from sim.timeline.calibration import calibrated_sample, load_posterior

#: Largest number of local dask workers ``run --workers`` starts (and never more than the cores).
MAX_WORKERS = 32
#: The names ``--save`` writes (Parquet).
SAVE_SUFFIXES = (".parquet", ".pq")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p_run = sub.add_parser("run", help="run the Monte Carlo for a scenario")
    scenario_arguments(p_run, lens=True)
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
                            f"{MAX_SAVE_ROWS:,} draws; its name ends in .parquet; an existing file only with "
                            "--force)")
    p_run.add_argument("--force", action="store_true", help="with --save: replace an existing file")
    p_run.add_argument("--calibrated", type=Path, metavar="POSTERIOR.npz",
                       help="run on a posterior written by alliance-sim calibrate (its resample's draws) "
                            "instead of the prior; the output names it")
    p_run.add_argument("--json", action="store_const", const="json", dest="format", default=argparse.SUPPRESS,
                       help="the same as --format json")
    output_options(p_run)



def command(args: argparse.Namespace) -> int:
    """A summary run (accumulators, not per-draw arrays), in this process or on dask workers."""
    scenario = chosen_scenario(args)
    if args.calibrated is not None:
        return _calibrated_run(scenario, args)
    _check_run_options(args)
    precision = None
    if args.precision is not None:   # grows the draws block by block: in this process only
        tally, reached = run_to_precision(scenario, args.precision, args.seed, args.solution, args.lam,
                                          args.sampler, max_draws=args.max_draws or DEFAULT_MAX_DRAWS,
                                          threads=args.threads)
        precision = report.precision_note(tally, args.precision, reached)
    else:
        spec = RunSpec.of(scenario, args.draws, args.seed, args.sampler, args.solution, args.lam,
                          threads=args.threads, cap=MAX_SUMMARY_DRAWS)
        # --save writes the draws in this process; otherwise --workers, --scheduler or the environment.
        executor, named_by = (InProcess(), None) if args.save else executor_for(args.workers, args.scheduler)
        if named_by is not None:
            print(f"alliance-sim: running on the dask scheduler at {executor.address} (from {named_by})",
                  file=sys.stderr)
        if isinstance(executor, InProcess):
            show_bar = spec.draws >= 200_000 and sys.stderr.isatty()
            tally = summarise(spec, save=args.save, progress=progress if show_bar else None)
        else:
            tally = executor.summarise(spec)
    emit(report.render(tally, args.format, precision), args.out)
    if precision is not None and not precision["reached"]:
        print(f"alliance-sim: the standard error target {args.precision:g} was not reached in "
              f"{tally.draws:,} draws (largest {precision['largest_stderr']:.2g}); raise --max-draws",
              file=sys.stderr)
        return 1
    return 0


def _calibrated_run(scenario, args: argparse.Namespace) -> int:
    """A run on the posterior's resample (in this process): the parameters the record informs come
    from it, the others are drawn from the scenario as usual; the output names the posterior and the
    effective draws its intervals use (the resample repeats draws)."""
    for flag, given in (("--draws", args.draws), ("--precision", args.precision), ("--save", args.save),
                        ("--sampler", args.sampler), ("--scheduler", args.scheduler)):
        if given is not None:
            raise ValueError(f"{flag} does not go with --calibrated (the posterior's resample sets the "
                             "draws)")
    if args.workers > 1:
        raise ValueError("--workers does not go with --calibrated: it runs in this process")
    posterior = load_posterior(args.calibrated)
    drawn = calibrated_sample(scenario, posterior, args.seed)
    result = run_sample(drawn, solution=args.solution, lam=args.lam)
    label = posterior.label()
    text = report.render(result, args.format)
    if args.format == "json":
        text = json.dumps(json.loads(text) | {"calibrated": {"file": str(args.calibrated), "label": label,
                                                              **{k: posterior.meta[k] for k in CARRIED},
                                                              "resample_rows": drawn.draws,
                                                              "effective_draws": posterior.effective_draws}},
                          indent=2, allow_nan=False) + "\n"
    else:
        text = f"# {label}\n" + text if args.format == "csv" else f"Calibrated: {label}\n{text}"
    emit(text, args.out)
    return 0


#: What a calibrated run's JSON repeats of the posterior's settings.
CARRIED = ("scenario", "draws", "seed", "solution", "temperature", "ess", "ess_untempered")


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
    cores = usable_cores()
    if args.workers > cores:   # more would only queue for the same cores and miss their heartbeats
        print(f"alliance-sim: --workers {args.workers} capped at {cores}, the cores this process may use "
              "(the numbers are the same)", file=sys.stderr)
        args.workers = cores
    if args.force and args.save is None:
        raise ValueError("--force goes with --save")
    if args.save is not None:
        check_save_path(args.save, args.force)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_save_path(path: Path, force: bool) -> None:
    """Refuse, before any draw is run, a ``--save`` name that is not a Parquet file's, or that would
    replace a file without ``--force``."""
    if path.suffix.lower() not in SAVE_SUFFIXES:
        raise ValueError(f"--save {printable(str(path), 200)}: the draws are written as Parquet; name the "
                         f"file with {' or '.join(SAVE_SUFFIXES)}")
    if path.is_dir():
        raise ValueError(f"--save {printable(str(path), 200)}: it is a folder")
    if path.exists() and not force:
        raise ValueError(f"--save {printable(str(path), 200)}: the file exists; add --force to replace it, "
                         "or choose another name")
