"""The compiled hot path (sim.engine.kernel.fused) against its numpy reference (sim.model.solve,
sim.model.price, sim.model.game).

SPE: every per-draw output and node sum bit for bit. QRE: to rounding, for its logit responses take
an exp, and numpy's is not the C library's on every machine (on AVX-512 it has its own vectorised
exp, which differs in the last bit for about one number in twenty); the prices, which the kernel
finds by an Illinois search rather than bisection, within 1e-9, and priced in the same draws.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.driver import evaluate, evaluate_block
from sim.engine.kernel import builds
from sim.engine.kernel import fused as kernel
from sim.engine.kernel.layout import flat_tree, layout
from sim.engine.reference import evaluate_reference
from sim.engine.sampling import Design, draw_parameters
from sim.spec.scenario import load_scenario

PRICES = ("price_sever", "price_distance", "price_distance_or_sever")
PRESETS = ("1990s", "2001", "2011", "2015", "what-if-is-surge", "what-if-haqqani-ascendant",
           "what-if-legitimacy-crisis", "what-if-major-concession", "what-if-strong-verification")


#: How far a QRE output may be from the reference's: a few units in the last place of a number up
#: to about 20 (the largest utilities), far below any difference the model's logic could make.
QRE_ROUNDING = 1e-12


def _compare(fused, reference, concept: str) -> None:
    assert list(fused.per_draw) == list(reference.per_draw)
    assert fused.reach_keys == reference.reach_keys
    assert list(fused.sums) == list(reference.sums)
    draws = len(next(iter(reference.per_draw.values())))
    for key, want in reference.sums.items():
        if concept == "qre":   # fixed-point sums: a draw's rounding can move its unit by one
            assert np.max(np.abs(np.asarray(fused.sums[key]) - want), initial=0) <= draws, key
        else:
            np.testing.assert_array_equal(fused.sums[key], want, err_msg=key)
    for key, want in reference.per_draw.items():
        got = fused.per_draw[key]
        if concept == "qre" and key in PRICES:
            np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want), err_msg=key)
            finite = np.isfinite(want)
            assert np.max(np.abs(got[finite] - want[finite]), initial=0.0) <= 1e-9, key
        elif concept == "qre":
            np.testing.assert_allclose(got, want, rtol=0, atol=QRE_ROUNDING, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)


@pytest.mark.parametrize("concept", ["spe", "qre"])
def test_the_kernel_gives_the_reference_numbers_on_1e5_draws_of_the_2018_baseline(concept):
    scenario = load_scenario("baseline-2018")
    design = Design(100_000, 11)
    params = draw_parameters(scenario, design.uniforms(0, 100_000))
    reference = evaluate_reference(params, scenario.levers, concept, 10.0, 100_000)
    _compare(evaluate_block(scenario, design, 0, 100_000, concept, 10.0), reference, concept)


@pytest.mark.parametrize("preset", PRESETS)
def test_the_kernel_gives_the_reference_numbers_in_every_preset_under_both_solutions(preset):
    scenario = load_scenario(preset)
    design = Design(8_000, 3)
    params = draw_parameters(scenario, design.uniforms(0, 8_000))
    for concept, lam in (("spe", 0.0), ("qre", 4.0)):
        _compare(evaluate_block(scenario, design, 0, 8_000, concept, lam),
                 evaluate_reference(params, scenario.levers, concept, lam, 8_000), concept)


@pytest.mark.parametrize("concession", [0.0, 0.35, 0.5, 0.6, 1.0])
def test_the_kernel_follows_the_levers_including_at_the_chips_threshold(concession):
    scenario = load_scenario("baseline-2018", {"levers.concession": concession, "levers.verification": 0.7,
                                               "levers.pressure": 0.9})
    params = draw_parameters(scenario, Design(5_000, 5).uniforms(0, 5_000))
    _compare(evaluate(params, scenario.levers, "spe", 0.0, 5_000),
             evaluate_reference(params, scenario.levers, "spe", 0.0, 5_000), "spe")


def test_the_compiled_inverse_cdfs_draw_the_reference_values():
    # 2015 and the IS surge have PERT parameters (left to scipy); the rest are triangular or uniform.
    for preset in ("baseline-2018", "2015", "what-if-is-surge"):
        scenario = load_scenario(preset)
        u = Design(70_000, 9).uniforms(1_000, 70_000)   # across a block boundary
        rows = kernel.sampled_rows(scenario, u)
        reference = draw_parameters(scenario, u)
        for k, (name, want) in enumerate(reference.items()):
            np.testing.assert_array_equal(rows[k], np.broadcast_to(want, (69_000,)), err_msg=name)
        mapping = kernel.parameters_of(scenario, rows)
        assert mapping.keys() == reference.keys()
        for name, want in reference.items():
            assert type(mapping[name]) is type(want), name
            np.testing.assert_array_equal(mapping[name], want, err_msg=name)


def test_uniforms_in_any_memory_layout_draw_the_same_parameters():
    # The kernel reads its uniforms C-contiguous (in vector registers); sim.engine.kernel.fused copies any
    # other
    # layout first: draw-major, a column slice, or a Latin hypercube's design.
    scenario = load_scenario("baseline-2018")
    u = Design(3_000, 2).uniforms(0, 3_000)
    layouts = {"as drawn": u, "draw-major": np.ascontiguousarray(u), "every other draw": u[::2],
               "Fortran": np.asfortranarray(u)}
    want = {name: draw_parameters(scenario, v) for name, v in layouts.items()}
    for name, v in layouts.items():
        draws = kernel.sampled(scenario, v)
        assert draws.u.flags.c_contiguous, name
        rows = kernel.sampled_rows(scenario, v)
        for k, (param, values) in enumerate(want[name].items()):
            np.testing.assert_array_equal(rows[k], np.broadcast_to(values, (v.shape[0],)), err_msg=param)
    assert not np.array_equal(want["as drawn"]["aq_money"][::2], want["as drawn"]["aq_money"][:1_500])


def test_prices_given_to_the_kernel_are_kept_and_not_searched_again():
    scenario = load_scenario("baseline-2018")
    params = draw_parameters(scenario, Design(2_000, 1).uniforms(0, 2_000))
    given = {k: np.full(2_000, 0.25) for k in PRICES}
    chunk = evaluate(params, scenario.levers, "spe", 0.0, 2_000, given)
    for k in PRICES:
        np.testing.assert_array_equal(chunk.per_draw[k], given[k])


def test_the_kernel_refuses_a_tree_or_catalogue_it_was_not_written_for(monkeypatch):
    from sim.engine.kernel import _numba as _kernel_numba

    builds._jit.cache_clear()
    monkeypatch.setattr(_kernel_numba, "ORDER", _kernel_numba.ORDER[::-1])
    with pytest.raises(RuntimeError, match="no longer matches"):
        builds._jit()
    builds._jit.cache_clear()


def test_the_flattened_tree_has_every_terminal_once_in_the_order_of_play():
    from sim.model.game import build_game

    tree = flat_tree()
    game = build_game(draw_parameters(load_scenario("baseline-2018"), Design(3, 1).uniforms(0, 3)),
                      {"concession": 0.0, "verification": 0.5, "pressure": 0.5})
    assert sorted(tree.terminals) == sorted(game.payoffs)
    assert len(set(tree.terminals)) == len(tree.terminals) == 22
    # post-order: every child is numbered before its parent
    for j, kids in enumerate(tree.children):
        assert all(0 <= c < j for c in kids if c >= 0)


@pytest.mark.parametrize("concept", ["spe", "qre"])
def test_the_compiled_acceptance_curve_solves_each_concession_as_the_reference_does(concept):
    from sim.model.game import US, concession_line
    from sim.model.solve import solve, terminal_mass

    scenario = load_scenario("baseline-2018")
    params = draw_parameters(scenario, Design(3_000, 2).uniforms(0, 3_000))
    grid = np.array([0.0, 0.3, 0.55, 0.6, 1.0])
    solved = kernel.curve(kernel.parameter_rows(params, 3_000), grid, scenario.levers, concept, 6.0)
    line = concession_line(params, scenario.levers)
    for g, c in enumerate(grid):
        sol = solve(line.at(c), concept, 6.0)
        want = (*sol.probs[""], terminal_mass(sol, segment="split"), sol.values[""][US],
                sol.values["keep"][US])
        for name, got, expected in zip(kernel.CURVE_ROWS, solved[g], want, strict=True):
            if concept == "spe" and name in ("keep", "distance", "sever"):
                # The same choice in every draw; the values, from the lines, agree to rounding.
                np.testing.assert_array_equal(got, expected, err_msg=f"{name} at {c}")
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=f"{name} at {c}")


def test_al_qaedas_choices_do_not_move_with_the_concession():
    """What the compiled curve rests on: it solves al-Qaeda's choices once per draw. Were its payoffs
    to move with the concession, its choices would, and the curve would have to re-solve them."""
    from sim.model.game import AL_QAEDA, concession_line
    from sim.model.solve import solve

    tree = flat_tree()
    scenario = load_scenario("baseline-2018")
    params = draw_parameters(scenario, Design(3_000, 3).uniforms(0, 3_000))
    line = concession_line(params, scenario.levers)
    aq = [p for p in tree.decision_paths if tree.player[tree.node_of[p]] == AL_QAEDA]
    assert len(aq) >= 8
    for concept in ("spe", "qre"):
        ends = [solve(line.at(c), concept, 6.0) for c in (0.0, 0.35, 1.0)]
        for path in aq:
            for sol in ends[1:]:
                np.testing.assert_array_equal(sol.probs[path], ends[0].probs[path], err_msg=path)
        # ... while the leadership's do, in some draws: the check can fail.
        assert not np.array_equal(ends[0].probs[""], ends[-1].probs[""])


def test_a_runs_output_matrix_is_reused_only_once_nothing_refers_to_it():
    from sim.engine.driver import run

    scenario = load_scenario("baseline-2018")
    first = run(scenario, draws=20_000, seed=1, solution="spe")
    kept = {k: v.copy() for k, v in first.per_draw.items()}
    second = run(scenario, draws=20_000, seed=2, solution="spe")
    for k, v in kept.items():   # the second run wrote elsewhere: the first result is intact
        np.testing.assert_array_equal(first.per_draw[k], v, err_msg=k)
    assert not np.array_equal(first.per_draw["eu_taliban"], second.per_draw["eu_taliban"])

    held = kernel.output(1_000)
    other = kernel.output(1_000)
    assert other.base is not held.base   # in use: not handed out twice
    address = other.ctypes.data   # (a reference to its base would keep it in use)
    del other
    blocker = np.empty_like(held.base)   # memory freed by the del would go here, not to the next matrix
    again = kernel.output(1_000)
    assert blocker.ctypes.data != address
    assert again.ctypes.data == address and again.shape == (len(layout().rows), 1_000)   # reused
