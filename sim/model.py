"""The co-production model: who coordinates volunteer activities in long-term care.

Each week, one pass over all units × activities and one over all volunteer teams
(compiled loops in :mod:`sim.kernels`). The model is built at the 2015 snapshot: its
spin-up weeks run while it is built, in compiled blocks of weeks, and each Mesa step is
one week after the snapshot (:meth:`CoProductionModel.run_for` runs many weeks in
compiled blocks too, and Mesa still counts and records each of them).

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

What the levers make of the rules is one immutable :class:`sim.regime.Regime`, replaced
when the levers switch; the week's outcomes are a record of their own
(:attr:`CoProductionModel.week_outcomes`), beside the state, never in it. See
``docs/ODD.md`` for the full description and the sources of every input.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType

import mesa
import numpy as np

from sim import kernels, outcomes
from sim import regime as regimes
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
from sim.regime import LOGIC_GAP_RANGE, staff_hours, trust_baseline_beta
from sim.streams import Streams
from sim.virtual_survey import SimulatedSurvey, virtual_survey

WINDOW_WEEKS = SURVEY_2015.window_weeks  # the survey asked about the last four weeks
# Share of units where the activity can take place at all: units running the statutory
# service volunteers join (day centres, food delivery), and home-care districts with a
# meeting place for cultural events (e.g. a senior centre). No source gives these: they
# were set so that the activity counts n of Table 2 come out right (re-set when ad hoc
# coordination came to drop 24-28% of these two activities' answers, not about 15%), so
# they are counted among the values set from the survey being fitted (docs/ODD.md, 1.1).
SERVICE_AVAILABILITY = {"day_centre": 0.35, "food_delivery": 0.7, "cultural_home_care": 0.65}
# 8,500 full-time equivalents (1,695 h/year) shared by 4.4% of 5.17 million people in
# 2014: about 1.22 hours per volunteer per week.
HOURS_PER_VOLUNTEER_WEEK = (VOLUNTEER_FTE_2014 * HOURS_PER_FTE_YEAR
                            / (VOLUNTEER_SHARE_2014 * POPULATION_2014) / 52)


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


def _reported(name: str, model: CoProductionModel) -> float:
    """A DataCollector reporter: the week's value of outcome ``name``."""
    return model.week_outcomes[name]


# The DataCollector's model reporters: every outcome of sim.outcomes, read from the week's
# record (a subclass adding its own reporters starts from this).
OUTCOME_REPORTERS: Mapping = MappingProxyType(
    {name: partial(_reported, name) for name in outcomes.NAMES})


class CoProductionModel(mesa.Model):
    """LTC units, voluntary organisations and volunteer teams in Norwegian municipalities.

    Parameters are keyword arguments named as in :mod:`sim.parameters` (unknown names or
    values outside their range raise :class:`sim.errors.InputError`), or a resolved
    :class:`sim.config.Configuration` as ``config``; whatever is not given takes the
    table's documented default (pass the posterior median to get the calibrated model).
    ``population`` is ``"survey2015"``, ``"norway"`` or a prebuilt
    :class:`sim.population.Population`; ``rng`` (int, SeedSequence or Generator) is the
    only source of randomness: each purpose draws from its own stream derived from it by
    name (:class:`sim.streams.Streams`).
    """

    def __init__(self, population: str | Population = "survey2015", rng=None, *,
                 config: Configuration | None = None, **params):
        _check_rng(rng)
        self.streams = Streams(rng)
        # Mesa's own generators (agent sets' shuffles) get a stream of their own.
        super().__init__(rng=int(self.streams.sequence("mesa").generate_state(1)[0]))
        if config is not None and params:
            raise InputError("config", ", ".join(params), "give a Configuration or "
                             "parameters by name, not both", problem="clashing values")
        self.config = config if config is not None else Configuration.resolve(params)
        # The synthetic world first runs ``spinup_weeks`` under the 2015 levers, to forget
        # its made-up starting state; the end of the spin-up is "2015", when the survey
        # observes it. The levers asked for take effect from then on.
        self.spinup = self.config.spinup_weeks
        first_week = 1 - self.spinup
        self.population = (population if isinstance(population, Population)
                           else build_population(
                               population, {**self.config.values,
                                            **self.config.levers_at(first_week)},
                               self.streams.child("population")))
        self._build_pairs()
        self._build_state()
        self.regime = regimes.build_regime(self.config, first_week,
                                           regimes.initial_flags(self.population),
                                           self.structure)
        self._draw_arrangements()
        create_agents(self, LTCUnit, len(self.population.unit_muni))
        create_agents(self, VoluntaryOrganisation, len(self.population.org_muni))
        create_agents(self, Volunteer, len(self.population.team_org))
        self.datacollector = mesa.DataCollector(model_reporters=dict(OUTCOME_REPORTERS))
        self._pending: deque = deque()  # weeks run_for computed ahead, for Mesa to count
        self._spin_up()

    # ---- building the world ----------------------------------------------------------
    def _build_pairs(self) -> None:
        """Which (unit, activity) pairs can occur, and how supply reaches them.

        The work is done on flat arrays over the eligible pairs. Supply is counted per
        key (municipality, domain) and shared among the municipality's units and the
        domain's activities; utilities are the same for all units of a municipality
        offering an activity, so they are computed per cell (municipality, activity).
        """
        pop = self.population
        n_units, n_muni, n_dom = len(pop.unit_muni), len(pop.muni_population), len(DOMAINS)
        self.domain = np.array([DOMAINS.index(a.domain) for a in CATALOGUE])
        eligible = _settings_mask()[pop.unit_type]
        available = self.streams["availability"]
        for act_id, share in SERVICE_AVAILABILITY.items():
            eligible[:, activity_index(act_id)] &= available.random(n_units) < share
        self.eligible = eligible
        pu, pa = (np.ascontiguousarray(i) for i in np.nonzero(eligible))
        self.pair_unit, self.pair_act = pu, pa
        units_per_muni = np.bincount(pop.unit_muni, minlength=n_muni)
        per_domain = np.bincount(self.domain, minlength=n_dom)
        self.cell_map = kernels.CellMap(
            key_per_unit=(1.0 / (np.maximum(units_per_muni, 1)[:, None]
                                 * np.maximum(per_domain, 1)[None, :])).ravel(),
            cell_key=(np.arange(n_muni)[:, None] * n_dom + self.domain[None, :]).ravel(),
            n_muni=n_muni)
        self.structure = regimes.Structure.of(pop, pu)

    def _build_state(self) -> None:
        """The changing state, one array per attribute (agents and kernels view them)."""
        pop = self.population
        n_units, n_muni, n_pairs = len(pop.unit_muni), len(pop.muni_population), \
            len(self.pair_unit)
        self.trust_base = self.streams["trust"].beta(*trust_baseline_beta(self.config),
                                                   n_units)
        self.trust = self.trust_base.copy()
        self.gap_intrinsic = self.streams["logic_gap"].uniform(*LOGIC_GAP_RANGE, n_units)
        self.team_active = pop.team_active.copy()
        self.motivation = np.ones(len(pop.team_org))
        # Teams active at the start count as active "now"; the others never were.
        self.last_active = np.where(self.team_active, -self.spinup, -10**9).astype(np.int64)
        self.dominance = np.zeros(n_muni)
        self.munis = kernels.Municipalities(dominance=self.dominance,
                                            coproduction=np.zeros(n_muni))
        self.pair_window = np.full((WINDOW_WEEKS, n_pairs), -1, dtype=np.int8)
        self.pairs = kernels.Pairs(unit=self.pair_unit,
                                   cell=pop.unit_muni[self.pair_unit] * len(CATALOGUE)
                                   + self.pair_act,
                                   muni=pop.unit_muni[self.pair_unit],
                                   arrangement=np.zeros(n_pairs, dtype=np.int8),
                                   window=self.pair_window,
                                   window_hits=np.zeros(n_pairs, dtype=np.int8))
        self.uniforms = kernels.UniformStream(self.streams["weekly"])
        self.draws_per_week = kernels.uniforms_per_week(n_pairs, len(pop.team_org))
        self.week_outcomes: Mapping[str, float] = MappingProxyType(
            dict.fromkeys(outcomes.NAMES, np.nan))

    def _draw_arrangements(self) -> None:
        """Every pair's first standing arrangement: a logit choice under the first regime."""
        low, high = self._thresholds(1 - self.spinup)
        u = self.streams["arrangements"].random(len(low), dtype=np.float32)
        self.pairs.arrangement[:] = (u > low).view(np.int8) + (u > high).view(np.int8)

    def _spin_up(self) -> None:
        """The weeks before the snapshot, run in compiled blocks while the model is built.

        They are the world's burn-in, not steps anyone observes one by one: their
        outcomes are kept in ``spinup_series``, and the model's state and
        ``week_outcomes`` are then those of 2015.
        """
        first = 1 - self.spinup
        self.spinup_series = self._outcomes(first, self._advance(first, self.spinup))
        if self.spinup:
            self.week_outcomes = MappingProxyType(
                {name: float(values[-1]) for name, values in self.spinup_series.items()})

    # ---- what is in force --------------------------------------------------------------
    @property
    def week(self) -> int:
        """Weeks since the 2015 snapshot: Mesa's steps (the model is built at 2015)."""
        return self.steps

    @property
    def levers(self) -> Mapping[str, float]:
        """The levers in force (the regime's)."""
        return self.regime.levers

    @property
    def flags(self) -> regimes.Flags:
        """Which municipalities hold a policy, a centre, a service (the regime's)."""
        return self.regime.flags

    @property
    def team_service(self) -> np.ndarray:
        """Per team: whether it belongs to a municipal volunteer service (the regime's)."""
        return self.regime.flags.team_service

    @property
    def rules(self) -> kernels.Rules:
        """The kernels' rules in force (the regime's)."""
        return self.regime.rules

    @property
    def pressure_level(self) -> float:
        """Staff pressure this week (1 = 2015)."""
        return self.regime.pressure(self.week)

    def _enter(self, week: int) -> None:
        """Put in force the regime of ``week``.

        The levers switch at ``switch_week`` and, for several survey waves, at the later
        weeks of the configuration's schedule.
        """
        for index, (switch, levers) in enumerate(self.config.switches()):
            if week >= switch > self.regime.start_week:
                flags = regimes.switched_flags(self.regime.flags, self.config,
                                               self.population, self.streams,
                                               levers=levers, index=index)
                self.regime = regimes.build_regime(self.config, switch, flags,
                                                   self.structure)

    def _regime_weeks(self, week: int, n_weeks: int) -> int:
        """How many of ``n_weeks`` weeks from ``week`` the regime in force covers."""
        later = [s for s, _ in self.config.switches() if s > week]
        return min(n_weeks, later[0] - week) if later else n_weeks

    # ---- the bundles the kernels read ----------------------------------------------------
    def _teams(self) -> kernels.Teams:
        """The teams' state; a team's key (the regime's) says where it supplies, for whom."""
        pop = self.population
        return kernels.Teams(key=self.regime.team_key, muni=pop.team_muni,
                             active=self.team_active, motivation=self.motivation,
                             last_active=self.last_active)

    def _units(self, week: int | None = None) -> kernels.Units:
        """The units' state in ``week`` (default: this week).

        The unit's own utility shift: home care's offset of the municipal claim, and the
        response to staff pressure above its 2015 level. The logic gap is the unit's own,
        narrowed by forums.
        """
        week = self.week if week is None else week
        _, push, scale = self.regime.weekly(week, 1)[0]
        base = self._base_units()
        return base._replace(shift=base.shift + push, gap=base.gap * scale)

    def _base_units(self) -> kernels.Units:
        """The units' state before the week's pressure and forums (what run_weeks takes)."""
        return kernels.Units(shift=self.regime.unit_shift, trust=self.trust,
                             trust_base=self.trust_base, gap=self.gap_intrinsic)

    def _cells(self, week: int | None = None) -> tuple[kernels.Cells, np.ndarray]:
        """Supply per cell in ``week`` (default: this week), and volunteers per municipality.

        Supply is the active volunteers (per reference team) of the activity's domain in
        the municipality, shared among its units and among the catalogue's activities of
        that domain; organisations' volunteers and the municipal service's pull in
        opposite directions.
        """
        week = self.week if week is None else week
        capacity = self.regime.weekly(week, 1)[0, 0]
        p_occurs, d_vol_base, p_adhoc, volunteers_m = kernels.supply_grid(
            self._teams(), self.cell_map, self.regime.rules.supply, capacity)
        return kernels.Cells(p_occurs=p_occurs, d_vol_base=d_vol_base,
                             p_adhoc=p_adhoc), volunteers_m

    def _thresholds(self, week: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The logit's cumulative thresholds for every pair in ``week``."""
        return kernels.choice_thresholds(self.pairs, self._units(week),
                                         self._cells(week)[0].d_vol_base,
                                         self.regime.rules.units)

    def choice_probabilities(self) -> np.ndarray:
        """P(municipality, voluntary, together) for every eligible pair, shape (pairs, 3).

        Multinomial logit with utilities relative to municipal coordination: voluntary =
        organisations' presence − the municipal claim (tradition, home care's offset,
        statutory duty) + the response to staff pressure; together = half of that +
        trust − the cost of bridging logics.
        """
        low, high = self._thresholds()
        return np.stack([low, high - low, 1 - high], axis=-1)

    def unsure_probability(self) -> np.ndarray:
        """Per unit, the chance a respondent is unsure who coordinates (the regime's).

        Lower where a local policy has written down who does what.
        """
        return self.regime.unsure

    @property
    def window(self) -> np.ndarray:
        """Occurrence modes of the last four weeks, shape (4, units, activities); -1 = none."""
        full = np.full((WINDOW_WEEKS, *self.eligible.shape), -1, dtype=np.int8)
        full[:, self.pair_unit, self.pair_act] = self.pair_window
        return full

    def observe(self) -> SimulatedSurvey:
        """The virtual survey of the last four weeks, as the 2015 survey observed.

        It reads the unsure rate of the regime in force now, and draws from a stream
        named by the week, so the 2015 survey is the same whatever comes after.
        """
        pop = self.population
        return virtual_survey(self.window, pop.unit_type, pop.respondent_types,
                              self.regime.unsure,
                              self.streams[f"survey:week {self.week}"])

    def municipality_outcomes(self) -> dict[str, np.ndarray]:
        """Per municipality, this week: what its units did and who coordinated it.

        Activities per week by unit group (nursing homes, home care, the rest) and
        coordinator, averaged over the last four weeks (the survey's window), the staff
        hours they took, active volunteers and mean trust now, inhabitants, units, and
        the flags in force and whether any differs from the 2015 snapshot's (a lever
        switched it). One array per column, one entry per municipality.
        """
        from sim.municipality import GROUPS, MODES

        pop = self.population
        n_muni = len(pop.muni_population)
        group = np.minimum(pop.unit_type, len(GROUPS) - 1)  # integrated, other → "other"
        pair_muni = pop.unit_muni[self.pair_unit]
        pair_cell = pair_muni * len(GROUPS) + group[self.pair_unit]
        out: dict[str, np.ndarray] = {
            "municipality": np.arange(n_muni, dtype=np.int64),
            "inhabitants": pop.muni_population.astype(float),
            "own": np.zeros(n_muni, dtype=np.int64)}
        if pop.own_index is not None:
            out["own"][pop.own_index] = 1
        units = np.bincount(pop.unit_muni * len(GROUPS) + group,
                            minlength=n_muni * len(GROUPS)).reshape(n_muni, len(GROUPS))
        for g, name in enumerate(GROUPS):
            out[f"units:{name}"] = units[:, g].astype(np.int64)
        before, now = pop.muni_flags, self.flags.muni
        for flag in now:
            out[f"flag:{flag}"] = now[flag].astype(np.int64)
        out["switched"] = np.any([before[f] != now[f] for f in now], axis=0).astype(np.int64)
        staff = np.zeros(n_muni)
        for mode, name in enumerate(MODES):
            occurred = (self.pair_window == mode).sum(axis=0) / WINDOW_WEEKS
            cells = np.bincount(pair_cell, weights=occurred, minlength=n_muni * len(GROUPS))
            cells = cells.reshape(n_muni, len(GROUPS))
            for g, group_name in enumerate(GROUPS):
                out[f"{group_name}:{name}"] = cells[:, g]
            staff += staff_hours(self.config)[mode] * cells.sum(axis=1)
        out["staff_hours"] = staff
        teams = np.bincount(pop.team_muni, weights=self.team_active.astype(float),
                            minlength=n_muni)
        out["active_volunteers"] = teams * self.config["volunteers_per_agent"]
        per_unit = np.bincount(pop.unit_muni, minlength=n_muni)
        out["mean_trust"] = np.divide(np.bincount(pop.unit_muni, weights=self.trust,
                                                  minlength=n_muni), per_unit,
                                      out=np.full(n_muni, np.nan), where=per_unit > 0)
        return out

    # ---- weeks -----------------------------------------------------------------------------
    def _advance(self, first_week: int, n_weeks: int) -> np.ndarray:
        """Run ``n_weeks`` weeks from ``first_week``, switching the regime when due.

        Supply, then the units' pass over all pairs, then the volunteers' pass over all
        teams (:func:`sim.kernels.run_weeks`), as many weeks per compiled call as a block
        of uniforms holds and the regime in force lasts. Returns the weeks' raw counts,
        one row each (:data:`sim.kernels.WEEK_RECORD`).
        """
        record = np.empty((n_weeks, len(kernels.WEEK_RECORD)))
        stream, done = self.uniforms, 0
        while done < n_weeks:
            week = first_week + done
            self._enter(week)
            span = done + self._regime_weeks(week, n_weeks - done)
            regime = self.regime
            weekly = regime.weekly(week, span - done)
            world = kernels.World(self._teams(), self.cell_map, self.pairs,
                                  self._base_units(), self.munis)
            while done < span:
                stream.reserve(self.draws_per_week)
                ran, stream.cursor = kernels.run_weeks(
                    stream.values, stream.cursor, first_week + done, span - done, world,
                    regime.rules, weekly[done - span:], record[done:span])
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
            "staff_hours": sum(h * n for h, n in zip(staff_hours(c), modes, strict=True)),
            "mean_trust": raw["trust_sum"] / len(self.trust),
            "mean_motivation": np.divide(raw["motivation_sum"], teams,
                                         out=np.full(len(teams), np.nan), where=teams > 0),
            "failed_activities": raw["failures"],
            "volunteers_past_year": raw["teams_past_year"] * c["volunteers_per_agent"],
        }

    def _weeks(self, first_week: int, n_weeks: int) -> list[Mapping[str, float]]:
        """Run weeks and return each week's outcomes as a record of its own."""
        series = self._outcomes(first_week, self._advance(first_week, n_weeks))
        columns = [values.tolist() for values in series.values()]
        return [MappingProxyType(dict(zip(series, row, strict=True)))
                for row in zip(*columns, strict=True)]

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
        """Advance one week: the regime in force, then the week's passes; record it."""
        # Mesa has already counted this step: weeks count from the 2015 snapshot.
        if self._pending:  # computed ahead by run_for
            self.week_outcomes = self._pending.popleft()
        else:
            self.week_outcomes = self._weeks(self.week, 1)[0]
        self.datacollector.collect(self)

    def run_for(self, duration: int) -> None:
        """Advance ``duration`` weeks.

        The weeks are computed in compiled blocks (as many per call as the regime in
        force and a block of uniforms allow), then Mesa counts them one by one: each
        week is a step, its outcomes its own record, the DataCollector one row, exactly
        as ``duration`` calls of :meth:`step` would leave them. When other events are
        scheduled (``schedule_event``), the weeks run one by one so that each event sees
        its week's state.
        """
        whole = isinstance(duration, int | np.integer) and not isinstance(duration, bool)
        if whole and duration > 0 and len(self._event_list.peek_ahead(2)) < 2:
            self._pending.extend(self._weeks(self.week + 1, int(duration)))
        try:
            super().run_for(duration)
        finally:
            self._pending.clear()
