"""The game tree as a Graphviz DOT graph, with the average play over the Monte Carlo draws.

Each branch is labelled with the probability that the mover takes it *given that play reaches the
node*: the mean probability of reaching the branch over the mean probability of reaching the node,
so a branch that only some draws ever reach is not diluted by the draws that never get there (for the
SPE: the share, among the draws that reach the node, in which the branch is the best reply). A node
no draw reaches shows the mover's average choice there, marked "never reached". Each leaf shows the
mean probability that play ends there. The equilibrium path (the most likely action at each decision
from the root on, and every outcome of a chance move on it) is drawn bold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.driver import Result
from sim.model.game import PLAYERS, TREE, Chance, Decision, Leaf

MOVER_NAMES = {"taliban": "Taliban leadership", "faction": "Hardline faction", "al_qaeda": "Al-Qaeda",
               "us": "United States"}
CHANCE_NAME = "US monitoring"
PATH_COLOUR = "#b03a2e"
#: Dark enough for 4.5:1 on white (WCAG AA text): the branch labels are drawn in it.
OTHER_COLOUR = "#5c5c5c"
TITLE = "Game tree: the Taliban leadership, its hardline faction, al-Qaeda and US monitoring"
#: The smallest label, in CSS px as the browser draws it, that a reader is asked to read (issue 31).
MIN_LABEL_PX = 12
#: A Graphviz SVG at its own size: Streamlit caps it at its column's width, which drew the 22 leaves'
#: labels at about 7 px on a laptop and under 3 px on a phone. At its own size (1 pt = 4/3 px)
#: Streamlit's 9.6 px chart text is drawn at 12.8 px, Graphviz's own 11-12 pt at 14.7-16 px
#: (``tests/e2e/test_browser_phone.py`` measures it); what does not fit scrolls sideways.
OWN_SIZE = "max-width: none !important; width: auto !important; height: auto !important;"
#: The full tree page: the tree at its own size, the page scrolling sideways.
FULL_SIZE_CSS = f"""<style>
[data-testid="stGraphVizChart"] svg {{ {OWN_SIZE} }}
</style>"""
FILL = {"taliban": "#dbe7f5", "faction": "#f6e3c8", "al_qaeda": "#e3f1dc", "chance": "#eeeeee"}


CAPTION = ("Branch labels: the probability of each move among the draws that reach that point of the "
           "game (given play gets there); leaf labels: the share of all draws whose play ends there. "
           "Bold red: the most likely line of play.")


@dataclass(frozen=True)
class TreeProbabilities:
    """Branch probabilities given that play reaches the node, by node path (actions in tree order);
    mean reach by leaf key; and the paths of nodes no draw reaches."""

    branches: dict[str, tuple[float, ...]]
    reach: dict[str, float]
    unreached: frozenset[str] = frozenset()


def mean_behaviour(result: Result) -> TreeProbabilities:
    """The run's play as seen at each node: branch probabilities conditional on reaching the node."""
    branches: dict[str, tuple[float, ...]] = {}
    unreached: set[str] = set()
    _conditional(TREE, "", result, branches, unreached)
    return TreeProbabilities(branches, dict(result.reach), frozenset(unreached))


def _conditional(node, path: str, result: Result, branches: dict, unreached: set) -> float:
    """Fill ``branches`` below ``node`` and return the mean probability of reaching it."""
    if isinstance(node, Leaf):
        return result.reach[node.key]
    masses = [_conditional(child, _join(path, name), result, branches, unreached)
              for name, child in _children(node).items()]
    total = sum(masses)
    if total > 0:
        branches[path] = tuple(m / total for m in masses)
    else:
        branches[path] = result.behaviour[path]
        unreached.add(path)
    return total


def equilibrium_path(probs: TreeProbabilities) -> set[str]:
    """Paths of the nodes on the most likely line of play (the root is ``""``)."""
    on_path: set[str] = set()
    _walk(TREE, "", probs, on_path)
    return on_path


def _walk(node, path: str, probs: TreeProbabilities, on_path: set[str]) -> None:
    on_path.add(path)
    if isinstance(node, Leaf):
        return
    children = _children(node)
    if isinstance(node, Chance):
        chosen = list(children)
    else:
        chosen = [list(children)[int(np.argmax(probs.branches[path]))]]
    for name in chosen:
        _walk(children[name], _join(path, name), probs, on_path)


def tree_dot(probs: TreeProbabilities) -> str:
    """DOT source of the game tree, left to right, with probabilities and the equilibrium path."""
    on_path = equilibrium_path(probs)
    lines = [
        f'digraph "{TITLE}" {{',
        f'  tooltip="{TITLE}"; rankdir=LR; nodesep=0.12; ranksep=0.35;',
        '  node [fontname="Helvetica", fontsize=12, shape=box, style="rounded,filled", penwidth=0.6];',
        '  edge [fontname="Helvetica", fontsize=11, arrowsize=0.5];',
    ]
    _emit(TREE, "", probs, on_path, lines)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _emit(node, path: str, probs: TreeProbabilities, on_path: set[str], lines: list[str]) -> None:
    node_id = f'"{path or "root"}"'
    if isinstance(node, Leaf):
        lines.append(f'  {node_id} [label="{probs.reach[node.key]:.3f}", shape=plaintext, style=""];')
        return
    mover = "chance" if isinstance(node, Chance) else PLAYERS[node.player]
    label = CHANCE_NAME if mover == "chance" else MOVER_NAMES[mover]
    if path in probs.unreached:
        label += " (never reached)"
    bold = ', penwidth=1.6' if path in on_path else ''
    lines.append(f'  {node_id} [label="{label}", fillcolor="{FILL.get(mover, "#ffffff")}"{bold}];')
    for (name, child), p in zip(_children(node).items(), probs.branches[path], strict=True):
        child_path = _join(path, name)
        highlighted = child_path in on_path
        colour = PATH_COLOUR if highlighted else OTHER_COLOUR
        width = 2.4 if highlighted else 0.8
        lines.append(f'  {node_id} -> "{child_path}" [label="{name.replace("_", " ")} {p:.2f}", '
                     f'color="{colour}", fontcolor="{colour}", penwidth={width}];')
        _emit(child, child_path, probs, on_path, lines)


def _children(node: Decision | Chance) -> dict[str, Decision | Chance | Leaf]:
    return node.outcomes if isinstance(node, Chance) else node.actions


def _join(path: str, step: str) -> str:
    return f"{path}/{step}" if path else step
