"""The co-production model: who coordinates volunteer activities in long-term care.

Each weekly step, vectorised over all units × activities and all volunteer teams:

1. staff pressure follows the resource-pressure lever;
2. volunteer supply per municipality and domain is counted from active teams;
3. every (unit, activity) pair has a standing coordination *arrangement* (municipality,
   voluntary organisation, or together), revised now and then by a multinomial-logit
   choice whose utilities carry the mechanisms (statutory duty, staff pressure,
   organisations' presence, institutional logics, trust, policy levers);
4. activities occur with a probability that grows with volunteer supply; an occurrence
   follows the arrangement, or (ad hoc) a fresh choice;
5. joint activities succeed or fail (co-destruction); trust learns from the outcome;
6. volunteer teams lose motivation under municipal dominance and failures, leave, and
   are recruited back;
7. staff and volunteer hours are counted and the DataCollector records the week.

See ``docs/ODD.md`` for the full description and the sources of every input.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import LTCUnit, VoluntaryOrganisation, Volunteer
from sim.catalogue import CATALOGUE, DOMAINS, UNIT_TYPES
from sim.parameters import LEVERS, PARAMETERS, validate
from sim.population import MUNICIPAL_SERVICE_SHARE_OF_VOLUNTEERS, Population, build_population

WINDOW_WEEKS = 4  # the survey asked about the last four weeks
MUNICIPALITY, VOLUNTARY, TOGETHER = 0, 1, 2
# Assumption: how close each domain is to the care professions' logic (0 = civic, 1 =
# core care work). Meals and day care are statutory care services; physical exercise
# borders on physiotherapy; culture and visiting are civic.
CARE_LOGIC = {"social": 0.1, "culture": 0.1, "physical": 0.7, "visiting": 0.2,
              "practical": 0.4, "meals": 0.8, "day_care": 0.9, "support": 0.5}
# Assumption: staff pressure by unit type (1 = typical); home care has the least staff
# time per recipient for activation (Hillestad & Tessem 2015).
STAFF_PRESSURE = {"nursing_home": 0.9, "home_care": 1.3, "integrated": 1.1, "other": 0.8}
# Assumption: share of units where the activity can take place at all: units running
# the statutory service volunteers join (day centres, food delivery), and home-care
# districts with a meeting place for cultural events (e.g. a senior centre).
SERVICE_AVAILABILITY = {"day_centre": 0.35, "food_delivery": 0.6, "cultural_home_care": 0.5}
# Assumption: staff hours per occurrence by who coordinates (municipality alone,
# voluntary organisation, together).
COORDINATION_HOURS = (3.0, 0.5, 1.5)
# 8,500 full-time equivalents (1,695 h/year) shared by 4.4% of 5.17 million people in
# 2014: about 1.22 hours per volunteer per week.
HOURS_PER_VOLUNTEER_WEEK = 8_500 * 1_695 / (0.044 * 5_170_000) / 52
TRUST_DRIFT = 0.02  # weekly pull of trust back to the unit's baseline
FORUM_GAP_REDUCTION = 0.5  # assumption: forums can halve the logic gap at most
MOTIVATION_RECOVERY = 0.02  # weekly recovery of motivation toward 1
REFERENCE_RECRUITMENT = 4.0  # recruitment/leaving ratio keeping 80% of the pool active


def _adjust(flags: np.ndarray, old: float, new: float, draws: np.ndarray) -> np.ndarray:
    """Flip flags at random so that a share ``old`` becomes ``new`` in expectation."""
    if new > old:
        return flags | (draws < (new - old) / (1 - old))
    if new < old:
        return flags & ~(draws < (old - new) / old)
    return flags


def _settings_mask() -> np.ndarray:
    """(unit types, activities): which unit types can offer which activity."""
    mask = np.zeros((len(UNIT_TYPES), len(CATALOGUE)), dtype=bool)
    for a, act in enumerate(CATALOGUE):
        for t, unit_type in enumerate(UNIT_TYPES):
            if act.setting == "both":
                mask[t, a] = True
            elif unit_type == "integrated":
                mask[t, a] = True
            else:
                mask[t, a] = act.setting == unit_type
    return mask


class CoProductionModel(mesa.Model):
    """LTC units, voluntary organisations and volunteer teams in Norwegian municipalities.

    Parameters are keyword arguments named as in :mod:`sim.parameters` (unknown names or
    values outside their range raise :class:`sim.errors.InputError`). ``population`` is
    ``"survey2015"``, ``"norway"`` or a prebuilt :class:`sim.population.Population`;
    ``rng`` (int, SeedSequence or Generator) is the only source of randomness.
    """

    def __init__(self, population: str | Population = "survey2015", rng=None, **params):
        super().__init__(rng=rng)
        self.params = validate(params)
        p = self.params
        # The synthetic world first runs ``spinup_weeks`` under the 2015 levers, to forget
        # its made-up starting state; the end of the spin-up is "2015", when the survey
        # observes it. The levers asked for take effect from then on.
        self.spinup = int(p["spinup_weeks"])
        self.levers = {name: (PARAMETERS[name].default if self.spinup else p[name])
                       for name in LEVERS}
        self.population = (population if isinstance(population, Population)
                           else build_population(population, {**p, **self.levers}, self.rng))
        pop = self.population
        n_units, n_acts = len(pop.unit_muni), len(CATALOGUE)
        n_muni = len(pop.muni_population)

        # Static structure.
        self.statutory = np.array([a.statutory for a in CATALOGUE])
        self.domain = np.array([DOMAINS.index(a.domain) for a in CATALOGUE])
        self.care_logic = np.array([CARE_LOGIC[a.domain] for a in CATALOGUE])
        per_domain = np.bincount(self.domain, minlength=len(DOMAINS))
        self.domain_split = per_domain[self.domain].astype(float)
        eligible = _settings_mask()[pop.unit_type]
        for act_id, share in SERVICE_AVAILABILITY.items():
            a = [c.id for c in CATALOGUE].index(act_id)
            eligible[:, a] &= self.rng.random(n_units) < share
        self.eligible = eligible
        self.units_per_muni = np.bincount(pop.unit_muni, minlength=n_muni).astype(float)

        # The work is done on flat arrays over the eligible (unit, activity) pairs.
        self.pair_unit, self.pair_act = np.nonzero(eligible)
        pu, pa = self.pair_unit, self.pair_act
        self.pair_muni = pop.unit_muni[pu]
        n_dom = len(DOMAINS)
        # Supply and utilities are the same for all units of a municipality offering the
        # same activity, so they are computed on the (municipality, activity) grid.
        self.pair_ma = self.pair_muni * n_acts + pa
        self.grid_cell = (np.arange(n_muni)[:, None] * n_dom + self.domain[None, :]).ravel()
        self.grid_cell2 = 2 * self.grid_cell
        self.grid_per_unit = (1.0 / (self.units_per_muni[:, None]
                                     * self.domain_split[None, :])).ravel()

        # Changing state, one array per attribute.
        type_pressure = np.array([STAFF_PRESSURE[t] for t in UNIT_TYPES])
        self.pressure0 = type_pressure[pop.unit_type] * self.rng.lognormal(0, 0.1, n_units)
        self.pressure = self.pressure0.copy()
        self.trust_base = self.rng.beta(2, 3, n_units)  # limited trust (paper, Discussion)
        self.trust = self.trust_base.copy()
        self.gap_intrinsic = self.rng.uniform(0.3, 0.7, n_units)
        self.forum_factor = np.ones(n_units)  # how far forums have narrowed the logic gap
        self.muni_policy = pop.muni_policy.copy()
        self.muni_centre = pop.muni_centre.copy()
        self.muni_service = pop.muni_service.copy()
        self.team_active = pop.team_active.copy()
        self.team_service = pop.team_org < 0
        self.team_cell = pop.team_muni * n_dom + pop.team_domain
        self.motivation = np.ones(len(pop.team_org))
        self.base_hazard = p["annual_turnover"] / 52
        self.dominance = np.zeros(n_muni)
        self.pair_window = np.full((WINDOW_WEEKS, len(pu)), -1, dtype=np.int8)
        self.last: dict[str, float] = {}
        self._derive()

        # Mesa agents: views on the arrays.
        for i in range(n_units):
            LTCUnit(self, i)
        for i in range(len(pop.org_muni)):
            VoluntaryOrganisation(self, i)
        for i in range(len(pop.team_org)):
            Volunteer(self, i)

        self.arrangement = self._sample(self._thresholds(self._grid()[2]))
        for key in TIMESERIES_COLUMNS:
            setattr(self, key, np.nan)
        # Attribute-name reporters: Mesa reads them without calling a Python function.
        self.datacollector = mesa.DataCollector(
            model_reporters={key: key for key in TIMESERIES_COLUMNS})

    # ---- levers -----------------------------------------------------------------------
    def _derive(self) -> None:
        """Recompute everything that depends on the levers in force and the flags."""
        p, lev, pop = self.params, self.levers, self.population
        policy_unit = self.muni_policy[pop.unit_muni].astype(float)
        # A local policy narrows the logic gap, cuts co-destruction and ad hoc choices.
        self.policy_factor = 1 - p["policy_effect"] * policy_unit
        self.pair_persistence = (p["persistence"] + (1 - p["persistence"])
                                 * p["policy_effect"] * policy_unit[self.pair_unit])
        self.risk = p["codestruction_risk"] * self.policy_factor
        self.gap = self.gap_intrinsic * self.policy_factor * self.forum_factor
        stat = self.statutory.astype(float)
        division = lev["task_division"]
        # The part of the municipal-minus-voluntary utility fixed by the activity.
        self.static = np.tile(p["municipal_tradition"] + (p["statutory_pull"] + division) * stat
                              + p["logic_distance"] * self.care_logic - division * (1 - stat),
                              len(self.dominance))
        self.team_key = 2 * self.team_cell + self.team_service
        centre = self.muni_centre[pop.team_muni]
        self.recruit_rate = (p["annual_turnover"] / 52 * REFERENCE_RECRUITMENT
                             * (1 + lev["recruitment_effort"]) * (0.8 + 0.25 * centre))

    def _switch_levers(self) -> None:
        """At the end of the spin-up, put the requested levers in force.

        Municipalities adopt (or drop) a local policy, a volunteer centre or their own
        volunteer service at random until the requested shares hold in expectation; a
        new municipal service takes 30% of the municipality's volunteer teams, a closed
        one hands them back to the organisations. The draws are made whatever the
        levers, so every scenario consumes the same random numbers as the baseline.
        """
        pop, rng, new = self.population, self.rng, {k: self.params[k] for k in LEVERS}
        draws = rng.random((3, len(self.dominance)))
        self.muni_policy = _adjust(self.muni_policy, self.levers["policy_share"],
                                   new["policy_share"], draws[0])
        self.muni_centre = _adjust(self.muni_centre, self.levers["volunteer_centre_share"],
                                   new["volunteer_centre_share"], draws[1])
        before = self.muni_service
        self.muni_service = _adjust(before, self.levers["municipal_service_share"],
                                    new["municipal_service_share"], draws[2])
        opened = (self.muni_service & ~before)[pop.team_muni]
        closed = (before & ~self.muni_service)[pop.team_muni]
        move = opened & (rng.random(len(pop.team_muni)) < MUNICIPAL_SERVICE_SHARE_OF_VOLUNTEERS)
        self.team_service = (self.team_service | move) & ~closed
        self.levers = new
        self._derive()

    # ---- mechanisms -----------------------------------------------------------------
    def _grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per (municipality, activity): supply, occurrence probability, utility base.

        Supply is the active volunteer teams of the activity's domain in the municipality,
        shared among its units and among the catalogue's activities of that domain;
        organisations' teams and the municipal service's teams pull in opposite
        directions. Returns flat arrays of length municipalities × activities.
        """
        p = self.params
        cells = len(self.population.muni_population) * len(DOMAINS)
        # One count over (cell, organisation-or-service) keys.
        both = np.bincount(self.team_key[self.team_active], minlength=2 * cells)
        org = both[self.grid_cell2] * self.grid_per_unit
        svc = both[self.grid_cell2 + 1] * self.grid_per_unit
        supply = org + svc
        p_occurs = -np.expm1(-p["activity_rate"] * supply)
        d_vol_base = p["org_presence_pull"] * (np.log1p(org) - np.log1p(svc)) - self.static
        return supply, p_occurs, d_vol_base

    def _thresholds(self, d_vol_base: np.ndarray, pairs=None) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative choice probabilities (P(municipality), P(mun or vol)) per pair.

        Multinomial logit with utilities relative to municipal coordination: voluntary =
        organisations' presence − the municipal claim (tradition, statutory duty, care
        logic) + staff pressure; together = half of that (joint work inherits the average
        claim of both) + trust − the cost of bridging logics. ``pairs`` restricts the
        computation to those pair indices (default: all).
        """
        p = self.params
        if pairs is None:
            pairs = slice(None)
        pu = self.pair_unit[pairs]
        d_vol = d_vol_base[self.pair_ma[pairs]] + p["staff_pressure_push"] * self.pressure[pu]
        unit_term = p["trust_weight"] * self.trust - p["logic_distance"] * self.gap
        d_tog = 0.5 * d_vol + (unit_term - self.levers["task_division"])[pu]
        e_vol, e_tog = np.exp(d_vol), np.exp(d_tog)
        inv = 1.0 / (1.0 + e_vol + e_tog)
        return inv, (1.0 + e_vol) * inv

    def _sample(self, thresholds, u: np.ndarray | None = None) -> np.ndarray:
        """One categorical draw per pair from cumulative thresholds: 0, 1 or 2."""
        if u is None:
            u = self.rng.random(len(thresholds[0]), dtype=np.float32)
        return (u > thresholds[0]).view(np.int8) + (u > thresholds[1]).view(np.int8)

    def choice_probabilities(self) -> np.ndarray:
        """P(municipality, voluntary, together) for every eligible pair, shape (pairs, 3)."""
        low, high = self._thresholds(self._grid()[2])
        return np.stack([low, high - low, 1 - high], axis=-1)

    @property
    def window(self) -> np.ndarray:
        """Occurrence modes of the last four weeks, shape (4, units, activities); -1 = none."""
        full = np.full((WINDOW_WEEKS, *self.eligible.shape), -1, dtype=np.int8)
        full[:, self.pair_unit, self.pair_act] = self.pair_window
        return full

    def _units_step(self, week: int, p_occurs: np.ndarray, d_vol_base: np.ndarray):
        """The units' work for one week, vectorised over all (unit, activity) pairs.

        Revises arrangements, draws occurrences and their coordination mode, resolves
        joint activities and updates trust. Returns the occurring pair indices, their
        modes and which of them failed.
        """
        p, rng = self.params, self.rng
        n_units = len(self.trust)
        draws = rng.random((2, len(self.pair_unit)), dtype=np.float32)
        # 3. Arrangements are revisited now and then (a fresh logit choice).
        ridx = np.flatnonzero(draws[0] < p["revision_rate"])
        # 4. Activities occur; each follows the standing arrangement or, ad hoc, a fresh
        # choice (a local policy makes ad hoc coordination rarer).
        idx = np.flatnonzero(draws[1] < p_occurs[self.pair_ma])
        sub = rng.random((3, len(idx)), dtype=np.float32)
        adhoc = np.flatnonzero(sub[0] > self.pair_persistence[idx])
        # The logit is evaluated once, only for the revised and the ad hoc pairs.
        k = len(ridx)
        choice = self._sample(self._thresholds(d_vol_base, np.concatenate([ridx, idx[adhoc]])),
                              np.concatenate([rng.random(k, dtype=np.float32), sub[1, adhoc]]))
        self.arrangement[ridx] = choice[:k]
        mode_sub = self.arrangement[idx]
        mode_sub[adhoc] = choice[k:]
        mode = self.pair_window[week % WINDOW_WEEKS]
        mode.fill(-1)
        mode[idx] = mode_sub
        # 5. Joint activities succeed or fail (co-destruction); trust learns.
        units_sub = self.pair_unit[idx]
        joint = mode_sub == TOGETHER
        failed = joint & (sub[2] < (self.risk * self.gap)[units_sub])
        n_joint = np.bincount(units_sub[joint], minlength=n_units)
        n_fail = np.bincount(units_sub[failed], minlength=n_units)
        eta, forum, t = p["trust_learning"], self.levers["forum_intensity"], self.trust
        t = (t + eta * ((1 - t) * (n_joint - n_fail) - 2 * t * n_fail)
             + TRUST_DRIFT * ((self.trust_base - t) + forum * (1 - t)))
        self.trust = np.minimum(np.maximum(t, 0.0), 1.0)
        if forum:
            # Forums narrow the gap between logics, at most by FORUM_GAP_REDUCTION.
            floor = 1 - FORUM_GAP_REDUCTION * forum
            self.forum_factor = self.forum_factor - 0.01 * forum * (self.forum_factor - floor)
            self.gap = self.gap_intrinsic * self.policy_factor * self.forum_factor
        return idx, mode_sub, failed

    def step(self) -> None:
        """Advance one week (every operation is vectorised over all pairs or teams)."""
        p, pop, rng = self.params, self.population, self.rng
        # Weeks count from the 2015 snapshot (the end of the spin-up); Mesa has already
        # counted this step.
        week = self.steps - self.spinup
        if week == 1 and self.spinup:
            self._switch_levers()
        # 1. Resource pressure reaches its full value ten years after the levers start.
        rise = self.levers["resource_pressure"]
        if rise and week <= 520:
            self.pressure = self.pressure0 * (1 + rise * max(week, 0) / 520)
        # 2. Supply: more active volunteers in the domain, more activities.
        _, p_occurs, d_vol_base = self._grid()
        # 3-5. The units' choices, activities, joint outcomes and trust.
        idx, mode_sub, failed = self._units_step(week, p_occurs, d_vol_base)
        # 6. Volunteers: municipal dominance and failed joint work erode motivation;
        # unmotivated teams leave; inactive ones are recruited back.
        n_units, n_muni = len(self.trust), len(self.dominance)
        muni_sub = self.pair_muni[idx]
        occ_m = np.bincount(muni_sub, minlength=n_muni)
        mun_m = np.bincount(muni_sub[mode_sub == MUNICIPALITY], minlength=n_muni)
        self.dominance += 0.1 * (occ_m > 0) * (mun_m / np.maximum(occ_m, 1) - self.dominance)
        active = self.team_active
        hit = (np.bincount(muni_sub[failed], minlength=n_muni)
               / np.maximum(np.bincount(pop.team_muni[active], minlength=n_muni), 1))
        shift = MOTIVATION_RECOVERY * (1 - p["dominance_erosion"] * self.dominance) - 0.5 * hit
        # mot·(1 − r) + r ≤ 1 always, so only the lower bound needs enforcing.
        mot = np.maximum(self.motivation * (1 - MOTIVATION_RECOVERY) + shift[pop.team_muni], 0.0)
        draw = rng.random(len(mot), dtype=np.float32)
        hazard = self.base_hazard * (4.0 - 3.0 * mot)
        self.team_active = np.where(active, draw >= hazard, draw < self.recruit_rate)
        np.putmask(mot, self.team_active & ~active, 1.0)  # newcomers arrive motivated
        self.motivation = mot
        # 7. Record the week (scalars in plain Python).
        c_mun, c_vol, c_tog = np.bincount(mode_sub, minlength=3).tolist()
        total = c_mun + c_vol + c_tog
        n_active = int(np.count_nonzero(self.team_active))
        people = float(n_active * p["volunteers_per_agent"])
        offered4 = int(np.count_nonzero(self.pair_window.max(axis=0) >= 0))
        hours = COORDINATION_HOURS
        self.last = {
            "week": float(week),
            "share_municipality": c_mun / total if total else np.nan,
            "share_voluntary": c_vol / total if total else np.nan,
            "share_together": c_tog / total if total else np.nan,
            "activities_per_week": float(total),
            "offered_share": offered4 / max(1, len(self.pair_unit)),
            "active_volunteers": people,
            "volunteer_hours": people * HOURS_PER_VOLUNTEER_WEEK,
            "staff_hours": c_mun * hours[0] + c_vol * hours[1] + c_tog * hours[2],
            "mean_trust": float(self.trust.sum()) / n_units,
            "mean_motivation": float(mot @ self.team_active) / n_active if n_active else np.nan,
            "failed_joint": float(np.count_nonzero(failed)),
        }
        self.__dict__.update(self.last)
        self.datacollector.collect(self)


TIMESERIES_COLUMNS = (
    "week", "share_municipality", "share_voluntary", "share_together", "activities_per_week",
    "offered_share", "active_volunteers", "volunteer_hours", "staff_hours", "mean_trust",
    "mean_motivation", "failed_joint",
)
