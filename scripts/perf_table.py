"""Write docs/performance.md's table and docs/scale.md's arithmetic from a stored bench report.

    alliance-sim bench --json > docs/bench.json
    python scripts/perf_table.py [--bench docs/bench.json]

The blocks between ``<!-- perf:start -->`` / ``<!-- perf:end -->`` (docs/performance.md) and
``<!-- scale:start -->`` / ``<!-- scale:end -->`` (docs/scale.md) are replaced; nothing else is
touched. ``tests/bench/test_bench.py`` checks that both blocks are what this script would write.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.bench.docs import BENCH_JSON, DOCUMENTS, with_block

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=ROOT / BENCH_JSON)
    report = json.loads(parser.parse_args().bench.read_text(encoding="utf-8"))
    for name, (where, render) in DOCUMENTS.items():
        path = ROOT / where
        path.write_text(with_block(path.read_text(encoding="utf-8"), name, render(report)), encoding="utf-8")
        print(f"wrote the {name} block of {where}")


if __name__ == "__main__":
    main()
