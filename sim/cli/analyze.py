"""``alliance-sim analyze``: the negotiation and driver analyses from the command line.

``alliance-sim analyze SCENARIO --what price|curve|zone|sobol|morris|prim|terms`` prints one analysis as
text, JSON or CSV; ``alliance-sim analyze-bench`` prints the analytics benchmark. Bad input exits 2
with one message per problem, through the error handling of :func:`sim.cli.main.main`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.analysis import negotiation, outputs
from sim.cli.args import SEED_HELP, chosen_scenario, emit, output_options, scenario_arguments, whole_number
from sim.engine.driver import run_sample, sample
from sim.engine.intervals import format_probability
from sim.spec.lenses import MATERIAL_OFF
from sim.spec.scenario import MAX_SEED, Problem, Scenario, ScenarioError
from sim.timeline.calibration import calibrated_sample, load_posterior

WHAT = ("price", "curve", "zone", "sobol", "morris", "prim", "terms")


@dataclass(frozen=True)
class Report:
    """One analysis in the three output forms: a JSON payload, CSV rows and plain text."""

    payload: dict[str, Any]
    rows: list[dict[str, Any]]
    text: str

    def render(self, fmt: str) -> str:
        if fmt == "json":
            return json.dumps(self.payload, indent=2, allow_nan=False, default=_json_number) + "\n"
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(self.rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.rows)
            return buffer.getvalue()
        return self.text.rstrip("\n") + "\n"


#: Upper limits of the analysis sizes (each costs time and memory in proportion).
MAX_ANALYSIS_DRAWS = 1_000_000
MIN_PRIM_DRAWS, MAX_PRIM_DRAWS = 200, 100_000  # PRIM and CART refit on every draw: ~30 s at the maximum
MAX_SOBOL_N = 2**16  # n * (2 d + 2) model runs: ~7.7 million at the maximum, about 1.3 GiB
MAX_TRAJECTORIES = 1_000
MAX_GRID = 101


def add_analyze_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``analyze`` and ``analyze-bench`` on the ``alliance-sim`` sub-command parser."""

    p = subparsers.add_parser("analyze", help="what would it take: price, curves, zone, drivers")
    scenario_arguments(p, lens=True)
    p.add_argument("--what", choices=WHAT, required=True, help="which analysis")
    p.add_argument("--draws", type=whole_number(1, MAX_ANALYSIS_DRAWS),
                   help=f"Monte Carlo draws (price, curve, zone: at most {MAX_ANALYSIS_DRAWS:,}; "
                        f"prim: {MIN_PRIM_DRAWS} to {MAX_PRIM_DRAWS:,})")
    p.add_argument("--seed", type=whole_number(0, MAX_SEED), help=SEED_HELP)
    p.add_argument("--by", choices=("concession", "verification"), default="concession",
                   help="the lever an acceptance curve moves (curve)")
    p.add_argument("--grid", type=whole_number(2, MAX_GRID), default=21,
                   help=f"grid points of a curve, 2 to {MAX_GRID} (curve, zone)")
    p.add_argument("--output", choices=outputs.OUTPUTS, default=outputs.DEFAULT,
                   help="the outcome analysed (default: sever)")
    p.add_argument("--inputs", choices=("distributions", "uniform"), default="distributions",
                   help="Sobol'/Morris inputs: the scenario's distributions, or uniform over each range")
    p.add_argument("--sobol-n", type=_power_of_two, default=1024,
                   help=f"Sobol' base sample, a power of 2 up to {MAX_SOBOL_N:,}")
    p.add_argument("--trajectories", type=whole_number(2, MAX_TRAJECTORIES), default=50,
                   help=f"Morris trajectories, 2 to {MAX_TRAJECTORIES:,}")
    p.add_argument("--calibrated", type=Path, metavar="POSTERIOR.npz",
                   help="price, curve, zone: on a posterior written by alliance-sim calibrate (its "
                        "resample) instead of the prior; the output names it")
    output_options(p)
    bench = subparsers.add_parser("analyze-bench", help="timings of the negotiation and Sobol' analyses")
    bench.add_argument("--json", action="store_true")


def _power_of_two(text: str) -> int:

    value = whole_number(2, MAX_SOBOL_N)(text)
    if value & (value - 1):
        raise argparse.ArgumentTypeError(f"must be a power of 2, got {value}")
    return value


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run one analysis and write it in the requested format."""

    scenario = chosen_scenario(args)
    args.posterior = None
    if args.calibrated is not None:
        if args.what not in CALIBRATED:
            raise ValueError(f"--calibrated goes with --what {', '.join(CALIBRATED)}")
        if args.draws is not None:
            raise ValueError("--draws does not go with --calibrated (the posterior's resample sets the "
                             "draws)")
        args.posterior = load_posterior(args.calibrated)
    else:
        _check_draws(args.what, args.draws or scenario.draws)
    report = ANALYSES[args.what](scenario, args)
    text = report.render(args.format)
    if args.posterior is not None:
        label = args.posterior.label()
        if args.format == "json":
            named = {"calibrated": {"file": str(args.calibrated), "label": label,
                                    "effective_draws": args.posterior.effective_draws}}
            text = json.dumps(json.loads(text) | named, indent=2, allow_nan=False) + "\n"
        else:
            text = f"# {label}\n{text}" if args.format == "csv" else f"Calibrated: {label}\n{text}"
    emit(text, args.out)
    return 0


#: The analyses that run on a posterior's resample with --calibrated.
CALIBRATED = ("price", "curve", "zone")


def _drawn(scenario: Scenario, args: argparse.Namespace):
    """The draws an analysis runs on: the prior's, or the posterior's resample with --calibrated."""
    if getattr(args, "posterior", None) is not None:
        return calibrated_sample(scenario, args.posterior, args.seed)
    return sample(scenario, args.draws, args.seed)


def _check_draws(what: str, draws: int) -> None:
    """Refuse a number of draws (from ``--draws`` or the scenario's file) the analysis cannot afford."""
    low, high = (MIN_PRIM_DRAWS, MAX_PRIM_DRAWS) if what == "prim" else (1, MAX_ANALYSIS_DRAWS)
    if what in ("price", "curve", "zone", "prim", "terms") and not low <= draws <= high:
        raise ScenarioError([Problem("--draws", "", f"analyze --what {what} takes {low:,} to {high:,} draws, "
                                     f"got {draws:,}")])


def cmd_analyze_bench(args: argparse.Namespace) -> int:
    from sim.bench import analysis_speed as bench  # imports SALib and scikit-learn (a second)

    print(bench.render(bench.measure(), as_json=args.json))
    return 0


# ----------------------------------------------------------------------------- the analyses


def _price(scenario: Scenario, args: argparse.Namespace) -> Report:
    outputs.price({"price_sever": None, "price_distance": None}, args.output)  # refuses split
    prices = negotiation.price_distribution(_drawn(scenario, args))
    summary = prices.summary()
    nested = ("share_with_price_interval", "quantile_intervals")
    rows = [{"move": m, **{k: v for k, v in summary[m].items() if k not in nested},
             "share_low": summary[m]["share_with_price_interval"][0],
             "share_high": summary[m]["share_with_price_interval"][1],
             **{f"{q}_{end}": (None if pair is None else pair[i])
                for q, pair in summary[m]["quantile_intervals"].items()
                for i, end in enumerate(("low", "high"))}} for m in negotiation.PRICE_MOVES]
    text = [f"Reservation price, {scenario.name} ({prices.prices['sever'].size:,} draws; "
            "the smallest concession at which the Taliban prefers the move to Keep)", ""]
    text += [f"  {outputs.LABELS[m]:<26} has a price in {format_probability(prices.share_with_price(m))} of "
             "draws; quantiles (95% order-statistic intervals): "
             + ", ".join(f"{k} {_fmt(v)} {_pair(prices.quantile_intervals(m)[k])}"
                         for k, v in prices.quantiles(m).items())
             for m in negotiation.PRICE_MOVES]
    text += ["", f"  Share of draws by price ({outputs.LABELS[args.output]}):"]
    text += [f"  {b['low']:.2f}-{b['high']:.2f} {'#' * round(200 * b['share'])} {b['share']:.1%}"
             for b in prices.histogram(args.output)]
    payload = {"scenario": scenario.name, "output": args.output, "summary": summary,
               "histogram": prices.histogram(args.output)}
    return Report(payload, rows, "\n".join(text))


CURVE_COLUMNS = ("distance", "sever", "distance_or_sever", "split")


def _curve(scenario: Scenario, args: argparse.Namespace) -> Report:
    drawn = _drawn(scenario, args)
    grid = [i / (args.grid - 1) for i in range(args.grid)]
    make = negotiation.acceptance_curve if args.by == "concession" else negotiation.verification_curve
    curve = make(drawn, grid)
    rows = curve.to_rows()
    text = [f"Acceptance curve by {args.by}, {scenario.name} ({curve.draws:,} draws; 95% intervals: "
            f"{curve.methods['sever']})", "",
            f"  {args.by:>12}" + "".join(f"  {k.replace('_', ' '):>22}" for k in CURVE_COLUMNS)]
    text += [f"  {r[args.by]:12.2f}" + "".join(f"  {_band(r, k):>22}" for k in CURVE_COLUMNS) for r in rows]
    payload = {"scenario": scenario.name, "lever": args.by, "draws": curve.draws,
               "interval_method": curve.methods, "curve": rows}
    return Report(payload, rows, "\n".join(text))


def _zone(scenario: Scenario, args: argparse.Namespace) -> Report:
    drawn = _drawn(scenario, args)
    grid = [i / (args.grid - 1) for i in range(args.grid)]
    prices = negotiation.price_distribution(drawn)
    curve = negotiation.acceptance_curve(drawn, grid)
    zone = negotiation.bargaining_zone(drawn, curve=curve)
    offer = negotiation.best_offer(curve)
    output = args.output if args.output in negotiation.PRICE_MOVES else outputs.DEFAULT
    lines = negotiation.findings(prices, curve, zone, offer, output)
    payload = {"scenario": scenario.name, "zone": zone.summary(), "best_offer": offer.summary(),
               "findings": lines}
    low, high = zone.chance.pair()
    row = {"zone_exists": zone.chance.mean, "zone_exists_low": low, "zone_exists_high": high,
           "best_offer": offer.concession, "best_offer_low": min(offer.near),
           "best_offer_high": max(offer.near),
           "best_offer_eu_us": offer.eu_us.mean, **{f"best_offer_{k}": v for k, v in offer.outcomes.items()}}
    text = [f"Bargaining zone and US best offer, {scenario.name}", ""] + [f"- {s}" for s in lines]
    return Report(payload, [row], "\n".join(text))


def _sobol(scenario: Scenario, args: argparse.Namespace) -> Report:
    from sim.analysis import drivers  # here, not at the top: SALib and scikit-learn take a second

    result = drivers.sobol(scenario, args.output, n=args.sobol_n, seed=args.seed, inputs=args.inputs)
    rows = result.to_rows()
    text = [f"Sobol' indices of P({outputs.LABELS[args.output]}), {scenario.name} "
            f"(base sample {args.sobol_n}, "
            f"{result.n_evaluations + result.grouped.n_evaluations:,} model runs; ± 95% half-widths)",
            f"Inputs: {drivers.INPUTS[args.inputs]}. '~0': within its error of zero. Rank by total "
            "index; '=' marks a rank shared with indices the estimates cannot order.", ""]
    for kind, title in (("group", "By factor"), ("variable", "By parameter (top 15)")):
        ranked = sorted((r for r in rows if r["kind"] == kind), key=lambda r: -r["ST"])[:15]
        text += [f"  {title}:", f"  {'rank':<5} {'':<24} {'first order':>19} {'total':>19}"]
        text += [f"  {_rank(r):<5} {r['name']:<24} {_index(r, 'S1')} {_index(r, 'ST')}" for r in ranked]
        text.append("")
    warnings = result.warnings
    text += [f"Warning: {w}" for w in warnings]
    payload = {"scenario": scenario.name, "output": args.output, "inputs": args.inputs, "n": args.sobol_n,
               "indices": rows, "warnings": warnings}
    return Report(payload, rows, "\n".join(text))


def _rank(row: dict[str, Any]) -> str:
    return f"{row['rank']}{'=' if row['rank_tied'] else ''}"


def _index(row: dict[str, Any], key: str) -> str:
    flag = "~0" if row[f"{key}_within_error_of_zero"] else "  "
    return f"{row[key]:7.3f} ± {row[f'{key}_conf']:.3f} {flag}"


def _morris(scenario: Scenario, args: argparse.Namespace) -> Report:
    from sim.analysis import drivers  # here, not at the top: SALib and scikit-learn take a second

    result = drivers.morris(scenario, args.output, args.trajectories, seed=args.seed, inputs=args.inputs)
    rows = sorted(result.to_rows(), key=lambda r: -r["mu_star"])
    text = [f"Morris screening of P({outputs.LABELS[args.output]}), {scenario.name} "
            f"({args.trajectories} trajectories)", f"Inputs: {drivers.INPUTS[args.inputs]}. Rank by mu*; '=' "
            "marks a rank shared with parameters the estimates cannot order.", "",
            f"  {'rank':<5} {'':<24} {'mu*':>16} {'sigma':>8}"]
    text += [f"  {_rank(r):<5} {r['name']:<24} {r['mu_star']:7.3f} ± {r['mu_star_conf']:.3f} "
             f"{r['sigma']:8.3f}" for r in rows]
    payload = {"scenario": scenario.name, "output": args.output, "inputs": args.inputs, "screening": rows}
    return Report(payload, rows, "\n".join(text))


def _prim(scenario: Scenario, args: argparse.Namespace) -> Report:
    from sim.analysis import drivers  # here, not at the top: SALib and scikit-learn take a second

    found = drivers.discover(scenario, args.draws, args.seed, args.output)
    box, tree, phrase = found.box, found.tree, outputs.PHRASES[args.output]
    rows = box.to_rows()
    label = outputs.LABELS[args.output]
    text = [f"Where does {phrase} happen? {scenario.name}: {label} in {found.base_rate:.1%} of "
            f"{found.draws:,} draws; the box is peeled on half of them, chosen on a quarter and tested on "
            "the last quarter.",
            f"Left out: {len(found.left_out)} parameters that enter no one's choice at these levers "
            "(listed under left_out in --format json).", "",
            "PRIM: " + box.describe(phrase)]
    text += [f"  {r.condition():<48} quasi-p {r.p_value:.2g}" for r in box.restrictions]
    if box.restrictions:
        text.append(f"  On the half it was peeled on, the same box has density {box.fitted.density:.0%} and "
                    f"coverage {box.fitted.coverage:.0%}.")
    text.append(f"  Quasi-p values are on the choosing quarter, multiplied by the {box.tried} restrictions "
                "tried.")
    if box.dropped:
        text.append(f"  Dropped (corrected quasi-p above {drivers.discovery.P_LIMIT} on the choosing "
                    "quarter): " + ", ".join(r.name for r in box.dropped))
    text += [f"  Warning: {w}" for w in box.warnings]
    text += ["", f"Classification tree (depth {drivers.discovery.CART_DEPTH}, class-balanced, fitted on one "
             f"half; leaves read on the other). {tree.sentence(label)}"]
    text += ([] if tree.declined else [tree.rules])
    text += ["", "Peeling trajectory (peeling half / choosing quarter):"]
    text += [f"  {r['step']:>3}{'*' if r['chosen'] else ' '} density {r['fitted_density']:.2f}/"
             f"{r['held_out_density']:.2f} coverage {_fmt(r['fitted_coverage'])}/"
             f"{_fmt(r['held_out_coverage'])} "
             f"mass {r['mass']:.3f}  {r['limits']}" for r in rows]
    payload = {"scenario": scenario.name, "output": args.output, "base_rate": found.base_rate,
               "box": box.describe(phrase), "limits": box.limits(),
               "quasi_p": {r.name: r.p_value for r in box.restrictions},
               "dropped": {r.name: r.p_value for r in box.dropped},
               "held_out": asdict(box.held_out), "fitted_half": asdict(box.fitted),
               "rule": box.rule, "rule_text": box.rule_text, "restrictions_tried": box.tried,
               "test": {"base_rate": box.test_base_rate, "p_value": box.test_p,
                        "density_interval": (None if box.density_interval is None
                                             else list(box.density_interval)),
                        "better_than_base_rate": box.replicates},
               "min_mass": box.min_mass, "warnings": list(box.warnings), "left_out": list(found.left_out),
               "trajectory": rows, "cart_rules": tree.rules,
               "cart_held_out": {"balanced_accuracy": tree.balanced_accuracy,
                                 "balanced_accuracy_interval": None if tree.declined
                                 else list(tree.accuracy_interval),
                                 "recall": tree.recall, "base_rate": tree.base_rate}}
    return Report(payload, rows, "\n".join(text))


def _terms(scenario: Scenario, args: argparse.Namespace) -> Report:
    """What each term of the full model, switched off alone (its parameters at 0, as the material lens
    does for all of them at once), does to the outcome, over the same draws (Negotiations ¶2)."""
    def share(sc: Scenario) -> float:
        return float(run_sample(sample(sc, args.draws, args.seed)).per_draw[args.output].mean())
    base = share(scenario)
    rows = [{"term": "none (the scenario)", "parameters": "", args.output: base, "change": 0.0}]
    for term, names in MATERIAL_OFF.items():
        p = share(scenario.updated({f"parameters.{n}": 0.0 for n in names}))
        rows.append({"term": term, "parameters": " ".join(names), args.output: p, "change": p - base})
    label = outputs.LABELS[args.output]
    text = [f"Each term of the full model switched off alone, {scenario.name}: P({label}) over the same "
            "draws",
            "", f"  {'term off':<22} {'P':>8} {'change':>8}  parameters at 0"]
    text += [f"  {r['term']:<22} {r[args.output]:8.3f} {r['change']:+8.3f}  {r['parameters']}" for r in rows]
    payload = {"scenario": scenario.name, "output": args.output, "terms": rows}
    return Report(payload, rows, "\n".join(text))


ANALYSES: dict[str, Callable[[Scenario, argparse.Namespace], Report]] = {
    "price": _price, "curve": _curve, "zone": _zone, "sobol": _sobol, "morris": _morris, "prim": _prim,
    "terms": _terms,
}


def _band(row: dict[str, float], key: str) -> str:
    return f"{row[key]:.3f} [{row[f'{key}_low']:.3f}, {row[f'{key}_high']:.3f}]"


def _pair(pair: list[float | None] | None) -> str:
    """A quantile's interval: "[0.55, 0.62]", "[0.90, >1]" when open above, "" when there is none."""
    if pair is None:
        return ""
    return f"[{pair[0]:.2f}, {'>1' if pair[1] is None else f'{pair[1]:.2f}'}]"


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f}"


def _json_number(value: Any) -> Any:
    """numpy scalars and the like as plain Python numbers."""
    return float(value)
