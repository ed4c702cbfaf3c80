"""Compiled code of :mod:`sim.kernel` (numba). Imported on first use only: see ``sim.kernel._compiled``.

Every formula mirrors its reference in :mod:`sim.solve` and :mod:`sim.price`, operation for
operation, so that SPE results are bit-identical to the reference (the tests check it).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LEAF, CHANCE, DECISION = 0, 1, 2
TALIBAN, FACTION, AL_QAEDA = 0, 1, 2
FIXED_POINT = 4294967296.0
SCAN = 9
TOLERANCE = 1e-10
MAX_STEPS = 200
#: Rows of the per-draw lines (``line_nodes`` order) and of the leadership's move values.
KEEP, D_STAY, D_SPLIT, S_STAY, S_SPLIT = range(5)
V_KEEP, V_SEVER, V_DISTANCE = range(3)
ANY = -1
#: Row of the first of the groups keep_attack, distance_attack, underground_attack (sim.kernel checks).
ATTACKS = 14

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy"}
#: Small helpers are inlined into their callers: a call passing arrays costs a reference count each.
_INLINE = {**_OPTS, "inline": "always"}


@njit(**_INLINE)
def _children(children, j):
    return 3 if children[j, 2] >= 0 else 2


@njit(**_INLINE)
def _forward(start, first, kind, children, leaf, chance_idx, decision, prob, chance, mass, tmass,
             given_move=False):
    """Probability of reaching every node of ``start``'s subtree from ``start`` (mass 1 there);
    ``given_move``: from the move below the root that leads there instead (each move's mass 1)."""
    mass[start] = 1.0
    for j in range(start, first[start] - 1, -1):   # parents before children
        k = kind[j]
        if k == LEAF:
            tmass[leaf[j]] = mass[j]
        elif k == CHANCE:
            q = chance[chance_idx[j]]
            mass[children[j, 0]] = mass[j] * q
            mass[children[j, 1]] = mass[j] * (1 - q)
        else:
            d = decision[j]
            for a in range(_children(children, j)):
                mass[children[j, a]] = 1.0 if given_move and j == start else mass[j] * prob[d, a]


@njit(**_OPTS)
def _line_values(game, chance, kind, children, leaf, chance_idx, decision, prob, vals):
    """The leadership's and the faction's values at every node when play follows ``prob``
    (:func:`sim.solve.values_under` on rows TALIBAN, FACTION)."""
    for j in range(kind.shape[0]):
        k = kind[j]
        if k == LEAF:
            for r in range(2):
                vals[j, r] = game[leaf[j], r]
        elif k == CHANCE:
            q = chance[chance_idx[j]]
            c0, c1 = children[j, 0], children[j, 1]
            for r in range(2):
                vals[j, r] = vals[c1, r] + q * (vals[c0, r] - vals[c1, r])
        else:
            d = decision[j]
            for r in range(2):
                v = vals[children[j, 0], r] * prob[d, 0]
                for a in range(1, _children(children, j)):
                    v = v + vals[children[j, a], r] * prob[d, a]
                vals[j, r] = v



# ----------------------------------------------------------------------------- parameters and payoffs

#: The catalogue's parameters in the order of the kernel's parameter rows (``sim.kernel`` checks it
#: against :data:`sim.parameters.NAMES`, so a change to the catalogue cannot silently misread them).
ORDER = (
    "aq_expertise", "aq_manpower", "aq_money", "own_revenue", "funding_weight", "is_threat",
    "is_help_value", "endorsement_value", "shared_history_bond", "years_together", "personal_ties",
    "isolation_cost", "internal_strife", "pressure_cost", "retaliation_cost", "concession_value",
    "pledge_credit", "pledge_relief", "detection_penalty", "reversal_cost", "legitimacy_shield",
    "bayat_cost", "chip_value", "chip_switch", "chip_threshold", "retaliation_memory", "backlash_cost",
    "haqqani_cost", "split_cost", "distance_cost_share", "covert_retention", "leader_legitimacy",
    "aq_leader_standing", "bayat_public", "haqqani_closeness", "haqqani_rank", "hardliner_attachment",
    "faction_loyalty", "faction_deal_share", "split_outside_option", "is_pull", "moderate_discontent",
    "splinter_aq_support", "aq_foothold", "aq_legitimacy_vs_is", "haven_prospect", "haqqani_protection",
    "aq_resources", "external_ops_value", "attack_haven_loss", "pledge_restraint", "sever_trace",
    "lie_low_cost", "strike_cost", "splinter_foothold_share", "relocation_value", "exposure_cost",
    "detect_active", "detect_low", "us_security_value", "us_political_cost", "us_attack_harm",
    "us_pledge_share", "us_underground_share",
)
(AQ_EXPERTISE, AQ_MANPOWER, AQ_MONEY, OWN_REVENUE, FUNDING_WEIGHT, IS_THREAT, IS_HELP_VALUE,
 ENDORSEMENT_VALUE, SHARED_HISTORY_BOND, YEARS_TOGETHER, PERSONAL_TIES, ISOLATION_COST, INTERNAL_STRIFE,
 PRESSURE_COST, RETALIATION_COST, CONCESSION_VALUE, PLEDGE_CREDIT, PLEDGE_RELIEF, DETECTION_PENALTY,
 REVERSAL_COST, LEGITIMACY_SHIELD, BAYAT_COST, CHIP_VALUE, CHIP_SWITCH, CHIP_THRESHOLD,
 RETALIATION_MEMORY, BACKLASH_COST, HAQQANI_COST, SPLIT_COST, DISTANCE_COST_SHARE, COVERT_RETENTION,
 LEADER_LEGITIMACY, AQ_LEADER_STANDING, BAYAT_PUBLIC, HAQQANI_CLOSENESS, HAQQANI_RANK,
 HARDLINER_ATTACHMENT, FACTION_LOYALTY, FACTION_DEAL_SHARE, SPLIT_OUTSIDE_OPTION, IS_PULL,
 MODERATE_DISCONTENT, SPLINTER_AQ_SUPPORT, AQ_FOOTHOLD, AQ_LEGITIMACY_VS_IS, HAVEN_PROSPECT,
 HAQQANI_PROTECTION, AQ_RESOURCES, EXTERNAL_OPS_VALUE, ATTACK_HAVEN_LOSS, PLEDGE_RESTRAINT, SEVER_TRACE,
 LIE_LOW_COST, STRIKE_COST, SPLINTER_FOOTHOLD_SHARE, RELOCATION_VALUE, EXPOSURE_COST, DETECT_ACTIVE,
 DETECT_LOW, US_SECURITY_VALUE, US_POLITICAL_COST, US_ATTACK_HARM, US_PLEDGE_SHARE,
 US_UNDERGROUND_SHARE) = range(64)
#: Terminals in the order of ``sim.kernel.flat_tree().terminals`` (checked there).
TERMINALS = (
    "keep/restrain", "keep/attack",
    *(f"distance/{s}/{p}/{x}" for s in ("stay", "split") for p in ("lie_low", "active")
      for x in ("restrain/detected", "restrain/undetected", "attack")),
    *(f"sever/{s}/{r}/{x}" for s in ("stay", "split") for r in ("relocate", "underground")
      for x in ("restrain", "attack")),
)
BOND_HALF_YEARS = 10.0
#: Terminals from here on follow a Sever (the chip is charged there).
FIRST_SEVER = 14
#: How a parameter row is filled from the uniforms: by the caller, at its fixed value, or by an
#: inverse CDF computed here (:mod:`sim.sampling` has the reference of each).
GIVEN, FIXED, UNIFORM, TRIANGULAR = range(4)


@njit(**_OPTS)
def fill_parameters(u, kind, value, low, high, params):
    """Rows of ``params`` from the uniform rows ``u`` (one per catalogue parameter, draws along
    the row): a fixed value, a uniform or a triangular inverse CDF, or left as the caller filled it."""
    n = params.shape[1]
    for k in range(params.shape[0]):
        lo, hi, mode = low[k], high[k], value[k]
        if kind[k] == FIXED:
            for i in range(n):
                params[k, i] = mode
        elif kind[k] == UNIFORM:
            for i in range(n):
                params[k, i] = lo + u[k, i] * (hi - lo)
        elif kind[k] == TRIANGULAR:
            cut = (mode - lo) / (hi - lo)
            left_area, right_area = (hi - lo) * (mode - lo), (hi - lo) * (hi - mode)
            for i in range(n):
                x = u[k, i]
                if x < cut:
                    params[k, i] = lo + math.sqrt(x * left_area)
                else:
                    params[k, i] = hi - math.sqrt((1 - x) * right_area)


@njit(**_INLINE)
def _faction_stay(q, deal, offence):
    return (q[FACTION_LOYALTY] * q[LEADER_LEGITIMACY] + q[FACTION_DEAL_SHARE] * deal
            - (q[HARDLINER_ATTACHMENT] + q[HAQQANI_CLOSENESS] * q[HAQQANI_RANK]) * offence)


@njit(**_INLINE)
def _faction_split(q, extra):
    return q[SPLIT_OUTSIDE_OPTION] + q[IS_PULL] * q[IS_THREAT] + extra


@njit(**_INLINE)
def _set(pay, t, taliban, faction, aq, us):
    pay[t, 0] = taliban
    pay[t, 1] = faction
    pay[t, 2] = aq
    pay[t, 3] = us


@njit(**_OPTS)
def payoffs(q, c, verification, pressure, pay, chance):
    """:func:`sim.model._chip_free_game` for one draw at concession ``c``: the payoffs of every
    terminal (rows in :data:`TERMINALS` order) and the detection chances. Term by term as in
    :mod:`sim.model`, in the same order of operations (the tests hold the two equal to the bit)."""
    # The Taliban's terms (sim.model.taliban_terms).
    expertise = q[AQ_EXPERTISE] + q[AQ_MANPOWER]
    funding = q[FUNDING_WEIGHT] * (q[AQ_MONEY] / (q[AQ_MONEY] + q[OWN_REVENUE]))
    is_help = q[IS_HELP_VALUE] * q[IS_THREAT]
    endorsement = q[ENDORSEMENT_VALUE] * q[AQ_LEADER_STANDING] * (1 - q[LEADER_LEGITIMACY])
    bonds = (q[SHARED_HISTORY_BOND] * q[YEARS_TOGETHER] / (q[YEARS_TOGETHER] + BOND_HALF_YEARS)
             + q[PERSONAL_TIES])
    isolation, strife = q[ISOLATION_COST], q[INTERNAL_STRIFE]
    coercion = pressure * q[PRESSURE_COST]
    haqqani_influence = q[HAQQANI_CLOSENESS] * q[HAQQANI_RANK]
    reversal = (q[REVERSAL_COST] * (1 - q[LEGITIMACY_SHIELD] * q[LEADER_LEGITIMACY])
                + q[BAYAT_COST] * q[BAYAT_PUBLIC])
    haqqani = q[HAQQANI_COST] * haqqani_influence
    backlash = q[BACKLASH_COST] * q[RETALIATION_MEMORY]
    deal = c * q[CONCESSION_VALUE]
    refusal = c * q[MODERATE_DISCONTENT]
    benefits = expertise + funding + is_help + endorsement + bonds
    break_cost = reversal + haqqani + backlash
    aq_gain = (q[AQ_FOOTHOLD] + q[AQ_LEGITIMACY_VS_IS] * q[IS_THREAT] + q[HAVEN_PROSPECT]
               + q[HAQQANI_PROTECTION] * haqqani_influence - q[AQ_RESOURCES])
    harm = -q[US_ATTACK_HARM]
    # Keep (sim.model._keep).
    taliban = benefits - isolation - strife - coercion - refusal
    _set(pay, 0, taliban, 0.0, aq_gain, 0.0)
    _set(pay, 1, taliban - q[RETALIATION_COST], 0.0,
         aq_gain + q[EXTERNAL_OPS_VALUE] - q[ATTACK_HAVEN_LOSS], harm)
    # Distance (sim.model._distance).
    share, credit = q[DISTANCE_COST_SHARE], q[PLEDGE_CREDIT]
    common = (q[COVERT_RETENTION] * benefits - strife - share * break_cost - (1 - credit) * refusal)
    pledged = credit * deal
    taliban_kept = (common + pledged - (1 - q[PLEDGE_RELIEF]) * isolation - (1 - credit) * coercion)
    taliban_voided = common - isolation - coercion - q[DETECTION_PENALTY]
    us_kept = q[US_PLEDGE_SHARE] * q[US_SECURITY_VALUE] - q[US_POLITICAL_COST] * credit * c
    covert = q[COVERT_RETENTION] * aq_gain
    attack_gain = (1 - q[PLEDGE_RESTRAINT]) * q[EXTERNAL_OPS_VALUE] - q[ATTACK_HAVEN_LOSS]
    t = 2
    for split in range(2):
        lost = q[SPLIT_COST] if split else 0.0
        if split:
            faction_kept = _faction_split(q, 0.0)
            faction_voided = _faction_split(q, 0.0)
        else:
            faction_kept = _faction_stay(q, pledged, share)
            faction_voided = _faction_stay(q, 0.0, share)
        for posture in range(2):
            aq = covert * (1 - q[LIE_LOW_COST]) if posture == 0 else covert
            _set(pay, t, taliban_voided - lost, faction_voided, aq - q[STRIKE_COST], 0.0)
            _set(pay, t + 1, taliban_kept - lost, faction_kept, aq, us_kept)
            _set(pay, t + 2, taliban_voided - q[RETALIATION_COST] - lost, faction_voided, aq + attack_gain,
                 harm)
            t += 3
    # Sever (sim.model._sever).
    taliban = deal - break_cost
    us_cost = q[US_POLITICAL_COST] * c
    for split in range(2):
        lost = q[SPLIT_COST] if split else 0.0
        for response in range(2):
            if response == 0:   # relocate
                aq = q[RELOCATION_VALUE]
                us = q[US_SECURITY_VALUE] - us_cost
                to_base, to_afghanistan = 1.0, 0.0
            else:               # underground
                if split:
                    aq = (q[HAQQANI_PROTECTION] * haqqani_influence
                          + q[SPLINTER_FOOTHOLD_SHARE] * q[AQ_FOOTHOLD] - q[AQ_RESOURCES])
                else:
                    aq = -q[EXPOSURE_COST]
                us = q[US_UNDERGROUND_SHARE] * q[US_SECURITY_VALUE] - us_cost
                to_base, to_afghanistan = q[SEVER_TRACE], q[SEVER_TRACE]
            if split:
                faction = _faction_split(q, q[SPLINTER_AQ_SUPPORT] if response == 1 else 0.0)
            else:
                faction = _faction_stay(q, deal, 1.0)
            _set(pay, t, taliban - lost, faction, aq, us)
            _set(pay, t + 1, taliban - lost - to_afghanistan * q[RETALIATION_COST], faction,
                 aq + q[EXTERNAL_OPS_VALUE] - to_base * q[ATTACK_HAVEN_LOSS], us - q[US_ATTACK_HARM])
            t += 2
    chance[0] = verification * q[DETECT_LOW]
    chance[1] = verification * q[DETECT_ACTIVE]
    return expertise + funding + is_help - isolation - strife - coercion


# ----------------------------------------------------------------------------- prices, SPE
# A draw's lines are one tuple ``L`` of 20 numbers (passed by value: no reference counts): the
# leadership's values at the five line nodes at c = 0 (TA + node) and their slopes (TB + node),
# then the faction's (FA + node, FB + node).
TA, TB, FA, FB = 0, 5, 10, 15


@njit(**_OPTS)
def _root_in_unit(a, b):
    root = -a / b if b != 0 else 0.0
    if math.isnan(root):
        root = 0.0
    elif root == math.inf:
        root = 1.0
    elif root == -math.inf:
        root = 0.0
    return min(max(root, 0.0), 1.0)


@njit(**_INLINE)
def _move_values(L, c, stay_s, stay_d, chip_on, chip):
    """The leadership's value of Keep, Sever and Distance at ``c`` given the faction's P(stay)
    (:meth:`sim.price.BranchLines.values`)."""
    keep = L[TA + KEEP] + L[TB + KEEP] * c
    sever = (stay_s * (L[TA + S_STAY] + L[TB + S_STAY] * c)
             + (1 - stay_s) * (L[TA + S_SPLIT] + L[TB + S_SPLIT] * c))
    distance = (stay_d * (L[TA + D_STAY] + L[TB + D_STAY] * c)
                + (1 - stay_d) * (L[TA + D_SPLIT] + L[TB + D_SPLIT] * c))
    return keep, sever - (chip if chip_on else 0.0), distance


@njit(**_INLINE)
def _pick(values, k):
    return values[0] if k == V_KEEP else (values[1] if k == V_SEVER else values[2])


@njit(**_INLINE)
def _stays(L, stay, split, c):
    """SPE: 1 where the faction stays (staying is worth at least splitting), else 0."""
    return 1.0 if L[FA + stay] + L[FB + stay] * c >= L[FA + split] + L[FB + split] * c else 0.0


@njit(**_OPTS)
def _spe_prices(L, chip, threshold, edges):
    """:func:`sim.price._spe_prices` for one draw: exact, piece by piece of [0, 1]."""
    edges[0] = 0.0
    edges[1] = _root_in_unit(L[FA + S_STAY] - L[FA + S_SPLIT], L[FB + S_STAY] - L[FB + S_SPLIT])
    edges[2] = _root_in_unit(L[FA + D_STAY] - L[FA + D_SPLIT], L[FB + D_STAY] - L[FB + D_SPLIT])
    edges[3] = min(max(threshold, 0.0), 1.0)
    edges[4] = 1.0
    edges.sort()
    price_s, price_d = math.inf, math.inf
    for piece in range(4):
        lo, hi = edges[piece], edges[piece + 1]
        mid = (lo + hi) / 2
        stay_s = _stays(L, S_STAY, S_SPLIT, mid)
        stay_d = _stays(L, D_STAY, D_SPLIT, mid)
        chip_on = mid < threshold
        v0 = _move_values(L, 0.0, stay_s, stay_d, chip_on, chip)
        v1 = _move_values(L, 1.0, stay_s, stay_d, chip_on, chip)
        for move in (V_SEVER, V_DISTANCE):
            start, end = lo, hi
            for other in range(3):
                if other == move:
                    continue
                ga = _pick(v0, move) - _pick(v0, other)
                gb = (_pick(v1, move) - _pick(v0, move)) - (_pick(v1, other) - _pick(v0, other))
                if gb == 0:
                    g_lo, g_hi = (math.inf, -math.inf) if ga < 0 else (-math.inf, math.inf)
                else:
                    root = -ga / gb
                    g_lo, g_hi = (root, math.inf) if gb > 0 else (-math.inf, root)
                start = max(start, g_lo)
                end = min(end, g_hi)
            if start <= end:
                if move == V_SEVER:
                    price_s = min(price_s, start)
                else:
                    price_d = min(price_d, start)
    return price_s, price_d


# ----------------------------------------------------------------------------- prices, QRE


@njit(**_INLINE)
def _qre_lead(move, over, c, chip_on, lam, L, chip):
    """How far ``move`` leads ``over`` (ANY: the better of the other two) at ``c``."""
    z_s = lam * ((L[FA + S_STAY] + L[FB + S_STAY] * c) - (L[FA + S_SPLIT] + L[FB + S_SPLIT] * c))
    z_d = lam * ((L[FA + D_STAY] + L[FB + D_STAY] * c) - (L[FA + D_SPLIT] + L[FB + D_SPLIT] * c))
    v = _move_values(L, c, 0.5 * (1 + math.tanh(z_s / 2)), 0.5 * (1 + math.tanh(z_d / 2)), chip_on, chip)
    if over != ANY:
        return _pick(v, move) - _pick(v, over)
    best = -math.inf
    for k in range(3):
        if k != move and _pick(v, k) > best:
            best = _pick(v, k)
    return _pick(v, move) - best


@njit(**_OPTS)
def _first_crossing(move, over, lo, hi, chip_on, strict_end, lam, L, chip):
    """Where the lead first turns non-negative on [lo, hi] (``inf`` if it does not): a scan of
    ``SCAN`` points finds the first cell, then a safeguarded Illinois (regula falsi) search shrinks
    it below ``TOLERANCE``, keeping the right end where the lead is non-negative."""
    if (lo >= hi) if strict_end else (lo > hi):
        return math.inf
    a, fa, b, fb = lo, 0.0, hi, 0.0
    found = -1
    for j in range(SCAN):
        x = lo + (j / (SCAN - 1)) * (hi - lo)
        fx = _qre_lead(move, over, x, chip_on, lam, L, chip)
        if fx >= 0:
            found = j
            b, fb = x, fx
            break
        a, fa = x, fx
    if found < 0:
        return math.inf
    if found == 0:
        return lo
    side = 0
    for _ in range(MAX_STEPS):
        width = b - a
        if width <= TOLERANCE:
            break
        x = b - fb * width / (fb - fa)
        if not (a < x < b):
            x = a + width / 2
        # Brent's safeguard: never step closer than half the tolerance to an end, so that a search
        # converging on one side still closes the bracket.
        x = min(max(x, a + TOLERANCE / 2), b - TOLERANCE / 2)
        fx = _qre_lead(move, over, x, chip_on, lam, L, chip)
        if fx >= 0:
            b, fb = x, fx
            if side == 1:
                fa = fa / 2   # Illinois: the end kept twice has its value halved
            side = 1
        else:
            a, fa = x, fx
            if side == -1:
                fb = fb / 2
            side = -1
    if strict_end and not b < hi:
        return math.inf
    return b


@njit(**_OPTS)
def _first_lead(move, over, lam, L, chip, threshold):
    theta = min(max(threshold, 0.0), 1.0)
    before = _first_crossing(move, over, 0.0, theta, True, True, lam, L, chip)
    if math.isfinite(before):
        return before
    return _first_crossing(move, over, theta, 1.0, False, False, lam, L, chip)


@njit(**_INLINE)
def _best_from(move, candidate, lam, L, chip, threshold):
    if not math.isfinite(candidate):
        return math.inf
    if _qre_lead(move, ANY, candidate, candidate < threshold, lam, L, chip) >= 0:
        return candidate
    return math.inf


@njit(**_OPTS)
def _qre_price(move, lam, L, chip, threshold):
    """:func:`sim.price._qre_prices` for one draw and move: the first concession at which the move
    leads the better of the other two, with the pairwise leads as a second chance."""
    price = _best_from(move, _first_lead(move, ANY, lam, L, chip, threshold), lam, L, chip, threshold)
    if math.isfinite(price):
        return price
    if move == V_SEVER:
        again = max(_first_lead(V_SEVER, V_KEEP, lam, L, chip, threshold),
                    _first_lead(V_SEVER, V_DISTANCE, lam, L, chip, threshold))
    else:
        again = _first_lead(V_DISTANCE, V_KEEP, lam, L, chip, threshold)
    return _best_from(move, again, lam, L, chip, threshold)


# ----------------------------------------------------------------------------- the chunk


@njit(**_INLINE)
def _backward(pay, chance, qre, lam, kind, player, children, leaf, chance_idx, decision, val, prob, util):
    """Backward induction (:func:`sim.solve._backward`): each node's values and behaviour."""
    n_players, n_nodes = pay.shape[1], kind.shape[0]
    for j in range(n_nodes):
        k = kind[j]
        if k == LEAF:
            for r in range(n_players):
                val[j, r] = pay[leaf[j], r]
        elif k == CHANCE:
            p = chance[chance_idx[j]]
            c0, c1 = children[j, 0], children[j, 1]
            for r in range(n_players):
                val[j, r] = p * val[c0, r] + (1 - p) * val[c1, r]
        else:
            d, pl, m = decision[j], player[j], _children(children, j)
            for a in range(m):
                util[a] = val[children[j, a], pl]
            if qre:
                top = util[0]
                for a in range(1, m):
                    top = max(top, util[a])
                total = 0.0
                for a in range(m):
                    util[a] = math.exp(lam * (util[a] - top))
                    total = total + util[a]
                for a in range(m):
                    prob[d, a] = util[a] / total
            else:
                best = 0
                for a in range(1, m):
                    if util[a] > util[best]:
                        best = a
                for a in range(m):
                    prob[d, a] = 1.0 if a == best else 0.0
            for r in range(n_players):
                v = val[children[j, 0], r] * prob[d, 0]
                for a in range(1, m):
                    v = v + val[children[j, a], r] * prob[d, a]
                val[j, r] = v




@njit(**_OPTS)
def solve_chunk(params, c, verification, pressure, qre, lam, want_prices,
                kind, player, children, leaf, chance_idx, chance_node, decision, first,
                members, sever_leaf, attack_leaf, move_nodes, line_nodes, sever_node,
                out, dsums, csums, rsums):
    """Every draw (column of ``params``) from its parameters to its outputs (rows of ``out``, in
    ``sim.kernel.layout().rows`` order), adding its node sums to ``dsums``, ``csums``, ``rsums``."""
    n_params, n = params.shape
    n_terminals, n_players = len(TERMINALS), 4
    n_nodes = kind.shape[0]
    q = np.empty(n_params)
    pay0 = np.empty((n_terminals, n_players))
    pay1 = np.empty((n_terminals, n_players))
    slope = np.empty((n_terminals, n_players))
    chance = np.empty(2)
    root = n_nodes - 1
    pay = np.empty((n_terminals, n_players))
    val = np.empty((n_nodes, n_players))
    prob = np.zeros((dsums.shape[0], 3))
    util = np.empty(3)
    mass = np.empty(n_nodes)
    tmass = np.empty(n_terminals)
    below = np.empty(n_terminals)
    lines0 = np.empty((n_nodes, 2))
    lines1 = np.empty((n_nodes, 2))
    edges = np.empty(5)
    n_groups = members.shape[0]
    for i in range(n):
        for k in range(n_params):
            q[k] = params[k, i]
        # The game's line in the concession (sim.model.concession_line), and its value at the
        # lever's concession, with the chip where it is due (ConcessionLine.at).
        material = payoffs(q, 0.0, verification, pressure, pay0, chance)
        payoffs(q, 1.0, verification, pressure, pay1, chance)
        chip, threshold = q[CHIP_SWITCH] * q[CHIP_VALUE], q[CHIP_THRESHOLD]
        due = chip if c < threshold else 0.0
        for t in range(n_terminals):
            for r in range(n_players):
                slope[t, r] = pay1[t, r] - pay0[t, r]
                pay[t, r] = pay0[t, r] + c * slope[t, r]
            if sever_leaf[t]:
                pay[t, TALIBAN] = pay[t, TALIBAN] - due
        # Backward induction (sim.solve._backward).
        _backward(pay, chance, qre, lam, kind, player, children, leaf, chance_idx, decision, val, prob, util)
        # Forward: the reach of every terminal, and the fixed-point sums.
        _forward(root, first, kind, children, leaf, chance_idx, decision, prob, chance, mass, tmass)
        for j in range(n_nodes):
            if kind[j] == DECISION:
                for a in range(_children(children, j)):
                    dsums[decision[j], a] += np.int64(np.rint(prob[decision[j], a] * FIXED_POINT))
            elif kind[j] == CHANCE:
                p = chance[chance_idx[j]]
                csums[chance_node[j], 0] += np.int64(np.rint(p * FIXED_POINT))
                csums[chance_node[j], 1] += np.int64(np.rint((1 - p) * FIXED_POINT))
        for t in range(n_terminals):
            rsums[t] += np.int64(np.rint(tmass[t] * FIXED_POINT))
        row = 0
        rd = decision[root]
        for a in range(3):
            out[row + a, i] = prob[rd, a]
        out[row + 3, i] = prob[decision[sever_node], 1]
        row += 4
        for g in range(n_groups):
            acc = 0.0
            for m in range(members.shape[1]):
                if members[g, m] < 0:
                    break
                acc = acc + tmass[members[g, m]]
            out[row + g, i] = acc
        row += n_groups
        # Al-Qaeda's attack abroad after each move, given that the move is played.
        _forward(root, first, kind, children, leaf, chance_idx, decision, prob, chance, mass, below, True)
        for mi in range(3):
            node = move_nodes[mi]
            acc = 0.0
            for j in range(first[node], node + 1):
                if kind[j] == LEAF and attack_leaf[leaf[j]]:
                    acc = acc + below[leaf[j]]
            out[row + mi, i] = acc
        row += 3
        for r in range(n_players):
            out[row + r, i] = val[root, r]
        row += n_players
        for mi in range(3):
            out[row, i] = val[move_nodes[mi], TALIBAN]
            out[row + 1, i] = val[move_nodes[mi], AL_QAEDA]
            row += 2
        # An attack falls on the Taliban where traced to Afghan soil (sim.run.outcome_arrays).
        out[row, i] = out[ATTACKS, i] + out[ATTACKS + 1, i] + q[SEVER_TRACE] * out[ATTACKS + 2, i]
        out[row + 1, i] = material
        out[row + 2, i] = q[AQ_MONEY] / (q[AQ_MONEY] + q[OWN_REVENUE])
        row += 3
        if want_prices:
            _line_values(pay0, chance, kind, children, leaf, chance_idx, decision, prob, lines0)
            _line_values(slope, chance, kind, children, leaf, chance_idx, decision, prob, lines1)
            n0, n1, n2, n3, n4 = line_nodes[0], line_nodes[1], line_nodes[2], line_nodes[3], line_nodes[4]
            L = (lines0[n0, 0], lines0[n1, 0], lines0[n2, 0], lines0[n3, 0], lines0[n4, 0],
                 lines1[n0, 0], lines1[n1, 0], lines1[n2, 0], lines1[n3, 0], lines1[n4, 0],
                 lines0[n0, 1], lines0[n1, 1], lines0[n2, 1], lines0[n3, 1], lines0[n4, 1],
                 lines1[n0, 1], lines1[n1, 1], lines1[n2, 1], lines1[n3, 1], lines1[n4, 1])
            if qre:
                price_s = _qre_price(V_SEVER, lam, L, chip, threshold)
                price_d = _qre_price(V_DISTANCE, lam, L, chip, threshold)
            else:
                price_s, price_d = _spe_prices(L, chip, threshold, edges)
            out[row, i] = price_s
            out[row + 1, i] = price_d


@njit(**_OPTS)
def curve_chunk(params, grid, verification, pressure, qre, lam,
                kind, player, children, leaf, chance_idx, decision, first, split_members, keep_node, out):
    """Each draw solved at every concession of ``grid`` (the acceptance curve of
    ``sim.analysis.negotiation``): ``out[g, :, i]`` holds P(Keep), P(Distance), P(Sever), P(Split),
    the US's expected utility and its value of Keep. The payoffs are built once per draw; only the
    line's value at each concession changes."""
    n_params, n = params.shape
    n_terminals, n_players = len(TERMINALS), 4
    n_nodes = kind.shape[0]
    root = n_nodes - 1
    q = np.empty(n_params)
    pay0 = np.empty((n_terminals, n_players))
    pay1 = np.empty((n_terminals, n_players))
    slope = np.empty((n_terminals, n_players))
    pay = np.empty((n_terminals, n_players))
    chance = np.empty(2)
    val = np.empty((n_nodes, n_players))
    prob = np.zeros((decision.max() + 1, 3))
    util = np.empty(3)
    mass = np.empty(n_nodes)
    tmass = np.empty(n_terminals)
    rd = decision[root]
    for i in range(n):
        for k in range(n_params):
            q[k] = params[k, i]
        payoffs(q, 0.0, verification, pressure, pay0, chance)
        payoffs(q, 1.0, verification, pressure, pay1, chance)
        chip, threshold = q[CHIP_SWITCH] * q[CHIP_VALUE], q[CHIP_THRESHOLD]
        for t in range(n_terminals):
            for r in range(n_players):
                slope[t, r] = pay1[t, r] - pay0[t, r]
        for g in range(grid.shape[0]):
            c = grid[g]
            due = chip if c < threshold else 0.0
            for t in range(n_terminals):
                for r in range(n_players):
                    pay[t, r] = pay0[t, r] + c * slope[t, r]
                if t >= FIRST_SEVER:
                    pay[t, TALIBAN] = pay[t, TALIBAN] - due
            _backward(pay, chance, qre, lam, kind, player, children, leaf, chance_idx, decision, val, prob,
                      util)
            _forward(root, first, kind, children, leaf, chance_idx, decision, prob, chance, mass, tmass)
            acc = 0.0
            for m in range(split_members.shape[0]):
                acc = acc + tmass[split_members[m]]
            out[g, 0, i] = prob[rd, 0]
            out[g, 1, i] = prob[rd, 1]
            out[g, 2, i] = prob[rd, 2]
            out[g, 3, i] = acc
            out[g, 4, i] = val[root, 3]
            out[g, 5, i] = val[keep_node, 3]
