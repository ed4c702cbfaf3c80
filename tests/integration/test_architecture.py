"""The package's shape as a contract: layers that only import downwards (import-linter, configured in
``pyproject.toml``), no import cycle anywhere (on grimp's graph, which import-linter is built on), and
a ``sim/`` root that holds only folders besides ``__init__.py`` and ``__main__.py``.

Each check has a companion that plants the fault in a copy of the package and sees the check fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Run in a copy of the package: the import-linter contract, then the cycle check, each printing its verdict.
CHECKS = """
import sys
from importlinter import cli
sys.path.insert(0, ".")
sys.path.insert(0, {tests!r})
from test_architecture import import_cycles
print("contract", cli.lint_imports(config_filename="pyproject.toml"))
print("cycles", import_cycles("sim"))
"""


def import_cycles(package: str) -> list[list[str]]:
    """Every set of modules of ``package`` that import each other in a circle (strongly connected
    components of more than one module, or a module importing itself), by Tarjan's algorithm."""
    graph = grimp.build_graph(package)
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in imports[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in imports[module]:
                cycles.append(sorted(component))

    for module in imports:
        if module not in index:
            visit(module)
    return cycles


def checked_copy(tmp_path: Path, plant: dict[str, str]) -> str:
    """The contract and the cycle check run on a copy of ``sim/`` with lines appended to some modules."""
    skipped = shutil.ignore_patterns("__pycache__", "_kernel_aot_*", "_engine_ready_*")
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=skipped)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, line in plant.items():
        with (tmp_path / module).open("a", encoding="utf-8") as f:
            f.write(f"\n{line}\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = CHECKS.format(tests=str(Path(__file__).parent))
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240, check=True).stdout


def test_the_layers_contract_holds():
    from importlinter import cli

    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_there_is_no_import_cycle_in_the_package():
    assert import_cycles("sim") == []


@pytest.mark.subprocess
def test_an_upward_import_breaks_the_contract(tmp_path):
    shown = checked_copy(tmp_path, {"sim/spec/parameters.py": "import sim.present.report  # planted"})
    assert "contract 1" in shown and "sim.spec.parameters -> sim.present.report" in shown, shown


@pytest.mark.subprocess
def test_a_planted_cycle_is_found_within_a_layer(tmp_path):
    shown = checked_copy(tmp_path, {"sim/cli/args.py": "import sim.cli.main  # planted"})
    assert "contract 0" in shown, shown
    assert "'sim.cli.args'" in shown.split("cycles", 1)[1] and "'sim.cli.main'" in shown, shown


def test_the_package_root_holds_only_its_entry_points_and_folders():
    files = sorted(p.name for p in (ROOT / "sim").iterdir() if p.is_file() and p.suffix == ".py")
    assert files == ["__init__.py", "__main__.py"]
