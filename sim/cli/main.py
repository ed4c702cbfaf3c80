"""The ``alliance-sim`` command line: the library's face. Each subcommand's module adds its own
options and action (run, list/show/validate, analyze, timeline, bench, prepare); this one dispatches.

Bad input never produces a traceback: every :class:`~sim.spec.scenario.ScenarioError` or bad option is
printed as one message per problem on stderr, and the exit status is 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import yaml

from sim.cli import analyze, bench, calibrate, prepare, run, scenarios, timeline
from sim.cli.args import EXIT_BAD_INPUT, Parser
from sim.spec.scenario import ScenarioError, printable

COMMANDS = {"run": run.command, "list": scenarios.cmd_list, "show": scenarios.cmd_show,
            "validate": scenarios.cmd_validate, "bench": bench.command, "analyze": analyze.cmd_analyze,
            "analyze-bench": analyze.cmd_analyze_bench, "timeline": timeline.cmd_timeline,
            "prepare": prepare.command, "calibrate": calibrate.cmd_calibrate, "score": calibrate.cmd_score}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="alliance-sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run.add_parser(sub)
    scenarios.add_parsers(sub)
    bench.add_parser(sub)
    prepare.add_parser(sub)
    analyze.add_analyze_parser(sub)
    timeline.add_timeline_parser(sub)
    calibrate.add_parsers(sub)
    return parser


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
