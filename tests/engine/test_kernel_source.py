"""The kernel's tree code is written from sim.model.game.TREE by sim.engine.kernel.generate, never by hand."""

from __future__ import annotations

import pytest

from sim.engine.kernel import generate as kernel_source


def test_the_kernels_tree_section_is_what_the_generator_writes_from_the_tree():
    text = kernel_source.TARGET.read_text()
    assert kernel_source.current(text) == kernel_source.render(), (
        "sim/engine/kernel/_numba.py's generated section is stale: run python -m sim.engine.kernel.generate")


def test_a_hand_edit_of_the_generated_section_is_caught(tmp_path):
    text = kernel_source.TARGET.read_text()
    edited = text.replace("prob[0, 0] = e0 / total", "prob[0, 0] = e1 / total", 1)
    assert edited != text
    assert kernel_source.current(edited) != kernel_source.render()
    copy = tmp_path / "kernel.py"
    copy.write_text(edited)
    assert kernel_source.write(copy) is True
    assert copy.read_text() == text
    assert kernel_source.write(copy) is False


def test_every_generated_line_fits_the_projects_line_length():
    long = [line for line in kernel_source.render().splitlines() if len(line) > kernel_source.WIDTH]
    assert not long


def test_the_generated_section_needs_both_markers():
    with pytest.raises(ValueError):
        kernel_source.current("no markers here")
