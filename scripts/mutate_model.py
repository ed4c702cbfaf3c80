"""Mutation check of the fact tests: every sign or term mutation of ``sim/model.py`` must be caught.

Each mutation edits one line of the model in a temporary copy of the repository and runs
``pytest tests/test_facts.py`` there (stopping at the first failure), through the numpy reference
of the hot path (``ALLIANCE_SIM_KERNEL=reference``: see :mod:`sim.kernel`). A mutation that leaves every
fact test passing means the facts do not test the mechanism it breaks. Prints a table of
mutation -> failing test, and exits 0 only when every mutation is caught.

    python scripts/mutate_model.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path("sim/model.py")
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Mutation:
    name: str
    find: str
    replace: str


MUTATIONS = (
    Mutation("pledge relief removed", '(1 - p["pledge_relief"]) * t["isolation"]', 't["isolation"]'),
    Mutation("bonds made only personal", 'p["shared_history_bond"] * p["years_together"]',
             '0.0 * p["years_together"]'),
    Mutation("legitimacy shield sign flipped", '(1 - p["legitimacy_shield"] * p["leader_legitimacy"])',
             '(1 + p["legitimacy_shield"] * p["leader_legitimacy"])'),
    Mutation("Haqqani rank ignored", 'p["haqqani_closeness"] * p["haqqani_rank"]', 'p["haqqani_closeness"]'),
    Mutation("money made irrelevant", '"funding": p["funding_weight"] * funding_dependence(p)',
             '"funding": 0.0'),
    Mutation("pledge binds al-Qaeda", '(1 - p["pledge_restraint"]) * p["external_ops_value"]', '0.0'),
    Mutation("chip charged at every offer", "np.where(np.asarray(concession) < threshold, chip, 0.0)",
             "chip + 0 * np.asarray(concession)"),
    Mutation("retaliation after a pledge dropped", 'taliban_voided - p["retaliation_cost"] - lost',
             "taliban_voided - lost"),
    Mutation("pledge as costly as a sever", 'share * break_cost(t)', 'break_cost(t)'),
    Mutation("al-Qaeda's haven prospect dropped", '+ p["haven_prospect"]', '- p["haven_prospect"]'),
    Mutation("deal sign flipped", '"deal": c * p["concession_value"]', '"deal": -c * p["concession_value"]'),
)


def _copy_repo(dest: Path) -> None:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", ".hypothesis", "artifacts"))


def apply(mutation: Mutation, source: str) -> str:
    if source.count(mutation.find) < 1:
        raise SystemExit(f"mutation '{mutation.name}' does not apply: '{mutation.find}' is not in {MODEL}")
    return source.replace(mutation.find, mutation.replace)


def run_one(mutation: Mutation, source: str) -> tuple[Mutation, list[str]]:
    """The fact tests that fail under ``mutation`` (empty: it survived)."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        copy = Path(tmp) / "repo"
        _copy_repo(copy)
        (copy / MODEL).write_text(apply(mutation, source), encoding="utf-8")
        # The facts run through the numpy reference, which reads sim/model.py; the compiled kernel
        # mirrors it and tests/test_kernel.py holds the two equal, so a mutant needs no recompiling.
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1",
               "ALLIANCE_SIM_KERNEL": "reference"}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
             "tests/test_facts.py"],
            cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    failed = re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.MULTILINE)
    if proc.returncode not in (0, 1) and not failed:
        failed = [f"(pytest exited {proc.returncode}: the mutant does not run)"]
    return mutation, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, choices=range(1, 9), metavar="1-8")
    args = parser.parse_args(argv)
    source = (ROOT / MODEL).read_text(encoding="utf-8")
    for m in MUTATIONS:  # fail fast on a mutation that no longer matches the model
        apply(m, source)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda m: run_one(m, source), MUTATIONS))
    width = max(len(m.name) for m in MUTATIONS)
    print(f"{'mutation':<{width}}  caught by")
    survived = 0
    for mutation, failed in results:
        survived += not failed
        print(f"{mutation.name:<{width}}  {', '.join(t.split('::')[-1] for t in failed) or 'SURVIVED'}")
    print(f"{len(results) - survived} of {len(results)} mutations caught")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
