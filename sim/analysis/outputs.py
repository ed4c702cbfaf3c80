"""The outcome an analysis studies, chosen in one place: ``--output`` and the app's "Outcome" box.

``sever`` (the default) is a verifiable break, ``distance`` a public pledge with covert ties kept,
``distance_or_sever`` either of them, and ``split`` the hardline faction splitting away. Each is a
per-draw probability read from a run's (or a solution's) outcome arrays; for the price analyses the
matching reservation price is ``price_sever``, ``price_distance``, or their minimum (a faction split
has no price of its own).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from sim.model.game import MOVES
from sim.model.solve import Solution, terminal_mass

Array = NDArray[np.float64]
OUTPUTS = ("sever", "distance", "distance_or_sever", "split")
DEFAULT = "sever"
LABELS = {"sever": "Sever", "distance": "Distance (a public pledge)",
          "distance_or_sever": "Pledge or Sever", "split": "a faction split"}
#: The outcome with its article, for sentences ("where does a sever happen?").
PHRASES = {"sever": "a Sever", "distance": "a Distance", "distance_or_sever": "a Distance or a Sever",
           "split": "a faction split"}


def check(output: str) -> str:
    """``output`` if it is one of :data:`OUTPUTS`; otherwise a ValueError naming the choices."""
    if output not in OUTPUTS:
        raise ValueError(f"unknown output '{output}' (choose from {', '.join(OUTPUTS)})")
    return output


def per_draw(values: Mapping[str, Array], output: str) -> Array:
    """The probability of ``output`` in each draw, from arrays keyed ``distance``, ``sever``, ``split``."""
    if check(output) == "distance_or_sever":
        return np.asarray(values["distance"]) + np.asarray(values["sever"])
    return np.asarray(values[output])


def probabilities(sol: Solution) -> dict[str, Array]:
    """P(Keep), P(Distance), P(Sever) and P(Split) per draw of a solved game."""
    out = {m: sol.probs[""][i] for i, m in enumerate(MOVES)}
    out["split"] = terminal_mass(sol, segment="split")
    return out


def price(prices: Mapping[str, Array], output: str) -> Array:
    """The reservation price of ``output`` per draw (``inf`` where no concession up to 1 buys it)."""
    if check(output) == "split":
        raise ValueError("a faction split has no reservation price: choose sever, distance or "
                         "distance_or_sever")
    if output == "distance_or_sever":
        return np.minimum(prices["price_distance"], prices["price_sever"])
    return np.asarray(prices[f"price_{output}"])
