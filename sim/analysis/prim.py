"""PRIM, the patient rule induction method, for scenario discovery.

Given Monte Carlo draws ``x`` (one row per draw, one column per input) and a boolean outcome ``y``
(for instance "the alliance breaks"), PRIM looks for a box -- a range on a few inputs -- inside which
the outcome is much more frequent than overall. It peels the box patiently: at each step it removes a
small share ``alpha`` of the remaining draws from one side of one input, choosing the peel that leaves
the highest outcome rate inside the box (Friedman & Fisher 1999). The sequence of ever smaller boxes
is the *peeling trajectory*; each box is summarised by the three statistics of scenario discovery
(Bryant & Lempert 2010):

* **coverage** -- share of all draws with the outcome that fall inside the box;
* **density** -- share of draws inside the box that have the outcome;
* **mass** -- share of all draws that fall inside the box.

Only peeling is implemented (no pasting, no covering of several boxes).

References
----------
Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in high-dimensional data. *Statistics and
Computing* 9(2), 123-143. doi:10.1023/A:1008894516817.

Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a participatory, computer-assisted
approach to scenario discovery. *Technological Forecasting and Social Change* 77(1), 34-49.
doi:10.1016/j.techfore.2009.08.002.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

_IMPROVEMENT_TOL = 1e-12


@dataclass(frozen=True)
class PrimBox:
    """One box of the peeling trajectory.

    Attributes
    ----------
    lows, highs : tuple of float
        Inclusive limits per input. An unrestricted side equals the data minimum (maximum); a peeled
        side lies half-way between the last peeled value and the first kept one.
    coverage : float
        Share of all draws with the outcome that lie inside the box; NaN when no draw has the outcome.
    density : float
        Share of the draws inside the box that have the outcome.
    mass : float
        Share of all draws that lie inside the box.
    restricted : tuple of str
        Names of the inputs whose limits are tighter than the data range, in input order.
    """

    lows: tuple[float, ...]
    highs: tuple[float, ...]
    coverage: float
    density: float
    mass: float
    restricted: tuple[str, ...]


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory and the box chosen from it.

    Attributes
    ----------
    trajectory : tuple of PrimBox
        Nested boxes, from the whole data range (step 0) to the last accepted peel.
    chosen : int
        Index into ``trajectory`` of the chosen box (see :func:`prim` for the rule).
    names : tuple of str
        Input names, one per column of ``x``.
    data_lows, data_highs : tuple of float
        Range of each input over all draws; a box limit inside it counts as a restriction.
    """

    trajectory: tuple[PrimBox, ...]
    chosen: int
    names: tuple[str, ...]
    data_lows: tuple[float, ...]
    data_highs: tuple[float, ...]

    @property
    def box(self) -> PrimBox:
        """The chosen box."""
        return self.trajectory[self.chosen]

    def limits(self, box: int | None = None) -> list[str]:
        """Conditions of one box in plain words, one per restricted input.

        Parameters
        ----------
        box : int, optional
            Index into the trajectory; the chosen box by default.

        Returns
        -------
        list of str
            For example ``["a > 0.6", "b < 0.3", "c between 0.2 and 0.4"]``.
        """
        b = self.trajectory[self.chosen if box is None else box]
        conditions = []
        for j, name in enumerate(self.names):
            low_cut = b.lows[j] > self.data_lows[j]
            high_cut = b.highs[j] < self.data_highs[j]
            if low_cut and high_cut:
                conditions.append(f"{name} between {_number(b.lows[j])} and {_number(b.highs[j])}")
            elif low_cut:
                conditions.append(f"{name} > {_number(b.lows[j])}")
            elif high_cut:
                conditions.append(f"{name} < {_number(b.highs[j])}")
        return conditions

    def describe(self, box: int | None = None, outcome: str = "a Sever", outcomes: str | None = None) -> str:
        """Describe one box in a plain sentence.

        Parameters
        ----------
        box : int, optional
            Index into the trajectory; the chosen box by default.
        outcome : str
            The outcome in the singular, with its article ("a Sever").
        outcomes : str, optional
            The outcome in the plural; by default ``outcome`` without its article plus "s".

        Returns
        -------
        str
            For example "a break happens in 78% of draws where a > 0.7 and b < 0.3 (these draws are
            12% of all, and hold 64% of all breaks)".
        """
        b = self.trajectory[self.chosen if box is None else box]
        if np.isnan(b.coverage):
            return f"none of the draws has {outcome}, so there is no box to describe"
        conditions = self.limits(box)
        if not conditions:
            return f"{outcome} happens in {b.density:.0%} of all draws (the box restricts no input)"
        plural = outcomes or _plural(outcome)
        return (
            f"{outcome} happens in {b.density:.0%} of draws where {_join(conditions)} "
            f"(these draws are {b.mass:.0%} of all, and hold {b.coverage:.0%} of all {plural})"
        )

    def to_rows(self) -> list[dict[str, Any]]:
        """The trajectory as flat records for CSV or JSON.

        Returns
        -------
        list of dict
            One record per step with keys ``step``, ``coverage`` (None when undefined), ``density``,
            ``mass``, ``restricted`` and ``limits`` (both "; "-joined strings) and ``chosen``.
        """
        return [
            {
                "step": i,
                "coverage": None if np.isnan(b.coverage) else b.coverage,
                "density": b.density,
                "mass": b.mass,
                "restricted": "; ".join(b.restricted),
                "limits": "; ".join(self.limits(i)),
                "chosen": i == self.chosen,
            }
            for i, b in enumerate(self.trajectory)
        ]


def prim(
    x: ArrayLike,
    y: ArrayLike,
    names: Sequence[str],
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    threshold: float | None = None,
) -> PrimResult:
    """Find a box of inputs in which a boolean outcome is frequent, by PRIM peeling.

    At each step, for every input, two peels are tried: dropping the ``alpha`` share of the draws in
    the box with the lowest values of that input, or with the highest. Draws tied with the cut value
    are dropped together, so a peel on a discrete input drops whole values; a peel that would drop
    every draw or leave less than ``min_mass`` of all draws is not allowed. The peel leaving the
    highest outcome rate is taken (ties go to the peel keeping more draws). Peeling stops when no
    allowed peel raises the rate (Friedman & Fisher 1999, section 3).

    Parameters
    ----------
    x : array_like, shape (n, d)
        Inputs, one row per draw. Must be finite.
    y : array_like, shape (n,)
        Outcome per draw, boolean or 0/1.
    names : sequence of str
        Input names, one per column of ``x``.
    alpha : float
        Share of the draws in the box removed by one peel, in (0, 0.5).
    min_mass : float
        Smallest share of all draws a box may hold, in (0, 1].
    threshold : float, optional
        If given, the chosen box is the first (largest, highest-coverage) box whose density reaches
        ``threshold``; if no box does, the highest-density box.

    Returns
    -------
    PrimResult
        Trajectory and chosen box. Without ``threshold`` the chosen box maximises the harmonic mean of
        coverage and density (the F1 score, density being the precision and coverage the recall of
        the box as a classifier of the outcome). This balances the two aims of scenario discovery
        (Bryant & Lempert 2010); for a common outcome it favours large boxes, so pass ``threshold``
        when a purer box is wanted. With no draw having the outcome the trajectory is the single
        whole-range box with NaN coverage.

    References
    ----------
    Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in high-dimensional data. *Statistics and
    Computing* 9(2), 123-143.
    """
    xs, ys = _check_inputs(x, y, names, alpha, min_mass, threshold)
    data_lows, data_highs = xs.min(axis=0), xs.max(axis=0)
    steps = _peel(np.ascontiguousarray(xs.T), ys, alpha, min_mass * ys.size)
    n_positive = int(np.count_nonzero(ys))
    trajectory = tuple(
        _make_box(lows, highs, n_in, pos_in, ys.size, n_positive, data_lows, data_highs, names)
        for lows, highs, n_in, pos_in in steps
    )
    return PrimResult(
        trajectory=trajectory,
        chosen=_choose(trajectory, threshold),
        names=tuple(names),
        data_lows=tuple(data_lows.tolist()),
        data_highs=tuple(data_highs.tolist()),
    )


def _check_inputs(
    x: ArrayLike, y: ArrayLike, names: Sequence[str], alpha: float, min_mass: float, threshold: float | None
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Validate and convert the arguments of :func:`prim`."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y)
    if xs.ndim != 2 or xs.shape[0] == 0:
        raise ValueError(f"x must be a non-empty 2-D array (draws x inputs), got shape {xs.shape}")
    if ys.shape != (xs.shape[0],):
        raise ValueError(f"y must have shape ({xs.shape[0]},) to match x, got {ys.shape}")
    if len(names) != xs.shape[1]:
        raise ValueError(f"names has {len(names)} entries but x has {xs.shape[1]} columns")
    if not np.all(np.isfinite(xs)):
        raise ValueError("x contains NaN or infinite values")
    if ys.dtype != bool and not np.all((ys == 0) | (ys == 1)):
        raise ValueError("y must be boolean or contain only 0 and 1")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    if not 0 < min_mass <= 1:
        raise ValueError(f"min_mass must be in (0, 1], got {min_mass}")
    if threshold is not None and not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    return xs, ys.astype(bool)


def _peel(
    xt: NDArray[np.float64], y: NDArray[np.bool_], alpha: float, min_count: float
) -> list[tuple[NDArray[np.float64], NDArray[np.float64], int, int]]:
    """Run the peeling loop on inputs ``xt`` of shape (d, n).

    Returns one ``(lows, highs, n_inside, positives_inside)`` tuple per box, starting with the whole
    data range.
    """
    lows, highs = xt.min(axis=1), xt.max(axis=1)
    steps = [(lows.copy(), highs.copy(), y.size, int(np.count_nonzero(y)))]
    while (peel := _best_peel(xt, y, alpha, min_count)) is not None:
        dim, from_low, cut, keep = peel
        xt, y = xt[:, keep], y[keep]
        if from_low:
            lows[dim] = 0.5 * (cut + xt[dim].min())
        else:
            highs[dim] = 0.5 * (cut + xt[dim].max())
        steps.append((lows.copy(), highs.copy(), y.size, int(np.count_nonzero(y))))
    return steps


def _best_peel(
    xt: NDArray[np.float64], y: NDArray[np.bool_], alpha: float, min_count: float
) -> tuple[int, bool, float, NDArray[np.bool_]] | None:
    """Find the allowed peel leaving the highest outcome rate, or None if none raises it.

    Returns ``(dimension, from_low_side, cut_value, keep_mask)``; draws at or beyond the cut value
    are dropped.
    """
    d, m = xt.shape
    k = max(1, int(alpha * m))
    ordered = np.partition(xt, (k - 1, m - k), axis=1)
    cuts = np.concatenate([ordered[:, k - 1], ordered[:, m - k]])
    dropped = np.concatenate([xt <= cuts[:d, None], xt >= cuts[d:, None]])
    n_keep = m - np.count_nonzero(dropped, axis=1)
    pos_keep = np.count_nonzero(y) - np.count_nonzero(dropped[:, y], axis=1)
    rate = np.where(n_keep >= min_count, pos_keep / np.maximum(n_keep, 1), -np.inf)
    best = int(np.lexsort((n_keep, rate))[-1])
    if rate[best] <= np.count_nonzero(y) / m + _IMPROVEMENT_TOL:
        return None
    return best % d, best < d, float(cuts[best]), ~dropped[best]


def _make_box(
    lows: NDArray[np.float64],
    highs: NDArray[np.float64],
    n_in: int,
    pos_in: int,
    n: int,
    n_positive: int,
    data_lows: NDArray[np.float64],
    data_highs: NDArray[np.float64],
    names: Sequence[str],
) -> PrimBox:
    """Summarise one step of the trajectory as a :class:`PrimBox`."""
    restricted = (lows > data_lows) | (highs < data_highs)
    return PrimBox(
        lows=tuple(lows.tolist()),
        highs=tuple(highs.tolist()),
        coverage=pos_in / n_positive if n_positive else float("nan"),
        density=pos_in / n_in,
        mass=n_in / n,
        restricted=tuple(name for name, r in zip(names, restricted, strict=True) if r),
    )


def _choose(trajectory: Sequence[PrimBox], threshold: float | None) -> int:
    """Index of the chosen box: see the Returns section of :func:`prim`."""
    density = np.array([b.density for b in trajectory])
    if threshold is not None:
        reaching = np.flatnonzero(density >= threshold)
        return int(reaching[0]) if reaching.size else int(np.argmax(density))
    coverage = np.array([b.coverage for b in trajectory])
    if np.isnan(coverage[0]):
        return 0
    total = coverage + density
    f1 = np.divide(2 * coverage * density, total, out=np.zeros_like(total), where=total > 0)
    return int(np.argmax(f1))


def _number(value: float) -> str:
    """Format a box limit briefly: three significant digits, or a whole number from 100 up."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _plural(outcome: str) -> str:
    """Crude plural of an outcome phrase: drop a leading article and add "s"."""
    for article in ("a ", "an "):
        if outcome.startswith(article):
            outcome = outcome[len(article) :]
    return outcome + "s"


def _join(parts: Sequence[str]) -> str:
    """Join phrases as "a", "a and b" or "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
