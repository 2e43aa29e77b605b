"""Compiled weekly kernels: the model's arithmetic, one loop over pairs or teams.

A vectorised numpy step spends most of its time in the fixed cost of ~50 array calls
(2–4 µs each on ~3,300 pairs), not in arithmetic. These loops do the same work in one
pass each, compiled with numba (``cache=True``: compiled once per machine, then loaded),
and :func:`run_weeks` runs many weeks per call, since handing a kernel its named bundles
costs a few microseconds each time.

Randomness: the kernels read uniforms from a :class:`UniformStream`, blocks of raw words
drawn by numpy from the model's own generator (about 1.4 ns a value, against 10 ns for a
draw made one at a time inside compiled code, plus 13 µs to hand a Generator to a kernel). Each
kernel reads the values it needs in a fixed order and returns how far it read, so the
weeks draw from one stream (the run's ``weekly`` stream, :mod:`sim.streams`) and the same
seed gives the same numbers in every process.
No kernel uses ``fastmath``: results are plain IEEE arithmetic whatever the worker.

The kernels update the model's state arrays in place and return only what the step
needs to record. :mod:`sim.regime` and docs/ODD.md document the mechanisms; here they
are only computed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

MUNICIPALITY, VOLUNTARY, TOGETHER = 0, 1, 2


class UniformStream:
    """Uniform [0, 1) draws from one generator, made in blocks for the kernels.

    ``reserve(n)`` makes sure ``n`` unread values follow ``cursor``; a kernel reads
    ``values[cursor:]`` in order (each through :func:`uniform`) and the caller moves
    ``cursor`` past what it read. Values are the generator's raw 32-bit words
    (``bit_generator.random_raw``, half the cost of ``random(dtype=float32)``), read as
    24-bit uniforms exactly as numpy makes its float32 ones: probabilities resolve to
    6e-8. Unread values carry over into the next block, so none is drawn in vain. Blocks
    are a few hundred KiB so that they stay in cache.
    """

    MIN_BLOCK = 1 << 16

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.values = np.empty(0, dtype=np.uint32)
        self.cursor = 0

    def reserve(self, n: int) -> None:
        """Draw a new block unless ``n`` unread values remain."""
        left = self.values[self.cursor:]
        if len(left) < n:
            words = max(self.MIN_BLOCK, 4 * n) // 2  # two 32-bit values per raw word
            fresh = self.rng.bit_generator.random_raw(words).view(np.uint32)
            self.values = np.concatenate([left, fresh])
            self.cursor = 0


@njit(cache=True, inline="always")
def uniform(word):
    """A raw 32-bit word as a uniform on [0, 1): its top 24 bits, as numpy's float32."""
    return (word >> np.uint32(8)) * (1.0 / 16777216.0)


# ---- what the kernels take: named bundles -----------------------------------------------
# numba compiles named tuples to plain structs: fields are read by name, so two floats of
# the same type cannot be swapped unseen, and each kernel takes a handful of arguments.


class Teams(NamedTuple):
    """Volunteer teams' state, one entry per team (arrays updated in place)."""

    key: np.ndarray  # 2·(municipality·domains + domain) + 1 if the municipal service's
    muni: np.ndarray  # the team's municipality
    active: np.ndarray  # bool
    motivation: np.ndarray  # 0 to 1
    last_active: np.ndarray  # int64: the last week the team was active


class Municipalities(NamedTuple):
    """Per municipality, moving shares of its activities (updated in place)."""

    dominance: np.ndarray  # coordinated by the municipality alone
    coproduction: np.ndarray  # coordinated together, without failure


class CellMap(NamedTuple):
    """How volunteers per (municipality, domain) key become supply per cell."""

    key_per_unit: np.ndarray  # per key: 1 / (units in the municipality × domain's activities)
    cell_key: np.ndarray  # per cell (municipality, activity): its key
    n_muni: int


class SupplyRules(NamedTuple):
    """What turns volunteers into occurrences and organisations' pull."""

    team_weight: float  # reference teams per agent
    activity_rate: float  # at 2015 staff pressure (capacity 1)
    adhoc_per_team: float  # ad hoc coordination per reference team of supply
    presence_pull: float
    static: np.ndarray  # per cell: the part of d_vol fixed by the activity (subtracted)


class Pairs(NamedTuple):
    """The (unit, activity) pairs: index arrays and their state (updated in place)."""

    unit: np.ndarray
    cell: np.ndarray  # municipality × activities + activity
    muni: np.ndarray
    arrangement: np.ndarray  # int8 standing arrangement: MUNICIPALITY, VOLUNTARY, TOGETHER
    window: np.ndarray  # (WINDOW_WEEKS, pairs) int8 occurrence modes, −1 = none
    window_hits: np.ndarray  # int8 occurrences of each pair in the window


class Units(NamedTuple):
    """The units' state, one entry per unit (trust updated in place)."""

    shift: np.ndarray  # the unit's own part of the voluntary-minus-municipal utility
    trust: np.ndarray
    trust_base: np.ndarray
    gap: np.ndarray  # logic gap in force this week


class Cells(NamedTuple):
    """Per (municipality, activity) cell, this week: what :func:`supply_grid` returns."""

    p_occurs: np.ndarray
    d_vol_base: np.ndarray  # voluntary-minus-municipal utility before staff pressure
    p_adhoc: np.ndarray  # P(an occurrence is coordinated ad hoc, not by the arrangement)


class UnitRules(NamedTuple):
    """The units' decision rules in force (from the parameters and levers)."""

    revision_rate: float
    joint_claim_share: float  # share of the voluntary-minus-municipal claim joint work inherits
    joint_base: np.ndarray  # per unit: together-utility at zero trust and gap (a policy's
    # sharing included; before task division)
    trust_weight: float
    trust_handover: float  # voluntary utility per unit of trust above the reference
    trust_reference: float  # the trust at which handing over is as calibrated
    logic_distance: float
    task_division: float
    trust_learning: float
    trust_drift: float
    forum_gain: float  # weekly trust gain toward 1 from forums
    untrained_risk: np.ndarray  # by mode: P(an occurrence fails for lack of training)
    failure_trust_weight: float  # trust lost per failure, relative to a success's gain
    adhoc_scale: np.ndarray  # per pair: the share of ad hoc coordination left (1 − clarity)
    risk: np.ndarray  # per unit: joint co-destruction risk at logic gap 1


class Tally(NamedTuple):
    """One week's counts per municipality, from the supply and the units' passes."""

    occurrences: np.ndarray
    municipal: np.ndarray  # coordinated by the municipality alone
    failures: np.ndarray  # failed, whoever coordinated them
    coproduced: np.ndarray  # coordinated together, without failure
    volunteers: np.ndarray  # active volunteers in reference teams


class World(NamedTuple):
    """Everything a week reads and updates in place, bundled for :func:`run_weeks`."""

    teams: Teams
    cell_map: CellMap
    pairs: Pairs
    units: Units
    munis: Municipalities


class VolunteerRules(NamedTuple):
    """The volunteers' rules in force."""

    base_hazard: float  # weekly leaving hazard at full motivation
    unmotivated_hazard: float  # the hazard at motivation 0, as a multiple of base_hazard
    dominance_memory: float  # weight of this week in the moving shares of dominance
    failure_hit: float  # motivation lost per failed activity per active reference team
    erosion: float  # motivation lost per unit of municipal dominance
    mobilisation: float  # motivation and recruitment gained per unit of co-production
    recovery: float  # weekly recovery of motivation toward 1
    team_weight: float
    recruit_rate: np.ndarray  # per team: weekly recruitment probability when inactive


class Rules(NamedTuple):
    """The rules in force: what the parameters and levers imply for each pass."""

    supply: SupplyRules
    units: UnitRules
    volunteers: VolunteerRules


# The mechanisms' numbers are all rule fields, set from the parameter table (sim.regime);
# none is fixed here.

# Uniform draws a week reads at most: per pair, one skip and one choice for a revision
# plus four for an occurrence (occurs, ad hoc, choice, failure); one per team; one to
# start the revision skips. :func:`uniforms_per_week` is what a model reserves.
UNIFORMS_PER_PAIR = 6
UNIFORMS_PER_TEAM = 1
UNIFORMS_PER_WEEK = 1
# Weeks counted as "the past year" for the volunteers active at some time in it.
YEAR_WEEKS = 52


@njit(cache=True, error_model="numpy")
def uniforms_per_week(n_pairs: int, n_teams: int) -> int:
    """The most uniforms one week's kernels can read."""
    return UNIFORMS_PER_PAIR * n_pairs + UNIFORMS_PER_TEAM * n_teams + UNIFORMS_PER_WEEK


class KeySupply(NamedTuple):
    """Per key, what :func:`supply_grid` last computed and from which volunteers.

    A week's supply changes in the few keys where a team joined or left: the others'
    probabilities are the same function of the same numbers, so they are kept, not
    recomputed (three transcendental calls per key). Made afresh by each call of
    :func:`run_weeks` (whose rules are fixed), never kept in the world.
    """

    volunteers: np.ndarray  # (2 keys) the counts the values below were computed from
    rate: np.ndarray  # (1,) the activity rate they were computed at
    p_key: np.ndarray
    adhoc_key: np.ndarray
    d_key: np.ndarray


@njit(cache=True, error_model="numpy")
def key_supply(n_keys):
    """An empty :class:`KeySupply` (every key computed at its first use)."""
    return KeySupply(np.full(2 * n_keys, np.nan), np.full(1, np.nan), np.empty(n_keys),
                     np.empty(n_keys), np.empty(n_keys))


@njit(cache=True, error_model="numpy")
def supply_grid(teams, cell_map, rules, capacity):
    """Per (municipality, activity) cell: occurrence and ad hoc probabilities, utility base.

    Active volunteers are counted per key (municipality, domain; organisations' or the
    municipal service's), in reference teams (``rules.team_weight`` per agent): the supply
    a unit sees is the key's count shared among the municipality's units and the domain's
    activities (``cell_map.key_per_unit``). ``capacity`` scales the activity rate (1 at
    2015 staff pressure). The more teams supply a cell, the likelier an occurrence is
    coordinated ad hoc, by a fresh choice rather than the standing arrangement (which the
    choice may return): 1 − exp(−a·supply).
    Returns the fields of :class:`Cells` (``p_occurs, d_vol_base, p_adhoc``) and the
    active volunteers per municipality, in reference teams.
    """
    return _supply_grid(teams, cell_map, rules, capacity,
                        key_supply(len(cell_map.key_per_unit)))


@njit(cache=True, error_model="numpy")
def _supply_grid(teams, cell_map, rules, capacity, memo):
    """:func:`supply_grid`, recomputing only the keys whose volunteers changed (``memo``)."""
    rate = rules.activity_rate * capacity
    key_per_unit, cell_key, n_muni = cell_map
    n_keys = len(key_per_unit)
    keys_per_muni = n_keys // n_muni  # key = municipality × domains + domain
    # Entry 2·key: organisations' volunteers; 2·key + 1: the municipal service's.
    volunteers = np.zeros(2 * n_keys)
    for t in range(len(teams.key)):
        if teams.active[t]:
            volunteers[teams.key[t]] += rules.team_weight
    p_key, adhoc_key, d_key = memo.p_key, memo.adhoc_key, memo.d_key
    every_key = rate != memo.rate[0]
    memo.rate[0] = rate
    volunteers_m = np.zeros(n_muni)
    for key in range(n_keys):
        volunteers_m[key // keys_per_muni] += volunteers[2 * key] + volunteers[2 * key + 1]
        if not every_key and volunteers[2 * key] == memo.volunteers[2 * key] \
                and volunteers[2 * key + 1] == memo.volunteers[2 * key + 1]:
            continue
        memo.volunteers[2 * key] = volunteers[2 * key]
        memo.volunteers[2 * key + 1] = volunteers[2 * key + 1]
        org = volunteers[2 * key] * key_per_unit[key]
        svc = volunteers[2 * key + 1] * key_per_unit[key]
        p_key[key] = -np.expm1(-rate * (org + svc))
        adhoc_key[key] = -np.expm1(-rules.adhoc_per_team * (org + svc))
        # log1p(0) = 0: most municipalities have no service of their own, skip the call.
        presence = np.log1p(org) if org > 0.0 else 0.0
        if svc > 0.0:
            presence -= np.log1p(svc)
        d_key[key] = rules.presence_pull * presence
    n = len(cell_key)
    p_occurs = np.empty(n)
    d_vol_base = np.empty(n)
    p_adhoc = np.empty(n)
    for c in range(n):
        p_occurs[c] = p_key[cell_key[c]]
        d_vol_base[c] = d_key[cell_key[c]] - rules.static[c]
        p_adhoc[c] = adhoc_key[cell_key[c]]
    # Plain tuples cross back into Python: numba boxes a named tuple built in compiled
    # code by unpickling its class at every call (about 1.4 µs each).
    return p_occurs, d_vol_base, p_adhoc, volunteers_m


@njit(cache=True, error_model="numpy")
def _unit_terms(units, rules):
    """Each unit's part of the together-utility: its base + trust − bridging logics − division."""
    return (rules.joint_base + rules.trust_weight * units.trust
            - rules.logic_distance * units.gap - rules.task_division)


@njit(cache=True, error_model="numpy")
def _unit_shifts(units, rules):
    """Each unit's part of the voluntary-minus-municipal utility this week.

    Its own shift (home care, staff pressure) and its readiness to hand an activity over
    to an organisation, which grows with its trust in the voluntary sector.
    """
    return units.shift + rules.trust_handover * (units.trust - rules.trust_reference)


@njit(cache=True, inline="always")
def _thresholds(d_vol, unit_term, joint_share):
    """Cumulative logit probabilities (P(municipality), P(municipality or voluntary))."""
    e_vol = np.exp(d_vol)
    e_tog = np.exp(joint_share * d_vol + unit_term)
    inv = 1.0 / (1.0 + e_vol + e_tog)
    return inv, (1.0 + e_vol) * inv


@njit(cache=True, inline="always")
def _choose(u, d_vol, unit_term, joint_share):
    """A logit choice (0, 1 or 2) made with the uniform draw ``u``."""
    low, high = _thresholds(d_vol, unit_term, joint_share)
    return np.int8((u > low) + (u > high))


@njit(cache=True, error_model="numpy")
def choice_thresholds(pairs, units, d_vol_base, rules):
    """The logit's cumulative thresholds ``(low, high)`` for every pair.

    A uniform draw u gives municipality (u ≤ low), voluntary (low < u ≤ high) or
    together (u > high).
    """
    unit_term = _unit_terms(units, rules)
    shift = _unit_shifts(units, rules)
    n = len(pairs.unit)
    low, high = np.empty(n), np.empty(n)
    for p in range(n):
        u = pairs.unit[p]
        low[p], high[p] = _thresholds(d_vol_base[pairs.cell[p]] + shift[u], unit_term[u],
                                      rules.joint_claim_share)
    return low, high


@njit(cache=True, inline="always")
def _skip(u, log_keep):
    """Pairs passed over before the next revision: geometric, from one uniform draw."""
    # 1 − u lies in (0, 1]; log_keep = log(1 − rate) < 0 (−inf when every pair revises).
    # Capped before the cast so that a tiny rate cannot overflow the integer.
    return int(min(np.log(1.0 - u) / log_keep, 1e12))


@njit(cache=True, error_model="numpy")
def units_week(uniforms, k, slot, pairs, units, cells, rules, n_muni):
    """The units' work for one week over the (unit, activity) pairs, in place.

    1. Arrangements are revised at ``rules.revision_rate`` (a fresh logit choice); the
       revised pairs are found by geometric skips, not one draw per pair.
    2. Each activity occurs with its cell's probability and follows the arrangement
       or, ad hoc (the cell's ``p_adhoc`` × the pair's ``adhoc_scale``), a fresh
       choice; any activity fails with ``rules.untrained_risk``, a joint one also with
       the unit's co-destruction risk × logic gap. The mode goes to
       ``pairs.window[slot]`` (−1 = no occurrence); ``pairs.window_hits`` counts each
       pair's occurrences in the window.
    3. Trust learns from each unit's joint successes and its failures and drifts to its
       baseline (and, with forums, upward).

    Reads uniforms in order from ``uniforms[k]``, at most :data:`UNIFORMS_PER_PAIR` per
    pair plus :data:`UNIFORMS_PER_WEEK`. Returns ``(mode_counts, occurrences, municipal,
    failures, coproduced, offered, trust_sum, k)``: occurrences per mode; per
    municipality the occurrences, those coordinated by the municipality, the failed ones
    and the co-produced ones (the fields of a :class:`Tally` but its volunteers); pairs
    that occurred in the window; summed trust; and where the reading stopped.
    """
    n_pairs, n_units = len(pairs.unit), len(units.trust)
    unit_term = _unit_terms(units, rules)
    shift, d_vol_base = _unit_shifts(units, rules), cells.d_vol_base
    joint_share = rules.joint_claim_share
    # Untrained volunteers' risk by who coordinates (staff supervision lowers it).
    untrained = rules.untrained_risk
    # 1. Revisions.
    if rules.revision_rate > 0.0:
        log_keep = np.log1p(-rules.revision_rate)
        p = _skip(uniform(uniforms[k]), log_keep)
        k += 1
        while p < n_pairs:
            u = pairs.unit[p]
            pairs.arrangement[p] = _choose(uniform(uniforms[k]),
                                           d_vol_base[pairs.cell[p]] + shift[u], unit_term[u],
                                           joint_share)
            p += 1 + _skip(uniform(uniforms[k + 1]), log_keep)
            k += 2
    # 2a. Which activities occur: one value per pair, read in a block, and the week
    # written over leaves the window. No branch here (whether an activity occurs is a
    # coin toss the processor cannot predict); the occurring pairs are listed.
    modes = pairs.window[slot]
    hits = pairs.window_hits
    occurring = np.empty(n_pairs, dtype=np.int64)
    n_occ = 0
    offered = 0  # pairs that occur in at least one week of the window
    for p in range(n_pairs):
        occurs = uniform(uniforms[k + p]) < cells.p_occurs[pairs.cell[p]]
        hits[p] -= modes[p] >= 0
        modes[p] = -1
        offered += (hits[p] > 0) | occurs
        occurring[n_occ] = p
        n_occ += occurs
    k += n_pairs
    # 2b. The occurring activities: the arrangement, or (ad hoc) a fresh choice; then
    # success or failure. Each test reads the next value: uniforms[k], then k += 1.
    counts = np.zeros(3, dtype=np.int64)
    occ_m = np.zeros(n_muni, dtype=np.int64)
    mun_m = np.zeros(n_muni, dtype=np.int64)
    fail_m = np.zeros(n_muni, dtype=np.int64)
    coprod_m = np.zeros(n_muni, dtype=np.int64)
    n_ok = np.zeros(n_units)
    n_fail = np.zeros(n_units)
    for i in range(n_occ):
        p = occurring[i]
        u = pairs.unit[p]
        mode = pairs.arrangement[p]
        adhoc = uniform(uniforms[k]) < cells.p_adhoc[pairs.cell[p]] * rules.adhoc_scale[p]
        k += 1
        if adhoc:
            mode = _choose(uniform(uniforms[k]), d_vol_base[pairs.cell[p]] + shift[u],
                           unit_term[u], joint_share)
            k += 1
        m = pairs.muni[p]
        counts[mode] += 1
        occ_m[m] += 1
        if mode == MUNICIPALITY:
            mun_m[m] += 1
        # Co-destruction: any activity can fail for lack of training (less where staff
        # supervise); a joint one also from clashing logics and unclear roles (one
        # draw for both).
        p_fail = untrained[mode]
        if mode == TOGETHER:
            p_fail += rules.risk[u] * units.gap[u]
        fails = uniform(uniforms[k]) < p_fail
        k += 1
        if fails:
            n_fail[u] += 1.0
            fail_m[m] += 1
        elif mode == TOGETHER:
            n_ok[u] += 1.0
            coprod_m[m] += 1
        # This week enters the window.
        modes[p] = mode
        hits[p] += 1
    # 3. Trust: learned from joint successes and from every failure the unit sees.
    learning, drift, forum = rules.trust_learning, rules.trust_drift, rules.forum_gain
    trust, trust_base = units.trust, units.trust_base
    trust_sum = 0.0
    for u in range(n_units):
        t = trust[u]
        t = (t + learning * ((1.0 - t) * n_ok[u] - rules.failure_trust_weight * t * n_fail[u])
             + drift * (trust_base[u] - t) + forum * (1.0 - t))
        trust[u] = min(max(t, 0.0), 1.0)
        trust_sum += trust[u]
    return counts, occ_m, mun_m, fail_m, coprod_m, offered, trust_sum, k


@njit(cache=True, error_model="numpy")
def volunteers_week(uniforms, k, week, teams, munis, tally, rules):
    """Volunteer teams for one week: motivation, leaving and recruitment, in place.

    Municipal dominance and co-production (moving shares of the municipality's
    occurrences coordinated by it alone, and together without failure) move
    motivation down and up; failed activities per active reference team erode it
    (``tally.volunteers``: the week's active volunteers per municipality in reference
    teams, at least one agent's ``team_weight``); motivation recovers toward 1.
    Active teams leave with a hazard that rises as motivation falls; inactive ones are
    recruited back, motivated, faster where co-production succeeds. Reads
    :data:`UNIFORMS_PER_TEAM` value per team from ``uniforms``, starting at ``k``.
    Returns ``(active teams, their summed motivation, teams active at some time in the
    past year, where the reading stopped)``.
    """
    dominance, coproduction = munis
    n_muni = len(dominance)
    recovery, memory = rules.recovery, rules.dominance_memory
    for m in range(n_muni):
        if tally.occurrences[m] > 0:
            dominance[m] += memory * (tally.municipal[m] / tally.occurrences[m]
                                      - dominance[m])
            coproduction[m] += memory * (tally.coproduced[m] / tally.occurrences[m]
                                         - coproduction[m])
    shift = np.empty(n_muni)
    boost = np.empty(n_muni)
    for m in range(n_muni):
        hit = tally.failures[m] / max(tally.volunteers[m], rules.team_weight)
        boost[m] = 1.0 + rules.mobilisation * coproduction[m]
        shift[m] = (recovery * (1.0 - rules.erosion * dominance[m]
                                + rules.mobilisation * coproduction[m])
                    - rules.failure_hit * hit)
    active, motivation, last_active = teams.active, teams.motivation, teams.last_active
    n_active, motivation_sum, past_year = 0, 0.0, 0
    for t in range(len(active)):
        m = teams.muni[t]
        mot = min(max(motivation[t] * (1.0 - recovery) + shift[m], 0.0), 1.0)
        draw = uniform(uniforms[k])
        k += 1
        if active[t]:
            active[t] = draw >= rules.base_hazard * (rules.unmotivated_hazard
                                                     - (rules.unmotivated_hazard - 1.0) * mot)
        elif draw < rules.recruit_rate[t] * boost[m]:
            active[t] = True
            mot = 1.0  # newcomers arrive motivated
        motivation[t] = mot
        if active[t]:
            n_active += 1
            motivation_sum += mot
            last_active[t] = week
        past_year += last_active[t] > week - YEAR_WEEKS
    return n_active, motivation_sum, past_year, k


# What :func:`run_weeks` records per week, one column each, in this order.
WEEK_RECORD = ("municipality", "voluntary", "together", "offered", "trust_sum",
               "active_teams", "motivation_sum", "teams_past_year", "failures")


@njit(cache=True, error_model="numpy")
def run_weeks(uniforms, k, first_week, n_weeks, world, rules, weekly, record):
    """Run up to ``n_weeks`` weeks under fixed rules, in place: supply, units, volunteers.

    One compiled call for many weeks, so that a run pays Python's per-call costs once per
    block of uniforms instead of once per week (the spin-up is 104 weeks). Stops early,
    before a week that could read past the end of ``uniforms``: the caller reserves a new
    block and calls again, exactly where a week-by-week caller would have reserved one,
    so the random numbers are the same as one call per week. Week ``i`` (numbered
    ``first_week + i``) goes to ``record[i]`` in the order of :data:`WEEK_RECORD`.
    What moves within a regime comes per week in ``weekly[i]``: the activity rate's
    capacity factor, the push staff pressure adds to every unit's utility shift
    (``world.units.shift`` is the shift at 2015 pressure) and the factor on every
    unit's logic gap (``world.units.gap`` is the intrinsic gap).
    Returns ``(weeks run, where the reading stopped)``.
    """
    n_muni = world.cell_map.n_muni
    need = uniforms_per_week(len(world.pairs.unit), len(world.teams.key))
    window = world.pairs.window.shape[0]
    base = world.units
    memo = key_supply(len(world.cell_map.key_per_unit))
    for i in range(n_weeks):
        if len(uniforms) - k < need:
            return i, k
        week = first_week + i
        capacity, push, gap_scale = weekly[i, 0], weekly[i, 1], weekly[i, 2]
        units = Units(base.shift + push, base.trust, base.trust_base, base.gap * gap_scale)
        p_occurs, d_vol_base, p_adhoc, volunteers_m = _supply_grid(
            world.teams, world.cell_map, rules.supply, capacity, memo)
        counts, occ_m, mun_m, fail_m, coprod_m, offered, trust_sum, k = units_week(
            uniforms, k, week % window, world.pairs, units,
            Cells(p_occurs, d_vol_base, p_adhoc), rules.units, n_muni)
        n_active, motivation_sum, past_year, k = volunteers_week(
            uniforms, k, week, world.teams, world.munis,
            Tally(occ_m, mun_m, fail_m, coprod_m, volunteers_m), rules.volunteers)
        row = record[i]
        row[0], row[1], row[2] = counts[0], counts[1], counts[2]
        row[3], row[4], row[5] = offered, trust_sum, n_active
        row[6], row[7], row[8] = motivation_sum, past_year, fail_m.sum()
    return n_weeks, k


# ---- the flags' adoption: the bisection's far steps (sim.population) ---------------------
BISECTION_STEPS = 80  # from (−60, 60): more than a float64 needs
# How far a compiled mean may be from ``share`` for its step to be certain: the compiled
# mean (libm's exp, a plain sum) and numpy's (its own exp, a pairwise sum) of n terms in
# (0, 1) differ by at most about n × 2.2e−16, under 1e−13 for the few hundred
# municipalities of a population: the margin is a hundred times that.
BISECTION_MARGIN = 1e-11


@njit(cache=True, error_model="numpy")
def bisection_start(tilt, share, steps):
    """The first steps of the bisection for α in mean(logistic(α + tilt)) = share.

    From (−60, 60), each step halves the interval toward the side where the mean at the
    midpoint is below ``share`` (lo moves) or not (hi moves), as
    :func:`sim.population.adoption_probability` does; it stops before the first step
    whose mean lies within :data:`BISECTION_MARGIN` of ``share``, where rounding could
    decide. Returns ``(lo, hi, steps taken)``.
    """
    lo, hi = -60.0, 60.0
    n = len(tilt)
    for step in range(steps):
        mid = (lo + hi) / 2
        total = 0.0
        for i in range(n):
            total += 1 / (1 + np.exp(-(mid + tilt[i])))
        mean = total / n
        if abs(mean - share) <= BISECTION_MARGIN:
            return lo, hi, step
        if mean < share:
            lo = mid
        else:
            hi = mid
        if (lo + hi) / 2 == lo or (lo + hi) / 2 == hi:
            return lo, hi, steps
    return lo, hi, steps


# ---- the virtual survey's answers (sim.virtual_survey) -----------------------------------
@njit(cache=True)
def survey_answers(window, resp, cols, draws, p_unsure):
    """Each respondent's answers to Q2-Q3 for the activities ``cols``, and their tallies.

    An activity is offered when it occurred in any week of the window; "several" when
    more than one body coordinated it then; otherwise "unsure" when the respondent's
    draw falls below its unsure rate; otherwise the one coordinator. Returns the answer
    codes (respondents, activities; the index into :data:`sim.virtual_survey.ANSWERS`:
    0-2 the coordinators, 3 "several", 4 "unsure"; −1 not offered), the counts per
    activity and coordinator of the usable answers, per activity the respondents who
    offered it and the answers dropped, and per respondent the activities of the whole
    catalogue it offered.
    """
    weeks, n_resp, n_act = window.shape[0], len(resp), len(cols)
    codes = np.full((n_resp, n_act), -1, dtype=np.int8)
    counts = np.zeros((n_act, 3), dtype=np.int64)
    offered = np.zeros(n_act, dtype=np.int64)
    dropped = np.zeros(n_act, dtype=np.int64)
    per_unit = np.zeros(n_resp, dtype=np.int64)
    for r in range(n_resp):
        unit = resp[r]
        for a in range(window.shape[2]):
            for week in range(weeks):
                if window[week, unit, a] >= 0:
                    per_unit[r] += 1
                    break
        for j in range(n_act):
            present = np.zeros(3, dtype=np.bool_)
            occurred = False
            for week in range(weeks):
                mode = window[week, unit, cols[j]]
                if mode >= 0:
                    occurred = True
                    present[mode] = True
            if not occurred:
                continue
            offered[j] += 1
            if present.sum() > 1:
                codes[r, j] = 3
                dropped[j] += 1
            elif draws[r, j] < p_unsure[r]:
                codes[r, j] = 4
                dropped[j] += 1
            else:
                answer = 0 if present[0] else (1 if present[1] else 2)
                codes[r, j] = answer
                counts[j, answer] += 1
    return codes, counts, offered, dropped, per_unit
