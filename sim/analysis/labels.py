"""Names a policy student reads: parameters and factors by label, never in snake_case."""

from __future__ import annotations

import re

#: Abbreviations in parameter and factor names, spelled out in their labels.
ABBREVIATIONS = {"aq": "al-Qaeda", "is": "IS", "us": "US"}


def label(name: str) -> str:
    """``"aq_money"`` -> ``"Al-Qaeda money"``, ``"is_rivalry"`` -> ``"IS rivalry"``."""
    words = [ABBREVIATIONS.get(w, w) for w in name.replace("al_qaeda", "aq").split("_")]
    return " ".join([words[0][0].upper() + words[0][1:], *words[1:]])


def labels(names) -> dict[str, str]:
    """``{name: label}`` for each name."""
    return {n: label(n) for n in names}


def relabel(text: str, names) -> str:
    """``text`` (a tree's rules, a box's limits) with each parameter name replaced by its label."""
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: label(m.group(1)), text) if names else text
