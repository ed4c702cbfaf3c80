"""Names a policy student reads: parameters and factors by label, never in snake_case."""

from __future__ import annotations

#: Abbreviations in parameter and factor names, spelled out in their labels.
ABBREVIATIONS = {"aq": "al-Qaeda", "is": "IS", "us": "US"}


def label(name: str) -> str:
    """``"aq_money"`` -> ``"Al-Qaeda money"``, ``"is_rivalry"`` -> ``"IS rivalry"``."""
    words = [ABBREVIATIONS.get(w, w) for w in name.split("_")]
    return " ".join([words[0][0].upper() + words[0][1:], *words[1:]])


def labels(names) -> dict[str, str]:
    """``{name: label}`` for each name."""
    return {n: label(n) for n in names}
