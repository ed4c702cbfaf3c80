"""The JSON of a fixed list of commands, held byte for byte in ``tests/reference/``.

A change that only moves code (a refactoring) must leave every number where it was:
``tests/integration/test_reference_outputs.py`` runs :data:`COMMANDS` and compares each output with its
stored reference. A change that moves numbers on purpose regenerates them, and its commit says why:

    python scripts/reference_outputs.py --write

Without ``--write`` the script compares and lists the commands whose output differs (exit 1).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "tests" / "reference"

#: name -> the command line's arguments (``alliance-sim ...``): runs under both solutions and all three
#: samplers, every analysis, and a projection over time.
COMMANDS: dict[str, list[str]] = {
    "run-spe-random": ["run", "baseline-2018", "--draws", "20000", "--seed", "11", "--json"],
    "run-qre-random": ["run", "baseline-2018", "--draws", "20000", "--seed", "11", "--solution", "qre",
                       "--json"],
    "run-spe-lhs": ["run", "what-if-major-concession", "--draws", "8192", "--sampler", "lhs", "--json"],
    "run-qre-sobol": ["run", "what-if-major-concession", "--draws", "8192", "--sampler", "sobol",
                      "--solution", "qre", "--json"],
    "run-concession": ["run", "baseline-2018", "--draws", "5000", "--set", "levers.concession=0.6",
                          "--json"],
    "analyze-price": ["analyze", "baseline-2018", "--what", "price", "--draws", "5000", "--format", "json"],
    "analyze-curve": ["analyze", "baseline-2018", "--what", "curve", "--draws", "3000", "--grid", "6",
                      "--format", "json"],
    "analyze-zone": ["analyze", "what-if-major-concession", "--what", "zone", "--draws", "3000", "--grid",
                     "6", "--format", "json"],
    "analyze-sobol": ["analyze", "what-if-major-concession", "--what", "sobol", "--sobol-n", "2048",
                      "--output", "distance_or_sever", "--format", "json"],
    "analyze-morris": ["analyze", "what-if-major-concession", "--what", "morris", "--trajectories", "20",
                       "--output", "distance_or_sever", "--format", "json"],
    "analyze-prim": ["analyze", "what-if-major-concession", "--what", "prim", "--draws", "4000",
                     "--output", "sever", "--seed", "1", "--format", "json"],
    "timeline-projection": ["timeline", "baseline-2018", "--years", "8", "--draws", "2000", "--seed", "5",
                            "--format", "json"],
    "timeline-history": ["timeline", "history-1996-2018", "--draws", "1000", "--seed", "5", "--format",
                         "json"],
}
#: name -> (exercise card, draws): the workshop's adjudication of a round at the card's starting positions.
WORKSHOP = {"workshop-card-1": ("1-price-of-a-deal", 2000), "workshop-card-7": ("7-the-long-game", 1000)}


def cli_output(args: list[str]) -> str:
    from sim.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(args)
    if status != 0:
        raise RuntimeError(f"alliance-sim {' '.join(args)} exited {status}")
    return out.getvalue()


def workshop_output(card_id: str, draws: int) -> str:
    from sim.workshop.cards import load_card
    from sim.workshop.flows import adjudicate

    return json.dumps(adjudicate(load_card(card_id), {}, [], 7, draws), sort_keys=True, indent=1) + "\n"


def outputs() -> dict[str, str]:
    """Every command's output, by name."""
    found = {name: cli_output(args) for name, args in COMMANDS.items()}
    found.update({name: workshop_output(*card) for name, card in WORKSHOP.items()})
    return found


def differing(found: dict[str, str]) -> list[str]:
    """The names whose output is not its stored reference, byte for byte."""
    return [name for name, text in found.items()
            if not (REFERENCES / f"{name}.json").exists()
            or (REFERENCES / f"{name}.json").read_text(encoding="utf-8") != text]


def machine() -> str:
    """What the numbers' last bits depend on: the CPU's features and numpy's version (the compiled
    kernel's exp and numpy's differ in the last bit on some CPUs)."""
    import hashlib
    import platform

    import numpy as np

    flags = platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        flags = next((line for line in f if line.startswith(("flags", "Features"))), flags)
    return hashlib.sha256(f"{flags}|{np.__version__}".encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the outputs as the new references")
    args = parser.parse_args(argv)
    found = outputs()
    if args.write:
        REFERENCES.mkdir(parents=True, exist_ok=True)
        for name, text in found.items():
            (REFERENCES / f"{name}.json").write_text(text, encoding="utf-8")
        (REFERENCES / "machine.txt").write_text(machine() + "\n", encoding="utf-8")
        print(f"wrote {len(found)} references to {REFERENCES.relative_to(ROOT)}")
        return 0
    if machine() != (REFERENCES / "machine.txt").read_text(encoding="utf-8").strip():
        print("note: the references were written on another kind of machine; last bits may differ")
    bad = differing(found)
    print("\n".join(f"differs: {name}" for name in bad) or f"all {len(found)} outputs equal their references")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
