"""The most likely line of play as a readable list: the tree's text summary and its phone view."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.game import PLAYERS, TREE, Chance, Leaf
from sim.present.tree_view import CHANCE_NAME, MOVER_NAMES, TreeProbabilities

#: Moves in words (the tree's names are the model's).
MOVE_WORDS = {
    "keep": "keeps the alliance", "distance": "makes the public pledge",
    "sever": "severs ties (Sever)", "stay": "stays with the leadership", "split": "splits away",
    "restrain": "holds back from attacks abroad", "attack": "attacks abroad", "lie_low": "lies low",
    "active": "stays active", "relocate": "relocates", "underground": "goes underground",
    "detected": "exposes covert ties", "undetected": "does not expose covert ties",
}


@dataclass(frozen=True)
class Step:
    """One move on the line of play: who moves, what they do, and the mean probability of it."""

    mover: str
    move: str
    probability: float

    def text(self) -> str:
        return f"{self.mover} {self.move} (probability {self.probability:.2f})"


def line_of_play(probs: TreeProbabilities) -> tuple[list[Step], float]:
    """The most likely move at every node from the root, and the mean share of play ending there."""
    steps: list[Step] = []
    node, path = TREE, ""
    while not isinstance(node, Leaf):
        children = node.outcomes if isinstance(node, Chance) else node.actions
        branch = probs.branches[path]
        best = int(np.argmax(branch))
        name = list(children)[best]
        mover = CHANCE_NAME if isinstance(node, Chance) else MOVER_NAMES[PLAYERS[node.player]]
        steps.append(Step(mover, MOVE_WORDS.get(name, name.replace("_", " ")), float(branch[best])))
        node, path = children[name], f"{path}/{name}" if path else name
    return steps, float(probs.reach[node.key])


def line_of_play_text(probs: TreeProbabilities) -> list[str]:
    """The line of play as numbered sentences, ending with how often play ends there."""
    steps, reach = line_of_play(probs)
    lines = [f"{i}. {s.text()}" for i, s in enumerate(steps, 1)]
    lines.append(f"Play ends on this line in {reach:.0%} of the draws (on average).")
    return lines
