"""What a run produces, as types the run driver and the tallies share: a Monte Carlo estimate, the
readings a summary takes, a chunk's contribution, the names of the per-draw outputs, and the
fixed-point unit in which probabilities are summed exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.engine.kernel.layout import AQ_RESPONSES
from sim.model.game import MOVES, PLAYERS

Array = NDArray[np.float64]
#: The outcomes a probability can be asked of (analyses' ``output``): the three moves, their "Distance
#: or Sever" sum (never called a break), the hardliners' split, and al-Qaeda's attack abroad.
OUTPUTS = ("sever", "distance", "distance_or_sever", "keep", "split", "external_op")
QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}
#: The probabilities whose 95% intervals a run's summary reports.
INTERVAL_OUTCOMES = ("keep", "distance", "sever", "split", "deal")
#: Probabilities are summed as integers in units of 2**-32: each draw's rounding is its own, so the
#: sums, unlike float sums, do not depend on how the draws are chunked (resolution ~2e-10).
FIXED_POINT = 2**32


def from_fixed(total: int, draws: int) -> float:
    return total / (FIXED_POINT * draws)


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo mean and its standard error."""

    mean: float
    stderr: float

    @classmethod
    def of(cls, x: Array) -> Estimate:
        """Mean and Monte Carlo standard error of per-draw values (no error with one draw)."""
        se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")
        return cls(float(x.mean()), se)


class Readings:
    """What a run's summary reads, given ``estimate(name)``, ``price_quantiles(move)`` and
    ``price_exists(move)``: shared by :class:`Result` (per-draw arrays) and
    :class:`sim.engine.tally.Tally` (accumulators)."""

    @property
    def outcomes(self) -> dict[str, Estimate]:
        return {m: self.estimate(m) for m in MOVES}

    @property
    def aq_responses(self) -> dict[str, Estimate]:
        return {r: self.estimate(f"aq_{r}") for r in AQ_RESPONSES}

    @property
    def expected_utility(self) -> dict[str, Estimate]:
        return {pl: self.estimate(f"eu_{pl}") for pl in PLAYERS}

    def _price_summary(self, move: str) -> dict[str, float | None]:
        return {**self.price_quantiles(move), "share_with_price": self.price_exists(move).mean}


@dataclass(frozen=True)
class Chunk:
    """What one chunk of draws contributes: per-draw arrays and sums to average over the run."""

    per_draw: dict[str, Array]
    #: Fixed-point sums (see :func:`node_sums`) by node path, and ``"reach"`` by terminal.
    sums: dict[str, Array]
    reach_keys: tuple[str, ...]


#: Per-draw outputs that are another output under a second name.
ALIASES = {"external_op": "aq_attack", "aq_value_keep": "keep_al_qaeda",
           "aq_value_distance": "distance_al_qaeda"}


def per_draw_names() -> tuple[str, ...]:
    """The per-draw outputs of a chunk, in the order :func:`evaluate_reference` gives them."""
    return (*MOVES, "distance_or_sever", "split", "split_if_sever", "detected", "deal",
            *(f"aq_{a}" for a in AQ_RESPONSES), "external_op", *(f"external_op_if_{m}" for m in MOVES),
            "retaliation", *(f"eu_{pl}" for pl in PLAYERS), "net_alliance_value", "aq_net_gain",
            "taliban_sever_loss", "aq_value_keep", "aq_value_distance", "price_sever", "price_distance",
            "price_distance_or_sever", "material_net", "funding_dependence")


def kernel_rows(rows: Mapping[str, Array]) -> dict[str, Array]:
    """The per-draw outputs, by name, from the kernel's rows (views: nothing is copied)."""
    return {name: rows[ALIASES.get(name, name)] for name in per_draw_names()}
