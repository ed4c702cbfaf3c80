"""Print every preset's headline numbers as a markdown table (the table in docs/model.md, section 13).

Each preset runs at its own draws, seed, sampler, levers and solution (``sim.engine.driver.run`` with no
overrides). Columns: P(Keep), P(Distance), P(Sever), the medians of the Sever price and of the
pledge (Distance) price, and al-Qaeda's probability of an external operation.

    python scripts/preset_table.py            # the current (v2) code
    python scripts/preset_table.py --v1       # the v1 code (commit 202bcef) on the import path

For the v1 column, check the old code out in a temporary worktree and put it first on the path::

    git -C /work/main worktree add /tmp/v1 202bcef
    cd /tmp/v1 && PYTHONPATH=/tmp/v1 python /work/main/scripts/preset_table.py --v1
    git -C /work/main worktree remove --force /tmp/v1

v1 had no ``sever_price`` / ``pledge_price`` / ``external_op`` keys: its Sever and Distance prices
were ``reservation_price["sever"]`` and ``reservation_price["distance"]``, and al-Qaeda attacked
abroad only after Keep (``aq_response["attack"]``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import sim
from sim.engine.driver import run
from sim.spec.scenario import load_scenario, preset_names

HEADER = ("Preset", "P(Keep)", "P(Distance)", "P(Sever)", "Sever price (median)",
          "Pledge price (median)", "P(external op)")


def _price(x: float | None) -> str:
    return "none up to 1" if x is None else f"{x:.2f}"


def row(summary: dict[str, Any], v1: bool) -> tuple[str, ...]:
    """One table row from a run's ``summary()``, read with the v1 or the v2 keys."""
    out = summary["outcomes"]
    if v1:
        res = summary["reservation_price"]
        sever, pledge = res["sever"]["median"], res["distance"]["median"]
        external = summary["aq_response"]["attack"]
    else:
        sever, pledge = summary["sever_price"]["median"], summary["pledge_price"]["median"]
        external = summary["external_op"]["overall"]
    return (summary["scenario"], f"{out['keep']:.3f}", f"{out['distance']:.3f}", f"{out['sever']:.3f}",
            _price(sever), _price(pledge), f"{external:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--v1", action="store_true", help="read the v1 summary keys (commit 202bcef)")
    parser.add_argument("--draws", type=int, default=None,
                        help="override every preset's draws (a quick look; the doc uses their own)")
    args = parser.parse_args(argv)
    print(f"# code: {sim.__file__}", file=sys.stderr)
    rows = []
    for name in preset_names():
        result = run(load_scenario(name), draws=args.draws)
        print(f"# {name}: {result.draws} draws, seed {result.seed}, {result.solution}", file=sys.stderr)
        rows.append(row(result.summary(), args.v1))
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(HEADER))) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
