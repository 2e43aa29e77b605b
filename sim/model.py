"""The co-production model: who coordinates volunteer activities in long-term care.

Each week, one pass over all units × activities and one over all volunteer teams
(compiled loops in :mod:`sim.kernels`). The model is built at the 2015 snapshot: its
spin-up weeks run while it is built, in compiled blocks of weeks, and each Mesa step is
one week after the snapshot.

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

from sim import kernels, outcomes
from sim.agents import LTCUnit, VoluntaryOrganisation, Volunteer, create_agents
from sim.catalogue import CATALOGUE, DOMAINS, UNIT_TYPES, activity_index
from sim.config import Configuration
from sim.errors import InputError
from sim.frame import (
    HOURS_PER_FTE_YEAR,
    POPULATION_2014,
    SURVEY_2015,
    VOLUNTEER_FTE_2014,
    VOLUNTEER_SHARE_2014,
)
from sim.kernels import MUNICIPALITY, TOGETHER, VOLUNTARY  # noqa: F401 (re-exported)
from sim.population import Population, build_population

WINDOW_WEEKS = SURVEY_2015.window_weeks  # the survey asked about the last four weeks
# Staff pressure is 1 in 2015 everywhere: no source gives staff hours per recipient by
# unit type, so the difference between home care and nursing homes is the counted
# parameter `home_care_offset`; the `resource_pressure` lever raises pressure over time.
PRESSURE_2015 = 1.0
# Share of units where the activity can take place at all: units running the statutory
# service volunteers join (day centres, food delivery), and home-care districts with a
# meeting place for cultural events (e.g. a senior centre). No source gives these: they
# were set so that the activity counts n of Table 2 come out right (re-set when ad hoc
# coordination came to drop 24-28% of these two activities' answers, not about 15%), so
# they are counted among the values set from the survey being fitted (docs/ODD.md, 1.1).
SERVICE_AVAILABILITY = {"day_centre": 0.35, "food_delivery": 0.7, "cultural_home_care": 0.65}
# Assumption: staff hours per occurrence by who coordinates (municipality alone,
# voluntary organisation, together).
COORDINATION_HOURS = (3.0, 0.5, 1.5)
# 8,500 full-time equivalents (1,695 h/year) shared by 4.4% of 5.17 million people in
# 2014: about 1.22 hours per volunteer per week.
HOURS_PER_VOLUNTEER_WEEK = (VOLUNTEER_FTE_2014 * HOURS_PER_FTE_YEAR
                            / (VOLUNTEER_SHARE_2014 * POPULATION_2014) / 52)
# Assumption: trust starts, and drifts back to, a unit's baseline drawn from Beta(2, 3)
# (mean 0.4: the paper's "limited trust", Discussion); it drifts back at 2% a week.
TRUST_BASELINE_BETA = (2.0, 3.0)
TRUST_DRIFT = 0.02
# Assumption: a unit's own logic gap is uniform on [0.3, 0.7].
LOGIC_GAP_RANGE = (0.3, 0.7)
# The average trust and gap at which `joint_propensity` is the together-utility (the
# means of the two distributions above): the survey identifies sharing at the average,
# trust_weight and logic_distance say how deviations from it matter.
TRUST_REFERENCE = TRUST_BASELINE_BETA[0] / sum(TRUST_BASELINE_BETA)
GAP_REFERENCE = sum(LOGIC_GAP_RANGE) / 2
# Assumption: forums close the logic gap toward its floor (`forum_gap_reduction`) by 1%
# a week at full intensity.
FORUM_RATE = 0.01
MOTIVATION_RECOVERY = 0.02  # weekly recovery of motivation toward 1
# Recruitment: with REFERENCE_RECRUITMENT times the leaving rate, 80% of the pool stays
# active at full motivation. Assumption: recruitment runs at 0.8 of that without a
# volunteer centre and at 1.05 with one (31% more where a centre recruits).
REFERENCE_RECRUITMENT = 4.0
RECRUITMENT_WITHOUT_CENTRE, RECRUITMENT_WITH_CENTRE = 0.8, 1.05
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


def _check_rng(rng) -> None:
    """Refuse a seed numpy cannot use, in one line naming ``rng``."""
    if rng is None or isinstance(rng, np.random.SeedSequence | np.random.Generator):
        return
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return
    raise InputError("rng", rng, "allowed: a whole number >= 0, a numpy SeedSequence or "
                     "Generator, or None")


class CoProductionModel(mesa.Model):
    """LTC units, voluntary organisations and volunteer teams in Norwegian municipalities.

    Parameters are keyword arguments named as in :mod:`sim.parameters` (unknown names or
    values outside their range raise :class:`sim.errors.InputError`), or a resolved
    :class:`sim.config.Configuration` as ``config``; whatever is not given takes the
    table's documented default (pass the posterior median to get the calibrated model).
    ``population`` is ``"survey2015"``, ``"norway"`` or a prebuilt
    :class:`sim.population.Population`; ``rng`` (int, SeedSequence or Generator) is the
    only source of randomness.
    """

    def __init__(self, population: str | Population = "survey2015", rng=None, *,
                 config: Configuration | None = None, **params):
        _check_rng(rng)
        super().__init__(rng=rng)
        if config is not None and params:
            raise InputError("config", ", ".join(params), "give a Configuration or "
                             "parameters by name, not both", problem="clashing values")
        self.config = config if config is not None else Configuration.resolve(params)
        c = self.config
        # The synthetic world first runs ``spinup_weeks`` under the 2015 levers, to forget
        # its made-up starting state; the end of the spin-up is "2015", when the survey
        # observes it. The levers asked for take effect from then on.
        self.spinup = c.spinup_weeks
        self.population = (population if isinstance(population, Population)
                           else build_population(population, {**c.values, **self.levers},
                                                 self.rng))
        pop = self.population
        n_units, n_acts = len(pop.unit_muni), len(CATALOGUE)
        n_muni = len(pop.muni_population)
        n_dom = len(DOMAINS)

        # Static structure.
        self.statutory = np.array([a.statutory for a in CATALOGUE])
        self.professional = np.array([a.professional for a in CATALOGUE], dtype=float)
        self.domain = np.array([DOMAINS.index(a.domain) for a in CATALOGUE])
        self.unit_home_care = pop.unit_type == UNIT_TYPES.index("home_care")
        per_domain = np.bincount(self.domain, minlength=n_dom)
        eligible = _settings_mask()[pop.unit_type]
        for act_id, share in SERVICE_AVAILABILITY.items():
            eligible[:, activity_index(act_id)] &= self.rng.random(n_units) < share
        self.eligible = eligible
        units_per_muni = np.bincount(pop.unit_muni, minlength=n_muni)

        # The work is done on flat arrays over the eligible (unit, activity) pairs.
        pu, pa = (np.ascontiguousarray(i) for i in np.nonzero(eligible))
        self.pair_unit, self.pair_act = pu, pa
        # Supply is counted per key (municipality, domain) and shared among the
        # municipality's units and the domain's activities; utilities are the same for
        # all units of a municipality offering an activity, so they are computed per
        # cell (municipality, activity).
        self.cell_map = kernels.CellMap(
            key_per_unit=(1.0 / (np.maximum(units_per_muni, 1)[:, None]
                                 * np.maximum(per_domain, 1)[None, :])).ravel(),
            cell_key=(np.arange(n_muni)[:, None] * n_dom + self.domain[None, :]).ravel(),
            n_muni=n_muni)

        # Changing state, one array per attribute (agents and kernels view the same ones).
        self.pressure_level = PRESSURE_2015
        self.trust_base = self.rng.beta(*TRUST_BASELINE_BETA, n_units)
        self.trust = self.trust_base.copy()
        self.gap_intrinsic = self.rng.uniform(*LOGIC_GAP_RANGE, n_units)
        self.forum_factor = np.ones(n_units)  # how far forums have narrowed the logic gap
        self.muni_policy = pop.muni_policy.copy()
        self.muni_centre = pop.muni_centre.copy()
        self.muni_service = pop.muni_service.copy()
        self.team_active = pop.team_active.copy()
        self.team_service = pop.team_org < 0
        self.motivation = np.ones(len(pop.team_org))
        # Teams active at the start count as active "now"; the others never were.
        self.last_active = np.where(self.team_active, -self.spinup, -10**9).astype(np.int64)
        self.dominance = np.zeros(n_muni)
        self.munis = kernels.Municipalities(dominance=self.dominance,
                                            coproduction=np.zeros(n_muni))
        self.pair_window = np.full((WINDOW_WEEKS, len(pu)), -1, dtype=np.int8)
        self.uniforms = kernels.UniformStream(self.rng)
        self.draws_per_week = kernels.uniforms_per_week(len(pu), len(pop.team_org))
        self.rules, self.clarity = self._rules()
        self.teams = self._teams()

        # Mesa agents: views on the arrays.
        create_agents(self, LTCUnit, n_units)
        create_agents(self, VoluntaryOrganisation, len(pop.org_muni))
        create_agents(self, Volunteer, len(pop.team_org))

        self.pairs = kernels.Pairs(unit=pu, cell=pop.unit_muni[pu] * n_acts + pa,
                                   muni=pop.unit_muni[pu],
                                   arrangement=np.zeros(len(pu), dtype=np.int8),
                                   window=self.pair_window,
                                   window_hits=np.zeros(len(pu), dtype=np.int8))
        low, high = kernels.choice_thresholds(self.pairs, self._units(),
                                              self._cells()[0].d_vol_base, self.rules.units)
        u = self.rng.random(len(low), dtype=np.float32)
        self.pairs.arrangement[:] = (u > low).view(np.int8) + (u > high).view(np.int8)
        # Attribute-name reporters: Mesa reads them without calling a Python function.
        self.datacollector = mesa.DataCollector(
            model_reporters={name: name for name in outcomes.NAMES})
        # The spin-up: weeks before the snapshot, run in compiled blocks (they are the
        # world's burn-in, not steps anyone observes one by one). Its weeks are kept in
        # `spinup_series`; the model's state and `last` are then those of 2015.
        self.spinup_series = self._outcomes(1 - self.spinup,
                                            self._advance(1 - self.spinup, self.spinup))
        self.last: dict[str, float] = {
            name: float(values[-1]) if self.spinup else np.nan
            for name, values in self.spinup_series.items()}
        self.__dict__.update(self.last)

    # ---- what is in force --------------------------------------------------------------
    @property
    def week(self) -> int:
        """Weeks since the 2015 snapshot: Mesa's steps (the model is built at 2015)."""
        return self.steps

    @property
    def levers(self):
        """The levers in force this week (the 2015 values until the snapshot)."""
        return self.config.levers_at(self.week)

    def _rules(self) -> tuple[kernels.Rules, np.ndarray]:
        """The rules implied by the parameters, the levers in force and the world's flags.

        Computed when the model is built and when the levers switch at the 2015 snapshot;
        nothing else changes them. Also returns, per unit, the clarity of roles: the
        ``policy_clarity`` where a local policy holds, else 0.
        """
        c, lev, pop = self.config, self.levers, self.population
        # A local policy is an agreement on who does what: where one holds, ad hoc
        # coordination, joint failures from unclear roles and "unsure" answers are each
        # cut by `policy_clarity`. It does not make any coordination mode cheaper.
        clarity = c["policy_clarity"] * self.muni_policy[pop.unit_muni]
        stat = self.statutory.astype(float)
        division = lev["task_division"]
        # The part of the municipal-minus-voluntary claim fixed by the activity.
        static = np.tile(c["municipal_tradition"] + (c["statutory_pull"] + division) * stat
                         + c["professional_claim"] * self.professional
                         - division * (1 - stat), len(self.dominance))
        team_weight = c["volunteers_per_agent"] / REFERENCE_TEAM
        centre = self.muni_centre[pop.team_muni]
        recruitment = (c["annual_turnover"] / 52 * REFERENCE_RECRUITMENT
                       * (1 + c["recruitment_response"] * lev["recruitment_effort"])
                       * np.where(centre, RECRUITMENT_WITH_CENTRE, RECRUITMENT_WITHOUT_CENTRE))
        # People only a municipal service reaches are recruited only where one runs.
        recruitment[pop.team_reach & ~self.muni_service[pop.team_muni]] = 0.0
        # By name: several fields are floats of one type, and a swap would run unseen.
        supply = kernels.SupplyRules(
            team_weight=team_weight, activity_rate=c["activity_rate"],
            adhoc_per_team=c["adhoc_per_team"], presence_pull=c["org_presence_pull"],
            static=static)
        units = kernels.UnitRules(
            revision_rate=c["revision_rate"],
            joint_base=(c["joint_propensity"] - c["trust_weight"] * TRUST_REFERENCE
                        + c["logic_distance"] * GAP_REFERENCE),
            trust_weight=c["trust_weight"], logic_distance=c["logic_distance"],
            task_division=division, trust_learning=c["trust_learning"],
            trust_drift=TRUST_DRIFT,
            forum_gain=c["forum_trust_gain"] * lev["forum_intensity"],
            untrained_risk=c["untrained_risk"], adhoc_scale=1 - clarity[self.pair_unit],
            risk=c["codestruction_risk"] * (1 - clarity))
        volunteers = kernels.VolunteerRules(
            base_hazard=c["annual_turnover"] / 52, erosion=c["dominance_erosion"],
            mobilisation=c["joint_mobilisation"], recovery=MOTIVATION_RECOVERY,
            team_weight=team_weight, recruit_rate=recruitment)
        return kernels.Rules(supply, units, volunteers), clarity

    def _switch_levers(self) -> None:
        """At the 2015 snapshot, put the requested levers in force.

        Municipalities adopt (or drop) a local policy, a volunteer centre or their own
        volunteer service at random until the requested shares hold in expectation; a
        new municipal service takes a share of the municipality's volunteer teams, a
        closed one hands them back to the organisations. The draws are made whatever the
        levers, so every scenario consumes the same random numbers as the baseline.
        """
        pop, rng = self.population, self.rng
        old, new = self.config.levers_2015, self.config.levers_requested
        draws = rng.random((3, len(self.dominance)))
        self.muni_policy = _adjust(self.muni_policy, old["policy_share"],
                                   new["policy_share"], draws[0])
        self.muni_centre = _adjust(self.muni_centre, old["volunteer_centre_share"],
                                   new["volunteer_centre_share"], draws[1])
        before = self.muni_service
        self.muni_service = _adjust(before, old["municipal_service_share"],
                                    new["municipal_service_share"], draws[2])
        opened = (self.muni_service & ~before)[pop.team_muni]
        closed = (before & ~self.muni_service)[pop.team_muni]
        move = opened & (rng.random(len(pop.team_muni)) < self.config["service_takeover"])
        # A closed service hands its teams back; people only it reached stay its own
        # (and are no longer recruited, see _rules).
        self.team_service = ((self.team_service | move) & ~closed) | pop.team_reach
        self.rules, self.clarity = self._rules()
        self.teams = self._teams()

    # ---- the bundles the kernels read ----------------------------------------------------
    def _teams(self) -> kernels.Teams:
        """The teams' state; a team's key says where it supplies and for whom."""
        pop = self.population
        key = 2 * (pop.team_muni * len(DOMAINS) + pop.team_domain) + self.team_service
        return kernels.Teams(key=key, muni=pop.team_muni, active=self.team_active,
                             motivation=self.motivation, last_active=self.last_active)

    def _units(self) -> kernels.Units:
        """The units' state this week.

        The unit's own utility shift: home care's offset of the municipal claim, and the
        response to staff pressure above its 2015 level. The logic gap is the unit's own,
        narrowed by forums.
        """
        c = self.config
        shift = (c["staff_pressure_push"] * (self.pressure_level - PRESSURE_2015)
                 - c["home_care_offset"] * self.unit_home_care)
        return kernels.Units(shift=shift, trust=self.trust, trust_base=self.trust_base,
                             gap=self.gap_intrinsic * self.forum_factor)

    def _capacity(self) -> float:
        """The activity rate's factor from staff pressure (1 in 2015)."""
        return (self.pressure_level / PRESSURE_2015) ** -self.config["pressure_capacity"]

    def _cells(self) -> tuple[kernels.Cells, np.ndarray]:
        """Supply per cell this week, and active volunteers per municipality.

        Supply is the active volunteers (per reference team) of the activity's domain in
        the municipality, shared among its units and among the catalogue's activities of
        that domain; organisations' volunteers and the municipal service's pull in
        opposite directions.
        """
        p_occurs, d_vol_base, p_adhoc, volunteers_m = kernels.supply_grid(
            self.teams, self.cell_map, self.rules.supply, self._capacity())
        return kernels.Cells(p_occurs=p_occurs, d_vol_base=d_vol_base,
                             p_adhoc=p_adhoc), volunteers_m

    def choice_probabilities(self) -> np.ndarray:
        """P(municipality, voluntary, together) for every eligible pair, shape (pairs, 3).

        Multinomial logit with utilities relative to municipal coordination: voluntary =
        organisations' presence − the municipal claim (tradition, home care's offset,
        statutory duty) + the response to staff pressure; together = half of that +
        trust − the cost of bridging logics.
        """
        low, high = kernels.choice_thresholds(self.pairs, self._units(),
                                              self._cells()[0].d_vol_base, self.rules.units)
        return np.stack([low, high - low, 1 - high], axis=-1)

    def unsure_probability(self) -> np.ndarray:
        """Per unit, the chance a respondent is unsure who coordinates.

        Lower where a local policy has written down who does what.
        """
        return self.config["unsure_rate"] * (1 - self.clarity)

    @property
    def window(self) -> np.ndarray:
        """Occurrence modes of the last four weeks, shape (4, units, activities); -1 = none."""
        full = np.full((WINDOW_WEEKS, *self.eligible.shape), -1, dtype=np.int8)
        full[:, self.pair_unit, self.pair_act] = self.pair_window
        return full

    # ---- one week ------------------------------------------------------------------------
    def _advance(self, first_week: int, n_weeks: int) -> np.ndarray:
        """Run ``n_weeks`` weeks from ``first_week`` under the rules and pressure in force.

        Supply, then the units' pass over all pairs, then the volunteers' pass over all
        teams (:func:`sim.kernels.run_weeks`), as many weeks per compiled call as a block
        of uniforms holds. Returns the weeks' raw counts, one row each
        (:data:`sim.kernels.WEEK_RECORD`).
        """
        record = np.empty((n_weeks, len(kernels.WEEK_RECORD)))
        world = kernels.World(self.teams, self.cell_map, self.pairs, self._units(),
                              self.munis)
        capacity, stream, done = self._capacity(), self.uniforms, 0
        while done < n_weeks:
            stream.reserve(self.draws_per_week)
            ran, stream.cursor = kernels.run_weeks(
                stream.values, stream.cursor, first_week + done, n_weeks - done, world,
                self.rules, capacity, record[done:])
            done += ran
        return record

    def _outcomes(self, first_week: int, record: np.ndarray) -> dict[str, np.ndarray]:
        """The outcomes of :mod:`sim.outcomes` for consecutive weeks' raw counts."""
        c = self.config
        raw = dict(zip(kernels.WEEK_RECORD, record.T, strict=True))
        modes = raw["municipality"], raw["voluntary"], raw["together"]
        total = sum(modes)
        some = total > 0
        shares = [np.divide(n, total, out=np.full(len(total), np.nan), where=some)
                  for n in modes]
        teams = raw["active_teams"]
        people = teams * c["volunteers_per_agent"]
        return {
            "week": np.arange(first_week, first_week + len(record), dtype=float),
            "share_municipality": shares[0],
            "share_voluntary": shares[1],
            "share_together": shares[2],
            "activities_per_week": total,
            "offered_share": raw["offered"] / max(1, len(self.pair_unit)),
            "active_volunteers": people,
            "volunteer_hours": people * HOURS_PER_VOLUNTEER_WEEK,
            "staff_hours": sum(h * n for h, n in zip(COORDINATION_HOURS, modes, strict=True)),
            "mean_trust": raw["trust_sum"] / len(self.trust),
            "mean_motivation": np.divide(raw["motivation_sum"], teams,
                                         out=np.full(len(teams), np.nan), where=teams > 0),
            "failed_activities": raw["failures"],
            "volunteers_past_year": raw["teams_past_year"] * c["volunteers_per_agent"],
        }

    def history(self) -> dict[str, np.ndarray]:
        """Every week's outcomes: the spin-up's (weeks ≤ 0), then the steps' (≥ 1).

        One array per outcome of :mod:`sim.outcomes` (``pandas.DataFrame(history)`` is
        the table); the steps' part is what the DataCollector recorded.
        """
        recorded = self.datacollector.model_vars
        return {name: np.concatenate([self.spinup_series[name],
                                      np.asarray(recorded[name], dtype=float)])
                for name in outcomes.NAMES}

    def step(self) -> None:
        """Advance one week: the levers and pressure in force, then the week's passes."""
        c = self.config
        # Mesa has already counted this step: weeks count from the 2015 snapshot.
        week = self.week
        if week == 1 and self.spinup:
            self._switch_levers()
        lev = self.levers
        # Resource pressure reaches its full value ten years after the levers start.
        rise = lev["resource_pressure"]
        if rise and week <= 520:
            self.pressure_level = PRESSURE_2015 * (1 + rise * week / 520)
        record = self._advance(week, 1)
        forum = lev["forum_intensity"]
        if forum:
            # Forums narrow the gap between logics, at most by `forum_gap_reduction`; the
            # narrower gap holds from next week.
            floor = 1 - c["forum_gap_reduction"] * forum
            self.forum_factor = (self.forum_factor
                                 - FORUM_RATE * forum * (self.forum_factor - floor))
        self.last = {name: float(values[0])
                     for name, values in self._outcomes(week, record).items()}
        self.__dict__.update(self.last)
        self.datacollector.collect(self)
