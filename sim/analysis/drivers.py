"""Which factors drive the answer? Sobol', Morris and scenario discovery over a scenario's parameters.

This module wires the generic tools of :mod:`sim.analysis.sensitivity` (SALib) and
:mod:`sim.analysis.prim` to the model:

* **Sobol' and Morris** vary every uncertain parameter of a scenario uniformly over its
  distribution's range (``[low, high]``; for a lognormal, its 1st to 99th percentiles) at the
  scenario's levers, and decompose the variance of one output: P(Sever), P(Split) or the
  reservation price. Uniform ranges give the tails more weight than the scenario's own beliefs do:
  the indices say what *could* matter within the plausible range, not how likely each value is.
  Parameters are also grouped by their ``factor`` in :mod:`sim.parameters` (funding, expertise, IS
  rivalry, leadership legitimacy, factions...), for a coarser second view.
* **Scenario discovery** takes Monte Carlo draws from the scenario's own distributions and asks
  where in parameter space a break happens: PRIM (Friedman & Fisher 1999) peels a box, and a shallow
  CART tree (Breiman et al. 1984, via scikit-learn) gives a second, rule-shaped view.

Under the SPE a single draw's P(Sever) is 0 or 1; Sobol' indices then decompose the variance of
an indicator, which is well defined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.analysis import prim, sensitivity
from sim.model import build_game, concession_line
from sim.parameters import PARAMETERS
from sim.price import reservation_prices
from sim.run import sample
from sim.sampling import ppf, uncertain_names
from sim.scenario import Scenario
from sim.solve import solve, terminal_mass

Array = NDArray[np.float64]
#: The reservation price is ``inf`` where no concession in [0, 1] buys a break; for a variance
#: decomposition it is capped here, just beyond the largest possible concession.
PRICE_CAP = 1.5
PRICE_NOTE = (f"The reservation price is capped at {PRICE_CAP} where no concession up to 1 buys a break, "
              "so its variance mixes how high the price is with whether one exists.")
OUTPUTS = ("sever", "split", "distance_or_sever", "price")
LOGNORMAL_RANGE = (0.01, 0.99)
CART_DEPTH = 3


def analysable_names(scenario: Scenario) -> list[str]:
    """The uncertain parameters, refusing a scenario with too few to say what drives anything."""
    names = uncertain_names(scenario)
    if len(names) < 2:
        raise ValueError(f"scenario '{scenario.name}' has fewer than two uncertain parameters to analyse")
    return names


def problem(scenario: Scenario) -> sensitivity.Problem:
    """The scenario's uncertain parameters as a SALib problem, grouped by factor."""
    names = analysable_names(scenario)
    return sensitivity.Problem(names=tuple(names), bounds=tuple(_range(scenario, n) for n in names),
                               groups=tuple(PARAMETERS[n].factor for n in names))


def _range(scenario: Scenario, name: str) -> tuple[float, float]:
    param = scenario.params[name]
    if param.dist.kind == "lognormal":
        low, high = ppf(param, np.array(LOGNORMAL_RANGE))
        return float(low), float(high)
    return float(param.dist.low), float(param.dist.high)


def model_output(scenario: Scenario, output: str) -> Callable[[Array], Array]:
    """A vectorised function from an ``(m, d)`` array of uncertain parameters to one output per row.

    ``output`` is ``"sever"``, ``"split"`` (the faction splits), ``"distance_or_sever"``, or
    ``"price"`` (the reservation price for a break, capped at :data:`PRICE_CAP`). Fixed parameters
    keep their scenario values; levers and solution concept are the scenario's.
    """
    if output not in OUTPUTS:
        raise ValueError(f"unknown output '{output}' (choose from {', '.join(OUTPUTS)})")
    names = uncertain_names(scenario)
    fixed = scenario.values()

    def evaluate(x: Array) -> Array:
        params = {**fixed, **{n: x[:, j] for j, n in enumerate(names)}}
        if output == "price":
            line = concession_line(params, scenario.levers)
            price = reservation_prices(line, scenario.concept, scenario.lam)["sever"]
            return np.minimum(price, PRICE_CAP)
        sol = solve(build_game(params, scenario.levers), scenario.concept, scenario.lam)
        if output == "split":
            return terminal_mass(sol, segment="split")
        root = sol.probs[""]
        return root[2] if output == "sever" else 1.0 - root[0]

    return evaluate


def sobol(scenario: Scenario, output: str = "sever", n: int = 1024, seed: int | None = None,
          num_resamples: int = 100) -> sensitivity.SobolResult:
    """First- and total-order Sobol' indices of ``output``, per parameter and per factor.

    Costs ``n * (d + 2) + n * (G + 2)`` model evaluations for ``d`` parameters in ``G`` factors.
    """
    return sensitivity.sobol_indices(problem(scenario), model_output(scenario, output), n,
                                     seed=scenario.seed if seed is None else seed,
                                     num_resamples=num_resamples, groups_too=True)


def morris(scenario: Scenario, output: str = "sever", trajectories: int = 50,
           seed: int | None = None) -> sensitivity.MorrisResult:
    """Morris elementary-effects screening of ``output`` (``trajectories * (d + 1)`` evaluations)."""
    return sensitivity.morris_screening(problem(scenario), model_output(scenario, output), trajectories,
                                        seed=scenario.seed if seed is None else seed)


def factor_ranking(result: sensitivity.SobolResult) -> list[tuple[str, float]]:
    """Factors by decreasing total-order index."""
    if result.grouped is None:
        raise ValueError("the Sobol' result has no grouped indices")
    order = np.argsort(-result.grouped.ST)
    return [(result.grouped.names[i], float(result.grouped.ST[i])) for i in order]


# ----------------------------------------------------------------------------- scenario discovery


@dataclass(frozen=True)
class Discovery:
    """Where a break happens: PRIM's box and trajectory, and a shallow tree's rules."""

    prim: prim.PrimResult
    cart_rules: str
    cart_accuracy: float
    break_rate: float


def discover(scenario: Scenario, draws: int | None = None, seed: int | None = None,
             threshold: float | None = None) -> Discovery:
    """Run PRIM and CART on draws of ``scenario`` with "the Taliban severs" as outcome.

    The draws come from the scenario's own distributions at its levers; for a break under the SPE the
    outcome is 0/1, and under QRE a draw counts as a break when its break probability exceeds one half.
    """
    # scikit-learn takes about a second to import, and only this function needs it.
    from sklearn.tree import DecisionTreeClassifier, export_text

    names = analysable_names(scenario)
    drawn = sample(scenario, draws, seed)
    x = np.column_stack([drawn.params[n] for n in names])
    broke = model_output(scenario, "sever")(x) > 0.5
    found = prim.prim(x, broke, names, threshold=threshold)
    tree = DecisionTreeClassifier(max_depth=CART_DEPTH, min_samples_leaf=max(1, x.shape[0] // 50),
                                  random_state=0).fit(x, broke)
    rules = export_text(tree, feature_names=list(names), class_names=["no sever", "sever"],
                        decimals=2)
    return Discovery(found, rules, float(tree.score(x, broke)), float(broke.mean()))
