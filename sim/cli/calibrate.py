"""``alliance-sim calibrate`` and ``alliance-sim score``: the model confronted with a record.

``calibrate SCENARIO`` weights the prior draws by the likelihood of the scenario's timeline record
(tempered when the weights are too uneven) and may write the posterior to an ``.npz`` file that
``run --calibrated FILE`` uses; ``score RECORD`` prints the record's log score, per year and in total,
for the full model, the material lens and a naive baseline (docs/model.md, section 12b).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.cli.args import SEED_HELP, chosen_scenario, emit, number, scenario_arguments, whole_number
from sim.cli.run import MAX_WORKERS as MAX_CALIBRATION_WORKERS
from sim.cli.run import usable_cores
from sim.engine.driver import MAX_THREADS
from sim.spec.scenario import MAX_LAMBDA, MAX_SEED
from sim.timeline.calibration import (
    DEFAULT_TREMBLE,
    calibrate,
    check_posterior_path,
    load_posterior,
    report,
    save_posterior,
    score,
)
from sim.timeline.lambda_grid import MAX_GRID, SUGGESTED_GRID, weigh_lambda

MAX_CALIBRATION_DRAWS = 2_000_000
#: Longest --lambda-grid text read.
MAX_GRID_CHARS = 300
DEFAULT_CALIBRATION_DRAWS = 100_000
MAX_SCORE_DRAWS = 1_000_000
DEFAULT_SCORE_DRAWS = 50_000


def _common(p: argparse.ArgumentParser, most: int, default: int) -> None:
    scenario_arguments(p)
    p.add_argument(
        "--draws",
        type=whole_number(1, most),
        default=default,
        help=f"prior draws, at most {most:,} (default {default:,})",
    )
    p.add_argument("--seed", type=whole_number(0, MAX_SEED), help=SEED_HELP)
    p.add_argument("--solution", choices=("spe", "qre"))
    p.add_argument(
        "--lambda", dest="lam", type=number(0, MAX_LAMBDA), help=f"QRE precision, 0 to {MAX_LAMBDA:g}"
    )
    p.add_argument(
        "--tremble",
        type=number(1e-6, 0.5),
        default=DEFAULT_TREMBLE,
        help=f"under SPE, the chance a year is played at random (the model's own; default {DEFAULT_TREMBLE})",
    )
    p.add_argument(
        "--threads",
        type=whole_number(1, MAX_THREADS),
        default=min(MAX_THREADS, usable_cores()),
        help="threads (default: the cores this process may use; the same numbers whatever their count)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--out", type=Path, help="write here instead of standard output")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="weight the prior draws by the likelihood of the scenario's record")
    _common(p, MAX_CALIBRATION_DRAWS, DEFAULT_CALIBRATION_DRAWS)
    p.add_argument(
        "--posterior",
        type=Path,
        metavar="FILE.npz",
        help="write the posterior (weights, and a resample run --calibrated uses) here",
    )
    p.add_argument("--force", action="store_true", help="with --posterior: replace an existing file")
    p.add_argument(
        "--lambda-grid",
        type=lambda_grid,
        metavar="L1,L2,...",
        help=f"weigh these QRE lambdas by the record instead (2 to {MAX_GRID}, e.g. "
        f"{','.join(f'{v:g}' for v in SUGGESTED_GRID)}): each one's probability under a uniform prior "
        "on the grid, with its Monte Carlo interval",
    )
    p.add_argument(
        "--workers",
        type=whole_number(1, MAX_CALIBRATION_WORKERS),
        default=1,
        help=f"solve the draws' chunks on this many local dask worker processes, at most "
        f"{MAX_CALIBRATION_WORKERS} and never more than the cores (the same weights, bit for bit)",
    )
    s = sub.add_parser(
        "score", help="the log score of a scenario's record: full model, material lens, baseline"
    )
    _common(s, MAX_SCORE_DRAWS, DEFAULT_SCORE_DRAWS)
    s.add_argument(
        "--era",
        type=whole_number(1900, 2200),
        help="also score the years from ERA on after calibrating on the years before",
    )
    s.add_argument(
        "--calibrated",
        type=Path,
        metavar="POSTERIOR.npz",
        help="score the full model on this posterior's resample (the material lens stays on its prior)",
    )


def lambda_grid(text: str) -> list[float]:
    """An argparse type: comma-separated lambdas, each read as every number from a person is."""
    if len(text) > MAX_GRID_CHARS:
        raise argparse.ArgumentTypeError(f"{len(text):,} characters, at most {MAX_GRID_CHARS}")
    parts = text.split(",")
    if len(parts) > MAX_GRID:
        raise argparse.ArgumentTypeError(f"{len(parts)} values, at most {MAX_GRID}")
    read = number(0, MAX_LAMBDA)
    return [read(part.strip()) for part in parts]


def cmd_calibrate(args: argparse.Namespace) -> int:
    if args.lambda_grid is not None:
        return _weigh_lambda(args)
    if args.force and args.posterior is None:
        raise ValueError("--force goes with --posterior")
    if args.posterior is not None:
        check_posterior_path(args.posterior, args.force)  # before any draw is solved
    scenario = chosen_scenario(args)
    cal = calibrate(
        scenario, args.draws, args.seed, args.solution, args.lam, tremble=args.tremble, threads=args.threads,
        workers=_dask_workers(args),
    )
    if args.posterior is not None:
        save_posterior(cal, args.posterior, args.force)
    out = report(cal, args.posterior)
    emit(
        json.dumps(out, indent=2, allow_nan=False) + "\n"
        if args.format == "json"
        else _calibration_text(out),
        args.out,
    )
    return 0


def _dask_workers(args: argparse.Namespace) -> int:
    """Local dask workers for ``--workers`` (capped at the cores), 0 for none: one is this process."""
    workers = min(args.workers, usable_cores())
    return workers if workers > 1 else 0


def _weigh_lambda(args: argparse.Namespace) -> int:
    clash = [flag for flag, given in (("--lambda", args.lam is not None), ("--posterior", args.posterior),
                                      ("--force", args.force), ("--solution spe", args.solution == "spe"))
             if given]
    if clash:
        raise ValueError(f"--lambda-grid weighs QRE lambdas and writes no posterior: drop {', '.join(clash)}")
    out = weigh_lambda(chosen_scenario(args), args.lambda_grid, args.draws, args.seed, threads=args.threads,
                       workers=_dask_workers(args)).report()
    emit(json.dumps(out, indent=2, allow_nan=False) + "\n" if args.format == "json" else _lambda_text(out),
         args.out)
    return 0


def _lambda_text(r: dict) -> str:
    lines = [
        f"Lambda weighed by the record of {r['scenario']}: {r['draws']:,} prior draws, seed {r['seed']}, "
        f"QRE; a uniform prior on the grid",
        "",
        f"{'lambda':>10}  {'P(lambda | record) [95% interval]':<36}{'log marginal likelihood':>26}",
    ]
    for row in r["lambdas"]:
        lo, hi = row["interval"]
        lml = row["log_marginal_likelihood"]
        lines.append(f"{row['lambda']:>10g}  {row['probability']:>8.3f} [{lo:.3f}, {hi:.3f}]{'':<14}"
                     f"{lml['value']:>14.3f} ± {lml['se']:.3f}")
    lines += [
        f"Most probable on this grid: lambda {r['most_probable']:g}. (Intervals: the Monte Carlo error "
        "of the prior draws; log marginal likelihood: the record's log score at that lambda, ± one "
        "standard error.)",
        "A run uses the lambda it is given: --solution qre --lambda VALUE.",
    ]
    return "\n".join(lines) + "\n"


def _calibration_text(r: dict) -> str:
    lines = [
        f"Calibration of {r['scenario']} on its record ({len(r['years_observed'])} years observed), "
        f"{r['draws']:,} prior draws, seed {r['seed']}, {r['solution'].upper()}"
        + (f" (tremble {r['tremble']})" if r["tremble"] is not None else f" (lambda {r['lambda']:g})"),
        f"Effective sample size: {r['ess']:,.0f} (untempered {r['ess_untempered']:,.0f}; floor "
        f"{r['ess_floor']:,.0f}); temperature {r['temperature']:.4g}",
        "",
        f"{'parameter':<24}{'prior median [90%]':>30}{'posterior median [90%]':>32}{'shift':>9}  informed",
    ]
    for p in r["parameters"]:
        pr, po = p["prior"], p["posterior"]
        lines.append(
            f"{p['parameter']:<24}{pr['median']:>10.3g} [{pr['interval'][0]:.3g}, {pr['interval'][1]:.3g}]"
            f"{'':>4}{po['median']:>10.3g} [{po['interval'][0]:.3g}, {po['interval'][1]:.3g}]"
            f"{p['shift']:>+9.3f}  {'yes' if p['informed'] else 'no: the record does not inform it'}"
        )
    lines.append(
        "(shift: posterior minus prior mean, in prior standard deviations; informed: more than three "
        "Monte Carlo errors)"
    )
    if r["posterior"]:
        lines.append(f"Posterior written to {r['posterior']}")
    return "\n".join(lines) + "\n"


def cmd_score(args: argparse.Namespace) -> int:
    scenario = chosen_scenario(args)
    out = score(
        scenario,
        args.draws,
        args.seed,
        args.solution,
        args.lam,
        tremble=args.tremble,
        era=args.era,
        threads=args.threads,
        posterior=None if args.calibrated is None else load_posterior(args.calibrated),
    )
    emit(
        json.dumps(out, indent=2, allow_nan=False) + "\n" if args.format == "json" else _score_text(out),
        args.out,
    )
    return 0


def _cell(x: dict) -> str:
    return f"{x['value']:>9.3f} ± {x['se']:.3f}"


def _score_text(r: dict) -> str:
    head = (
        f"Log score of the {r['scenario']} record ({r['draws']:,} draws, seed {r['seed']}, "
        f"{r['solution'].upper()}): log probability of what was observed, higher is better; ± one Monte "
        "Carlo standard error"
    )
    if r["calibrated"]:
        head += f"\nFull model {r['calibrated']['label']} (the material lens on its prior)"
    lines = [head, "", f"{'year':<8}{'full model':>20}{'material lens':>20}{'baseline':>12}"]
    for y in r["years"]:
        lines.append(
            f"{y['year']:<8}{_cell(y['full']):>20}{_cell(y['material']):>20}{y['baseline']['value']:>12.3f}"
        )
    t = r["total"]
    lines.append(
        f"{'total':<8}{_cell(t['full']):>20}{_cell(t['material']):>20}{t['baseline']['value']:>12.3f}"
    )
    if "era" in r:
        e = r["era"]
        lines += [
            "",
            f"Years from {e['from']}, after calibrating on the years before (against the prior alone):",
        ]
        for lens in ("full", "material"):
            lines.append(
                f"  {lens:<10} calibrated {_cell(e[lens]['calibrated'])}   prior {_cell(e[lens]['prior'])}"
            )
        lines.append(f"  baseline   {e['baseline']['value']:.3f}")
    return "\n".join(lines) + "\n"
