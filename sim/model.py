"""The co-production model: who coordinates volunteer activities in long-term care.

Each weekly step, one pass over all units × activities and one over all volunteer teams
(compiled loops in :mod:`sim.kernels`):

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

from sim import kernels
from sim.agents import LTCUnit, VoluntaryOrganisation, Volunteer
from sim.catalogue import CATALOGUE, DOMAINS, UNIT_TYPES
from sim.kernels import MUNICIPALITY, TOGETHER, VOLUNTARY  # noqa: F401 (re-exported)
from sim.parameters import LEVERS, PARAMETERS, validate
from sim.population import MUNICIPAL_SERVICE_SHARE_OF_VOLUNTEERS, Population, build_population

WINDOW_WEEKS = 4  # the survey asked about the last four weeks
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
# Supply and the harm of failures are measured per 20 volunteers, the team size the
# parameters were calibrated at, so that ``volunteers_per_agent`` changes only how
# finely volunteers are resolved, not what they do.
REFERENCE_TEAM = 20


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
        eligible = _settings_mask()[pop.unit_type]
        for act_id, share in SERVICE_AVAILABILITY.items():
            a = [c.id for c in CATALOGUE].index(act_id)
            eligible[:, a] &= self.rng.random(n_units) < share
        self.eligible = eligible
        units_per_muni = np.bincount(pop.unit_muni, minlength=n_muni)

        # The work is done on flat arrays over the eligible (unit, activity) pairs.
        pu, pa = (np.ascontiguousarray(i) for i in np.nonzero(eligible))
        self.pair_unit, self.pair_act = pu, pa
        self.pair_muni = pop.unit_muni[pu]
        n_dom = len(DOMAINS)
        # Supply is counted per key (municipality, domain) and shared among the
        # municipality's units and the domain's activities; utilities are the same for
        # all units of a municipality offering an activity, so they are computed per
        # cell (municipality, activity).
        self.key_per_unit = (1.0 / (np.maximum(units_per_muni, 1)[:, None]
                                    * np.maximum(per_domain, 1)[None, :])).ravel()
        self.cell_key = (np.arange(n_muni)[:, None] * n_dom + self.domain[None, :]).ravel()
        self.pair_cell = self.pair_muni * n_acts + pa

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
        self.team_domain_key = pop.team_muni * n_dom + pop.team_domain
        self.motivation = np.ones(len(pop.team_org))
        self.base_hazard = p["annual_turnover"] / 52
        self.team_weight = p["volunteers_per_agent"] / REFERENCE_TEAM
        self.dominance = np.zeros(n_muni)
        self.pair_window = np.full((WINDOW_WEEKS, len(pu)), -1, dtype=np.int8)
        self.window_hits = np.zeros(len(pu), dtype=np.int8)  # occurrences in the window
        self.last: dict[str, float] = {}
        self.uniforms = kernels.UniformStream(self.rng)
        # A week's kernels read at most six uniforms per pair and one per team.
        self.draws_per_week = 6 * len(pu) + len(pop.team_org) + 1
        self._derive()

        # Mesa agents: views on the arrays.
        for i in range(n_units):
            LTCUnit(self, i)
        for i in range(len(pop.org_muni)):
            VoluntaryOrganisation(self, i)
        for i in range(len(pop.team_org)):
            Volunteer(self, i)

        low, high = self._choice_thresholds()
        u = self.rng.random(len(low), dtype=np.float32)
        self.arrangement = ((u > low).view(np.int8) + (u > high).view(np.int8))
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
        self._update_gap()
        stat = self.statutory.astype(float)
        division = lev["task_division"]
        # The part of the municipal-minus-voluntary utility fixed by the activity.
        self.static = np.tile(p["municipal_tradition"] + (p["statutory_pull"] + division) * stat
                              + p["logic_distance"] * self.care_logic - division * (1 - stat),
                              len(self.dominance))
        self.team_key = 2 * self.team_domain_key + self.team_service
        # What the kernels take, bundled (see sim.kernels.units_week).
        self.pairs = (self.pair_unit, self.pair_cell, self.pair_muni, self.pair_persistence)
        self.logit = (p["staff_pressure_push"], p["trust_weight"], p["logic_distance"],
                      division)
        self.trust_rule = (p["trust_learning"], TRUST_DRIFT, lev["forum_intensity"])
        centre = self.muni_centre[pop.team_muni]
        self.recruit_rate = (p["annual_turnover"] / 52 * REFERENCE_RECRUITMENT
                             * (1 + lev["recruitment_effort"]) * (0.8 + 0.25 * centre))

    def _update_gap(self) -> None:
        """The logic gap: the unit's own, narrowed by a local policy and by forums."""
        self.gap = self.gap_intrinsic * self.policy_factor * self.forum_factor

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
        """Per (municipality, activity): occurrence probability and utility base.

        Supply is the active volunteers (per 20) of the activity's domain in the
        municipality, shared among its units and among the catalogue's activities of
        that domain; organisations' volunteers and the municipal service's pull in
        opposite directions. Returns flat arrays of length municipalities × activities,
        and the active volunteers per municipality (per 20).
        """
        p = self.params
        return kernels.supply_grid(self.team_key, self.team_active, self.team_weight,
                                   self.key_per_unit, self.cell_key, self.static,
                                   p["activity_rate"], p["org_presence_pull"],
                                   len(self.dominance))

    def _choice_thresholds(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative choice probabilities (P(municipality), P(mun or vol)) per pair.

        Multinomial logit with utilities relative to municipal coordination: voluntary =
        organisations' presence − the municipal claim (tradition, statutory duty, care
        logic) + staff pressure; together = half of that (joint work inherits the average
        claim of both) + trust − the cost of bridging logics.
        """
        return kernels.choice_thresholds(self.pair_unit, self.pair_cell, self._grid()[1],
                                         self.pressure, self.trust, self.gap, self.logit)

    def choice_probabilities(self) -> np.ndarray:
        """P(municipality, voluntary, together) for every eligible pair, shape (pairs, 3)."""
        low, high = self._choice_thresholds()
        return np.stack([low, high - low, 1 - high], axis=-1)

    @property
    def window(self) -> np.ndarray:
        """Occurrence modes of the last four weeks, shape (4, units, activities); -1 = none."""
        full = np.full((WINDOW_WEEKS, *self.eligible.shape), -1, dtype=np.int8)
        full[:, self.pair_unit, self.pair_act] = self.pair_window
        return full

    def _units_step(self, week: int, p_occurs: np.ndarray, d_vol_base: np.ndarray):
        """The units' work for one week over all (unit, activity) pairs.

        Revises arrangements, draws occurrences and their coordination mode (written to
        the four-week window), resolves joint activities and updates trust; see
        :func:`sim.kernels.units_week`, whose counts it returns.
        """
        stream = self.uniforms
        *out, stream.cursor = kernels.units_week(
            stream.values, stream.cursor, week % WINDOW_WEEKS, self.pair_window,
            self.window_hits, self.arrangement, self.pairs, p_occurs, d_vol_base,
            self.pressure, self.trust, self.trust_base, self.gap, self.risk, len(self.dominance),
            self.params["revision_rate"], self.logit, self.trust_rule)
        forum = self.levers["forum_intensity"]
        if forum:
            # Forums narrow the gap between logics, at most by FORUM_GAP_REDUCTION.
            floor = 1 - FORUM_GAP_REDUCTION * forum
            self.forum_factor = self.forum_factor - 0.01 * forum * (self.forum_factor - floor)
            self._update_gap()
        return out

    def step(self) -> None:
        """Advance one week: a pass over all pairs, then one over all volunteer teams."""
        p = self.params
        # Weeks count from the 2015 snapshot (the end of the spin-up); Mesa has already
        # counted this step.
        week = self.steps - self.spinup
        if week == 1 and self.spinup:
            self._switch_levers()
        # 1. Resource pressure reaches its full value ten years after the levers start.
        rise = self.levers["resource_pressure"]
        if rise and week <= 520:
            self.pressure = self.pressure0 * (1 + rise * max(week, 0) / 520)
        self.uniforms.reserve(self.draws_per_week)
        # 2. Supply: more active volunteers in the domain, more activities.
        p_occurs, d_vol_base, volunteers_m = self._grid()
        # 3-5. The units' choices, activities, joint outcomes and trust.
        counts, occ_m, mun_m, fail_m, offered, trust_sum = self._units_step(
            week, p_occurs, d_vol_base)
        # 6. Volunteers: municipal dominance and failed joint work erode motivation;
        # unmotivated teams leave; inactive ones are recruited back.
        stream = self.uniforms
        n_active, motivation_sum, stream.cursor = kernels.volunteers_week(
            stream.values, stream.cursor, self.team_active, self.motivation,
            self.population.team_muni, self.recruit_rate, self.dominance, occ_m, mun_m,
            fail_m, volunteers_m, self.base_hazard, p["dominance_erosion"], MOTIVATION_RECOVERY,
            self.team_weight)
        # 7. Record the week (scalars in plain Python).
        c_mun, c_vol, c_tog = counts.tolist()
        total = c_mun + c_vol + c_tog
        people = float(n_active * p["volunteers_per_agent"])
        hours = COORDINATION_HOURS
        self.last = {
            "week": float(week),
            "share_municipality": c_mun / total if total else np.nan,
            "share_voluntary": c_vol / total if total else np.nan,
            "share_together": c_tog / total if total else np.nan,
            "activities_per_week": float(total),
            "offered_share": offered / max(1, len(self.pair_unit)),
            "active_volunteers": people,
            "volunteer_hours": people * HOURS_PER_VOLUNTEER_WEEK,
            "staff_hours": c_mun * hours[0] + c_vol * hours[1] + c_tog * hours[2],
            "mean_trust": trust_sum / len(self.trust),
            "mean_motivation": motivation_sum / n_active if n_active else np.nan,
            "failed_joint": float(fail_m.sum()),
        }
        self.__dict__.update(self.last)
        self.datacollector.collect(self)


TIMESERIES_COLUMNS = (
    "week", "share_municipality", "share_voluntary", "share_together", "activities_per_week",
    "offered_share", "active_volunteers", "volunteer_hours", "staff_hours", "mean_trust",
    "mean_motivation", "failed_joint",
)
