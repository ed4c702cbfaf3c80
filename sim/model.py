"""The alliance bargaining game: its tree and the payoff of every terminal node.

This module reads like ``docs/model.md`` term by term; each quantity below carries the article
section it rests on (Bacon 2018: *Intro*, *Taliban costs*, *AQ benefits*, *Prospects*,
*Negotiations*). All functions broadcast over numpy arrays, one element per Monte Carlo draw.

The tree (one draw = one complete-information game)::

    Taliban leadership
    ├── keep ── al-Qaeda: restrain | attack
    ├── distance ── hardline faction: stay | split ── al-Qaeda: lie_low | active
    │                                                   └── chance: detected | undetected
    └── sever ── hardline faction: stay | split ── al-Qaeda: relocate | underground

The US is not a mover: its levers (concession, verification, pressure) are set before play, and its
payoff at each terminal is reported so that analyses can search for its best offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

PLAYERS = ("taliban", "faction", "al_qaeda", "us")
TALIBAN, FACTION, AL_QAEDA, US = range(4)
#: Years of fighting together at which shared-history bonds reach half their full strength.
BOND_HALF_YEARS = 10.0

Array = NDArray[np.float64]
Values = Mapping[str, "Array | float"]


# ----------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Leaf:
    key: str


@dataclass(frozen=True)
class Chance:
    """Nature's move: the first outcome has probability ``game.chance[prob]``."""

    prob: str
    outcomes: dict[str, Leaf]


@dataclass(frozen=True)
class Decision:
    player: int
    actions: dict[str, Decision | Chance | Leaf]


def _aq_after_distance(split: str) -> Decision:
    return Decision(AL_QAEDA, {
        resp: Chance(f"detect_{resp}", {
            "detected": Leaf(f"distance/{split}/{resp}/detected"),
            "undetected": Leaf(f"distance/{split}/{resp}/undetected"),
        })
        for resp in ("lie_low", "active")
    })


TREE = Decision(TALIBAN, {
    "keep": Decision(AL_QAEDA, {"restrain": Leaf("keep/restrain"), "attack": Leaf("keep/attack")}),
    "distance": Decision(FACTION, {s: _aq_after_distance(s) for s in ("stay", "split")}),
    "sever": Decision(FACTION, {
        s: Decision(AL_QAEDA, {r: Leaf(f"sever/{s}/{r}") for r in ("relocate", "underground")})
        for s in ("stay", "split")
    }),
})
MOVES = ("keep", "distance", "sever")


@dataclass(frozen=True)
class Game:
    """Payoffs ``(4, n)`` (rows in :data:`PLAYERS` order) per terminal key, and chance probabilities."""

    payoffs: dict[str, Array]
    chance: dict[str, Array]

    @property
    def draws(self) -> int:
        return next(iter(self.payoffs.values())).shape[1]


# ----------------------------------------------------------------------------- the Taliban's terms


def taliban_terms(p: Values, levers: Mapping[str, float]) -> dict[str, Array]:
    """The named building blocks of the Taliban leadership's payoffs.

    Benefits are what the alliance gives while it lasts; ``break_cost`` is what a full break costs
    the leadership beyond losing those benefits (a public distancing pays ``distance_cost_share`` of
    it, fact 8 of the brief).
    """
    haqqani = haqqani_influence(p)
    dependence = funding_dependence(p)
    coercion = levers["pressure"] * p["pressure_cost"]                              # Taliban costs ¶1
    return {
        # Benefits (Taliban costs ¶3-7; AQ benefits ¶3; Prospects ¶1)
        "expertise": p["aq_expertise"] + p["aq_manpower"],
        "funding": p["funding_weight"] * dependence,
        "is_help": p["is_help_value"] * p["is_threat"],
        "endorsement": p["endorsement_value"] * p["aq_leader_standing"],
        "bonds": p["shared_history_bond"] * p["years_together"] / (p["years_together"] + BOND_HALF_YEARS)
        + p["personal_ties"],
        # Costs of the alliance (Taliban costs ¶1)
        "isolation": p["isolation_cost"],
        "strife": p["internal_strife"],
        "coercion": coercion,
        # Costs of breaking (Negotiations ¶4-5; Prospects ¶2; Taliban costs ¶7)
        "reversal": p["reversal_cost"] * (1 - p["legitimacy_shield"] * p["leader_legitimacy"])
        + p["bayat_cost"] * p["bayat_public"],
        "chip": p["chip_value"],
        "haqqani": p["haqqani_cost"] * haqqani,
        "backlash": p["coercion_backlash"] * coercion,                                # Taliban costs ¶1
        # The deal (Negotiations ¶5)
        "deal": levers["concession"] * p["concession_value"],
    }


def haqqani_influence(p: Values) -> Array:
    """Haqqani closeness to al-Qaeda weighted by the faction's rank (Taliban costs ¶7)."""
    return np.asarray(p["haqqani_closeness"] * p["haqqani_rank"], dtype=float)


def funding_dependence(p: Values) -> Array:
    """Share of the Taliban's money that comes from al-Qaeda (Taliban costs ¶5)."""
    return np.asarray(p["aq_money"] / (p["aq_money"] + p["own_revenue"]), dtype=float)


def alliance_benefits(t: Mapping[str, Array]) -> Array:
    return t["expertise"] + t["funding"] + t["is_help"] + t["endorsement"] + t["bonds"]


def material_net(t: Mapping[str, Array]) -> Array:
    """Expertise, manpower, funds and help against IS, less isolation, strife and coercion (fact 2)."""
    return t["expertise"] + t["funding"] + t["is_help"] - t["isolation"] - t["strife"] - t["coercion"]


def break_cost(t: Mapping[str, Array]) -> Array:
    return t["reversal"] + t["chip"] + t["haqqani"] + t["backlash"]


# ----------------------------------------------------------------------------- payoffs


def build_game(p: Values, levers: Mapping[str, float]) -> Game:
    """Payoffs of every terminal node for every draw.

    ``p`` maps parameter names to arrays (uncertain) or floats (fixed); ``levers`` holds the US
    concession, verification and pressure in [0, 1].
    """
    t = taliban_terms(p, levers)
    pay = {**_keep(p, t), **_distance(p, t, levers), **_sever(p, t, levers)}
    chance = {
        "detect_lie_low": levers["verification"] * p["detect_low"],      # Prospects ¶3-4
        "detect_active": levers["verification"] * p["detect_active"],
    }
    # A scenario with every parameter fixed is one game: give it a draw axis of length 1.
    shape = np.broadcast(*(x for row in pay.values() for x in row), *chance.values()).shape or (1,)
    return Game(
        payoffs={k: _rows(row, shape) for k, row in pay.items()},
        chance={k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in chance.items()},
    )


def _rows(row: tuple, shape: tuple[int, ...]) -> Array:
    """Stack one terminal's four payoffs (arrays or scalars) into a ``(4, n)`` array."""
    out = np.empty((len(row), *shape))
    for i, x in enumerate(row):
        out[i] = x
    return out


def aq_alliance_gain(p: Values) -> Array:
    """What the alliance gives al-Qaeda net of what it commits (AQ benefits ¶1-3; Intro ¶5)."""
    return (p["aq_foothold"] + p["aq_legitimacy_vs_is"] * p["is_threat"] + p["haven_prospect"]
            + p["haqqani_protection"] * haqqani_influence(p) - p["aq_resources"])


def hardliner_attachment(p: Values) -> Array:
    """How much the hardline faction, Haqqani-linked, is offended by a break (Negotiations ¶3)."""
    return p["hardliner_attachment"] + haqqani_influence(p)


def _keep(p: Values, t: Mapping[str, Array]) -> dict[str, tuple]:
    """Alliance as is: al-Qaeda restrains itself or attacks abroad (Prospects ¶4; Taliban costs ¶1)."""
    taliban = alliance_benefits(t) - t["isolation"] - t["strife"] - t["coercion"]
    aq = aq_alliance_gain(p)
    return {
        "keep/restrain": (taliban, 0.0, aq, 0.0),
        "keep/attack": (taliban - p["retaliation_cost"], 0.0,
                        aq + p["external_ops_value"] - p["attack_haven_loss"], -p["us_attack_harm"]),
    }


def _faction(p: Values, deal: Array, offence: Array | float, split: str, extra: Array | float = 0.0):
    """The hardline faction: loyalty and a share of the deal if it stays, its outside option if it
    splits, made stronger by the Islamic State's pull (Negotiations ¶3-4; Taliban costs ¶6)."""
    if split == "stay":
        return (p["faction_loyalty"] * p["leader_legitimacy"] + p["faction_deal_share"] * deal
                - hardliner_attachment(p) * offence)
    return p["split_outside_option"] + p["is_pull"] * p["is_threat"] + extra


def _distance(p: Values, t: Mapping[str, Array], levers: Mapping[str, float]) -> dict[str, tuple]:
    """A public pledge with covert ties kept (Prospects ¶3-4). The US treats it as ``pledge_credit``
    of a deal: that share of the concession, and of the pressure lifted; if monitoring detects the
    ties the deal is void and the pressure stays in full."""
    share = p["distance_cost_share"]
    common = (p["covert_retention"] * alliance_benefits(t) - t["strife"] - share * break_cost(t))
    deal = p["pledge_credit"] * t["deal"]
    aq_covert = p["covert_retention"] * aq_alliance_gain(p)
    us_deal = (p["us_pledge_share"] * p["us_security_value"]
               - p["us_political_cost"] * p["pledge_credit"] * levers["concession"])
    taliban_kept = (common + deal - (1 - p["pledge_relief"]) * t["isolation"]
                    - (1 - p["pledge_credit"]) * t["coercion"])
    taliban_voided = common - t["isolation"] - t["coercion"] - p["detection_penalty"]
    aq_by_response = {"lie_low": aq_covert * (1 - p["lie_low_cost"]), "active": aq_covert}
    out = {}
    for split in ("stay", "split"):
        lost = p["split_cost"] if split == "split" else 0.0
        faction_kept, faction_voided = _faction(p, deal, share, split), _faction(p, 0.0, share, split)
        for resp, aq in aq_by_response.items():
            out[f"distance/{split}/{resp}/undetected"] = (taliban_kept - lost, faction_kept, aq, us_deal)
            out[f"distance/{split}/{resp}/detected"] = (
                taliban_voided - lost, faction_voided, aq - p["strike_cost"], 0.0)
    return out


def _sever(p: Values, t: Mapping[str, Array], levers: Mapping[str, float]) -> dict[str, tuple]:
    """A verifiable break for the deal (Negotiations ¶3-5). Al-Qaeda relocates or goes underground,
    safe only under a splinter's protection (Taliban costs ¶7; Prospects ¶5)."""
    taliban = t["deal"] - break_cost(t)
    us_deal = p["us_security_value"]
    us_cost = p["us_political_cost"] * levers["concession"]
    out = {}
    for split in ("stay", "split"):
        lost = p["split_cost"] if split == "split" else 0.0
        sheltered = split == "split"
        underground = (p["haqqani_protection"] * haqqani_influence(p) + p["aq_foothold"] - p["aq_resources"]
                       if sheltered else -p["exposure_cost"])
        out[f"sever/{split}/relocate"] = (
            taliban - lost, _faction(p, t["deal"], 1.0, split), p["relocation_value"], us_deal - us_cost)
        out[f"sever/{split}/underground"] = (
            taliban - lost,
            _faction(p, t["deal"], 1.0, split, p["splinter_aq_support"] if sheltered else 0.0),
            underground, p["us_underground_share"] * us_deal - us_cost)
    return out


# ----------------------------------------------------------------------------- the concession line


@dataclass(frozen=True)
class ConcessionLine:
    """The game as a function of the US concession ``c``: ``payoffs(c) = at_zero + c * slope``.

    Every payoff above is affine in ``c`` (the deal is ``c * concession_value``, the US pays
    ``us_political_cost * c``) and the chance moves do not involve it, so two builds give the game
    at any concession; the reservation price and the acceptance curves rely on this.
    """

    at_zero: Game
    slope: dict[str, Array]

    def take(self, rows: NDArray[np.intp]) -> ConcessionLine:
        """The line restricted to some draws."""
        g = self.at_zero
        return ConcessionLine(Game({k: v[:, rows] for k, v in g.payoffs.items()},
                                   {k: v[rows] for k, v in g.chance.items()}),
                              {k: v[:, rows] for k, v in self.slope.items()})

    def at(self, concession: Array | float) -> Game:
        c = np.asarray(concession, dtype=float)
        return Game({k: v + c * self.slope[k] for k, v in self.at_zero.payoffs.items()},
                    self.at_zero.chance)


def concession_line(p: Values, levers: Mapping[str, float]) -> ConcessionLine:
    """Build the game at concessions 0 and 1 and return the line through them."""
    g0 = build_game(p, {**levers, "concession": 0.0})
    g1 = build_game(p, {**levers, "concession": 1.0})
    return ConcessionLine(g0, {k: g1.payoffs[k] - v for k, v in g0.payoffs.items()})
