"""What every subcommand of the command line shares: the parser that exits 2 on a bad option, the
scenario argument and its ``--set`` changes, bounded number types, the output options and writing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from sim.spec.lenses import LENSES, through_lens
from sim.spec.numbers import NumberError, read_number, read_whole
from sim.spec.scenario import (
    MAX_SEED,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_yaml,
    preset_path,
    printable,
)

EXIT_BAD_INPUT = 2
#: Longest ``--set`` value, in characters (a whole scenario file is at most 1 MB).
MAX_SET_CHARS = 10_000
SEED_HELP = f"random seed, 0 to {MAX_SEED:,}"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {printable(message, 600)}\n")


def scenario_arguments(p: argparse.ArgumentParser, lens: bool = False) -> None:
    """The scenario (a file, or a preset's name) and ``--set`` changes on top of it; with ``lens``,
    the reading it is seen through (``--lens material|full``, Negotiations ¶2)."""
    p.add_argument("scenario", nargs="?", help="a YAML file, or a preset's name if no such file exists")
    p.add_argument("--preset", help="a preset's name, even if a file of that name exists here")
    p.add_argument("--set", dest="changes", action="append", default=[], metavar="PATH=VALUE",
                   help="override a value, e.g. levers.concession=0.6 (repeatable)")
    if lens:
        p.add_argument("--lens", choices=LENSES, default="full",
                       help="material: only what the alliance materially gives and costs, and the deal "
                            "(the bonds, endorsement, Haqqani weight, fragmentation, Omar's legacy, "
                            "backlash and chip at 0); full: the model as the scenario sets it")


def chosen_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, with its ``--set`` changes."""
    if (args.scenario is None) == (args.preset is None):
        raise ScenarioError([Problem("<command line>", "", "name one scenario: a file or preset name, "
                                     "or --preset NAME")])
    source = args.scenario if args.preset is None else preset_path(args.preset)
    return through_lens(load_scenario(source, parse_changes(args.changes)), getattr(args, "lens", "full"))


def output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--out", type=Path, help="write here instead of standard output")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` in ASCII digits (``1_000_000``
    allowed), read by :func:`sim.spec.numbers.read_whole` as every number from a person is."""
    return _argparse_type(read_whole, low, high)


def number(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a finite number from ``low`` to ``high`` in ASCII (see
    :func:`sim.spec.numbers.read_number`)."""
    return _argparse_type(read_number, low, high)


def _argparse_type(read: Callable, low: float, high: float) -> Callable[[str], float]:
    """``read(text, low, high)`` with its :class:`NumberError` as argparse's message."""
    def parse(text: str):
        try:
            return read(text, low, high)
        except NumberError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
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


def emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} draws")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
