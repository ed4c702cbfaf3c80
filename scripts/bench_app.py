"""Time the explorer's response to a lever change at 10^5 draws (server side, through AppTest).

Prints figures; nothing is asserted. Run: ``python scripts/bench_app.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"
DRAWS = "100000"
CONCESSION = "w:levers.concession"


def timed_rerun(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    return time.perf_counter() - start


def main() -> None:
    print(f"explorer rerun after a concession change, {int(DRAWS):,} draws (seconds)")
    for concept in ("spe", "qre"):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params.update({"draws": DRAWS, "solution": concept})
        first = timed_rerun(at)
        changes = []
        for value in (0.6, 0.65, 0.7):
            at.slider(key=CONCESSION).set_value(value)
            changes.append(timed_rerun(at))
        assert not at.exception, at.exception
        print(f"  {concept}: first run {first:.2f}; after a change " + ", ".join(f"{t:.2f}" for t in changes))


if __name__ == "__main__":
    main()
