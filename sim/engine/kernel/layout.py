"""The game tree flattened for the compiled kernel, and the layout of what a chunk reports.

:data:`sim.model.game.TREE` is defined once, in the model; here it is numbered in post-order into index
arrays the kernel walks (:class:`FlatTree`), and the output matrix's rows are named (:class:`Layout`).
:func:`checked` holds a compiled build to the tree and the catalogue it was generated from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model.game import MOVES, TREE, Chance, Leaf
from sim.spec.parameters import NAMES

LEAF, CHANCE, DECISION = 0, 1, 2
AQ_RESPONSES = ("restrain", "attack", "lie_low", "active", "relocate", "underground")
#: The chance probabilities, in the order the kernel computes them.
CHANCES = ("detect_lie_low", "detect_active")


@dataclass(frozen=True)
class FlatTree:
    """:data:`TREE` as arrays, nodes numbered in post-order (children before their parent)."""

    kind: NDArray[np.int64]
    player: NDArray[np.int64]
    children: NDArray[np.int64]      # (nodes, 3), -1 where a node has fewer children
    leaf: NDArray[np.int64]          # terminal index of a leaf, else -1
    chance: NDArray[np.int64]        # index of a chance node's probability in CHANCES, else -1
    chance_node: NDArray[np.int64]   # index among chance nodes, else -1
    decision: NDArray[np.int64]      # index among decision nodes, else -1
    first: NDArray[np.int64]         # first node of each node's subtree (a contiguous range)
    terminals: tuple[str, ...]       # terminal keys, left to right (``Solution.reach`` order)
    decision_paths: tuple[str, ...]  # in post-order (``Solution.probs`` order)
    chance_paths: tuple[str, ...]    # left to right (``Solution.chance`` order)
    chance_names: tuple[str, ...]    # the game's chance probability of each chance node
    node_of: dict[str, int]          # decision-node path -> node

    @property
    def root(self) -> int:
        return len(self.kind) - 1


def _join(path: str, step: str) -> str:
    return f"{path}/{step}" if path else step


@cache
def flat_tree() -> FlatTree:
    rows: list[dict[str, Any]] = []
    terminals: list[str] = []
    decision_paths: list[str] = []
    chance_paths: list[str] = []
    chance_names: list[str] = []

    def visit(node, path: str) -> int:
        start = len(rows)
        if isinstance(node, Leaf):
            terminals.append(node.key)
            kids, row = [], {"kind": LEAF, "leaf": len(terminals) - 1}
        elif isinstance(node, Chance):
            chance_paths.append(path)
            chance_names.append(node.prob)
            row = {"kind": CHANCE, "chance": CHANCES.index(node.prob), "chance_node": len(chance_paths) - 1}
            kids = [visit(child, _join(path, name)) for name, child in node.outcomes.items()]
        else:
            kids = [visit(child, _join(path, name)) for name, child in node.actions.items()]
            decision_paths.append(path)
            row = {"kind": DECISION, "player": node.player, "decision": len(decision_paths) - 1,
                   "path": path}
        rows.append({"children": kids, "first": start, **row})
        return len(rows) - 1

    visit(TREE, "")
    n = len(rows)

    def column(name: str) -> NDArray[np.int64]:
        return np.array([r.get(name, -1) for r in rows], dtype=np.int64)

    children = np.full((n, 3), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        children[i, :len(r["children"])] = r["children"]
    return FlatTree(column("kind"), column("player"), children, column("leaf"), column("chance"),
                    column("chance_node"), column("decision"), column("first"), tuple(terminals),
                    tuple(decision_paths),
                    tuple(chance_paths), tuple(chance_names),
                    {r["path"]: i for i, r in enumerate(rows) if r["kind"] == DECISION})


def matching(terminals: tuple[str, ...], prefix: str = "", segment: str | None = None) -> list[int]:
    """Terminals under ``prefix`` that pass an action named ``segment`` (as
    :func:`sim.model.solve.terminal_mass` selects them), in reach order."""
    return [i for i, key in enumerate(terminals)
            if key.startswith(prefix) and (segment is None or segment in key.split("/"))]


# ----------------------------------------------------------------------------- what a chunk reports

#: Sums of terminal reach, each a list of terminals added in reach order.
def _groups(tree: FlatTree) -> dict[str, list[int]]:
    t = tree.terminals
    groups = {
        "split": matching(t, segment="split"),
        "detected": matching(t, "distance", "detected"),
        "deal_sever": matching(t, "sever"),
        "deal_pledge": matching(t, "distance", "undetected"),
        **{f"aq_{r}": matching(t, segment=r) for r in AQ_RESPONSES},
        "keep_attack": matching(t, "keep", "attack"),
        "distance_attack": matching(t, "distance", "attack"),
        "underground_attack": [i for i, k in enumerate(t)
                               if k.startswith("sever") and "underground/attack" in k],
    }
    return groups


#: Groups the kernel sums only to derive other outputs (deal, retaliation): not kept per draw.
INTERNAL_GROUPS = ("deal_sever", "deal_pledge", "keep_attack", "distance_attack", "underground_attack")
#: Rows of the kernel's output matrix besides the groups.
VALUE_ROWS = ("eu_taliban", "eu_faction", "eu_al_qaeda", "eu_us", "keep_taliban", "keep_al_qaeda",
              "distance_taliban", "distance_al_qaeda", "sever_taliban", "sever_al_qaeda", "retaliation",
              "material_net", "funding_dependence")
#: Rows the kernel derives from the others (:func:`sim.engine.reference._derived_values` has their meaning).
DERIVED_ROWS = ("distance_or_sever", "deal", "net_alliance_value", "aq_net_gain", "taliban_sever_loss")
PRICE_ROWS = ("price_sever", "price_distance", "price_distance_or_sever")


@dataclass(frozen=True)
class Layout:
    """Index arrays the compiled kernel reads, and the names of its output rows."""

    tree: FlatTree
    group_names: tuple[str, ...]       # the groups a run reports (rows of the output)
    group_members: NDArray[np.int64]   # (groups, terminals), -1 padded: reported, then INTERNAL_GROUPS
    attack_leaf: NDArray[np.bool_]     # terminals after an attack abroad
    move_nodes: NDArray[np.int64]      # the nodes of keep, distance, sever
    line_nodes: NDArray[np.int64]      # keep, distance/stay, distance/split, sever/stay, sever/split
    sever_node: int
    rows: tuple[str, ...]


@cache
def layout() -> Layout:
    tree = flat_tree()
    groups = _groups(tree)
    names = tuple(g for g in groups if g not in INTERNAL_GROUPS)
    members = np.full((len(groups), len(tree.terminals)), -1, dtype=np.int64)
    for g, name in enumerate((*names, *INTERNAL_GROUPS)):
        members[g, :len(groups[name])] = groups[name]
    rows = (*MOVES, "split_if_sever", *names, *(f"external_op_if_{m}" for m in MOVES), *VALUE_ROWS,
            *DERIVED_ROWS, *PRICE_ROWS)
    node = tree.node_of
    return Layout(tree, names, members,
                  np.array([k.endswith("attack") for k in tree.terminals]),
                  np.array([node[m] for m in MOVES], dtype=np.int64),
                  np.array([node[p] for p in ("keep", "distance/stay", "distance/split", "sever/stay",
                                              "sever/split")], dtype=np.int64),
                  node["sever"], rows)



def checked(compiled):
    """``compiled`` (a build of :mod:`sim.engine.kernel._numba`), checked against the tree and the catalogue
    it was written for."""
    tree, lay = flat_tree(), layout()
    if (compiled.ORDER != NAMES or tree.terminals != compiled.TERMINALS
            or len(lay.group_names) != compiled.N_GROUPS or len(tree.decision_paths) != compiled.N_DECISIONS
            or lay.rows[4 + compiled.N_GROUPS + 3:] != (*VALUE_ROWS, *DERIVED_ROWS, *PRICE_ROWS)
            or compiled.INTERNAL_GROUPS != INTERNAL_GROUPS
            or tree.terminals.index(next(t for t in tree.terminals if t.startswith("sever/")))
            != compiled.FIRST_SEVER
            or not set(tree.chance_names) <= set(CHANCES)):
        raise RuntimeError("sim/engine/kernel/_numba.py no longer matches the model's catalogue or tree")
    return compiled
