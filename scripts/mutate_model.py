"""Mutation check of the fact tests: every sign or term mutation of ``sim/model/game.py`` (the stage
game) or of ``sim/timeline/engine.py`` (the state carried from year to year) must be caught.

Each mutation edits one line of the model in a temporary copy of the repository and runs the fact
tests there, ``tests/model/test_facts.py`` and the timeline's ``tests/timeline/test_timeline.py``
(stopping at the first failure; the test that last caught the mutation first, then all the others;
the timeline's subprocess and app-page tests are left out), through the numpy reference
of the hot path (``ALLIANCE_SIM_KERNEL=reference``: see :mod:`sim.engine.kernel.fused`). A mutation that
leaves every
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
MODEL = Path("sim/model/game.py")
ENGINE = Path("sim/timeline/engine.py")
FACTS = "tests/model/test_facts.py"
TIMELINE = "tests/timeline/test_timeline.py"
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Mutation:
    name: str
    find: str
    replace: str
    #: The fact test that caught this mutation when the table was last printed: run first, so that
    #: a caught mutant stops early. Should it no longer catch it, every other fact test runs after it.
    #: A bare name is in tests/model/test_facts.py; ``file::name`` names another file.
    aim: str
    file: Path = MODEL

    @property
    def aim_node(self) -> str:
        return self.aim if "::" in self.aim else f"{FACTS}::{self.aim}"


MUTATIONS = (
    Mutation("pledge relief removed", '(1 - p["pledge_relief"]) * t["isolation"]', 't["isolation"]',
             "test_fact1_in_2018_with_nothing_offered_the_taliban_pledges_and_does_not_sever"),
    Mutation("bonds made only personal", 'p["shared_history_bond"] * p["years_together"]',
             '0.0 * p["years_together"]',
             "test_fact4_after_bin_ladens_death_and_omars_revelation_the_alliance_is_kept"),
    Mutation("legitimacy shield sign flipped", '(1 - p["legitimacy_shield"] * p["leader_legitimacy"])',
             '(1 + p["legitimacy_shield"] * p["leader_legitimacy"])',
             "test_fact1_in_2018_with_nothing_offered_the_taliban_pledges_and_does_not_sever"),
    Mutation("Haqqani rank ignored", 'p["haqqani_closeness"] * p["haqqani_rank"]', 'p["haqqani_closeness"]',
             "test_fact4_fails_in_2011_if_the_bond_was_only_the_founders_personal_one"),
    Mutation("money made irrelevant", '"funding": p["funding_weight"] * funding_dependence(p)',
             '"funding": 0.0',
             "test_fact2_fails_when_al_qaeda_money_is_pivotal_as_in_the_1990s"),
    Mutation("pledge binds al-Qaeda", '(1 - p["pledge_restraint"]) * p["external_ops_value"]', '0.0',
             "test_fact11_after_a_pledge_al_qaeda_still_attacks_abroad_where_it_values_it"),
    Mutation("chip charged at every offer", "np.where(np.asarray(concession) < threshold, chip, 0.0)",
             "chip + 0 * np.asarray(concession)",
             "test_fact12_with_the_chip_hypothesis_on_the_sever_curve_jumps_at_the_threshold"),
    Mutation("retaliation after a pledge dropped", 'taliban_voided - p["retaliation_cost"] - lost',
             "taliban_voided - lost",
             "test_fact11_a_pledge_buys_the_taliban_no_immunity_from_us_retaliation"),
    Mutation("pledge as costly as a sever", 'share * break_cost(t)', 'break_cost(t)',
             "test_fact1_in_2018_with_nothing_offered_the_taliban_pledges_and_does_not_sever"),
    Mutation("al-Qaeda's haven prospect dropped", '+ p["haven_prospect"]', '- p["haven_prospect"]',
             "test_fact3_al_qaeda_loses_more_than_the_taliban_from_a_sever_in_nine_draws_in_ten"),
    Mutation("deal sign flipped", '"deal": c * p["concession_value"]', '"deal": -c * p["concession_value"]',
             "test_fact2_the_material_reading_severs_at_a_moderate_offer_and_the_full_model_does_not"),
    # Issue 27: mutations that passed every fact and timeline test before.
    Mutation("endorsement dropped", '"endorsement": endorsement(p),', '"endorsement": 0.0 * endorsement(p),',
             "test_fact5_holds_through_each_channel_alone"),
    Mutation("refusal cost dropped", '"refusal": c * p["moderate_discontent"]', '"refusal": 0.0 * c',
             "test_refusing_an_offer_costs_the_leadership_with_the_pro_negotiation_side"),
    Mutation("refusal cost sign flipped", '"refusal": c * p["moderate_discontent"]',
             '"refusal": -c * p["moderate_discontent"]',
             "test_refusing_an_offer_costs_the_leadership_with_the_pro_negotiation_side"),
    Mutation("detection independent of verification", 'levers["verification"] * p["detect_',
             '1.0 * p["detect_',
             "test_monitoring_makes_a_pledge_with_covert_ties_worth_less"),
    Mutation("bonds that do not deepen with the years",
             'p["years_together"] / (p["years_together"] + BOND_HALF_YEARS)', '0.5',
             f"{TIMELINE}::test_the_replay_under_qre_severs_few_trajectories_at_the_recorded_shocks_after_2001"),
    Mutation("memory of retaliation never fades", "memory * (1 - spec.memory_decay)", "memory",
             f"{TIMELINE}::test_fact10_year_by_year_the_backlash_is_fresh_after_the_attack_then_fades_at_"
             "the_scenarios_rate", ENGINE),
    Mutation("memory of retaliation forgotten after one year", "memory * (1 - spec.memory_decay)",
             "memory * 0.0",
             f"{TIMELINE}::test_fact10_year_by_year_the_backlash_is_fresh_after_the_attack_then_fades_at_"
             "the_scenarios_rate", ENGINE),
    Mutation("a leader's death restores full legitimacy",
             'num["leader_legitimacy"][succession] *= s.legitimacy_kept',
             'num["leader_legitimacy"][succession] = 1.0',
             f"{TIMELINE}::test_a_succession_resets_what_belongs_to_the_person", ENGINE),
)


def _copy_repo(dest: Path) -> None:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", ".hypothesis", "artifacts"))


def apply(mutation: Mutation, source: str) -> str:
    if source.count(mutation.find) < 1:
        raise SystemExit(f"mutation '{mutation.name}' does not apply: '{mutation.find}' is not in "
                         f"{mutation.file}")
    return source.replace(mutation.find, mutation.replace)


def run_one(mutation: Mutation, sources: dict[Path, str]) -> tuple[Mutation, list[str]]:
    """The fact tests that fail under ``mutation`` (empty: it survived)."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        copy = Path(tmp) / "repo"
        _copy_repo(copy)
        (copy / mutation.file).write_text(apply(mutation, sources[mutation.file]), encoding="utf-8")
        # The facts run through the numpy reference, which reads sim/model/game.py; the compiled kernel
        # mirrors it and tests/engine/test_kernel.py holds the two equal, so a mutant needs no recompiling.
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1",
               "ALLIANCE_SIM_KERNEL": "reference"}
        # pytest runs the tests of a file in the file's order whatever order they are named in, so
        # the aimed test gets a run of its own first.
        for tests in ([mutation.aim_node], [FACTS, TIMELINE]):
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                 "-m", "not subprocess", "-k", "not over_time_page", *tests], cwd=copy, env=env,
                capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
            failed = re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.MULTILINE)
            if proc.returncode not in (0, 1) and not failed:
                failed = [f"(pytest exited {proc.returncode}: the mutant does not run)"]
            if failed:
                break
    return mutation, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, choices=range(1, 9), metavar="1-8")
    args = parser.parse_args(argv)
    sources = {path: (ROOT / path).read_text(encoding="utf-8") for path in (MODEL, ENGINE)}
    for m in MUTATIONS:  # fail fast on a mutation that no longer matches the model or its fact
        apply(m, sources[m.file])
        test_file, name = m.aim_node.split("::")
        if f"def {name}(" not in (ROOT / test_file).read_text(encoding="utf-8"):
            raise SystemExit(f"mutation '{m.name}' aims at {name}, which is not in {test_file}")
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda m: run_one(m, sources), MUTATIONS))
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
