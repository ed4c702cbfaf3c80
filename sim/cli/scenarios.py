"""``alliance-sim list``, ``show`` and ``validate``: the shipped presets, a scenario's resolved
parameters, and a check of scenario files."""

from __future__ import annotations

import argparse
import sys

from sim.cli.args import EXIT_BAD_INPUT, chosen_scenario, scenario_arguments
from sim.present import report
from sim.spec.scenario import ScenarioError, load_scenario, preset_names


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("list", help="the shipped presets, one line each")
    p_show = sub.add_parser("show", help="the resolved parameters with meanings and sections")
    scenario_arguments(p_show)
    p_val = sub.add_parser("validate", help="check scenario files")
    p_val.add_argument("files", nargs="+")



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
