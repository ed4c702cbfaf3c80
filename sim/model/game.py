"""The alliance bargaining game (model brief v2): its tree and the payoff of every terminal node.

This module reads like ``docs/model.md`` term by term; each quantity below carries the article
section it rests on (Bacon 2018: *Intro*, *Taliban costs*, *AQ benefits*, *Prospects*,
*Negotiations*). All functions broadcast over numpy arrays, one element per Monte Carlo draw.

The tree (one draw = one complete-information game)::

    Taliban leadership
    ├── keep ───── al-Qaeda abroad: restrain | attack
    ├── distance ─ hardline faction: stay | split
    │              └── al-Qaeda at home: lie_low | active
    │                  └── al-Qaeda abroad: restrain ── chance: detected | undetected
    │                                       attack   (traced to Afghan soil: the pledge is void)
    └── sever ──── hardline faction: stay | split
                   └── al-Qaeda: relocate | underground
                       └── al-Qaeda abroad: restrain | attack

A pledge (Distance) is not a break: only Sever is. Al-Qaeda may strike abroad after any move and is
untroubled by a pledge (Prospects ¶4). The US is not a mover: its levers (concession, verification,
pressure) are set before play, and its payoff at each terminal is reported so that analyses can
search for its best offer.
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


def _abroad_after_distance(prefix: str, posture: str) -> Decision:
    """Al-Qaeda's operations abroad after a pledge; restraint leaves monitoring to find the ties."""
    here = f"{prefix}/{posture}"
    return Decision(AL_QAEDA, {
        "restrain": Chance(f"detect_{posture}", {
            "detected": Leaf(f"{here}/restrain/detected"),
            "undetected": Leaf(f"{here}/restrain/undetected"),
        }),
        "attack": Leaf(f"{here}/attack"),
    })


def _abroad(prefix: str) -> Decision:
    return Decision(AL_QAEDA, {a: Leaf(f"{prefix}/{a}") for a in ("restrain", "attack")})


TREE = Decision(TALIBAN, {
    "keep": _abroad("keep"),
    "distance": Decision(FACTION, {
        s: Decision(AL_QAEDA, {p: _abroad_after_distance(f"distance/{s}", p) for p in ("lie_low", "active")})
        for s in ("stay", "split")
    }),
    "sever": Decision(FACTION, {
        s: Decision(AL_QAEDA, {r: _abroad(f"sever/{s}/{r}") for r in ("relocate", "underground")})
        for s in ("stay", "split")
    }),
})
MOVES = ("keep", "distance", "sever")
#: Node paths of the hardline faction's stay-or-split choice, by the Taliban move that leads to it.
FACTION_NODES = {"distance": "distance", "sever": "sever"}


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

    Benefits are what the alliance gives while it lasts; ``break_cost`` is what a Sever costs the
    leadership beyond losing them (a pledge pays ``distance_cost_share`` of it, and never the chip).
    """
    c = levers["concession"]
    return {
        # Benefits (Taliban costs ¶3-7; Prospects ¶1-2; AQ benefits ¶3)
        "expertise": p["aq_expertise"] + p["aq_manpower"],
        "funding": p["funding_weight"] * funding_dependence(p),
        "is_help": p["is_help_value"] * p["is_threat"],
        "endorsement": endorsement(p),
        "bonds": p["shared_history_bond"] * p["years_together"] / (p["years_together"] + BOND_HALF_YEARS)
        + p["personal_ties"],
        # Costs of the alliance (Taliban costs ¶1; Intro ¶2)
        "isolation": p["isolation_cost"],
        "strife": p["internal_strife"],
        "coercion": levers["pressure"] * p["pressure_cost"],
        # Costs of breaking (Negotiations ¶4; Prospects ¶2; Taliban costs ¶1, ¶7)
        "reversal": p["reversal_cost"] * (1 - p["legitimacy_shield"] * p["leader_legitimacy"])
        + p["bayat_cost"] * p["bayat_public"],
        "haqqani": p["haqqani_cost"] * haqqani_influence(p),
        "backlash": p["backlash_cost"] * p["retaliation_memory"],
        # The deal, and what refusing it costs with the pro-negotiation side (Negotiations ¶3, ¶5)
        "deal": c * p["concession_value"],
        "refusal": c * p["moderate_discontent"],
    }


def endorsement(p: Values) -> Array:
    """What al-Qaeda hailing the Taliban leader against the IS caliph is worth to that leader: in
    proportion to his legitimacy shortfall and al-Qaeda's leader's standing (AQ benefits ¶3;
    Prospects ¶2)."""
    return np.asarray(p["endorsement_value"] * p["aq_leader_standing"] * (1 - p["leader_legitimacy"]),
                      dtype=float)


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
    """What a Sever costs the leadership besides the lost benefits and the chip (shared, in part,
    by a pledge)."""
    return t["reversal"] + t["haqqani"] + t["backlash"]


def chip_cost(p: Values) -> Array:
    """What a Sever for less than a major concession gives away: the bargaining chip, when the
    hypothesis is switched on (Negotiations ¶5). Charged only below ``chip_threshold``."""
    return np.asarray(p["chip_switch"] * p["chip_value"], dtype=float)


# ----------------------------------------------------------------------------- payoffs


def build_game(p: Values, levers: Mapping[str, float]) -> Game:
    """Payoffs of every terminal node for every draw.

    ``p`` maps parameter names to arrays (uncertain) or floats (fixed); ``levers`` holds the US
    concession, verification and pressure in [0, 1].
    """
    game = _chip_free_game(p, levers)
    _charge_chip(game.payoffs, chip_due(chip_cost(p), p["chip_threshold"], levers["concession"]))
    return game


def chip_due(chip: Array | float, threshold: Array | float, concession: Array | float) -> Array:
    """The chip a Sever at ``concession`` gives away: all of it below the threshold, none at or above."""
    return np.where(np.asarray(concession) < threshold, chip, 0.0)


def _charge_chip(payoffs: dict[str, Array], due: Array) -> None:
    """Charge the chip to the Taliban at every Sever terminal, in place (a pledge keeps the chip)."""
    for key, row in payoffs.items():
        if key.startswith("sever/"):
            row[TALIBAN] -= due


def _chip_free_game(p: Values, levers: Mapping[str, float]) -> Game:
    """The game with the chip left out (:class:`ConcessionLine` adds it where it is due)."""
    t = taliban_terms(p, levers)
    pay = {**_keep(p, t), **_distance(p, t, levers), **_sever(p, t, levers)}
    chance = {
        "detect_lie_low": levers["verification"] * p["detect_low"],      # Prospects ¶3-4
        "detect_active": levers["verification"] * p["detect_active"],
    }
    # A scenario with every parameter fixed is one game: give it a draw axis of length 1.
    shape = np.broadcast_shapes(*(np.shape(x) for row in pay.values() for x in row),
                                *(np.shape(x) for x in chance.values())) or (1,)
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
    """Alliance as is; an attack abroad is traced to the host and brings US retaliation (Intro ¶1;
    Taliban costs ¶1). Refusing the offer costs the leadership with the pro-negotiation side."""
    taliban = alliance_benefits(t) - t["isolation"] - t["strife"] - t["coercion"] - t["refusal"]
    aq = aq_alliance_gain(p)
    return {
        "keep/restrain": (taliban, 0.0, aq, 0.0),
        "keep/attack": (taliban - p["retaliation_cost"], 0.0,
                        aq + p["external_ops_value"] - p["attack_haven_loss"], -p["us_attack_harm"]),
    }


def _faction(p: Values, deal: Array, offence: Array | float, split: str, extra: Array | float = 0.0):
    """The hardline faction: loyalty and a share of the deal if it stays, its outside option if it
    splits, plus the model's own assumption of IS-Khorasan's pull on a splinter (Negotiations ¶3-4)."""
    if split == "stay":
        return (p["faction_loyalty"] * p["leader_legitimacy"] + p["faction_deal_share"] * deal
                - hardliner_attachment(p) * offence)
    return p["split_outside_option"] + p["is_pull"] * p["is_threat"] + extra


def _distance(p: Values, t: Mapping[str, Array], levers: Mapping[str, float]) -> dict[str, tuple]:
    """A public pledge with covert ties kept (Prospects ¶3-4). The US grants ``pledge_credit`` of the
    concession and of the pressure; the pledge is void if monitoring exposes the ties or al-Qaeda
    strikes abroad from Afghan soil, which also brings retaliation: a pledge buys no immunity."""
    share, credit = p["distance_cost_share"], p["pledge_credit"]
    common = (p["covert_retention"] * alliance_benefits(t) - t["strife"] - share * break_cost(t)
              - (1 - credit) * t["refusal"])
    deal = credit * t["deal"]
    taliban_kept = common + deal - (1 - p["pledge_relief"]) * t["isolation"] - (1 - credit) * t["coercion"]
    taliban_voided = common - t["isolation"] - t["coercion"] - p["detection_penalty"]
    us_kept = (p["us_pledge_share"] * p["us_security_value"]
               - p["us_political_cost"] * credit * levers["concession"])
    covert = p["covert_retention"] * aq_alliance_gain(p)
    aq_at_home = {"lie_low": covert * (1 - p["lie_low_cost"]), "active": covert}
    attack_gain = (1 - p["pledge_restraint"]) * p["external_ops_value"] - p["attack_haven_loss"]
    out = {}
    for split in ("stay", "split"):
        lost = p["split_cost"] if split == "split" else 0.0
        faction_kept, faction_voided = _faction(p, deal, share, split), _faction(p, 0.0, share, split)
        for posture, aq in aq_at_home.items():
            here = f"distance/{split}/{posture}"
            out[f"{here}/restrain/undetected"] = (taliban_kept - lost, faction_kept, aq, us_kept)
            out[f"{here}/restrain/detected"] = (taliban_voided - lost, faction_voided,
                                                aq - p["strike_cost"], 0.0)
            out[f"{here}/attack"] = (taliban_voided - p["retaliation_cost"] - lost, faction_voided,
                                     aq + attack_gain, -p["us_attack_harm"])
    return out


def _sever(p: Values, t: Mapping[str, Array], levers: Mapping[str, float]) -> dict[str, tuple]:
    """A verifiable break for the deal (Negotiations ¶3-5). Al-Qaeda relocates to other theatres
    and allies or goes underground, safe only under a splinter's protection (Taliban costs ¶7;
    Prospects ¶5). An attack abroad falls on the Taliban only if traced to Afghan soil, which can
    happen only from underground."""
    taliban = t["deal"] - break_cost(t)
    us_cost = p["us_political_cost"] * levers["concession"]
    us_by_response = {"relocate": p["us_security_value"],
                      "underground": p["us_underground_share"] * p["us_security_value"]}
    # Where the attack is traced to: al-Qaeda's new base pays for it in full after relocating, its
    # underground base in Afghanistan (and the Taliban) only if it is traced to Afghan soil.
    traced_to_base = {"relocate": 1.0, "underground": p["sever_trace"]}
    traced_to_afghanistan = {"relocate": 0.0, "underground": p["sever_trace"]}
    out = {}
    for split in ("stay", "split"):
        lost = p["split_cost"] if split == "split" else 0.0
        sheltered = split == "split"
        aq_by_response = {
            "relocate": p["relocation_value"],
            "underground": (p["haqqani_protection"] * haqqani_influence(p)
                            + p["splinter_foothold_share"] * p["aq_foothold"] - p["aq_resources"]
                            if sheltered else -p["exposure_cost"]),
        }
        for response, aq in aq_by_response.items():
            here = f"sever/{split}/{response}"
            faction = _faction(p, t["deal"], 1.0, split,
                               p["splinter_aq_support"] if sheltered and response == "underground" else 0.0)
            us = us_by_response[response] - us_cost
            out[f"{here}/restrain"] = (taliban - lost, faction, aq, us)
            out[f"{here}/attack"] = (
                taliban - lost - traced_to_afghanistan[response] * p["retaliation_cost"], faction,
                aq + p["external_ops_value"] - traced_to_base[response] * p["attack_haven_loss"],
                us - p["us_attack_harm"])
    return out


# ----------------------------------------------------------------------------- the concession line


@dataclass(frozen=True)
class ConcessionLine:
    """The game as a function of the US concession ``c``.

    Every payoff is affine in ``c`` (the deal is ``c * concession_value``, the refusal cost
    ``c * moderate_discontent``, the US pays ``us_political_cost * c``) but for the bargaining chip:
    a Sever for less than ``chip_threshold`` costs the Taliban ``chip`` more. So::

        payoffs(c) = at_zero + c * slope - chip * [c < threshold]   (Taliban row of Sever leaves)

    The chance moves do not involve ``c``. The prices and the acceptance curves rely on this.
    """

    at_zero: Game
    slope: dict[str, Array]
    chip: Array
    threshold: Array

    def take(self, rows: NDArray[np.intp]) -> ConcessionLine:
        """The line restricted to some draws."""
        g = self.at_zero
        return ConcessionLine(Game({k: v[:, rows] for k, v in g.payoffs.items()},
                                   {k: v[rows] for k, v in g.chance.items()}),
                              {k: v[:, rows] for k, v in self.slope.items()},
                              _rows_of(self.chip, rows), _rows_of(self.threshold, rows))

    def at(self, concession: Array | float) -> Game:
        c = np.asarray(concession, dtype=float)
        payoffs = {k: v + c * self.slope[k] for k, v in self.at_zero.payoffs.items()}
        _charge_chip(payoffs, chip_due(self.chip, self.threshold, c))
        return Game(payoffs, self.at_zero.chance)


def _rows_of(x: Array, rows: NDArray[np.intp]) -> Array:
    return x[rows] if x.ndim and x.size > 1 else x


def concession_line(p: Values, levers: Mapping[str, float]) -> ConcessionLine:
    """Build the chip-free game at concessions 0 and 1 and return the line through them."""
    g0 = _chip_free_game(p, {**levers, "concession": 0.0})
    g1 = _chip_free_game(p, {**levers, "concession": 1.0})
    return ConcessionLine(g0, {k: g1.payoffs[k] - v for k, v in g0.payoffs.items()},
                          chip_cost(p), np.asarray(p["chip_threshold"], dtype=float))
