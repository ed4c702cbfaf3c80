"""Compiled code of :mod:`sim.engine.kernel.fused` (numba). Imported on first use only: see
``sim.engine.kernel.builds.compiled``.

Every formula mirrors its reference in :mod:`sim.model.solve` and :mod:`sim.model.price`, operation for
operation, so that SPE results are bit-identical to the reference (the tests check it).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types

TALIBAN, FACTION, AL_QAEDA = 0, 1, 2
FIXED_POINT = 4294967296.0
SCAN = 9
TOLERANCE = 1e-10
MAX_STEPS = 200
#: How far below zero a bound of the lead must be to skip a scan (far above rounding error).
BOUND_MARGIN = 1e-9
#: Rows of the per-draw lines (``line_nodes`` order) and of the leadership's move values.
KEEP, D_STAY, D_SPLIT, S_STAY, S_SPLIT = range(5)
V_KEEP, V_SEVER, V_DISTANCE = range(3)
ANY = -1

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy"}
#: Small helpers are inlined into their callers: a call passing arrays costs a reference count each.
_INLINE = {**_OPTS, "inline": "always"}
#: Argument types of the entry points called from Python, each compiled for these alone. A matrix
#: may come C-contiguous (a whole block), Fortran-ordered or strided (a column slice); typed by
#: layout, each would be compiled on its own (about 35 s, in whichever process first meets it, a
#: test or a pool worker). Layout 'A' takes all three.
_ANY = types.float64[:, :]
#: The uniforms (parameters by draws) alone are C-contiguous: ``sim.engine.kernel.fused`` copies any other
#: layout. Read through layout 'A', a tile's inverse CDFs ran scalar, with a branch per triangular
#: draw, and SPE took about a third longer end to end.
_UNIFORMS = types.float64[:, ::1]
_KIND, _SPEC, _SUMS = types.int64[::1], types.float64[:, ::1], types.int64[:, ::1]
_F8, _B1, _I8 = types.float64, types.boolean, types.int64
#: One value per draw (the timeline's levers).
_VEC = types.float64[::1]


# ----------------------------------------------------------------------------- parameters and payoffs

#: The catalogue's parameters in the order of the kernel's parameter rows (``sim.engine.kernel.fused`` checks
# it
#: against :data:`sim.spec.parameters.NAMES`, so a change to the catalogue cannot silently misread them).
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
#: Terminals in the order of ``sim.engine.kernel.layout.flat_tree().terminals`` (checked there).
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
#: inverse CDF computed here (:mod:`sim.engine.sampling` has the reference of each).
GIVEN, FIXED, UNIFORM, TRIANGULAR = range(4)


#: Columns of a parameter's row of ``spec``: its inverse CDF's constants.
LOW, HIGH, CUT, LEFT_AREA, RIGHT_AREA = range(5)


#: Draws whose parameters are computed together: reading each parameter's uniforms a tile at a time
#: keeps the reads sequential (draw by draw, they would jump between 64 rows of the block), and the
#: tile (parameters by draws) stays in the first-level cache.
TILE = 64


@njit(**_INLINE)
def _draw_tile(u, kind, spec, given, start, stop, qt):
    """Column ``i - start`` of ``qt`` holds draw ``i``'s parameters, for draws ``start:stop``: each a
    fixed value (in ``spec[k, LOW]``), a uniform or a triangular inverse CDF of ``u[k, i]``, or
    ``given[k, i]`` (:mod:`sim.engine.sampling` has the reference of each, and
    ``sim.engine.kernel.fused.sampled`` the
    constants). Both sides of the triangle are computed and one kept: a branch on a uniform would
    be mispredicted every other draw. Each row is read through its slice of the tile, from index 0:
    read as ``u[k, i]`` with ``i`` from ``start``, which may be negative as far as the compiler
    knows, the wraparound numba adds made LLVM load the row with gathers, and waiting on them took
    about a third of the kernel's time (SPE at 10^6 draws, one thread: 0.57 s -> 0.40 s here, with
    the change of :func:`_solve_draws`, which gave about a twentieth of it)."""
    for k in range(kind.shape[0]):
        how = kind[k]
        low, high, cut = spec[k, LOW], spec[k, HIGH], spec[k, CUT]
        left, right = spec[k, LEFT_AREA], spec[k, RIGHT_AREA]
        row, uk = qt[k], u[k, start:stop]
        if how == GIVEN:
            gk = given[k, start:stop]
            for j in range(stop - start):
                row[j] = gk[j]
        elif how == FIXED:
            for j in range(stop - start):
                row[j] = low
        elif how == UNIFORM:
            for j in range(stop - start):
                row[j] = low + uk[j] * high
        else:
            for j in range(stop - start):
                x = uk[j]
                below, above = low + math.sqrt(x * left), high - math.sqrt((1 - x) * right)
                row[j] = below if x < cut else above


@njit(types.void(_UNIFORMS, _KIND, _SPEC, _ANY, _ANY), **_OPTS)
def fill_parameters(u, kind, spec, given, params):
    """The whole parameter matrix (one column per draw), as :func:`solve_chunk` reads it."""
    n = params.shape[1]
    qt = np.empty((kind.shape[0], TILE))
    for start in range(0, n, TILE):
        stop = min(start + TILE, n)
        _draw_tile(u, kind, spec, given, start, stop, qt)
        params[:, start:stop] = qt[:, :stop - start]


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


@njit(**_INLINE)
def payoffs(q, c, verification, pressure, pay, chance):
    """:func:`sim.model.game._chip_free_game` for one draw at concession ``c``: the payoffs of every
    terminal (rows in :data:`TERMINALS` order) and the detection chances. Term by term as in
    :mod:`sim.model.game`, in the same order of operations (the tests hold the two equal to the bit)."""
    # The Taliban's terms (sim.model.game.taliban_terms).
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
    # Keep (sim.model.game._keep).
    taliban = benefits - isolation - strife - coercion - refusal
    _set(pay, 0, taliban, 0.0, aq_gain, 0.0)
    _set(pay, 1, taliban - q[RETALIATION_COST], 0.0,
         aq_gain + q[EXTERNAL_OPS_VALUE] - q[ATTACK_HAVEN_LOSS], harm)
    # Distance (sim.model.game._distance).
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
    # Sever (sim.model.game._sever).
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
    (:meth:`sim.model.price.BranchLines.values`)."""
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


@njit(**_INLINE)
def _sorted3(a, b, c):
    if a > b:
        a, b = b, a
    if b > c:
        b, c = c, b
    if a > b:
        a, b = b, a
    return a, b, c


@njit(**_OPTS)
def _spe_prices(L, chip, threshold):
    """:func:`sim.model.price._spe_prices` for one draw: exact, piece by piece of [0, 1] (the pieces cut
    where the faction turns and at the chip's threshold). A move priced in one piece is not sought
    in the pieces after it: they start where it was already feasible."""
    cut_s = _root_in_unit(L[FA + S_STAY] - L[FA + S_SPLIT], L[FB + S_STAY] - L[FB + S_SPLIT])
    cut_d = _root_in_unit(L[FA + D_STAY] - L[FA + D_SPLIT], L[FB + D_STAY] - L[FB + D_SPLIT])
    e1, e2, e3 = _sorted3(cut_s, cut_d, min(max(threshold, 0.0), 1.0))
    edges = (0.0, e1, e2, e3, 1.0)
    price_s, price_d = math.inf, math.inf
    for piece in range(4):
        if price_s < math.inf and price_d < math.inf:
            break
        lo, hi = edges[piece], edges[piece + 1]
        mid = (lo + hi) / 2
        stay_s = _stays(L, S_STAY, S_SPLIT, mid)
        stay_d = _stays(L, D_STAY, D_SPLIT, mid)
        chip_on = mid < threshold
        v0 = _move_values(L, 0.0, stay_s, stay_d, chip_on, chip)
        v1 = _move_values(L, 1.0, stay_s, stay_d, chip_on, chip)
        for move in (V_SEVER, V_DISTANCE):
            if (price_s if move == V_SEVER else price_d) < math.inf:
                continue
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
                    price_s = start
                else:
                    price_d = start
    return price_s, price_d


# ----------------------------------------------------------------------------- prices, QRE


#: Columns of a row of the scan's table: the three move values, then the faction's two P(stay).
T_STAY_S, T_STAY_D = 3, 4


@njit(**_INLINE)
def _qre_values(c, chip_on, lam, L, chip):
    """The leadership's values of Keep, Sever and Distance at ``c`` under the faction's logit
    response, and the faction's P(stay) after Sever and after Distance."""
    z_s = lam * ((L[FA + S_STAY] + L[FB + S_STAY] * c) - (L[FA + S_SPLIT] + L[FB + S_SPLIT] * c))
    z_d = lam * ((L[FA + D_STAY] + L[FB + D_STAY] * c) - (L[FA + D_SPLIT] + L[FB + D_SPLIT] * c))
    # The two-action logit as 1 / (1 + e^-z): the reference's 0.5 (1 + tanh(z / 2)) to rounding, at
    # a third of the cost (an overflow of e^-z gives 0, as it should).
    stay_s, stay_d = 1 / (1 + math.exp(-z_s)), 1 / (1 + math.exp(-z_d))
    keep, sever, distance = _move_values(L, c, stay_s, stay_d, chip_on, chip)
    return keep, sever, distance, stay_s, stay_d


@njit(**_INLINE)
def _rival(v, move, over):
    """The move ``move`` is measured against: ``over``, or (ANY) the better of the other two among
    the values ``v`` (the first on a tie)."""
    if over != ANY:
        return over
    rival, best = -1, -math.inf
    for k in range(3):
        if k != move and _pick(v, k) > best:
            rival, best = k, _pick(v, k)
    return rival


@njit(**_INLINE)
def _lead(v, move, over):
    """How far ``move`` leads ``over`` (ANY: the better of the other two) among the values ``v``."""
    return _pick(v, move) - _pick(v, _rival(v, move, over))


@njit(**_INLINE)
def _qre_lead(move, over, c, chip_on, lam, L, chip):
    v = _qre_values(c, chip_on, lam, L, chip)
    return _lead((v[0], v[1], v[2]), move, over)


@njit(**_INLINE)
def _qre_lead_slope(move, over, c, chip_on, lam, L, chip):
    """:func:`_qre_lead` at ``c`` (the same arithmetic) and its derivative in ``c``: for Newton."""
    v = _qre_values(c, chip_on, lam, L, chip)
    values = (v[0], v[1], v[2])
    rival = _rival(values, move, over)
    stay_s, stay_d = v[T_STAY_S], v[T_STAY_D]
    sever_gap = (L[TA + S_STAY] + L[TB + S_STAY] * c) - (L[TA + S_SPLIT] + L[TB + S_SPLIT] * c)
    distance_gap = (L[TA + D_STAY] + L[TB + D_STAY] * c) - (L[TA + D_SPLIT] + L[TB + D_SPLIT] * c)
    slopes = (L[TB + KEEP],
              stay_s * (1 - stay_s) * lam * (L[FB + S_STAY] - L[FB + S_SPLIT]) * sever_gap
              + stay_s * L[TB + S_STAY] + (1 - stay_s) * L[TB + S_SPLIT],
              stay_d * (1 - stay_d) * lam * (L[FB + D_STAY] - L[FB + D_SPLIT]) * distance_gap
              + stay_d * L[TB + D_STAY] + (1 - stay_d) * L[TB + D_SPLIT])
    return _pick(values, move) - _pick(values, rival), _pick(slopes, move) - _pick(slopes, rival)


@njit(**_INLINE)
def _scan_point(lo, hi, j):
    """The ``j``-th of the scan's ``SCAN`` evenly spaced points on [lo, hi]."""
    return lo + (j / (SCAN - 1)) * (hi - lo)


@njit(**_INLINE)
def _grid(table, have, piece, j, lo, hi, chip_on, lam, L, chip):
    """Row ``j`` of the scan's table for ``piece`` (0: [0, theta), chip due; 1: [theta, 1]),
    computed on first use: every search of a draw scans the same points."""
    if not have[piece, j]:
        v = _qre_values(_scan_point(lo, hi, j), chip_on, lam, L, chip)
        for k in range(5):
            table[piece, j, k] = v[k]
        have[piece, j] = True
    return table[piece, j, 0], table[piece, j, 1], table[piece, j, 2]


@njit(**_INLINE)
def _mix_range(L, stay, split, s_min, s_max, lo, hi):
    """Bounds of the leadership's value of a move, split(c) + s (stay(c) - split(c)), over c in
    [lo, hi] and s in [s_min, s_max]: bilinear in (c, s), so its extremes are at the corners."""
    least, most = math.inf, -math.inf
    for c in (lo, hi):
        base = L[TA + split] + L[TB + split] * c
        gap = (L[TA + stay] + L[TB + stay] * c) - base
        for s in (s_min, s_max):
            v = base + s * gap
            least, most = min(least, v), max(most, v)
    return least, most


#: Types of the price search's arguments. Its functions are compiled for these alone: called with
#: constants (a move, a piece, a flag), numba would otherwise compile one copy per combination.
_L, _F, _I, _B = types.UniTuple(types.float64, 20), types.float64, types.int64, types.boolean
_TABLE, _HAVE = types.float64[:, :, ::1], types.boolean[:, ::1]
#: The search's functions allocate nothing and only borrow the caller's scan table: compiled
#: without reference counting, they skip the count numba takes and drops on the table each time
#: it passes it on (about a tenth of a QRE draw's time, in NRT_incref and NRT_decref).
_SEARCH = {**_OPTS, "_nrt": False}


@njit(_F(_I, _I, _F, _F, _F, _F, _F, _F, _B, _L, _F), **_OPTS)
def _lead_bound(move, over, lo, hi, s_first, s_last, d_first, d_last, chip_on, L, chip):
    """An upper bound of how far ``move`` leads ``over`` (ANY: the better of the other two) on
    [lo, hi], given the faction's P(stay) after Sever and after Distance at lo (``*_first``) and at
    hi (``*_last``): it is monotone in c, so it lies between its values at the ends. Below zero, no
    concession there can price the move, and the scan is skipped. (Numbers, not the scan table's
    rows: a row is a view, and each costs a reference count taken and dropped.)"""
    s_min, s_max = min(s_first, s_last), max(s_first, s_last)
    d_min, d_max = min(d_first, d_last), max(d_first, d_last)
    sever_lo, sever_hi = _mix_range(L, S_STAY, S_SPLIT, s_min, s_max, lo, hi)
    distance_lo, distance_hi = _mix_range(L, D_STAY, D_SPLIT, d_min, d_max, lo, hi)
    due = chip if chip_on else 0.0
    keep_lo, keep_hi = L[TA + KEEP] + L[TB + KEEP] * lo, L[TA + KEEP] + L[TB + KEEP] * hi
    lows = (min(keep_lo, keep_hi), sever_lo - due, distance_lo)
    highs = (max(keep_lo, keep_hi), sever_hi - due, distance_hi)
    rival = -math.inf
    for k in range(3):
        if k != move and (over == ANY or k == over):
            rival = max(rival, _pick(lows, k))
    return _pick(highs, move) - rival


@njit(_F(_I, _I, _I, _F, _F, _B, _B, _F, _L, _F, _TABLE, _HAVE), **_SEARCH)
def _first_crossing(move, over, piece, lo, hi, chip_on, strict_end, lam, L, chip, table, have):
    """Where the lead first turns non-negative on [lo, hi] (``inf`` if it does not): a scan of
    ``SCAN`` points finds the first cell, then a safeguarded Newton search shrinks it below
    ``TOLERANCE``, keeping the right end where the lead is non-negative."""
    if (lo >= hi) if strict_end else (lo > hi):
        return math.inf
    _grid(table, have, piece, 0, lo, hi, chip_on, lam, L, chip)
    _grid(table, have, piece, SCAN - 1, lo, hi, chip_on, lam, L, chip)
    end = _scan_point(lo, hi, SCAN - 1)   # the last point the scan reads
    if _lead_bound(move, over, lo, end, table[piece, 0, T_STAY_S], table[piece, SCAN - 1, T_STAY_S],
                   table[piece, 0, T_STAY_D], table[piece, SCAN - 1, T_STAY_D], chip_on, L,
                   chip) < -BOUND_MARGIN:
        return math.inf
    a, b, fb = lo, hi, 0.0
    found = -1
    for j in range(SCAN):
        fx = _lead(_grid(table, have, piece, j, lo, hi, chip_on, lam, L, chip), move, over)
        x = _scan_point(lo, hi, j)
        if fx >= 0:
            found = j
            b, fb = x, fx
            break
        a = x
    if found < 0:
        return math.inf
    if found == 0:
        return lo
    # Safeguarded Newton from the cell's non-negative end: a step that leaves the bracket is
    # replaced by bisection, and each step reaches a quarter of the tolerance past the root's
    # estimate, towards the end that has not moved, so that the bracket closes around it.
    x, fx, dx = b, fb, _qre_lead_slope(move, over, b, chip_on, lam, L, chip)[1]
    for _ in range(MAX_STEPS):
        width = b - a
        if width <= TOLERANCE:
            break
        x = x - fx / dx if dx != 0 else a + width / 2
        if not (a < x < b):
            x = a + width / 2
        x = x - TOLERANCE / 4 if fx >= 0 else x + TOLERANCE / 4
        x = min(max(x, a + TOLERANCE / 2), b - TOLERANCE / 2)
        fx, dx = _qre_lead_slope(move, over, x, chip_on, lam, L, chip)
        if fx >= 0:
            b = x
        else:
            a = x
    if strict_end and not b < hi:
        return math.inf
    return b


@njit(_F(_I, _I, _F, _L, _F, _F, _TABLE, _HAVE), **_SEARCH)
def _first_lead(move, over, lam, L, chip, threshold, table, have):
    theta = min(max(threshold, 0.0), 1.0)
    before = _first_crossing(move, over, 0, 0.0, theta, True, True, lam, L, chip, table, have)
    if math.isfinite(before):
        return before
    return _first_crossing(move, over, 1, theta, 1.0, False, False, lam, L, chip, table, have)


@njit(**_INLINE)
def _best_from(move, candidate, lam, L, chip, threshold):
    if not math.isfinite(candidate):
        return math.inf
    if _qre_lead(move, ANY, candidate, candidate < threshold, lam, L, chip) >= 0:
        return candidate
    return math.inf


@njit(_F(_I, _F, _L, _F, _F, _TABLE, _HAVE), **_SEARCH)
def _qre_price(move, lam, L, chip, threshold, table, have):
    """:func:`sim.model.price._qre_prices` for one draw and move: the first concession at which the move
    leads the better of the other two, with the pairwise leads as a second chance. ``table`` and
    ``have`` hold the draw's scan (``have`` cleared for a new draw)."""
    price = _best_from(move, _first_lead(move, ANY, lam, L, chip, threshold, table, have), lam, L, chip,
                       threshold)
    if math.isfinite(price):
        return price
    if move == V_SEVER:
        again = max(_first_lead(V_SEVER, V_KEEP, lam, L, chip, threshold, table, have),
                    _first_lead(V_SEVER, V_DISTANCE, lam, L, chip, threshold, table, have))
    else:
        again = _first_lead(V_DISTANCE, V_KEEP, lam, L, chip, threshold, table, have)
    return _best_from(move, again, lam, L, chip, threshold)


# ----------------------------------------------------------------------------- tallies (sim.engine.tally)


@njit(types.boolean(_ANY, _I8, _F8, _SUMS, _SUMS), **_OPTS)
def fixed_sums(values, block, magnitude, sums, squares):
    """``sums[k, b]`` and ``squares[k, b]``: the sums over columns ``b * block ..`` of row ``k`` of
    ``values``, each value and its square rounded on its own to units of ``2**-32`` (as
    ``np.rint(x * 2**32)``). False, with the sums unfinished, if a value is not finite or exceeds
    ``magnitude`` in size."""
    n = values.shape[1]
    for k in range(values.shape[0]):
        for b in range(sums.shape[1]):
            total, total_squares = np.int64(0), np.int64(0)
            for i in range(b * block, min(n, (b + 1) * block)):
                v = values[k, i]
                if not abs(v) <= magnitude:
                    return False
                total += np.int64(np.rint(v * FIXED_POINT))
                total_squares += np.int64(np.rint((v * v) * FIXED_POINT))
            sums[k, b] = total
            squares[k, b] = total_squares
    return True


@njit(types.boolean(types.float64[::1], _I8, types.int64[::1]), **_OPTS)
def price_counts(prices, bins, counts):
    """Adds each price to ``counts``: bin ``rint(price * bins)`` for a price in [0, 1], bin
    ``bins + 1`` for none up to 1 (``inf``). False if a price is neither."""
    for i in range(prices.shape[0]):
        p = prices[i]
        if p == math.inf:
            counts[bins + 1] += 1
        elif 0 <= p <= 1:
            counts[np.int64(np.rint(p * bins))] += 1
        else:
            return False
    return True


# ---- generated by sim.engine.kernel.generate: edit the generator, not this section ----
# The tree has 42 nodes and 22 terminals; node numbers are sim.engine.kernel.layout.flat_tree()'s
# (post-order). v: values, m and g: reach, z and s: the lines' values at c = 0 and slopes.
N_DECISIONS = 16
ROOT_DECISION = 15
SEVER_DECISION = 14
N_GROUPS = 8
INTERNAL_GROUPS = (
    'deal_sever', 'deal_pledge', 'keep_attack', 'distance_attack', 'underground_attack'
)


@njit(**_INLINE)
def _tree_backward(pay, ch0, ch1, qre, lam, prob):
    """Backward induction (:func:`sim.model.solve._backward`): writes each decision's ``prob``;
    returns the values at the root (four players), at Keep, Distance and Sever (the leadership's
    and al-Qaeda's) and the US's at Keep."""
    v0_0 = pay[0, 0]
    v0_1 = pay[0, 1]
    v0_2 = pay[0, 2]
    v0_3 = pay[0, 3]
    v1_0 = pay[1, 0]
    v1_1 = pay[1, 1]
    v1_2 = pay[1, 2]
    v1_3 = pay[1, 3]
    if qre:
        top = v0_2
        top = max(top, v1_2)
        e0 = math.exp(lam * (v0_2 - top))
        e1 = math.exp(lam * (v1_2 - top))
        total = 0.0 + e0 + e1
        prob[0, 0] = e0 / total
        prob[0, 1] = e1 / total
    else:
        best, top = 0, v0_2
        if v1_2 > top:
            best, top = 1, v1_2
        prob[0, 0] = 1.0 if best == 0 else 0.0
        prob[0, 1] = 1.0 if best == 1 else 0.0
    v2_0 = v0_0 * prob[0, 0] + v1_0 * prob[0, 1]
    v2_1 = v0_1 * prob[0, 0] + v1_1 * prob[0, 1]
    v2_2 = v0_2 * prob[0, 0] + v1_2 * prob[0, 1]
    v2_3 = v0_3 * prob[0, 0] + v1_3 * prob[0, 1]
    v3_0 = pay[2, 0]
    v3_1 = pay[2, 1]
    v3_2 = pay[2, 2]
    v3_3 = pay[2, 3]
    v4_0 = pay[3, 0]
    v4_1 = pay[3, 1]
    v4_2 = pay[3, 2]
    v4_3 = pay[3, 3]
    v5_0 = ch0 * v3_0 + (1 - ch0) * v4_0
    v5_1 = ch0 * v3_1 + (1 - ch0) * v4_1
    v5_2 = ch0 * v3_2 + (1 - ch0) * v4_2
    v5_3 = ch0 * v3_3 + (1 - ch0) * v4_3
    v6_0 = pay[4, 0]
    v6_1 = pay[4, 1]
    v6_2 = pay[4, 2]
    v6_3 = pay[4, 3]
    if qre:
        top = v5_2
        top = max(top, v6_2)
        e0 = math.exp(lam * (v5_2 - top))
        e1 = math.exp(lam * (v6_2 - top))
        total = 0.0 + e0 + e1
        prob[1, 0] = e0 / total
        prob[1, 1] = e1 / total
    else:
        best, top = 0, v5_2
        if v6_2 > top:
            best, top = 1, v6_2
        prob[1, 0] = 1.0 if best == 0 else 0.0
        prob[1, 1] = 1.0 if best == 1 else 0.0
    v7_0 = v5_0 * prob[1, 0] + v6_0 * prob[1, 1]
    v7_1 = v5_1 * prob[1, 0] + v6_1 * prob[1, 1]
    v7_2 = v5_2 * prob[1, 0] + v6_2 * prob[1, 1]
    v7_3 = v5_3 * prob[1, 0] + v6_3 * prob[1, 1]
    v8_0 = pay[5, 0]
    v8_1 = pay[5, 1]
    v8_2 = pay[5, 2]
    v8_3 = pay[5, 3]
    v9_0 = pay[6, 0]
    v9_1 = pay[6, 1]
    v9_2 = pay[6, 2]
    v9_3 = pay[6, 3]
    v10_0 = ch1 * v8_0 + (1 - ch1) * v9_0
    v10_1 = ch1 * v8_1 + (1 - ch1) * v9_1
    v10_2 = ch1 * v8_2 + (1 - ch1) * v9_2
    v10_3 = ch1 * v8_3 + (1 - ch1) * v9_3
    v11_0 = pay[7, 0]
    v11_1 = pay[7, 1]
    v11_2 = pay[7, 2]
    v11_3 = pay[7, 3]
    if qre:
        top = v10_2
        top = max(top, v11_2)
        e0 = math.exp(lam * (v10_2 - top))
        e1 = math.exp(lam * (v11_2 - top))
        total = 0.0 + e0 + e1
        prob[2, 0] = e0 / total
        prob[2, 1] = e1 / total
    else:
        best, top = 0, v10_2
        if v11_2 > top:
            best, top = 1, v11_2
        prob[2, 0] = 1.0 if best == 0 else 0.0
        prob[2, 1] = 1.0 if best == 1 else 0.0
    v12_0 = v10_0 * prob[2, 0] + v11_0 * prob[2, 1]
    v12_1 = v10_1 * prob[2, 0] + v11_1 * prob[2, 1]
    v12_2 = v10_2 * prob[2, 0] + v11_2 * prob[2, 1]
    v12_3 = v10_3 * prob[2, 0] + v11_3 * prob[2, 1]
    if qre:
        top = v7_2
        top = max(top, v12_2)
        e0 = math.exp(lam * (v7_2 - top))
        e1 = math.exp(lam * (v12_2 - top))
        total = 0.0 + e0 + e1
        prob[3, 0] = e0 / total
        prob[3, 1] = e1 / total
    else:
        best, top = 0, v7_2
        if v12_2 > top:
            best, top = 1, v12_2
        prob[3, 0] = 1.0 if best == 0 else 0.0
        prob[3, 1] = 1.0 if best == 1 else 0.0
    v13_0 = v7_0 * prob[3, 0] + v12_0 * prob[3, 1]
    v13_1 = v7_1 * prob[3, 0] + v12_1 * prob[3, 1]
    v13_2 = v7_2 * prob[3, 0] + v12_2 * prob[3, 1]
    v13_3 = v7_3 * prob[3, 0] + v12_3 * prob[3, 1]
    v14_0 = pay[8, 0]
    v14_1 = pay[8, 1]
    v14_2 = pay[8, 2]
    v14_3 = pay[8, 3]
    v15_0 = pay[9, 0]
    v15_1 = pay[9, 1]
    v15_2 = pay[9, 2]
    v15_3 = pay[9, 3]
    v16_0 = ch0 * v14_0 + (1 - ch0) * v15_0
    v16_1 = ch0 * v14_1 + (1 - ch0) * v15_1
    v16_2 = ch0 * v14_2 + (1 - ch0) * v15_2
    v16_3 = ch0 * v14_3 + (1 - ch0) * v15_3
    v17_0 = pay[10, 0]
    v17_1 = pay[10, 1]
    v17_2 = pay[10, 2]
    v17_3 = pay[10, 3]
    if qre:
        top = v16_2
        top = max(top, v17_2)
        e0 = math.exp(lam * (v16_2 - top))
        e1 = math.exp(lam * (v17_2 - top))
        total = 0.0 + e0 + e1
        prob[4, 0] = e0 / total
        prob[4, 1] = e1 / total
    else:
        best, top = 0, v16_2
        if v17_2 > top:
            best, top = 1, v17_2
        prob[4, 0] = 1.0 if best == 0 else 0.0
        prob[4, 1] = 1.0 if best == 1 else 0.0
    v18_0 = v16_0 * prob[4, 0] + v17_0 * prob[4, 1]
    v18_1 = v16_1 * prob[4, 0] + v17_1 * prob[4, 1]
    v18_2 = v16_2 * prob[4, 0] + v17_2 * prob[4, 1]
    v18_3 = v16_3 * prob[4, 0] + v17_3 * prob[4, 1]
    v19_0 = pay[11, 0]
    v19_1 = pay[11, 1]
    v19_2 = pay[11, 2]
    v19_3 = pay[11, 3]
    v20_0 = pay[12, 0]
    v20_1 = pay[12, 1]
    v20_2 = pay[12, 2]
    v20_3 = pay[12, 3]
    v21_0 = ch1 * v19_0 + (1 - ch1) * v20_0
    v21_1 = ch1 * v19_1 + (1 - ch1) * v20_1
    v21_2 = ch1 * v19_2 + (1 - ch1) * v20_2
    v21_3 = ch1 * v19_3 + (1 - ch1) * v20_3
    v22_0 = pay[13, 0]
    v22_1 = pay[13, 1]
    v22_2 = pay[13, 2]
    v22_3 = pay[13, 3]
    if qre:
        top = v21_2
        top = max(top, v22_2)
        e0 = math.exp(lam * (v21_2 - top))
        e1 = math.exp(lam * (v22_2 - top))
        total = 0.0 + e0 + e1
        prob[5, 0] = e0 / total
        prob[5, 1] = e1 / total
    else:
        best, top = 0, v21_2
        if v22_2 > top:
            best, top = 1, v22_2
        prob[5, 0] = 1.0 if best == 0 else 0.0
        prob[5, 1] = 1.0 if best == 1 else 0.0
    v23_0 = v21_0 * prob[5, 0] + v22_0 * prob[5, 1]
    v23_1 = v21_1 * prob[5, 0] + v22_1 * prob[5, 1]
    v23_2 = v21_2 * prob[5, 0] + v22_2 * prob[5, 1]
    v23_3 = v21_3 * prob[5, 0] + v22_3 * prob[5, 1]
    if qre:
        top = v18_2
        top = max(top, v23_2)
        e0 = math.exp(lam * (v18_2 - top))
        e1 = math.exp(lam * (v23_2 - top))
        total = 0.0 + e0 + e1
        prob[6, 0] = e0 / total
        prob[6, 1] = e1 / total
    else:
        best, top = 0, v18_2
        if v23_2 > top:
            best, top = 1, v23_2
        prob[6, 0] = 1.0 if best == 0 else 0.0
        prob[6, 1] = 1.0 if best == 1 else 0.0
    v24_0 = v18_0 * prob[6, 0] + v23_0 * prob[6, 1]
    v24_1 = v18_1 * prob[6, 0] + v23_1 * prob[6, 1]
    v24_2 = v18_2 * prob[6, 0] + v23_2 * prob[6, 1]
    v24_3 = v18_3 * prob[6, 0] + v23_3 * prob[6, 1]
    if qre:
        top = v13_1
        top = max(top, v24_1)
        e0 = math.exp(lam * (v13_1 - top))
        e1 = math.exp(lam * (v24_1 - top))
        total = 0.0 + e0 + e1
        prob[7, 0] = e0 / total
        prob[7, 1] = e1 / total
    else:
        best, top = 0, v13_1
        if v24_1 > top:
            best, top = 1, v24_1
        prob[7, 0] = 1.0 if best == 0 else 0.0
        prob[7, 1] = 1.0 if best == 1 else 0.0
    v25_0 = v13_0 * prob[7, 0] + v24_0 * prob[7, 1]
    v25_1 = v13_1 * prob[7, 0] + v24_1 * prob[7, 1]
    v25_2 = v13_2 * prob[7, 0] + v24_2 * prob[7, 1]
    v25_3 = v13_3 * prob[7, 0] + v24_3 * prob[7, 1]
    v26_0 = pay[14, 0]
    v26_1 = pay[14, 1]
    v26_2 = pay[14, 2]
    v26_3 = pay[14, 3]
    v27_0 = pay[15, 0]
    v27_1 = pay[15, 1]
    v27_2 = pay[15, 2]
    v27_3 = pay[15, 3]
    if qre:
        top = v26_2
        top = max(top, v27_2)
        e0 = math.exp(lam * (v26_2 - top))
        e1 = math.exp(lam * (v27_2 - top))
        total = 0.0 + e0 + e1
        prob[8, 0] = e0 / total
        prob[8, 1] = e1 / total
    else:
        best, top = 0, v26_2
        if v27_2 > top:
            best, top = 1, v27_2
        prob[8, 0] = 1.0 if best == 0 else 0.0
        prob[8, 1] = 1.0 if best == 1 else 0.0
    v28_0 = v26_0 * prob[8, 0] + v27_0 * prob[8, 1]
    v28_1 = v26_1 * prob[8, 0] + v27_1 * prob[8, 1]
    v28_2 = v26_2 * prob[8, 0] + v27_2 * prob[8, 1]
    v28_3 = v26_3 * prob[8, 0] + v27_3 * prob[8, 1]
    v29_0 = pay[16, 0]
    v29_1 = pay[16, 1]
    v29_2 = pay[16, 2]
    v29_3 = pay[16, 3]
    v30_0 = pay[17, 0]
    v30_1 = pay[17, 1]
    v30_2 = pay[17, 2]
    v30_3 = pay[17, 3]
    if qre:
        top = v29_2
        top = max(top, v30_2)
        e0 = math.exp(lam * (v29_2 - top))
        e1 = math.exp(lam * (v30_2 - top))
        total = 0.0 + e0 + e1
        prob[9, 0] = e0 / total
        prob[9, 1] = e1 / total
    else:
        best, top = 0, v29_2
        if v30_2 > top:
            best, top = 1, v30_2
        prob[9, 0] = 1.0 if best == 0 else 0.0
        prob[9, 1] = 1.0 if best == 1 else 0.0
    v31_0 = v29_0 * prob[9, 0] + v30_0 * prob[9, 1]
    v31_1 = v29_1 * prob[9, 0] + v30_1 * prob[9, 1]
    v31_2 = v29_2 * prob[9, 0] + v30_2 * prob[9, 1]
    v31_3 = v29_3 * prob[9, 0] + v30_3 * prob[9, 1]
    if qre:
        top = v28_2
        top = max(top, v31_2)
        e0 = math.exp(lam * (v28_2 - top))
        e1 = math.exp(lam * (v31_2 - top))
        total = 0.0 + e0 + e1
        prob[10, 0] = e0 / total
        prob[10, 1] = e1 / total
    else:
        best, top = 0, v28_2
        if v31_2 > top:
            best, top = 1, v31_2
        prob[10, 0] = 1.0 if best == 0 else 0.0
        prob[10, 1] = 1.0 if best == 1 else 0.0
    v32_0 = v28_0 * prob[10, 0] + v31_0 * prob[10, 1]
    v32_1 = v28_1 * prob[10, 0] + v31_1 * prob[10, 1]
    v32_2 = v28_2 * prob[10, 0] + v31_2 * prob[10, 1]
    v32_3 = v28_3 * prob[10, 0] + v31_3 * prob[10, 1]
    v33_0 = pay[18, 0]
    v33_1 = pay[18, 1]
    v33_2 = pay[18, 2]
    v33_3 = pay[18, 3]
    v34_0 = pay[19, 0]
    v34_1 = pay[19, 1]
    v34_2 = pay[19, 2]
    v34_3 = pay[19, 3]
    if qre:
        top = v33_2
        top = max(top, v34_2)
        e0 = math.exp(lam * (v33_2 - top))
        e1 = math.exp(lam * (v34_2 - top))
        total = 0.0 + e0 + e1
        prob[11, 0] = e0 / total
        prob[11, 1] = e1 / total
    else:
        best, top = 0, v33_2
        if v34_2 > top:
            best, top = 1, v34_2
        prob[11, 0] = 1.0 if best == 0 else 0.0
        prob[11, 1] = 1.0 if best == 1 else 0.0
    v35_0 = v33_0 * prob[11, 0] + v34_0 * prob[11, 1]
    v35_1 = v33_1 * prob[11, 0] + v34_1 * prob[11, 1]
    v35_2 = v33_2 * prob[11, 0] + v34_2 * prob[11, 1]
    v35_3 = v33_3 * prob[11, 0] + v34_3 * prob[11, 1]
    v36_0 = pay[20, 0]
    v36_1 = pay[20, 1]
    v36_2 = pay[20, 2]
    v36_3 = pay[20, 3]
    v37_0 = pay[21, 0]
    v37_1 = pay[21, 1]
    v37_2 = pay[21, 2]
    v37_3 = pay[21, 3]
    if qre:
        top = v36_2
        top = max(top, v37_2)
        e0 = math.exp(lam * (v36_2 - top))
        e1 = math.exp(lam * (v37_2 - top))
        total = 0.0 + e0 + e1
        prob[12, 0] = e0 / total
        prob[12, 1] = e1 / total
    else:
        best, top = 0, v36_2
        if v37_2 > top:
            best, top = 1, v37_2
        prob[12, 0] = 1.0 if best == 0 else 0.0
        prob[12, 1] = 1.0 if best == 1 else 0.0
    v38_0 = v36_0 * prob[12, 0] + v37_0 * prob[12, 1]
    v38_1 = v36_1 * prob[12, 0] + v37_1 * prob[12, 1]
    v38_2 = v36_2 * prob[12, 0] + v37_2 * prob[12, 1]
    v38_3 = v36_3 * prob[12, 0] + v37_3 * prob[12, 1]
    if qre:
        top = v35_2
        top = max(top, v38_2)
        e0 = math.exp(lam * (v35_2 - top))
        e1 = math.exp(lam * (v38_2 - top))
        total = 0.0 + e0 + e1
        prob[13, 0] = e0 / total
        prob[13, 1] = e1 / total
    else:
        best, top = 0, v35_2
        if v38_2 > top:
            best, top = 1, v38_2
        prob[13, 0] = 1.0 if best == 0 else 0.0
        prob[13, 1] = 1.0 if best == 1 else 0.0
    v39_0 = v35_0 * prob[13, 0] + v38_0 * prob[13, 1]
    v39_1 = v35_1 * prob[13, 0] + v38_1 * prob[13, 1]
    v39_2 = v35_2 * prob[13, 0] + v38_2 * prob[13, 1]
    v39_3 = v35_3 * prob[13, 0] + v38_3 * prob[13, 1]
    if qre:
        top = v32_1
        top = max(top, v39_1)
        e0 = math.exp(lam * (v32_1 - top))
        e1 = math.exp(lam * (v39_1 - top))
        total = 0.0 + e0 + e1
        prob[14, 0] = e0 / total
        prob[14, 1] = e1 / total
    else:
        best, top = 0, v32_1
        if v39_1 > top:
            best, top = 1, v39_1
        prob[14, 0] = 1.0 if best == 0 else 0.0
        prob[14, 1] = 1.0 if best == 1 else 0.0
    v40_0 = v32_0 * prob[14, 0] + v39_0 * prob[14, 1]
    v40_1 = v32_1 * prob[14, 0] + v39_1 * prob[14, 1]
    v40_2 = v32_2 * prob[14, 0] + v39_2 * prob[14, 1]
    v40_3 = v32_3 * prob[14, 0] + v39_3 * prob[14, 1]
    if qre:
        top = v2_0
        top = max(top, v25_0)
        top = max(top, v40_0)
        e0 = math.exp(lam * (v2_0 - top))
        e1 = math.exp(lam * (v25_0 - top))
        e2 = math.exp(lam * (v40_0 - top))
        total = 0.0 + e0 + e1 + e2
        prob[15, 0] = e0 / total
        prob[15, 1] = e1 / total
        prob[15, 2] = e2 / total
    else:
        best, top = 0, v2_0
        if v25_0 > top:
            best, top = 1, v25_0
        if v40_0 > top:
            best, top = 2, v40_0
        prob[15, 0] = 1.0 if best == 0 else 0.0
        prob[15, 1] = 1.0 if best == 1 else 0.0
        prob[15, 2] = 1.0 if best == 2 else 0.0
    v41_0 = v2_0 * prob[15, 0] + v25_0 * prob[15, 1] + v40_0 * prob[15, 2]
    v41_1 = v2_1 * prob[15, 0] + v25_1 * prob[15, 1] + v40_1 * prob[15, 2]
    v41_2 = v2_2 * prob[15, 0] + v25_2 * prob[15, 1] + v40_2 * prob[15, 2]
    v41_3 = v2_3 * prob[15, 0] + v25_3 * prob[15, 1] + v40_3 * prob[15, 2]
    return (v41_0, v41_1, v41_2, v41_3, v2_0, v2_2, v25_0, v25_2, v40_0, v40_2, v2_3)


@njit(**_INLINE)
def _tree_reach(prob, ch0, ch1, tmass):
    """The probability of reaching every terminal (``tmass``, in terminal order) from the root."""
    m41 = 1.0
    m2 = m41 * prob[15, 0]
    m25 = m41 * prob[15, 1]
    m40 = m41 * prob[15, 2]
    m32 = m40 * prob[14, 0]
    m39 = m40 * prob[14, 1]
    m35 = m39 * prob[13, 0]
    m38 = m39 * prob[13, 1]
    m36 = m38 * prob[12, 0]
    m37 = m38 * prob[12, 1]
    m33 = m35 * prob[11, 0]
    m34 = m35 * prob[11, 1]
    m28 = m32 * prob[10, 0]
    m31 = m32 * prob[10, 1]
    m29 = m31 * prob[9, 0]
    m30 = m31 * prob[9, 1]
    m26 = m28 * prob[8, 0]
    m27 = m28 * prob[8, 1]
    m13 = m25 * prob[7, 0]
    m24 = m25 * prob[7, 1]
    m18 = m24 * prob[6, 0]
    m23 = m24 * prob[6, 1]
    m21 = m23 * prob[5, 0]
    m22 = m23 * prob[5, 1]
    m19 = m21 * ch1
    m20 = m21 * (1 - ch1)
    m16 = m18 * prob[4, 0]
    m17 = m18 * prob[4, 1]
    m14 = m16 * ch0
    m15 = m16 * (1 - ch0)
    m7 = m13 * prob[3, 0]
    m12 = m13 * prob[3, 1]
    m10 = m12 * prob[2, 0]
    m11 = m12 * prob[2, 1]
    m8 = m10 * ch1
    m9 = m10 * (1 - ch1)
    m5 = m7 * prob[1, 0]
    m6 = m7 * prob[1, 1]
    m3 = m5 * ch0
    m4 = m5 * (1 - ch0)
    m0 = m2 * prob[0, 0]
    m1 = m2 * prob[0, 1]
    tmass[0] = m0
    tmass[1] = m1
    tmass[2] = m3
    tmass[3] = m4
    tmass[4] = m6
    tmass[5] = m8
    tmass[6] = m9
    tmass[7] = m11
    tmass[8] = m14
    tmass[9] = m15
    tmass[10] = m17
    tmass[11] = m19
    tmass[12] = m20
    tmass[13] = m22
    tmass[14] = m26
    tmass[15] = m27
    tmass[16] = m29
    tmass[17] = m30
    tmass[18] = m33
    tmass[19] = m34
    tmass[20] = m36
    tmass[21] = m37


@njit(**_INLINE)
def _tree_attack_if(prob, ch0, ch1):
    """Al-Qaeda's attack abroad after Keep, after Distance and after Sever, given the move."""
    g0_2 = 1.0
    g0_1 = g0_2 * prob[0, 1]
    a0 = 0.0 + g0_1
    g1_25 = 1.0
    g1_13 = g1_25 * prob[7, 0]
    g1_24 = g1_25 * prob[7, 1]
    g1_18 = g1_24 * prob[6, 0]
    g1_23 = g1_24 * prob[6, 1]
    g1_22 = g1_23 * prob[5, 1]
    g1_17 = g1_18 * prob[4, 1]
    g1_7 = g1_13 * prob[3, 0]
    g1_12 = g1_13 * prob[3, 1]
    g1_11 = g1_12 * prob[2, 1]
    g1_6 = g1_7 * prob[1, 1]
    a1 = 0.0 + g1_6 + g1_11 + g1_17 + g1_22
    g2_40 = 1.0
    g2_32 = g2_40 * prob[14, 0]
    g2_39 = g2_40 * prob[14, 1]
    g2_35 = g2_39 * prob[13, 0]
    g2_38 = g2_39 * prob[13, 1]
    g2_37 = g2_38 * prob[12, 1]
    g2_34 = g2_35 * prob[11, 1]
    g2_28 = g2_32 * prob[10, 0]
    g2_31 = g2_32 * prob[10, 1]
    g2_30 = g2_31 * prob[9, 1]
    g2_27 = g2_28 * prob[8, 1]
    a2 = 0.0 + g2_27 + g2_30 + g2_34 + g2_37
    return a0, a1, a2


@njit(**_INLINE)
def _tree_sums(prob, ch0, ch1, tmass, dsums, csums, rsums):
    """Adds the draw's branch probabilities and reach to the fixed-point node sums."""
    dsums[0, 0] += np.int64(np.rint(prob[0, 0] * FIXED_POINT))
    dsums[0, 1] += np.int64(np.rint(prob[0, 1] * FIXED_POINT))
    dsums[1, 0] += np.int64(np.rint(prob[1, 0] * FIXED_POINT))
    dsums[1, 1] += np.int64(np.rint(prob[1, 1] * FIXED_POINT))
    dsums[2, 0] += np.int64(np.rint(prob[2, 0] * FIXED_POINT))
    dsums[2, 1] += np.int64(np.rint(prob[2, 1] * FIXED_POINT))
    dsums[3, 0] += np.int64(np.rint(prob[3, 0] * FIXED_POINT))
    dsums[3, 1] += np.int64(np.rint(prob[3, 1] * FIXED_POINT))
    dsums[4, 0] += np.int64(np.rint(prob[4, 0] * FIXED_POINT))
    dsums[4, 1] += np.int64(np.rint(prob[4, 1] * FIXED_POINT))
    dsums[5, 0] += np.int64(np.rint(prob[5, 0] * FIXED_POINT))
    dsums[5, 1] += np.int64(np.rint(prob[5, 1] * FIXED_POINT))
    dsums[6, 0] += np.int64(np.rint(prob[6, 0] * FIXED_POINT))
    dsums[6, 1] += np.int64(np.rint(prob[6, 1] * FIXED_POINT))
    dsums[7, 0] += np.int64(np.rint(prob[7, 0] * FIXED_POINT))
    dsums[7, 1] += np.int64(np.rint(prob[7, 1] * FIXED_POINT))
    dsums[8, 0] += np.int64(np.rint(prob[8, 0] * FIXED_POINT))
    dsums[8, 1] += np.int64(np.rint(prob[8, 1] * FIXED_POINT))
    dsums[9, 0] += np.int64(np.rint(prob[9, 0] * FIXED_POINT))
    dsums[9, 1] += np.int64(np.rint(prob[9, 1] * FIXED_POINT))
    dsums[10, 0] += np.int64(np.rint(prob[10, 0] * FIXED_POINT))
    dsums[10, 1] += np.int64(np.rint(prob[10, 1] * FIXED_POINT))
    dsums[11, 0] += np.int64(np.rint(prob[11, 0] * FIXED_POINT))
    dsums[11, 1] += np.int64(np.rint(prob[11, 1] * FIXED_POINT))
    dsums[12, 0] += np.int64(np.rint(prob[12, 0] * FIXED_POINT))
    dsums[12, 1] += np.int64(np.rint(prob[12, 1] * FIXED_POINT))
    dsums[13, 0] += np.int64(np.rint(prob[13, 0] * FIXED_POINT))
    dsums[13, 1] += np.int64(np.rint(prob[13, 1] * FIXED_POINT))
    dsums[14, 0] += np.int64(np.rint(prob[14, 0] * FIXED_POINT))
    dsums[14, 1] += np.int64(np.rint(prob[14, 1] * FIXED_POINT))
    dsums[15, 0] += np.int64(np.rint(prob[15, 0] * FIXED_POINT))
    dsums[15, 1] += np.int64(np.rint(prob[15, 1] * FIXED_POINT))
    dsums[15, 2] += np.int64(np.rint(prob[15, 2] * FIXED_POINT))
    f0 = np.int64(np.rint(ch0 * FIXED_POINT))
    g0 = np.int64(np.rint((1 - ch0) * FIXED_POINT))
    f1 = np.int64(np.rint(ch1 * FIXED_POINT))
    g1 = np.int64(np.rint((1 - ch1) * FIXED_POINT))
    csums[0, 0] += f0
    csums[0, 1] += g0
    csums[1, 0] += f1
    csums[1, 1] += g1
    csums[2, 0] += f0
    csums[2, 1] += g0
    csums[3, 0] += f1
    csums[3, 1] += g1
    for t in range(22):
        rsums[t] += np.int64(np.rint(tmass[t] * FIXED_POINT))


@njit(**_INLINE)
def _tree_groups(tmass, out, row, i):
    """Each reported group's reach (``layout().group_names``) into ``out[row + g, i]``;
    returns the INTERNAL_GROUPS' reach."""
    out[row + 0, i] = (
        0.0 + tmass[8] + tmass[9] + tmass[10] + tmass[11] + tmass[12] + tmass[13] + tmass[18] +
        tmass[19] + tmass[20] + tmass[21]
    )
    out[row + 1, i] = 0.0 + tmass[2] + tmass[5] + tmass[8] + tmass[11]
    out[row + 2, i] = (
        0.0 + tmass[0] + tmass[2] + tmass[3] + tmass[5] + tmass[6] + tmass[8] + tmass[9] +
        tmass[11] + tmass[12] + tmass[14] + tmass[16] + tmass[18] + tmass[20]
    )
    out[row + 3, i] = (
        0.0 + tmass[1] + tmass[4] + tmass[7] + tmass[10] + tmass[13] + tmass[15] + tmass[17] +
        tmass[19] + tmass[21]
    )
    out[row + 4, i] = 0.0 + tmass[2] + tmass[3] + tmass[4] + tmass[8] + tmass[9] + tmass[10]
    out[row + 5, i] = 0.0 + tmass[5] + tmass[6] + tmass[7] + tmass[11] + tmass[12] + tmass[13]
    out[row + 6, i] = 0.0 + tmass[14] + tmass[15] + tmass[18] + tmass[19]
    out[row + 7, i] = 0.0 + tmass[16] + tmass[17] + tmass[20] + tmass[21]
    h8 = (
        0.0 + tmass[14] + tmass[15] + tmass[16] + tmass[17] + tmass[18] + tmass[19] + tmass[20] +
        tmass[21]
    )
    h9 = 0.0 + tmass[3] + tmass[6] + tmass[9] + tmass[12]
    h10 = 0.0 + tmass[1]
    h11 = 0.0 + tmass[4] + tmass[7] + tmass[10] + tmass[13]
    h12 = 0.0 + tmass[17] + tmass[21]
    return (h8, h9, h10, h11, h12)


@njit(**_INLINE)
def _tree_lines(pay0, slope, ch0, ch1, prob):
    """The price search's lines: the leadership's and the faction's values at the five line nodes
    at c = 0 and their slopes, under ``prob`` (:func:`sim.model.solve.values_under`), as a tuple
    of 20 (``TA``, ``TB``, ``FA``, ``FB`` blocks)."""
    z0_0 = pay0[0, 0]
    z0_1 = pay0[0, 1]
    z1_0 = pay0[1, 0]
    z1_1 = pay0[1, 1]
    z2_0 = z0_0 * prob[0, 0] + z1_0 * prob[0, 1]
    z2_1 = z0_1 * prob[0, 0] + z1_1 * prob[0, 1]
    z3_0 = pay0[2, 0]
    z3_1 = pay0[2, 1]
    z4_0 = pay0[3, 0]
    z4_1 = pay0[3, 1]
    z5_0 = z4_0 + ch0 * (z3_0 - z4_0)
    z5_1 = z4_1 + ch0 * (z3_1 - z4_1)
    z6_0 = pay0[4, 0]
    z6_1 = pay0[4, 1]
    z7_0 = z5_0 * prob[1, 0] + z6_0 * prob[1, 1]
    z7_1 = z5_1 * prob[1, 0] + z6_1 * prob[1, 1]
    z8_0 = pay0[5, 0]
    z8_1 = pay0[5, 1]
    z9_0 = pay0[6, 0]
    z9_1 = pay0[6, 1]
    z10_0 = z9_0 + ch1 * (z8_0 - z9_0)
    z10_1 = z9_1 + ch1 * (z8_1 - z9_1)
    z11_0 = pay0[7, 0]
    z11_1 = pay0[7, 1]
    z12_0 = z10_0 * prob[2, 0] + z11_0 * prob[2, 1]
    z12_1 = z10_1 * prob[2, 0] + z11_1 * prob[2, 1]
    z13_0 = z7_0 * prob[3, 0] + z12_0 * prob[3, 1]
    z13_1 = z7_1 * prob[3, 0] + z12_1 * prob[3, 1]
    z14_0 = pay0[8, 0]
    z14_1 = pay0[8, 1]
    z15_0 = pay0[9, 0]
    z15_1 = pay0[9, 1]
    z16_0 = z15_0 + ch0 * (z14_0 - z15_0)
    z16_1 = z15_1 + ch0 * (z14_1 - z15_1)
    z17_0 = pay0[10, 0]
    z17_1 = pay0[10, 1]
    z18_0 = z16_0 * prob[4, 0] + z17_0 * prob[4, 1]
    z18_1 = z16_1 * prob[4, 0] + z17_1 * prob[4, 1]
    z19_0 = pay0[11, 0]
    z19_1 = pay0[11, 1]
    z20_0 = pay0[12, 0]
    z20_1 = pay0[12, 1]
    z21_0 = z20_0 + ch1 * (z19_0 - z20_0)
    z21_1 = z20_1 + ch1 * (z19_1 - z20_1)
    z22_0 = pay0[13, 0]
    z22_1 = pay0[13, 1]
    z23_0 = z21_0 * prob[5, 0] + z22_0 * prob[5, 1]
    z23_1 = z21_1 * prob[5, 0] + z22_1 * prob[5, 1]
    z24_0 = z18_0 * prob[6, 0] + z23_0 * prob[6, 1]
    z24_1 = z18_1 * prob[6, 0] + z23_1 * prob[6, 1]
    z26_0 = pay0[14, 0]
    z26_1 = pay0[14, 1]
    z27_0 = pay0[15, 0]
    z27_1 = pay0[15, 1]
    z28_0 = z26_0 * prob[8, 0] + z27_0 * prob[8, 1]
    z28_1 = z26_1 * prob[8, 0] + z27_1 * prob[8, 1]
    z29_0 = pay0[16, 0]
    z29_1 = pay0[16, 1]
    z30_0 = pay0[17, 0]
    z30_1 = pay0[17, 1]
    z31_0 = z29_0 * prob[9, 0] + z30_0 * prob[9, 1]
    z31_1 = z29_1 * prob[9, 0] + z30_1 * prob[9, 1]
    z32_0 = z28_0 * prob[10, 0] + z31_0 * prob[10, 1]
    z32_1 = z28_1 * prob[10, 0] + z31_1 * prob[10, 1]
    z33_0 = pay0[18, 0]
    z33_1 = pay0[18, 1]
    z34_0 = pay0[19, 0]
    z34_1 = pay0[19, 1]
    z35_0 = z33_0 * prob[11, 0] + z34_0 * prob[11, 1]
    z35_1 = z33_1 * prob[11, 0] + z34_1 * prob[11, 1]
    z36_0 = pay0[20, 0]
    z36_1 = pay0[20, 1]
    z37_0 = pay0[21, 0]
    z37_1 = pay0[21, 1]
    z38_0 = z36_0 * prob[12, 0] + z37_0 * prob[12, 1]
    z38_1 = z36_1 * prob[12, 0] + z37_1 * prob[12, 1]
    z39_0 = z35_0 * prob[13, 0] + z38_0 * prob[13, 1]
    z39_1 = z35_1 * prob[13, 0] + z38_1 * prob[13, 1]
    s0_0 = slope[0, 0]
    s0_1 = slope[0, 1]
    s1_0 = slope[1, 0]
    s1_1 = slope[1, 1]
    s2_0 = s0_0 * prob[0, 0] + s1_0 * prob[0, 1]
    s2_1 = s0_1 * prob[0, 0] + s1_1 * prob[0, 1]
    s3_0 = slope[2, 0]
    s3_1 = slope[2, 1]
    s4_0 = slope[3, 0]
    s4_1 = slope[3, 1]
    s5_0 = s4_0 + ch0 * (s3_0 - s4_0)
    s5_1 = s4_1 + ch0 * (s3_1 - s4_1)
    s6_0 = slope[4, 0]
    s6_1 = slope[4, 1]
    s7_0 = s5_0 * prob[1, 0] + s6_0 * prob[1, 1]
    s7_1 = s5_1 * prob[1, 0] + s6_1 * prob[1, 1]
    s8_0 = slope[5, 0]
    s8_1 = slope[5, 1]
    s9_0 = slope[6, 0]
    s9_1 = slope[6, 1]
    s10_0 = s9_0 + ch1 * (s8_0 - s9_0)
    s10_1 = s9_1 + ch1 * (s8_1 - s9_1)
    s11_0 = slope[7, 0]
    s11_1 = slope[7, 1]
    s12_0 = s10_0 * prob[2, 0] + s11_0 * prob[2, 1]
    s12_1 = s10_1 * prob[2, 0] + s11_1 * prob[2, 1]
    s13_0 = s7_0 * prob[3, 0] + s12_0 * prob[3, 1]
    s13_1 = s7_1 * prob[3, 0] + s12_1 * prob[3, 1]
    s14_0 = slope[8, 0]
    s14_1 = slope[8, 1]
    s15_0 = slope[9, 0]
    s15_1 = slope[9, 1]
    s16_0 = s15_0 + ch0 * (s14_0 - s15_0)
    s16_1 = s15_1 + ch0 * (s14_1 - s15_1)
    s17_0 = slope[10, 0]
    s17_1 = slope[10, 1]
    s18_0 = s16_0 * prob[4, 0] + s17_0 * prob[4, 1]
    s18_1 = s16_1 * prob[4, 0] + s17_1 * prob[4, 1]
    s19_0 = slope[11, 0]
    s19_1 = slope[11, 1]
    s20_0 = slope[12, 0]
    s20_1 = slope[12, 1]
    s21_0 = s20_0 + ch1 * (s19_0 - s20_0)
    s21_1 = s20_1 + ch1 * (s19_1 - s20_1)
    s22_0 = slope[13, 0]
    s22_1 = slope[13, 1]
    s23_0 = s21_0 * prob[5, 0] + s22_0 * prob[5, 1]
    s23_1 = s21_1 * prob[5, 0] + s22_1 * prob[5, 1]
    s24_0 = s18_0 * prob[6, 0] + s23_0 * prob[6, 1]
    s24_1 = s18_1 * prob[6, 0] + s23_1 * prob[6, 1]
    s26_0 = slope[14, 0]
    s26_1 = slope[14, 1]
    s27_0 = slope[15, 0]
    s27_1 = slope[15, 1]
    s28_0 = s26_0 * prob[8, 0] + s27_0 * prob[8, 1]
    s28_1 = s26_1 * prob[8, 0] + s27_1 * prob[8, 1]
    s29_0 = slope[16, 0]
    s29_1 = slope[16, 1]
    s30_0 = slope[17, 0]
    s30_1 = slope[17, 1]
    s31_0 = s29_0 * prob[9, 0] + s30_0 * prob[9, 1]
    s31_1 = s29_1 * prob[9, 0] + s30_1 * prob[9, 1]
    s32_0 = s28_0 * prob[10, 0] + s31_0 * prob[10, 1]
    s32_1 = s28_1 * prob[10, 0] + s31_1 * prob[10, 1]
    s33_0 = slope[18, 0]
    s33_1 = slope[18, 1]
    s34_0 = slope[19, 0]
    s34_1 = slope[19, 1]
    s35_0 = s33_0 * prob[11, 0] + s34_0 * prob[11, 1]
    s35_1 = s33_1 * prob[11, 0] + s34_1 * prob[11, 1]
    s36_0 = slope[20, 0]
    s36_1 = slope[20, 1]
    s37_0 = slope[21, 0]
    s37_1 = slope[21, 1]
    s38_0 = s36_0 * prob[12, 0] + s37_0 * prob[12, 1]
    s38_1 = s36_1 * prob[12, 0] + s37_1 * prob[12, 1]
    s39_0 = s35_0 * prob[13, 0] + s38_0 * prob[13, 1]
    s39_1 = s35_1 * prob[13, 0] + s38_1 * prob[13, 1]
    return (
        z2_0, z13_0, z24_0, z32_0, z39_0, s2_0, s13_0, s24_0, s32_0, s39_0, z2_1, z13_1, z24_1,
        z32_1, z39_1, s2_1, s13_1, s24_1, s32_1, s39_1
    )


@njit(**_INLINE)
def _tree_us_lines(pay0, slope, ch0, ch1, prob):
    """The US's values at the five line nodes at c = 0 and their slopes, as :func:`_tree_lines`
    computes the leadership's (one tuple of 10: ``UA`` then ``UB``)."""
    z0_3 = pay0[0, 3]
    z1_3 = pay0[1, 3]
    z2_3 = z0_3 * prob[0, 0] + z1_3 * prob[0, 1]
    z3_3 = pay0[2, 3]
    z4_3 = pay0[3, 3]
    z5_3 = z4_3 + ch0 * (z3_3 - z4_3)
    z6_3 = pay0[4, 3]
    z7_3 = z5_3 * prob[1, 0] + z6_3 * prob[1, 1]
    z8_3 = pay0[5, 3]
    z9_3 = pay0[6, 3]
    z10_3 = z9_3 + ch1 * (z8_3 - z9_3)
    z11_3 = pay0[7, 3]
    z12_3 = z10_3 * prob[2, 0] + z11_3 * prob[2, 1]
    z13_3 = z7_3 * prob[3, 0] + z12_3 * prob[3, 1]
    z14_3 = pay0[8, 3]
    z15_3 = pay0[9, 3]
    z16_3 = z15_3 + ch0 * (z14_3 - z15_3)
    z17_3 = pay0[10, 3]
    z18_3 = z16_3 * prob[4, 0] + z17_3 * prob[4, 1]
    z19_3 = pay0[11, 3]
    z20_3 = pay0[12, 3]
    z21_3 = z20_3 + ch1 * (z19_3 - z20_3)
    z22_3 = pay0[13, 3]
    z23_3 = z21_3 * prob[5, 0] + z22_3 * prob[5, 1]
    z24_3 = z18_3 * prob[6, 0] + z23_3 * prob[6, 1]
    z26_3 = pay0[14, 3]
    z27_3 = pay0[15, 3]
    z28_3 = z26_3 * prob[8, 0] + z27_3 * prob[8, 1]
    z29_3 = pay0[16, 3]
    z30_3 = pay0[17, 3]
    z31_3 = z29_3 * prob[9, 0] + z30_3 * prob[9, 1]
    z32_3 = z28_3 * prob[10, 0] + z31_3 * prob[10, 1]
    z33_3 = pay0[18, 3]
    z34_3 = pay0[19, 3]
    z35_3 = z33_3 * prob[11, 0] + z34_3 * prob[11, 1]
    z36_3 = pay0[20, 3]
    z37_3 = pay0[21, 3]
    z38_3 = z36_3 * prob[12, 0] + z37_3 * prob[12, 1]
    z39_3 = z35_3 * prob[13, 0] + z38_3 * prob[13, 1]
    s0_3 = slope[0, 3]
    s1_3 = slope[1, 3]
    s2_3 = s0_3 * prob[0, 0] + s1_3 * prob[0, 1]
    s3_3 = slope[2, 3]
    s4_3 = slope[3, 3]
    s5_3 = s4_3 + ch0 * (s3_3 - s4_3)
    s6_3 = slope[4, 3]
    s7_3 = s5_3 * prob[1, 0] + s6_3 * prob[1, 1]
    s8_3 = slope[5, 3]
    s9_3 = slope[6, 3]
    s10_3 = s9_3 + ch1 * (s8_3 - s9_3)
    s11_3 = slope[7, 3]
    s12_3 = s10_3 * prob[2, 0] + s11_3 * prob[2, 1]
    s13_3 = s7_3 * prob[3, 0] + s12_3 * prob[3, 1]
    s14_3 = slope[8, 3]
    s15_3 = slope[9, 3]
    s16_3 = s15_3 + ch0 * (s14_3 - s15_3)
    s17_3 = slope[10, 3]
    s18_3 = s16_3 * prob[4, 0] + s17_3 * prob[4, 1]
    s19_3 = slope[11, 3]
    s20_3 = slope[12, 3]
    s21_3 = s20_3 + ch1 * (s19_3 - s20_3)
    s22_3 = slope[13, 3]
    s23_3 = s21_3 * prob[5, 0] + s22_3 * prob[5, 1]
    s24_3 = s18_3 * prob[6, 0] + s23_3 * prob[6, 1]
    s26_3 = slope[14, 3]
    s27_3 = slope[15, 3]
    s28_3 = s26_3 * prob[8, 0] + s27_3 * prob[8, 1]
    s29_3 = slope[16, 3]
    s30_3 = slope[17, 3]
    s31_3 = s29_3 * prob[9, 0] + s30_3 * prob[9, 1]
    s32_3 = s28_3 * prob[10, 0] + s31_3 * prob[10, 1]
    s33_3 = slope[18, 3]
    s34_3 = slope[19, 3]
    s35_3 = s33_3 * prob[11, 0] + s34_3 * prob[11, 1]
    s36_3 = slope[20, 3]
    s37_3 = slope[21, 3]
    s38_3 = s36_3 * prob[12, 0] + s37_3 * prob[12, 1]
    s39_3 = s35_3 * prob[13, 0] + s38_3 * prob[13, 1]
    return (z2_3, z13_3, z24_3, z32_3, z39_3, s2_3, s13_3, s24_3, s32_3, s39_3)
# ---- end of the generated section ----


# ----------------------------------------------------------------------------- the chunk


@njit(**_SEARCH)
def _solve_draws(u, kind, spec, given, c, verification, pressure, qre, lam, want_prices, out, dsums, csums,
                 rsums, qt, pay0, pay1, slope, chance, pay, prob, tmass, table, have):
    """:func:`solve_chunk`'s loop, over its scratch arrays, without reference counting: in the loop,
    numba took and dropped a count on an array at each view and each pass. perf put a fifth of an
    SPE draw's samples in NRT_incref and NRT_decref; without them, the kernel took about a twentieth
    less time."""
    n = out.shape[1]
    n_terminals, n_players = len(TERMINALS), 4
    for i in range(n):
        if i % TILE == 0:
            _draw_tile(u, kind, spec, given, i, min(i + TILE, n), qt)
        q = qt[:, i % TILE]
        # The game's line in the concession (sim.model.game.concession_line), and its value at the
        # lever's concession, with the chip where it is due (ConcessionLine.at).
        material = payoffs(q, 0.0, verification, pressure, pay0, chance)
        payoffs(q, 1.0, verification, pressure, pay1, chance)
        chip, threshold = q[CHIP_SWITCH] * q[CHIP_VALUE], q[CHIP_THRESHOLD]
        due = chip if c < threshold else 0.0
        for t in range(n_terminals):
            for r in range(n_players):
                slope[t, r] = pay1[t, r] - pay0[t, r]
                pay[t, r] = pay0[t, r] + c * slope[t, r]
            if t >= FIRST_SEVER:
                pay[t, TALIBAN] = pay[t, TALIBAN] - due
        ch0, ch1 = chance[0], chance[1]
        values = _tree_backward(pay, ch0, ch1, qre, lam, prob)
        _tree_reach(prob, ch0, ch1, tmass)
        _tree_sums(prob, ch0, ch1, tmass, dsums, csums, rsums)
        for a in range(3):
            out[a, i] = prob[ROOT_DECISION, a]
        out[3, i] = prob[SEVER_DECISION, 1]
        internal = _tree_groups(tmass, out, 4, i)   # INTERNAL_GROUPS
        deal_sever, deal_pledge, keep_attack, distance_attack, underground_attack = internal
        row = 4 + N_GROUPS
        # Al-Qaeda's attack abroad after each move, given that the move is played.
        attack_keep, attack_distance, attack_sever = _tree_attack_if(prob, ch0, ch1)
        out[row, i] = attack_keep
        out[row + 1, i] = attack_distance
        out[row + 2, i] = attack_sever
        row += 3
        for r in range(10):   # the root's four values, then each move's to the leadership and al-Qaeda
            out[row + r, i] = values[r]
        row += 10
        # An attack falls on the Taliban where traced to Afghan soil (sim.engine.reference.outcome_arrays).
        out[row, i] = keep_attack + distance_attack + q[SEVER_TRACE] * underground_attack
        out[row + 1, i] = material
        out[row + 2, i] = q[AQ_MONEY] / (q[AQ_MONEY] + q[OWN_REVENUE])
        row += 3
        # What each move is worth against the others (sim.engine.reference._derived_values).
        keep_t, keep_aq, distance_t, sever_t, sever_aq = values[4], values[5], values[6], values[8], values[9]
        out[row, i] = out[1, i] + out[2, i]
        out[row + 1, i] = deal_sever + deal_pledge
        out[row + 2, i] = keep_t - np.maximum(distance_t, sever_t)
        out[row + 3, i] = keep_aq - sever_aq
        out[row + 4, i] = keep_t - sever_t
        row += 5
        if want_prices:
            L = _tree_lines(pay0, slope, ch0, ch1, prob)
            if qre:
                have[:, :] = False
                price_s = _qre_price(V_SEVER, lam, L, chip, threshold, table, have)
                price_d = _qre_price(V_DISTANCE, lam, L, chip, threshold, table, have)
            else:
                price_s, price_d = _spe_prices(L, chip, threshold)
            out[row, i] = price_s
            out[row + 1, i] = price_d
            out[row + 2, i] = np.minimum(price_d, price_s)


@njit(types.void(_UNIFORMS, _KIND, _SPEC, _ANY, _F8, _F8, _F8, _B1, _F8, _B1, _ANY, _SUMS, _SUMS, _KIND),
      **_OPTS)
def solve_chunk(u, kind, spec, given, c, verification, pressure, qre, lam, want_prices, out, dsums, csums,
                rsums):
    """Every draw (column of ``out``) from its uniforms to its outputs (rows of ``out``, in
    ``sim.engine.kernel.layout.layout().rows`` order), adding its node sums to ``dsums``, ``csums``,
    ``rsums``."""
    n_terminals, n_players = len(TERMINALS), 4
    _solve_draws(u, kind, spec, given, c, verification, pressure, qre, lam, want_prices, out, dsums, csums,
                 rsums, np.empty((kind.shape[0], TILE)), np.empty((n_terminals, n_players)),
                 np.empty((n_terminals, n_players)), np.empty((n_terminals, n_players)), np.empty(2),
                 np.empty((n_terminals, n_players)), np.zeros((N_DECISIONS, 3)), np.empty(n_terminals),
                 np.empty((2, SCAN, 5)), np.zeros((2, SCAN), dtype=np.bool_))


@njit(**_SEARCH)
def _reach_draws(u, kind, spec, given, c, verification, pressure, qre, lam, out, qt, pay, chance, prob,
                 tmass):
    """:func:`reach_chunk`'s loop, over its scratch arrays (without reference counting, as
    :func:`_solve_draws`)."""
    n = out.shape[1]
    n_terminals = len(TERMINALS)
    for i in range(n):
        if i % TILE == 0:
            _draw_tile(u, kind, spec, given, i, min(i + TILE, n), qt)
        q = qt[:, i % TILE]
        # The game at this draw's own levers, built at its concession as sim.model.game.build_game
        # builds it (not on the concession line): the timeline's reference solves that game.
        payoffs(q, c[i], verification[i], pressure[i], pay, chance)
        due = q[CHIP_SWITCH] * q[CHIP_VALUE] if c[i] < q[CHIP_THRESHOLD] else 0.0
        for t in range(FIRST_SEVER, n_terminals):
            pay[t, TALIBAN] = pay[t, TALIBAN] - due
        _tree_backward(pay, chance[0], chance[1], qre, lam, prob)
        _tree_reach(prob, chance[0], chance[1], tmass)
        for t in range(n_terminals):
            out[t, i] = tmass[t]


@njit(types.void(_UNIFORMS, _KIND, _SPEC, _ANY, _VEC, _VEC, _VEC, _B1, _F8, _ANY), **_OPTS)
def reach_chunk(u, kind, spec, given, c, verification, pressure, qre, lam, out):
    """Every draw (column of ``out``) solved at its own levers (``c``, ``verification``,
    ``pressure``: one value per draw): ``out[t, i]`` is the probability that draw ``i``'s play ends
    at terminal ``t`` (:data:`TERMINALS` order), as ``sim.model.solve.solve(build_game(...)).reach``
    gives it. The timeline's yearly solve: each trajectory's state sets its own levers."""
    n_terminals, n_players = len(TERMINALS), 4
    _reach_draws(u, kind, spec, given, c, verification, pressure, qre, lam, out,
                 np.empty((kind.shape[0], TILE)), np.empty((n_terminals, n_players)), np.empty(2),
                 np.zeros((N_DECISIONS, 3)), np.empty(n_terminals))


#: Rows of a draw's US lines (``_tree_us_lines``): values at c = 0, then slopes, by line node.
UA, UB = 0, 5


@njit(**_INLINE)
def _us_at(U, node, c):
    return U[UA + node] + U[UB + node] * c


@njit(types.void(_UNIFORMS, _KIND, _SPEC, _ANY, types.float64[:], _F8, _F8, _B1, _F8, _I8, _I8,
                 types.float64[:, :, ::1]), **_OPTS)
def curve_chunk(u, kind, spec, given, grid, verification, pressure, qre, lam, start, stop, out):
    """Each draw solved at every concession of ``grid`` (the acceptance curve of
    ``sim.analysis.negotiation``): ``out[g, :, i]`` holds P(Keep), P(Distance), P(Sever), P(Split),
    the US's expected utility and its value of Keep, for the draws ``start:stop`` (threads share
    the chunk).

    Al-Qaeda's payoffs do not move with the concession, so neither do its choices nor, below the
    faction, anything but straight lines in c (what the price search reads). Each draw is solved
    once, for those lines; at each concession only the faction's and the leadership's choices are
    made again, on the lines' values there, as :func:`_tree_backward` makes them (SPE: the first
    best; QRE: the logit response, the faction's as ``_qre_values`` computes it). The reference
    re-solves the whole tree at each concession: the two agree to rounding
    (``tests/engine/test_kernel.py``)."""
    n_terminals, n_players = len(TERMINALS), 4
    qt = np.empty((kind.shape[0], TILE))
    pay0 = np.empty((n_terminals, n_players))
    pay1 = np.empty((n_terminals, n_players))
    slope = np.empty((n_terminals, n_players))
    chance = np.empty(2)
    prob = np.zeros((N_DECISIONS, 3))
    for i in range(start, stop):
        if (i - start) % TILE == 0:
            _draw_tile(u, kind, spec, given, i, min(i + TILE, stop), qt)
        q = qt[:, (i - start) % TILE]
        payoffs(q, 0.0, verification, pressure, pay0, chance)
        payoffs(q, 1.0, verification, pressure, pay1, chance)
        chip, threshold = q[CHIP_SWITCH] * q[CHIP_VALUE], q[CHIP_THRESHOLD]
        for t in range(n_terminals):
            for r in range(n_players):
                slope[t, r] = pay1[t, r] - pay0[t, r]
        ch0, ch1 = chance[0], chance[1]
        _tree_backward(pay0, ch0, ch1, qre, lam, prob)   # al-Qaeda's choices, whatever the concession
        L = _tree_lines(pay0, slope, ch0, ch1, prob)
        U = _tree_us_lines(pay0, slope, ch0, ch1, prob)
        for g in range(grid.shape[0]):
            c = grid[g]
            chip_on = c < threshold
            if qre:
                keep, sever, distance, stay_s, stay_d = _qre_values(c, chip_on, lam, L, chip)
                top = max(max(keep, distance), sever)
                e0 = math.exp(lam * (keep - top))
                e1 = math.exp(lam * (distance - top))
                e2 = math.exp(lam * (sever - top))
                total = 0.0 + e0 + e1 + e2
                p_keep, p_distance, p_sever = e0 / total, e1 / total, e2 / total
            else:
                stay_s = _stays(L, S_STAY, S_SPLIT, c)
                stay_d = _stays(L, D_STAY, D_SPLIT, c)
                keep, sever, distance = _move_values(L, c, stay_s, stay_d, chip_on, chip)
                best, top = 0, keep                # the first best, in the tree's order
                if distance > top:
                    best, top = 1, distance
                if sever > top:
                    best = 2
                p_keep = 1.0 if best == 0 else 0.0
                p_distance = 1.0 if best == 1 else 0.0
                p_sever = 1.0 if best == 2 else 0.0
            us_keep = _us_at(U, KEEP, c)
            us_distance = stay_d * _us_at(U, D_STAY, c) + (1 - stay_d) * _us_at(U, D_SPLIT, c)
            us_sever = stay_s * _us_at(U, S_STAY, c) + (1 - stay_s) * _us_at(U, S_SPLIT, c)
            out[g, 0, i] = p_keep
            out[g, 1, i] = p_distance
            out[g, 2, i] = p_sever
            out[g, 3, i] = p_distance * (1 - stay_d) + p_sever * (1 - stay_s)
            out[g, 4, i] = p_keep * us_keep + p_distance * us_distance + p_sever * us_sever
            out[g, 5, i] = us_keep


