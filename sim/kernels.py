"""Compiled weekly kernels: the model's arithmetic, one loop over pairs or teams.

A vectorised numpy step spends most of its time in the fixed cost of ~50 array calls
(2–4 µs each on ~3,300 pairs), not in arithmetic. These loops do the same work in one
pass each, compiled with numba (``cache=True``: compiled once per machine, then loaded).

Randomness: the kernels read uniforms from a :class:`UniformStream`, blocks drawn by
numpy from the model's own generator (about 3 ns a value, against 10 ns for a draw made
one at a time inside compiled code, plus 13 µs to hand a Generator to a kernel). Each
kernel reads the values it needs in a fixed order and returns how far it read, so the
model keeps a single stream and the same seed gives the same numbers in every process.
No kernel uses ``fastmath``: results are plain IEEE arithmetic whatever the worker.

The kernels update the model's state arrays in place and return only what the step
needs to record. :mod:`sim.model` documents the mechanisms; here they are only computed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MUNICIPALITY, VOLUNTARY, TOGETHER = 0, 1, 2


class UniformStream:
    """Uniform [0, 1) draws from one generator, made in blocks for the kernels.

    ``reserve(n)`` makes sure ``n`` unread values follow ``cursor``; a kernel reads
    ``values[cursor:]`` in order and the caller moves ``cursor`` past what it read.
    Values left over when a new block is drawn are discarded, always at the same point
    for the same seed. Blocks are a few hundred KiB so that they stay in cache. Values
    are float32: 24 bits resolve probabilities to 6e-8, and draw twice as fast.
    """

    MIN_BLOCK = 1 << 16

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.values = np.empty(0, dtype=np.float32)
        self.cursor = 0

    def reserve(self, n: int) -> None:
        """Draw a new block unless ``n`` unread values remain."""
        if len(self.values) - self.cursor < n:
            self.values = self.rng.random(max(self.MIN_BLOCK, 4 * n), dtype=np.float32)
            self.cursor = 0


@njit(cache=True)
def supply_grid(team_key, team_active, team_weight, key_per_unit, cell_key, static,
                activity_rate, presence_pull, n_muni):
    """Per (municipality, activity) cell: occurrence probability and utility base.

    Active volunteers are counted per key (municipality, domain; organisations' or the
    municipal service's), in reference teams (``team_weight`` per agent): the supply a
    unit sees is the key's count shared among the municipality's units and the domain's
    activities (``key_per_unit``). Returns ``(p_occurs, d_vol_base)`` per cell
    (``cell_key`` maps a cell to its key) and the active volunteers per municipality, in
    reference teams.
    """
    n_keys = len(key_per_unit)
    keys_per_muni = n_keys // n_muni  # key = municipality × domains + domain
    # Entry 2·key: organisations' volunteers; 2·key + 1: the municipal service's.
    volunteers = np.zeros(2 * n_keys)
    for t in range(len(team_key)):
        if team_active[t]:
            volunteers[team_key[t]] += team_weight
    p_key = np.empty(n_keys)
    d_key = np.empty(n_keys)
    volunteers_m = np.zeros(n_muni)
    for key in range(n_keys):
        volunteers_m[key // keys_per_muni] += volunteers[2 * key] + volunteers[2 * key + 1]
        org = volunteers[2 * key] * key_per_unit[key]
        svc = volunteers[2 * key + 1] * key_per_unit[key]
        p_key[key] = -np.expm1(-activity_rate * (org + svc))
        # log1p(0) = 0: most municipalities have no service of their own, skip the call.
        presence = np.log1p(org) if org > 0.0 else 0.0
        if svc > 0.0:
            presence -= np.log1p(svc)
        d_key[key] = presence_pull * presence
    n = len(cell_key)
    p_occurs = np.empty(n)
    d_vol_base = np.empty(n)
    for c in range(n):
        p_occurs[c] = p_key[cell_key[c]]
        d_vol_base[c] = d_key[cell_key[c]] - static[c]
    return p_occurs, d_vol_base, volunteers_m


@njit(cache=True)
def _unit_terms(trust, gap, logit):
    """Each unit's part of the together-utility: trust − bridging logics − division."""
    _, trust_weight, logic_distance, task_division = logit
    return trust_weight * trust - logic_distance * gap - task_division


@njit(cache=True, inline="always")
def _thresholds(d_vol, unit_term):
    """Cumulative logit probabilities (P(municipality), P(municipality or voluntary))."""
    e_vol = np.exp(d_vol)
    e_tog = np.exp(0.5 * d_vol + unit_term)
    inv = 1.0 / (1.0 + e_vol + e_tog)
    return inv, (1.0 + e_vol) * inv


@njit(cache=True, inline="always")
def _choose(u, d_vol, unit_term):
    """A logit choice (0, 1 or 2) made with the uniform draw ``u``."""
    low, high = _thresholds(d_vol, unit_term)
    return np.int8((u > low) + (u > high))


@njit(cache=True)
def choice_thresholds(pair_unit, pair_cell, d_vol_base, pressure, trust, gap, logit):
    """The logit's cumulative thresholds ``(low, high)`` for every pair.

    ``logit`` is ``(staff_pressure_push, trust_weight, logic_distance, task_division)``.
    A uniform draw u gives municipality (u ≤ low), voluntary (low < u ≤ high) or
    together (u > high).
    """
    unit_term = _unit_terms(trust, gap, logit)
    n = len(pair_unit)
    low, high = np.empty(n), np.empty(n)
    for p in range(n):
        u = pair_unit[p]
        low[p], high[p] = _thresholds(d_vol_base[pair_cell[p]] + logit[0] * pressure[u],
                                      unit_term[u])
    return low, high


@njit(cache=True, inline="always")
def _skip(u, log_keep):
    """Pairs passed over before the next revision: geometric, from one uniform draw."""
    # 1 − u lies in (0, 1]; log_keep = log(1 − rate) < 0 (−inf when every pair revises).
    # Capped before the cast so that a tiny rate cannot overflow the integer.
    return int(min(np.log(1.0 - u) / log_keep, 1e12))


@njit(cache=True)
def units_week(uniforms, k, slot, window, window_hits, arrangement, pairs, p_occurs,
               d_vol_base, pressure, trust, trust_base, gap, risk, n_muni, revision_rate,
               logit, trust_rule):
    """The units' work for one week over the (unit, activity) pairs, in place.

    ``pairs`` is ``(pair_unit, pair_cell, pair_muni, persistence)``; ``logit`` as in
    :func:`choice_thresholds`; ``trust_rule`` is ``(learning, drift, forum)``.

    1. Arrangements are revised at ``revision_rate`` (a fresh logit choice); the
       revised pairs are found by geometric skips, not one draw per pair.
    2. Each activity occurs with its cell's probability and follows the arrangement
       or, ad hoc (above the pair's persistence), a fresh choice; a joint activity
       fails with the unit's co-destruction risk × logic gap. The mode goes to
       ``window[slot]`` (−1 = no occurrence); ``window_hits`` counts each pair's
       occurrences in the window.
    3. Trust learns from each unit's joint successes and failures and drifts to its
       baseline (and, with forums, upward).

    Reads uniforms in order from ``uniforms[k]`` (at most six per pair). Returns
    ``(mode_counts, occurrences, municipal, failures, offered, trust_sum, k)``:
    occurrences per mode; per municipality the occurrences, those coordinated by the
    municipality and the failed joint ones; pairs that occurred in the window; summed
    trust; and where the reading stopped.
    """
    pair_unit, pair_cell, pair_muni, persistence = pairs
    n_pairs, n_units = len(pair_unit), len(trust)
    unit_term = _unit_terms(trust, gap, logit)
    push = logit[0]
    # 1. Revisions.
    if revision_rate > 0.0:
        log_keep = np.log1p(-revision_rate)
        p = _skip(uniforms[k], log_keep)
        k += 1
        while p < n_pairs:
            u = pair_unit[p]
            arrangement[p] = _choose(uniforms[k], d_vol_base[pair_cell[p]] + push * pressure[u],
                                     unit_term[u])
            p += 1 + _skip(uniforms[k + 1], log_keep)
            k += 2
    # 2. Occurrences. Each test reads the next value: uniforms[k], then k += 1.
    counts = np.zeros(3, dtype=np.int64)
    occ_m = np.zeros(n_muni, dtype=np.int64)
    mun_m = np.zeros(n_muni, dtype=np.int64)
    fail_m = np.zeros(n_muni, dtype=np.int64)
    n_joint = np.zeros(n_units)
    n_fail = np.zeros(n_units)
    modes = window[slot]
    offered = 0  # pairs that occurred in at least one week of the window
    for p in range(n_pairs):
        mode = np.int8(-1)
        occurs = uniforms[k] < p_occurs[pair_cell[p]]
        k += 1
        if occurs:
            u = pair_unit[p]
            mode = arrangement[p]
            adhoc = uniforms[k] > persistence[p]
            k += 1
            if adhoc:
                mode = _choose(uniforms[k], d_vol_base[pair_cell[p]] + push * pressure[u],
                               unit_term[u])
                k += 1
            m = pair_muni[p]
            counts[mode] += 1
            occ_m[m] += 1
            if mode == MUNICIPALITY:
                mun_m[m] += 1
            elif mode == TOGETHER:
                n_joint[u] += 1.0
                fails = uniforms[k] < risk[u] * gap[u]
                k += 1
                if fails:
                    n_fail[u] += 1.0
                    fail_m[m] += 1
        # The week written over leaves the window, this one enters it.
        window_hits[p] += (mode >= 0) - (modes[p] >= 0)
        modes[p] = mode
        offered += window_hits[p] > 0
    # 3. Trust.
    learning, drift, forum = trust_rule
    trust_sum = 0.0
    for u in range(n_units):
        t = trust[u]
        t = (t + learning * ((1.0 - t) * (n_joint[u] - n_fail[u]) - 2.0 * t * n_fail[u])
             + drift * ((trust_base[u] - t) + forum * (1.0 - t)))
        trust[u] = min(max(t, 0.0), 1.0)
        trust_sum += trust[u]
    return counts, occ_m, mun_m, fail_m, offered, trust_sum, k


@njit(cache=True)
def volunteers_week(uniforms, k, active, motivation, team_muni, recruit_rate, dominance, occ_m,
                    mun_m, fail_m, volunteers_m, base_hazard, erosion, recovery, team_weight):
    """Volunteer teams for one week: motivation, leaving and recruitment, in place.

    Municipal dominance (a moving average of the municipal share of occurrences) and
    failed joint work per active reference team erode motivation (``volunteers_m``: the
    week's active volunteers per municipality in reference teams, as
    :func:`supply_grid` counted them; at least one agent's ``team_weight``); motivation
    recovers toward 1.
    Active teams leave with a hazard that rises as motivation falls; inactive ones are
    recruited back, motivated. Reads one value per team from ``uniforms``, starting at
    ``k``. Returns ``(active teams, their summed motivation, where the reading stopped)``.
    """
    n_muni = len(dominance)
    for m in range(n_muni):
        if occ_m[m] > 0:
            dominance[m] += 0.1 * (mun_m[m] / occ_m[m] - dominance[m])
    shift = np.empty(n_muni)
    for m in range(n_muni):
        hit = fail_m[m] / max(volunteers_m[m], team_weight)
        shift[m] = recovery * (1.0 - erosion * dominance[m]) - 0.5 * hit
    n_active, motivation_sum = 0, 0.0
    for t in range(len(active)):
        # mot·(1 − r) + r ≤ 1 always, so only the lower bound needs enforcing.
        mot = max(motivation[t] * (1.0 - recovery) + shift[team_muni[t]], 0.0)
        draw = uniforms[k]
        k += 1
        if active[t]:
            active[t] = draw >= base_hazard * (4.0 - 3.0 * mot)
        elif draw < recruit_rate[t]:
            active[t] = True
            mot = 1.0  # newcomers arrive motivated
        motivation[t] = mot
        if active[t]:
            n_active += 1
            motivation_sum += mot
    return n_active, motivation_sum, k
