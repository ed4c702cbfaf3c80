"""What a pool worker keeps between runs: the draws of its most recent settings and the Sever and
pledge prices solved on them, so that a request that moves only the concession is re-solved without
redrawing or searching for the prices again (see :func:`sim.app.pool.analyse_setting`).

Bounded in settings as well as in bytes, and a new setting is drawn into the matrix of the setting
it displaces: a worker's memory stops growing after its first few settings. Fresh memory is slow to
touch on a virtual machine (the pages are the host's to find on first use): a new 10^5-draw setting
cost a worker 0.22 s of CPU while its cache still grew into fresh memory, and 0.13 s drawn into
memory it had used before (docs/performance-log.md, 2026-12-07).

One job at a time per worker (the pool's processes each run one), so a matrix handed back for reuse
is read by no one else; nothing a run returns is a view of it (a test holds that).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from sim.engine.kernel.fused import parameter_matrix
from sim.spec.parameters import NAMES

#: Settings whose draws a worker keeps: the one a student is moving the concession of, and the one
#: before it (two students, or two pages, taking turns on one worker).
KEPT_SETTINGS = 2
#: Bytes of draws and prices a worker keeps at most: one 10^6-draw setting (about 450 MB) fits.
KEPT_BYTES = 600 * 2**20
#: Price sets kept per setting (one per combination of the other levers and the solution).
PRICES_PER_SETTING = 8


def _bytes(prices: dict[str, np.ndarray]) -> int:
    return sum(v.nbytes for v in prices.values() if isinstance(v, np.ndarray))


@dataclass
class _Setting:
    rows: np.ndarray
    prices: OrderedDict[Hashable, dict[str, np.ndarray]] = field(default_factory=OrderedDict)

    @property
    def nbytes(self) -> int:
        # The matrix's whole buffer (its rows are padded: sim.engine.kernel.fused._rows).
        base = self.rows.base if self.rows.base is not None else self.rows
        return base.nbytes + sum(_bytes(p) for p in self.prices.values())


class KeptDraws:
    """The parameter matrices of at most ``settings`` settings (``max_bytes`` in all), most recent
    last, each with up to :data:`PRICES_PER_SETTING` sets of prices."""

    def __init__(self, settings: int = KEPT_SETTINGS, max_bytes: int = KEPT_BYTES):
        self.settings, self.max_bytes = settings, max_bytes
        self._held: OrderedDict[Hashable, _Setting] = OrderedDict()

    def __len__(self) -> int:
        return len(self._held)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self._held.values())

    def rows(self, drawn: Hashable) -> np.ndarray | None:
        """The kept matrix of the draws ``drawn`` (marked most recent), or ``None``."""
        setting = self._held.get(drawn)
        if setting is None:
            return None
        self._held.move_to_end(drawn)
        return setting.rows

    def prices(self, drawn: Hashable, solved: Hashable) -> dict[str, np.ndarray] | None:
        """The prices kept for the draws ``drawn`` solved as ``solved``, or ``None``."""
        setting = self._held.get(drawn)
        if setting is None or solved not in setting.prices:
            return None
        setting.prices.move_to_end(solved)
        return setting.prices[solved]

    def matrix(self, draws: int) -> np.ndarray:
        """A parameter matrix for ``draws`` new draws: the matrix of the setting it displaces when one
        must go and has that shape, else a new one. Its contents are to be overwritten."""
        need = len(NAMES) * draws * 8
        reused = None
        while self._held and (len(self._held) >= self.settings or self.nbytes + need > self.max_bytes):
            _, dropped = self._held.popitem(last=False)
            if dropped.rows.shape[1] == draws:
                reused = dropped.rows
        return reused if reused is not None else parameter_matrix(draws)

    def keep(self, drawn: Hashable, rows: np.ndarray, solved: Hashable,
             prices: dict[str, np.ndarray]) -> None:
        """Keep ``rows`` as the draws ``drawn`` and ``prices`` as their solution ``solved``, within the
        bounds (a setting too large for them is not kept)."""
        setting = self._held.get(drawn)
        if setting is None or setting.rows is not rows:
            setting = self._held[drawn] = _Setting(rows)
        self._held.move_to_end(drawn)
        setting.prices[solved] = prices
        setting.prices.move_to_end(solved)
        while len(setting.prices) > PRICES_PER_SETTING:
            setting.prices.popitem(last=False)
        while self._held and (len(self._held) > self.settings or self.nbytes > self.max_bytes):
            self._held.popitem(last=False)
