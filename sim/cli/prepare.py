"""``alliance-sim prepare``: compile the engine for this machine, once (the app's set-up command)."""

from __future__ import annotations

import argparse

from sim.engine.prepare import prepare


def add_parser(sub: argparse._SubParsersAction) -> None:
    p_prep = sub.add_parser("prepare", help="compile the engine for this machine (once, about a minute); "
                                             "the app's set-up command runs it")
    p_prep.add_argument("--force", action="store_true", help="compile again even if it is ready")


def command(args: argparse.Namespace) -> int:
    return prepare(lambda text: print(text, flush=True), force=args.force)
