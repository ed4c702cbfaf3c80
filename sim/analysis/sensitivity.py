"""Typed wrappers over SALib's Sobol' and Morris global sensitivity methods.

The model is any vectorised callable mapping an ``(m, d)`` array of inputs to an ``(m,)`` array of
outputs; inputs are sampled uniformly within per-variable bounds. Results come back as frozen
dataclasses with a ``to_rows()`` method for CSV or JSON.

References
----------
Herman, J. and Usher, W. (2017). SALib: an open-source Python library for sensitivity analysis.
*Journal of Open Source Software* 2(9), 97. doi:10.21105/joss.00097.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010). Variance
based sensitivity analysis of model output. Design and estimator for the total sensitivity index.
*Computer Physics Communications* 181(2), 259-270. doi:10.1016/j.cpc.2009.09.018.

Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics* 33(2), 161-174. doi:10.1080/00401706.1991.10484804.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

Model = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass(frozen=True)
class Problem:
    """Uncertain inputs of a model: names, uniform ranges and optional groups.

    Attributes
    ----------
    names : tuple of str
        Unique variable names, in the column order the model expects.
    bounds : tuple of (float, float)
        ``(low, high)`` per variable, with ``low < high``; inputs are sampled uniformly.
    groups : tuple of str, optional
        Group name per variable, for grouped Sobol' indices (at least two distinct groups).

    Raises
    ------
    ValueError
        If names are empty or repeated, a bound is not finite or has ``low >= high`` (the message
        names the variable), or ``groups`` does not have one entry per variable.
    """

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    groups: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "bounds", tuple((float(lo), float(hi)) for lo, hi in self.bounds))
        if self.groups is not None:
            object.__setattr__(self, "groups", tuple(self.groups))
        self._check()

    def _check(self) -> None:
        if not self.names or len(set(self.names)) != len(self.names):
            raise ValueError(f"names must be non-empty and unique, got {self.names}")
        if len(self.bounds) != len(self.names):
            raise ValueError(f"{len(self.names)} names but {len(self.bounds)} bounds")
        for name, (low, high) in zip(self.names, self.bounds, strict=True):
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(f"bounds of {name!r} must be finite with low < high, got ({low}, {high})")
        if self.groups is not None and len(self.groups) != len(self.names):
            raise ValueError(f"{len(self.names)} names but {len(self.groups)} group labels")

    @property
    def num_vars(self) -> int:
        """Number of variables."""
        return len(self.names)

    def to_salib(self, *, with_groups: bool = True) -> dict[str, Any]:
        """The problem as a fresh SALib problem dictionary.

        Parameters
        ----------
        with_groups : bool
            Include the ``groups`` entry (when groups are set).

        Returns
        -------
        dict
            Keys ``num_vars``, ``names``, ``bounds`` and, if requested and set, ``groups``.
        """
        problem: dict[str, Any] = {
            "num_vars": self.num_vars,
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }
        if with_groups and self.groups is not None:
            problem["groups"] = list(self.groups)
        return problem


@dataclass(frozen=True)
class SobolResult:
    """First- and total-order Sobol' indices with bootstrap confidence half-widths.

    Attributes
    ----------
    names : tuple of str
        Variable (or group) names, in the order of the arrays.
    S1, S1_conf, ST, ST_conf : ndarray
        First-order and total-order indices and the half-widths of their confidence intervals.
    S2, S2_conf : ndarray or None
        Second-order indices (upper triangle, NaN elsewhere) when requested.
    n_evaluations : int
        Model evaluations spent on this analysis.
    grouped : SobolResult or None
        The same analysis with the problem's groups as factors, when requested.
    """

    names: tuple[str, ...]
    S1: NDArray[np.float64]
    S1_conf: NDArray[np.float64]
    ST: NDArray[np.float64]
    ST_conf: NDArray[np.float64]
    n_evaluations: int
    S2: NDArray[np.float64] | None = None
    S2_conf: NDArray[np.float64] | None = None
    grouped: SobolResult | None = None

    def to_rows(self) -> list[dict[str, Any]]:
        """One record per variable (``kind="variable"``), then per group (``kind="group"``).

        Returns
        -------
        list of dict
            Keys ``kind``, ``name``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, and
            ``S1_within_error_of_zero`` / ``ST_within_error_of_zero``: the index lies within its
            95% half-width of zero, so it may well be zero (a negative estimate is one such).
        """
        rows = self._rows("variable")
        return rows if self.grouped is None else rows + self.grouped._rows("group")

    def _rows(self, kind: str) -> list[dict[str, Any]]:
        columns = {"S1": self.S1, "S1_conf": self.S1_conf, "ST": self.ST, "ST_conf": self.ST_conf}
        flags = {"S1_within_error_of_zero": np.abs(self.S1) <= self.S1_conf,
                 "ST_within_error_of_zero": np.abs(self.ST) <= self.ST_conf}
        ranks = tied_ranks(self.ST, self.ST_conf)
        return [{"kind": kind, **row, **{k: bool(v[i]) for k, v in flags.items()}, "rank": ranks[i],
                 "rank_tied": ranks.count(ranks[i]) > 1}
                for i, row in enumerate(_records(self.names, columns))]

    @property
    def warnings(self) -> list[str]:
        """Indices whose estimate lies outside [0, 1], where no index can be: one sentence for each that
        is above 1 or below 0 by more than its error (its estimator is noise at this sample size), and
        one for all those a little below 0 (within their error of zero, shown as ``~0``)."""
        out, near_zero = [], []
        for result in (self, self.grouped):
            if result is None:
                continue
            for key in ("S1", "ST"):
                values, confs = getattr(result, key), getattr(result, f"{key}_conf")
                for name, value, conf in zip(result.names, values, confs, strict=True):
                    if 0.0 <= value <= 1.0:
                        continue
                    if value < 0 and value + conf >= 0:
                        near_zero.append(f"{key} of {name}")
                        continue
                    side = "above 1" if value > 1 else "below 0"
                    out.append(f"{key} of {name} is {value:.3f} ± {conf:.3f}, {side}: an index lies in "
                               "[0, 1], so this estimate is noise at this sample size")
        if near_zero:
            out.append(f"{len(near_zero)} indices are a little below 0 but within their error of zero (~0): "
                       + ", ".join(near_zero))
        return out


@dataclass(frozen=True)
class MorrisResult:
    """Morris elementary-effect statistics per variable.

    Elementary effects are output changes per unit of the *normalised* input (range scaled to
    [0, 1]), so ``mu_star`` is comparable across variables with different units.

    Attributes
    ----------
    names : tuple of str
        Variable names, in the order of the arrays.
    mu, mu_star, mu_star_conf, sigma : ndarray
        Mean, mean absolute value (with bootstrap confidence half-width) and standard deviation
        of the elementary effects.
    n_evaluations : int
        Model evaluations spent.
    """

    names: tuple[str, ...]
    mu: NDArray[np.float64]
    mu_star: NDArray[np.float64]
    mu_star_conf: NDArray[np.float64]
    sigma: NDArray[np.float64]
    n_evaluations: int

    def to_rows(self) -> list[dict[str, Any]]:
        """One record per variable with keys ``name``, ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``,
        and ``rank`` / ``rank_tied`` by ``mu_star`` (:func:`tied_ranks`)."""
        columns = {"mu": self.mu, "mu_star": self.mu_star, "mu_star_conf": self.mu_star_conf,
                   "sigma": self.sigma}
        ranks = tied_ranks(self.mu_star, self.mu_star_conf)
        return [{**row, "rank": ranks[i], "rank_tied": ranks.count(ranks[i]) > 1}
                for i, row in enumerate(_records(self.names, columns))]


def tied_ranks(values: NDArray[np.float64], halfwidths: NDArray[np.float64]) -> list[int]:
    """Ranks that admit ties: an index's rank is 1 plus the number of indices *clearly* above it (the
    lower end of whose 95% interval lies above the upper end of its own). Indices the estimates cannot
    order share a rank: "1, 1, 1, 4" says the top three are tied, not which of them leads."""
    v = np.asarray(values, dtype=float)
    h = np.nan_to_num(np.asarray(halfwidths, dtype=float), nan=np.inf)
    return [1 + int(np.sum(v - h > v[i] + h[i])) for i in range(v.size)]


def _records(names: Sequence[str], columns: dict[str, NDArray[np.float64]]) -> list[dict[str, Any]]:
    """One plain record per name: ``{"name": ..., column: float, ...}``."""
    return [{"name": name, **{k: float(v[i]) for k, v in columns.items()}} for i, name in enumerate(names)]


def sobol_indices(
    problem: Problem,
    func: Model,
    n: int,
    *,
    seed: int,
    second_order: bool = False,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    groups_too: bool = False,
    min_events: int = 0,
) -> SobolResult:
    """Estimate Sobol' indices with Saltelli sampling and the Saltelli et al. (2010) estimators.

    Inputs come from a scrambled Sobol' sequence (SALib ``sample.sobol``); first-order indices use
    the Saltelli et al. (2010) estimator, total-order indices Jansen's estimator as given there, and
    confidence half-widths a bootstrap over the ``n`` base rows (SALib ``analyze.sobol``; Herman &
    Usher 2017).

    Parameters
    ----------
    problem : Problem
        Variables and ranges.
    func : callable
        Vectorised model: ``(m, d)`` array in, ``(m,)`` array of finite outputs out.
    n : int
        Base sample size, a power of 2 (the Sobol' sequence is balanced only then).
    seed : int
        Non-negative seed for the scrambling and the bootstrap; equal seeds give equal results.
    second_order : bool
        Also estimate second-order indices (Saltelli 2002).
    num_resamples : int
        Bootstrap resamples for the confidence intervals.
    conf_level : float
        Confidence level of the intervals, in (0, 1).
    groups_too : bool
        Also estimate indices with the problem's groups as factors. This needs a second, grouped
        sample: it adds ``n * (G + 2)`` evaluations (``n * (2G + 2)`` with ``second_order``) for ``G``
        groups.
    min_events : int
        For an output that is an event's probability (0 to 1), the fewest events, and non-events,
        the ``2 n`` base rows (SALib's A and B matrices) must hold; fewer is refused, since the
        indices of a near-constant indicator are noise.

    Returns
    -------
    SobolResult
        Per-variable indices, and per-group indices in ``grouped`` if ``groups_too``. The
        per-variable analysis costs ``n * (d + 2)`` evaluations (``n * (2d + 2)`` with
        ``second_order``).

    Raises
    ------
    ValueError
        If ``n`` is not a power of 2, ``seed`` is negative, ``groups_too`` is set without at least
        two groups, ``func`` returns the wrong shape, non-finite or constant outputs, the base rows
        hold fewer than ``min_events`` events of either class, or SALib warns (its warnings are
        raised as errors: each one means the indices cannot be trusted).
    """
    _check_sobol_args(problem, n, seed, num_resamples, conf_level, groups_too)
    options = {"second_order": second_order, "num_resamples": num_resamples, "conf_level": conf_level,
               "min_events": min_events}
    result = _sobol_run(problem.to_salib(with_groups=False), func, n, seed, **options)
    if not groups_too:
        return result
    grouped = _sobol_run(problem.to_salib(), func, n, seed, **options)
    return replace(result, grouped=grouped)


def morris_screening(
    problem: Problem,
    func: Model,
    trajectories: int,
    *,
    seed: int,
    num_levels: int = 4,
    conf_level: float = 0.95,
    min_events: int = 0,
) -> MorrisResult:
    """Screen variables with Morris's elementary effects (Morris 1991; Campolongo et al. 2007).

    Each of ``trajectories`` random one-at-a-time paths on a ``num_levels`` grid moves every variable
    once, so the cost is ``trajectories * (d + 1)`` evaluations. ``mu_star`` ranks variables by
    overall influence; a ``sigma`` large relative to ``mu_star`` flags non-linearity or interactions.
    Groups are ignored here. Implemented by SALib (Herman & Usher 2017).

    Parameters
    ----------
    problem : Problem
        Variables and ranges.
    func : callable
        Vectorised model: ``(m, d)`` array in, ``(m,)`` array of finite outputs out.
    trajectories : int
        Number of trajectories, at least 2.
    seed : int
        Non-negative seed for the sample and the bootstrap.
    num_levels : int
        Even number of grid levels, at least 2.
    conf_level : float
        Confidence level of ``mu_star_conf``, in (0, 1).
    min_events : int
        For an event's probability, the fewest events and non-events the sample must hold.

    Returns
    -------
    MorrisResult
        ``mu``, ``mu_star``, ``mu_star_conf`` and ``sigma`` per variable.

    Raises
    ------
    ValueError
        For fewer than 2 trajectories, an odd or too small ``num_levels``, a negative seed,
        ``func`` returning the wrong shape or non-finite outputs, too few events, or a SALib warning.
    """
    if not isinstance(trajectories, int) or trajectories < 2:
        raise ValueError(f"trajectories must be an integer >= 2, got {trajectories!r}")
    if num_levels < 2 or num_levels % 2:
        raise ValueError(f"num_levels must be an even integer >= 2, got {num_levels!r}")
    _check_seed(seed)
    _check_conf_level(conf_level)
    with salib_warnings_as_errors():
        x = morris_sample.sample(
            problem.to_salib(with_groups=False), trajectories, num_levels=num_levels, seed=seed
        )
    y = _evaluate(func, x)
    check_events(y, min_events)
    with salib_warnings_as_errors():
        si = morris_analyze.analyze(
            problem.to_salib(with_groups=False), x, y, conf_level=conf_level, num_levels=num_levels,
            seed=seed
        )
    return MorrisResult(
        names=problem.names,
        mu=np.asarray(si["mu"], dtype=float),
        mu_star=np.asarray(si["mu_star"], dtype=float),
        mu_star_conf=np.asarray(si["mu_star_conf"], dtype=float),
        sigma=np.asarray(si["sigma"], dtype=float),
        n_evaluations=y.size,
    )


def _check_sobol_args(
    problem: Problem, n: int, seed: int, num_resamples: int, conf_level: float, groups_too: bool
) -> None:
    """Validate the arguments of :func:`sobol_indices`."""
    if not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2 (>= 2) for Sobol' sampling, got {n!r}")
    _check_seed(seed)
    _check_conf_level(conf_level)
    if num_resamples < 2:
        raise ValueError(f"num_resamples must be >= 2, got {num_resamples}")
    if groups_too and (problem.groups is None or len(set(problem.groups)) < 2):
        raise ValueError("groups_too needs a problem with groups, and at least two distinct ones")


def _check_seed(seed: int) -> None:
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _check_conf_level(conf_level: float) -> None:
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be in (0, 1), got {conf_level}")


def _sobol_run(
    salib_problem: dict[str, Any],
    func: Model,
    n: int,
    seed: int,
    *,
    second_order: bool,
    num_resamples: int,
    conf_level: float,
    min_events: int,
) -> SobolResult:
    """Sample, evaluate and analyse one SALib problem (with or without groups)."""
    with salib_warnings_as_errors():
        x = sobol_sample.sample(salib_problem, n, calc_second_order=second_order, seed=seed)
    y = _evaluate(func, x)
    step = x.shape[0] // n  # SALib stacks A, AB_1..AB_k (BA_1..BA_k) and B for each base row
    check_events(np.concatenate([y[0::step], y[step - 1::step]]), min_events)
    if np.ptp(y) == 0:
        raise ValueError("func returned the same value for every input; Sobol' indices are undefined")
    with salib_warnings_as_errors():
        si = sobol_analyze.analyze(
            salib_problem,
            y,
            calc_second_order=second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=_bootstrap_seed(seed),
        )
    names = salib_problem.get("groups", salib_problem["names"])
    return SobolResult(
        names=tuple(dict.fromkeys(names)),
        S1=np.asarray(si["S1"], dtype=float),
        S1_conf=np.asarray(si["S1_conf"], dtype=float),
        ST=np.asarray(si["ST"], dtype=float),
        ST_conf=np.asarray(si["ST_conf"], dtype=float),
        S2=np.asarray(si["S2"], dtype=float) if second_order else None,
        S2_conf=np.asarray(si["S2_conf"], dtype=float) if second_order else None,
        n_evaluations=y.size,
    )


@contextmanager
def salib_warnings_as_errors() -> Iterator[None]:
    """Raise SALib's (and numpy's) warnings as ValueError: a warning means the indices cannot be trusted."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            warnings.simplefilter("error", RuntimeWarning)
            with np.errstate(all="raise"):
                yield
    except (UserWarning, RuntimeWarning, FloatingPointError) as exc:
        raise ValueError(f"the sensitivity analysis cannot be trusted here: {exc}") from exc


def check_events(y: NDArray[np.float64], min_events: int) -> None:
    """Refuse an event probability whose sample holds fewer than ``min_events`` events or non-events."""
    if min_events <= 0:
        return
    events = float(np.sum(y))
    fewest = min(events, y.size - events)
    if fewest < min_events:
        kind = "events" if events == fewest else "non-events"
        raise ValueError(f"only {fewest:.0f} of {y.size:,} model runs are {kind}; the indices need at "
                         f"least {min_events} of each (try a larger sample, or levers under which the "
                         f"outcome is less {'rare' if kind == 'events' else 'certain'})")


def _bootstrap_seed(seed: int) -> int:
    """A non-zero seed derived from ``seed``: SALib 1.6.0's ``analyze.sobol`` ignores a seed of 0."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _evaluate(func: Model, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Call the vectorised model and check it returns one finite value per row."""
    y = np.asarray(func(x), dtype=float)
    if y.shape != (x.shape[0],):
        raise ValueError(f"func must return shape ({x.shape[0]},) for input {x.shape}, got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("func returned NaN or infinite outputs")
    return y
