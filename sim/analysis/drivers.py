"""Which factors drive the answer? Sobol', Morris and scenario discovery over a scenario's parameters.

This module wires the generic tools of :mod:`sim.analysis.sensitivity` (SALib),
:mod:`sim.analysis.prim` and :mod:`sim.analysis.discovery` to the model, for one outcome chosen in
:mod:`sim.analysis.outputs` (Sever by default):

* **Sobol' and Morris** vary every uncertain parameter of a scenario at its levers and decompose the
  variance of the outcome's probability. By default each parameter is drawn from the scenario's own
  distribution (the unit cube through its inverse CDF, between the 0.1% and 99.9% quantiles), so the
  indices describe the same world as a run. ``inputs="uniform"`` draws uniformly over each range
  instead (``[low, high]``; for a lognormal its 1st to 99th percentiles), which weights the tails far
  more than the scenario believes; the output names which was used. Parameters are also grouped by
  their ``factor`` in :mod:`sim.spec.parameters`, for a coarser second view. An outcome with fewer than
  :data:`SOBOL_MIN_EVENTS` events (or non-events) in the Sobol' base sample (:data:`MIN_EVENTS` for Morris)
  is refused: its indices are noise. Indices outside [0, 1] are listed as warnings, and parameters the
  estimates cannot order share a rank (:func:`sim.analysis.sensitivity.tied_ranks`).
* **Scenario discovery** takes Monte Carlo draws from the scenario's own distributions and asks
  where in parameter space the outcome happens: PRIM, fitted on half the draws and checked on the
  other half (:mod:`sim.analysis.discovery`), and a shallow class-balanced CART tree (Breiman et al.
  1984, via scikit-learn). Parameters that cannot enter any mover's choice at the current levers
  (the US's payoffs; the concession's worth with no concession) are left out of the inputs.

Under the SPE a single draw's outcome is 0 or 1; Sobol' indices then decompose the variance of an
indicator, which is well defined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.analysis import discovery, outputs, sensitivity
from sim.engine.driver import sample
from sim.engine.intervals import Z95
from sim.engine.sampling import ppf, uncertain_names
from sim.model.game import AL_QAEDA, FACTION, TALIBAN, build_game
from sim.model.solve import solve
from sim.spec.parameters import PARAMETERS
from sim.spec.scenario import Scenario

Array = NDArray[np.float64]
#: How the inputs of Sobol' and Morris are drawn: from the scenario's distributions, or uniformly.
INPUTS = {"distributions": "each parameter drawn from the scenario's own distribution",
          "uniform": "each parameter drawn uniformly over its range (the tails weigh far more than "
                     "the scenario believes)"}
QUANTILE_RANGE = (0.001, 0.999)
LOGNORMAL_RANGE = (0.01, 0.99)
#: Fewest events and non-events in the draws for Morris (and PRIM).
MIN_EVENTS = discovery.MIN_EVENTS
#: Fewest events and non-events in the ``2 n`` base rows for Sobol' indices: at 20-30 events a total
#: index came out at 1.011 +- 0.528 and the top parameter changed with the seed (issue 29).
SOBOL_MIN_EVENTS = 100
#: The app's default Sobol' base sample: at it the top factor is the same across seeds
#: (tests/analysis/test_drivers.py).
DEFAULT_SOBOL_N = 1024
#: The players whose choices the draws decide (the US moves before play).
MOVERS = (TALIBAN, FACTION, AL_QAEDA)
PROBE_DRAWS = 256


def analysable_names(scenario: Scenario) -> list[str]:
    """The uncertain parameters, refusing a scenario with too few to say what drives anything."""
    names = uncertain_names(scenario)
    if len(names) < 2:
        raise ValueError(f"scenario '{scenario.name}' has fewer than two uncertain parameters to analyse")
    return names


def problem(scenario: Scenario, inputs: str = "distributions") -> sensitivity.Problem:
    """The scenario's uncertain parameters as a SALib problem, grouped by factor.

    With ``inputs="distributions"`` each variable is a quantile of the parameter's distribution (the
    bounds are :data:`QUANTILE_RANGE`); with ``"uniform"`` it is the parameter's value over its range.
    """
    names = analysable_names(scenario)
    if inputs not in INPUTS:
        raise ValueError(f"unknown inputs '{inputs}' (choose from {', '.join(INPUTS)})")
    bounds = [QUANTILE_RANGE if inputs == "distributions" else _range(scenario, n) for n in names]
    return sensitivity.Problem(names=tuple(names), bounds=tuple(bounds),
                               groups=tuple(PARAMETERS[n].factor for n in names))


def _range(scenario: Scenario, name: str) -> tuple[float, float]:
    param = scenario.params[name]
    if param.dist.kind == "lognormal":
        low, high = ppf(param, np.array(LOGNORMAL_RANGE))
        return float(low), float(high)
    return float(param.dist.low), float(param.dist.high)


def model_output(scenario: Scenario, output: str, inputs: str = "values") -> Callable[[Array], Array]:
    """A vectorised function from an ``(m, d)`` array of uncertain parameters to one output per row.

    ``output`` is one of :data:`sim.analysis.outputs.OUTPUTS`. The columns are the parameters'
    values (``inputs="values"`` or ``"uniform"``) or their quantiles (``"distributions"``), mapped
    through each distribution's inverse CDF. Fixed parameters keep their scenario values; levers and
    solution concept are the scenario's.
    """
    outputs.check(output)
    names = uncertain_names(scenario)
    fixed = scenario.values()
    quantiles = inputs == "distributions"

    def evaluate(x: Array) -> Array:
        columns = {n: ppf(scenario.params[n], x[:, j]) if quantiles else x[:, j] for j, n in enumerate(names)}
        sol = solve(build_game({**fixed, **columns}, scenario.levers), scenario.concept, scenario.lam)
        return outputs.per_draw(outputs.probabilities(sol), output)

    return evaluate


def sobol(scenario: Scenario, output: str = outputs.DEFAULT, n: int = DEFAULT_SOBOL_N,
          seed: int | None = None, num_resamples: int = 100,
          inputs: str = "distributions") -> sensitivity.SobolResult:
    """First- and total-order Sobol' indices of ``output``, per parameter and per factor.

    Costs ``n * (d + 2) + n * (G + 2)`` model evaluations for ``d`` parameters in ``G`` factors.
    Refused (ValueError) when the base sample holds fewer than :data:`SOBOL_MIN_EVENTS` events of either
    class.
    """
    return sensitivity.sobol_indices(problem(scenario, inputs), model_output(scenario, output, inputs), n,
                                     seed=scenario.seed if seed is None else seed,
                                     num_resamples=num_resamples, groups_too=True,
                                     min_events=SOBOL_MIN_EVENTS)


def morris(scenario: Scenario, output: str = outputs.DEFAULT, trajectories: int = 50,
           seed: int | None = None, inputs: str = "distributions") -> sensitivity.MorrisResult:
    """Morris elementary-effects screening of ``output`` (``trajectories * (d + 1)`` evaluations)."""
    return sensitivity.morris_screening(problem(scenario, inputs), model_output(scenario, output, inputs),
                                        trajectories, seed=scenario.seed if seed is None else seed,
                                        min_events=MIN_EVENTS)


def factor_ranking(result: sensitivity.SobolResult) -> list[tuple[str, float]]:
    """Factors by decreasing total-order index."""
    if result.grouped is None:
        raise ValueError("the Sobol' result has no grouped indices")
    order = np.argsort(-result.grouped.ST)
    return [(result.grouped.names[i], float(result.grouped.ST[i])) for i in order]


# ----------------------------------------------------------------------------- scenario discovery


def choice_inputs(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The uncertain parameters that can enter a mover's choice at the scenario's levers, and the rest.

    A parameter is left out when changing it in every draw of a probe sample changes no payoff of the
    Taliban, the faction or al-Qaeda and no chance of detection: it then cannot move any choice
    (the US's own payoffs; the concession's worth when nothing is conceded). Probing the built game,
    rather than listing names, follows the model wherever it changes.
    """
    names = analysable_names(scenario)
    params = dict(sample(scenario, PROBE_DRAWS, seed=0).params)
    base = build_game(params, scenario.levers)
    moving, inert = [], []
    for name in names:
        changed = build_game({**params, name: np.asarray(params[name])[::-1]}, scenario.levers)
        same = all(np.array_equal(base.payoffs[k][list(MOVERS)], changed.payoffs[k][list(MOVERS)])
                   for k in base.payoffs) and all(np.array_equal(base.chance[k], changed.chance[k])
                                                  for k in base.chance)
        (inert if same else moving).append(name)
    return moving, inert


#: Fewest draws of each class in the tree's fitting half: below it a depth-3 tree takes up noise
#: columns (at 400 draws a pure-noise column entered 4 of 20 trees; issue 29) and it is not fitted.
MIN_TREE_EVENTS = 100


@dataclass(frozen=True)
class Tree:
    """A class-balanced shallow tree, with its figures on the held-out half (``None`` where it declined:
    ``rules`` then says why)."""

    rules: str
    balanced_accuracy: float | None
    recall: float | None
    base_rate: float
    #: 95% interval of the balanced accuracy on the held-out half (normal, from the two recalls).
    accuracy_interval: tuple[float, float] | None = None

    @property
    def declined(self) -> bool:
        return self.balanced_accuracy is None

    def sentence(self, label: str) -> str:
        """The tree's held-out figures in one sentence, or why it declined."""
        if self.declined:
            return self.rules
        low, high = self.accuracy_interval
        return (f"On the held-out half the tree's balanced accuracy is {self.balanced_accuracy:.0%} (95% "
                f"interval {low:.0%}-{high:.0%}; 50% is a coin toss) and it catches {self.recall:.0%} of the "
                f"draws with {label} (base rate {self.base_rate:.1%}).")


@dataclass(frozen=True)
class Discovery:
    """Where an outcome happens: a held-out PRIM box and a shallow tree, on the inputs that can matter."""

    output: str
    box: discovery.HeldOutBox
    tree: Tree
    inputs: tuple[str, ...]
    left_out: tuple[str, ...]
    base_rate: float
    draws: int


def discover(scenario: Scenario, draws: int | None = None, seed: int | None = None,
             output: str = outputs.DEFAULT) -> Discovery:
    """Run held-out PRIM and CART on draws of ``scenario`` with ``output`` as the outcome.

    The draws come from the scenario's own distributions at its levers; under QRE a draw counts as
    having the outcome when its probability exceeds one half. Refused
    (:class:`~sim.analysis.discovery.TooFewEvents`) with fewer than :data:`MIN_EVENTS` draws of
    either class.
    """
    names, left_out = choice_inputs(scenario)
    drawn = sample(scenario, draws, seed)
    x = np.column_stack([drawn.params[n] for n in names])
    y = model_output(scenario, outputs.check(output))(
        np.column_stack([drawn.params[n] for n in uncertain_names(scenario)])) > 0.5
    box = discovery.held_out_prim(x, y, names, outputs.PHRASES[output])
    return Discovery(output, box, class_tree(x, y, names, outputs.LABELS[output]), tuple(names),
                     tuple(left_out), float(y.mean()), int(y.size))


def class_tree(x: Array, y: NDArray[np.bool_], names: list[str], outcome: str) -> Tree:
    """A depth-3 class-balanced tree fitted on one half, scored on the other, same-class splits pruned."""
    # scikit-learn takes about a second to import, and only this function needs it.
    from sklearn.metrics import balanced_accuracy_score, recall_score
    from sklearn.tree import DecisionTreeClassifier

    fit, test = discovery.halves(y.size)
    events = int(y[fit].sum())
    fewest = min(events, fit.size - events)
    if fewest < MIN_TREE_EVENTS:
        which = "have" if fewest == events else "do not have"
        return Tree(f"No tree: only {fewest} of the {fit.size:,} draws of its fitting half {which} "
                    f"{outcome}; "
                    f"a tree needs at least {MIN_TREE_EVENTS} of each, or it picks up noise. Use more draws.",
                    None, None, float(y[test].mean()))
    tree = DecisionTreeClassifier(max_depth=discovery.CART_DEPTH, class_weight="balanced",
                                  min_samples_leaf=max(1, fit.size // 100), random_state=0)
    tree.fit(x[fit], y[fit])
    predicted = tree.predict(x[test])
    rules = "\n".join(_tree_lines(tree, x[test], y[test], names, outcome, 0, 0))
    accuracy = float(balanced_accuracy_score(y[test], predicted))
    return Tree(rules, accuracy, float(recall_score(y[test], predicted, zero_division=0.0)),
                float(y[test].mean()), balanced_accuracy_interval(y[test], predicted))


def balanced_accuracy_interval(y: NDArray[np.bool_], predicted: NDArray[np.bool_]) -> tuple[float, float]:
    """95% interval of a balanced accuracy: the mean of the two class recalls, each a binomial share of
    its own class, so its variance is the sum of theirs over 4 (normal approximation, within [0, 1])."""
    y, predicted = np.asarray(y, dtype=bool), np.asarray(predicted, dtype=bool)
    rates, variance = [], 0.0
    for cls in (True, False):
        n = int((y == cls).sum())
        r = float((predicted[y == cls] == cls).mean()) if n else 0.0
        rates.append(r)
        variance += r * (1 - r) / max(n, 1) / 4 + 1 / (4 * max(n, 1) ** 2)  # never zero width
    mean, half = sum(rates) / 2, Z95 * float(np.sqrt(variance))
    return max(0.0, mean - half), min(1.0, mean + half)


def _tree_lines(tree, x: Array, y: NDArray[np.bool_], names: list[str], outcome: str, node: int,
                depth: int) -> list[str]:
    """The tree as indented rules read on the held-out draws ``x``, ``y``: a split whose leaves all
    predict one class is shown as one leaf, and each leaf as a plain sentence, "77% of these draws have
    Sever (310 held-out draws)", not the class the balanced weights assign to it."""
    t = tree.tree_
    indent = "|   " * depth
    leaves = _leaf_classes(t, node)
    if len(leaves) == 1:
        inside = tree.decision_path(x)[:, node].toarray().ravel().astype(bool)
        if not inside.any():
            return [f"{indent}|--- no held-out draw falls here"]
        share = y[inside].mean()
        return [f"{indent}|--- {share:.0%} of these draws have {outcome} "
                f"({int(inside.sum()):,} held-out draws)"]
    name, cut = names[t.feature[node]], t.threshold[node]
    return ([f"{indent}|--- {name} <= {cut:.3g}"]
            + _tree_lines(tree, x, y, names, outcome, t.children_left[node], depth + 1)
            + [f"{indent}|--- {name} >  {cut:.3g}"]
            + _tree_lines(tree, x, y, names, outcome, t.children_right[node], depth + 1))


def _leaf_classes(t, node: int) -> set[bool]:
    """The classes the leaves under ``node`` predict."""
    if t.children_left[node] == -1:
        return {bool(np.argmax(t.value[node][0]) == 1)}
    return _leaf_classes(t, t.children_left[node]) | _leaf_classes(t, t.children_right[node])
