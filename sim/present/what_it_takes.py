"""The "What would it take?" page's answer for one setting: every number the page shows above its
drivers, each with its 95% interval, from one sample of the scenario's draws.

The page caches it keyed on the scenario's YAML; ``alliance-sim bench`` (and ``analyze-bench``) time it
for a new setting at the app's default size.
"""

from __future__ import annotations

from typing import Any

from sim.analysis import negotiation, outputs
from sim.engine.driver import sample
from sim.engine.intervals import format_probability
from sim.spec.scenario import Scenario


def answer(scenario: Scenario, output: str, target: float) -> dict[str, Any]:
    """Price distribution, curves, zone, best offer, the target's reach and findings for ``scenario``.

    The draws are sampled once; the price is exact per draw, the concession curve re-solves them on
    each draw's payoff lines and the verification curve in the compiled kernel, so a new setting at
    100,000 draws is answered in about a second here (docs/performance.md).
    """
    drawn = sample(scenario)
    prices = negotiation.price_distribution(drawn)
    curve = negotiation.acceptance_curve(drawn)
    offer = negotiation.best_offer(curve)
    zone = negotiation.bargaining_zone(drawn, curve=curve)
    by_verification = negotiation.verification_curve(drawn, levers={"concession": offer.concession})
    price_output = output if output in negotiation.PRICE_MOVES else outputs.DEFAULT
    return {
        "reach": negotiation.target_reach(curve, output, target).sentence(),
        "price_share": format_probability(prices.share_with_price(price_output)),
        "price_median": prices.quantiles(price_output)["p50"],
        "price_median_interval": negotiation.interval_text(prices.quantile_intervals(price_output)["p50"]),
        "price_output": price_output,
        "histogram": prices.histogram(price_output),
        "curve": curve.to_rows(),
        "verification": by_verification.to_rows(),
        "zone": format_probability(zone.chance),
        "offer": offer.concession,
        "offer_range": offer.range_text(),
        "findings": negotiation.findings(prices, curve, zone, offer, price_output),
        "method": negotiation.curve_interval(curve, output, 0).short_method,
    }
