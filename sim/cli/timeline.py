"""``alliance-sim timeline``: project a scenario year by year from its start."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.cli.args import chosen_scenario, emit, output_options, scenario_arguments, whole_number
from sim.spec.scenario import MAX_SEED
from sim.timeline.calibration import calibrated_sample, load_posterior
from sim.timeline.engine import project
from sim.timeline.limits import MAX_YEARS
from sim.timeline.summary import render

#: Most trajectories one command runs (each year solves the stage game for all of them).
MAX_TRAJECTORIES = 200_000
DEFAULT_TRAJECTORIES = 5_000


def add_timeline_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("timeline", help="the alliance year by year: survival curve, shares, deal's fate")
    scenario_arguments(p, lens=True)
    p.add_argument("--years", type=whole_number(1, MAX_YEARS),
                   help=f"years to project, at most {MAX_YEARS} (default: the scenario's span, else 15)")
    p.add_argument("--draws", type=whole_number(1, MAX_TRAJECTORIES), default=DEFAULT_TRAJECTORIES,
                   help=f"trajectories, at most {MAX_TRAJECTORIES:,} (default {DEFAULT_TRAJECTORIES:,})")
    p.add_argument("--seed", type=whole_number(0, MAX_SEED), help=f"random seed, 0 to {MAX_SEED:,}")
    p.add_argument("--solution", choices=("spe", "qre"), default="spe")
    p.add_argument("--calibrated", type=Path, metavar="POSTERIOR.npz",
                   help="trajectories on a posterior written by alliance-sim calibrate (its resample) "
                        "instead of the prior; the output names it")
    output_options(p)


def cmd_timeline(args: argparse.Namespace) -> int:
    scenario = chosen_scenario(args)
    if args.calibrated is None:
        projection = project(scenario, years=args.years, draws=args.draws, seed=args.seed,
                             solution=args.solution)
        emit(render(projection, args.format), args.out)
        return 0
    if args.draws != DEFAULT_TRAJECTORIES:
        raise ValueError("--draws does not go with --calibrated (the posterior's resample sets the "
                         "trajectories)")
    posterior = load_posterior(args.calibrated)
    drawn = calibrated_sample(scenario, posterior, args.seed)
    projection = project(scenario, years=args.years, seed=args.seed, solution=args.solution, drawn=drawn)
    text = render(projection, args.format)
    label = posterior.label()
    if args.format == "json":
        named = {"file": str(args.calibrated), "label": label, "effective_draws": posterior.effective_draws}
        text = json.dumps(json.loads(text) | {"calibrated": named}, indent=2) + "\n"
    else:
        text = f"# {label}\n{text}" if args.format == "csv" else f"Calibrated: {label}\n{text}"
    emit(text, args.out)
    return 0
