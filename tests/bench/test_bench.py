"""The benchmark gives every figure or says why not, and the documents built from it are not hand-edited.

The bench's speed figures are printed, never asserted: what is checked here is the shape of its
report (``alliance-sim bench --quick --json``, every size shrunk), that its Gambit solve is a real
backward induction, and that the README table and ``docs/scale.md`` are exactly what
``scripts/perf_table.py`` renders from the stored ``docs/bench.json``.
"""

import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygambit as gbt
import pytest

from sim.bench.docs import BENCH_JSON, DOCUMENTS, block, with_block
from sim.bench.measure import TARGETS, Figure, cli, figures_of, gambit_backward_induction, gambit_figures
from sim.engine.driver import sample
from sim.model.efg import GAMBIT_PLAYERS, game_efg
from sim.model.game import build_game
from sim.model.solve import solve
from sim.spec.scenario import load_scenario

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
#: Figures the issue asks the bench to print, each as a value or an explained absence.
REQUIRED = {
    "floor", "spe_1_thread", "qre_1_thread", "spe_default_threads", "qre_default_threads",
    "floor_over_spe_1_thread", "floor_over_qre_1_thread", "floor_over_spe_default_threads",
    "floor_over_qre_default_threads", "gambit_spe_per_draw", "gambit_qre_per_draw", "gambit_over_ours_spe",
    "gambit_over_ours_qre", "peak_rss", "peak_rss_scale", "run_scale", "workers_2_speedup", "cold_start_best",
    "cold_start_median", "price_and_curve", "timeline", "calibration", "per_draw_bytes", "accumulator_bytes",
    "load_first_open_p50", "load_first_open_p95", "load_reopen_p95", "load_peak_rss",
}


@pytest.fixture(scope="module")
def quick_report() -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "sim", "bench", "--quick", "--json"], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=600, check=True)
    return json.loads(done.stdout)


def test_quick_bench_gives_every_figure_as_a_positive_number_or_a_reason(quick_report):
    assert {"scenario", "date", "machine", "sizes", "figures"} <= set(quick_report)
    assert quick_report["machine"]["cores"] >= 1 and quick_report["machine"]["cpu"]
    names = [f["name"] for f in quick_report["figures"]]
    assert len(names) == len(set(names))
    assert set(names) >= REQUIRED
    for f in quick_report["figures"]:
        assert f["label"] and f["unit"] and f["size"] >= 1, f
        if "value" in f:
            assert "not_available" not in f and math.isfinite(f["value"]) and f["value"] > 0, f
        else:
            assert isinstance(f["not_available"], str) and len(f["not_available"]) > 10, f
        if f["name"] in TARGETS:
            assert f["target"].split()[0] in (">=", "<") and "met" in f, f


def test_quick_bench_measures_what_this_build_can_run(quick_report):
    got = {f["name"]: f for f in quick_report["figures"]}
    for name in ("floor", "spe_1_thread", "qre_default_threads", "floor_over_qre_1_thread", "peak_rss",
                 "cold_start_best", "price_and_curve", "gambit_qre_per_draw", "gambit_over_ours_spe",
                 "load_first_open_p95", "load_reopen_p95", "load_peak_rss"):
        assert got[name]["value"] > 0, got[name]
    assert got["load_first_open_p95"]["met"] is None   # 2 sessions of 2,000 draws: not the target's size
    # Sizes are the quick ones, so no target can be called met or missed at them (except the cold start).
    assert got["floor_over_spe_1_thread"]["met"] is None


def test_a_refused_command_is_reported_in_the_clis_words():
    refused = cli("run", "--preset", "baseline-2018", "--draws", "0")
    assert refused.status == 2
    assert "--draws" in refused.refusal() and "must be from 1" in refused.refusal()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from /proc (Linux)")
def test_a_childs_peak_memory_is_its_own_not_the_bench_processs():
    # Linux carries the peak RSS across exec: a child's ru_maxrss is at least its parent's size.
    ballast = np.ones(400 * 2**20 // 8)   # 400 MiB held by this process while the child runs
    child = cli("run", "--preset", "baseline-2018", "--draws", "1000")
    assert child.status == 0, child.stderr
    assert 20 * 2**20 < child.peak_bytes < 300 * 2**20, child.peak_bytes / 2**20
    assert ballast.sum() > 0


def test_the_benchs_gambit_backward_induction_finds_our_subgame_perfect_payoffs():
    scenario = load_scenario("baseline-2018")
    game = build_game(sample(scenario, 20, seed=3).params, scenario.levers)
    spe = solve(game, "spe")
    for draw in range(game.draws):
        theirs = gambit_backward_induction(gbt.read_efg(io.StringIO(game_efg(game, draw))), gbt.H)
        np.testing.assert_allclose(theirs, spe.values[""][list(GAMBIT_PLAYERS), draw], atol=1e-9)


def test_a_figure_meets_its_target_only_at_the_targets_size():
    ratio = Figure("floor_over_spe_1_thread", "floor / SPE", 1_000_000, "ratio", 0.25,
                   target=TARGETS["floor_over_spe_1_thread"])
    assert ratio.met is True
    assert Figure(**{**ratio.__dict__, "value": 0.05}).met is False
    assert Figure(**{**ratio.__dict__, "size": 5_000}).met is None
    assert Figure(**{**ratio.__dict__, "value": None, "not_available": "refused"}).met is None


def test_stored_report_round_trips_through_its_figures():
    report = json.loads((REPO / BENCH_JSON).read_text(encoding="utf-8"))
    assert [f.as_dict() for f in figures_of(report)] == report["figures"]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_generated_block_is_what_the_renderer_writes_from_docs_bench_json(name):
    where, render = DOCUMENTS[name]
    report = json.loads((REPO / BENCH_JSON).read_text(encoding="utf-8"))
    text = (REPO / where).read_text(encoding="utf-8")
    assert block(text, name) == render(report), f"run: python scripts/perf_table.py (then commit {where})"
    # The block lives in one document only: a copy left behind elsewhere would go stale unchecked.
    documents = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    others = [doc.relative_to(REPO).as_posix() for doc in documents
              if doc != REPO / where and f"<!-- {name}:start -->" in doc.read_text(encoding="utf-8")]
    assert not others, f"the {name} block is written into {where} only; remove it from {others}"


def test_a_hand_edited_figure_no_longer_matches_the_rendered_block():
    where, render = DOCUMENTS["perf"]
    report = json.loads((REPO / BENCH_JSON).read_text(encoding="utf-8"))
    text = (REPO / where).read_text(encoding="utf-8")
    edited = text.replace("| floor / SPE end to end, 1 thread | 1,000,000 | ", "| floor / SPE end to end, "
                          "1 thread | 1,000,000 | 0.9 ", 1)
    assert edited != text
    assert block(edited, "perf") != render(report)
    assert block(with_block(edited, "perf", render(report)), "perf") == render(report)


def test_a_document_without_its_markers_is_refused():
    with pytest.raises(ValueError, match="perf:start"):
        block("no markers here", "perf")


def test_without_pygambit_the_gambit_figures_say_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygambit", None)  # makes "import pygambit" raise ImportError
    figures = gambit_figures(load_scenario("baseline-2018"), 3, {"spe": 1e-6, "qre": 1e-6})
    assert [f.name for f in figures] == ["gambit_spe_per_draw", "gambit_qre_per_draw"]
    assert all(f.value is None and "pygambit is not installed" in f.not_available for f in figures)
