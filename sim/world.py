"""The headless world: arrays, the regime in force and the weekly advance, no Mesa.

Each week, one pass over all units × activities and one over all volunteer teams
(compiled loops in :mod:`sim.kernels`). A world is built at the 2015 snapshot: its
spin-up weeks run while it is built, in compiled blocks of weeks.

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
7. staff and volunteer hours are counted into the week's record.

What the levers make of the rules is one immutable :class:`sim.regime.Regime`, replaced
when the levers switch; the week's outcomes are a record of their own
(:attr:`World.week_outcomes`), beside the state, never in it.

Calibration, ensembles and studies run a :class:`World` directly (through
:func:`sim.run`); :class:`sim.model.CoProductionModel` wraps one for those who want Mesa
agents, a DataCollector or ``mesa.batch_run``. Scenarios of one world branch at the
2015 snapshot (:meth:`World.branch`): the state and the random streams are copied, so a
branch goes on exactly as a fresh run with the same seed would. See ``docs/ODD.md``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from sim import kernels, outcomes
from sim import regime as regimes
from sim.catalogue import CATALOGUE, DOMAINS, UNIT_TYPES, activity_index
from sim.config import Configuration
from sim.errors import InputError
from sim.population import Population, build_population
from sim.population_spec import PopulationSpec
from sim.published import (
    HOURS_PER_FTE_YEAR,
    POPULATION_2014,
    SURVEY_2015,
    VOLUNTEER_FTE_2014,
    VOLUNTEER_SHARE_2014,
)
from sim.regime import LOGIC_GAP_RANGE, staff_hours, trust_baseline_beta
from sim.streams import Streams
from sim.virtual_survey import SimulatedSurvey, virtual_survey

WINDOW_WEEKS = SURVEY_2015.window_weeks  # the survey asked about the last four weeks
# Share of units where the activity can take place at all: units running the statutory
# service volunteers join (day centres, food delivery), and home-care districts with a
# meeting place for cultural events (e.g. a senior centre). No source gives these: they
# were set so that the activity counts n of Table 2 come out right (re-set when ad hoc
# coordination came to drop more of these two activities' answers than about 15%: 17% and
# 23% in the shipped posterior's predictive medians, fit_validation.csv), so
# they are counted among the values set from the survey being fitted (docs/ODD.md, 1.1).
SERVICE_AVAILABILITY = {"day_centre": 0.35, "food_delivery": 0.7, "cultural_home_care": 0.65}
# 8,500 full-time equivalents (1,695 h/year) shared by 4.4% of 5.17 million people in
# 2014: about 1.22 hours per volunteer per week.
HOURS_PER_VOLUNTEER_WEEK = (VOLUNTEER_FTE_2014 * HOURS_PER_FTE_YEAR
                            / (VOLUNTEER_SHARE_2014 * POPULATION_2014) / 52)
# A year after the 2015 snapshot is 52 weeks: year k ends at week 52 k, when the
# per-municipality record of the year is taken (World.year_records).
WEEKS_PER_YEAR = 52


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


def check_rng(rng) -> None:
    """Refuse a seed numpy cannot use, in one line naming ``rng``."""
    if rng is None or isinstance(rng, np.random.SeedSequence | np.random.Generator):
        return
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return
    raise InputError("rng", rng, "allowed: a whole number >= 0, a numpy SeedSequence or "
                     "Generator, or None")


def spinup_identity(config: Configuration) -> tuple:
    """What fixes a world up to its 2015 snapshot: every value but the later levers'.

    The levers asked for and their date act only after the snapshot; everything else
    (the world's inputs, the strengths of policies, the spin-up's own levers) may act
    before it, so two configurations share a spin-up only when all of it is equal.
    """
    later = {*config.levers_requested, "lever_week"}
    return (tuple(sorted((k, v) for k, v in config.values.items() if k not in later)),
            tuple(sorted(config.levers_2015.items())))


class World:
    """LTC units, voluntary organisations and volunteer teams as arrays: the model itself.

    ``config`` is a resolved :class:`sim.config.Configuration` (or parameters by name in
    ``params``; whatever is not given takes the table's documented default);
    ``population`` is a :class:`sim.population_spec.PopulationSpec` or its name
    (``"survey2015"``, ``"norway"``, ...) or a prebuilt
    :class:`sim.population.Population`; ``rng`` (int, SeedSequence or Generator) is the
    only source of randomness: each purpose draws from its own stream derived from it by
    name (:class:`sim.streams.Streams`). The world is built at the 2015 snapshot
    (``week`` 0); :meth:`advance` runs the weeks after it.
    """

    def __init__(self, population: str | PopulationSpec | Population = "survey2015", rng=None, *,
                 config: Configuration | None = None, **params):
        check_rng(rng)
        self.streams = Streams(rng)
        if config is not None and params:
            raise InputError("config", ", ".join(params), "give a Configuration or "
                             "parameters by name, not both", problem="clashing values")
        self.config = config if config is not None else Configuration.resolve(params)
        # The synthetic world first runs ``spinup_weeks`` under the 2015 levers, to forget
        # its made-up starting state; the end of the spin-up is "2015", when the survey
        # observes it. The levers asked for take effect from then on.
        self.spinup = self.config.spinup_weeks
        self.week = 0
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
        self._series: list[dict[str, np.ndarray]] = []  # the weeks after the snapshot
        # (week, municipality_outcomes()) at the snapshot and at the end of every year
        # after it: how a policy's effect builds up, municipality by municipality.
        self._years: list[tuple[int, dict[str, np.ndarray]]] = []

    def _draw_arrangements(self) -> None:
        """Every pair's first standing arrangement: a logit choice under the first regime."""
        low, high = self._thresholds(1 - self.spinup)
        u = self.streams["arrangements"].random(len(low), dtype=np.float32)
        self.pairs.arrangement[:] = (u > low).view(np.int8) + (u > high).view(np.int8)

    def _spin_up(self) -> None:
        """The weeks before the snapshot, run in compiled blocks while the world is built.

        They are the world's burn-in, not steps anyone observes one by one: their
        outcomes are kept in ``spinup_series``, and the world's state and
        ``week_outcomes`` are then those of 2015.
        """
        first = 1 - self.spinup
        self.spinup_series = self._outcomes(first, self._advance(first, self.spinup))
        if self.spinup:
            self.week_outcomes = MappingProxyType(
                {name: float(values[-1]) for name, values in self.spinup_series.items()})

    def branch(self, config: Configuration | None = None) -> World:
        """A copy that goes on on its own, under ``config`` from here on (default: this).

        Every changing array and every random stream's position is copied; what never
        changes (the population, the pairs' structure, the regime in force) is shared.
        The branch then runs exactly as a fresh world built with the same seed and
        ``config`` would from this week: scenarios of one world share its build and
        spin-up. ``config`` must agree with this world's on everything that acted so far
        (every value but the later levers and their date, and the levers in force up to
        now); otherwise the branch would not be that world, and it is refused.
        """
        config = self._checked_branch(config)
        # Shared, never changed in place: a deep copy skips them.
        shared = (self.population, self.structure, self.cell_map, self.regime,
                  self.config, config, self.eligible, self.pair_unit, self.pair_act,
                  self.domain, self.pairs.unit, self.pairs.cell, self.pairs.muni,
                  self.trust_base, self.gap_intrinsic, self.spinup_series,
                  self.week_outcomes)
        twin = copy.deepcopy(self, {id(x): x for x in shared})
        twin.config = config
        return twin

    def continue_as(self, config: Configuration) -> World:
        """Let the world itself go on under ``config`` (the last branch needs no copy).

        The same check as :meth:`branch`; returns the world.
        """
        self.config = self._checked_branch(config)
        return self

    def _checked_branch(self, config: Configuration | None) -> Configuration:
        """``config``, refused unless it agrees with what acted so far (see branch)."""
        if config is None or config is self.config:
            return self.config
        if spinup_identity(config) != spinup_identity(self.config):
            raise InputError("config", "a configuration with other inputs",
                             "a branch changes only the levers asked for and their date",
                             problem="cannot branch with")
        for week, _ in [*config.switches(), *self.config.switches()]:
            if week <= self.week and config.levers_at(week) != self.config.levers_at(week):
                raise InputError("config", f"levers switching in week {week}",
                                 f"a branch at week {self.week} changes levers only "
                                 "after it", problem="cannot branch with")
        return config

    # ---- what is in force --------------------------------------------------------------
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
    def advance(self, n_weeks: int) -> dict[str, np.ndarray]:
        """Run the next ``n_weeks`` weeks; return their outcomes, one array each.

        The weeks run in compiled blocks (as many per call as a block of uniforms holds
        and the regime in force lasts); ``week`` and ``week_outcomes`` are then the last
        week's, and :meth:`history` holds every week.
        """
        if n_weeks <= 0:
            return {name: np.empty(0) for name in outcomes.NAMES}
        # Stopping at each year's end to record the municipalities changes no number: the
        # random stream and the state go on as in one block (tests/test_over_time.py).
        end, blocks = self.week + n_weeks, []
        if self.week == 0 and not self._years:
            self._years.append((0, self.municipality_outcomes()))
        while self.week < end:
            stop = min(end, (self.week // WEEKS_PER_YEAR + 1) * WEEKS_PER_YEAR)
            blocks.append(self._outcomes(self.week + 1,
                                         self._advance(self.week + 1, stop - self.week)))
            self.week = stop
            if stop % WEEKS_PER_YEAR == 0:
                self._years.append((stop, self.municipality_outcomes()))
        series = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
        self._series.append(series)
        self.week_outcomes = MappingProxyType(
            {name: float(values[-1]) for name, values in series.items()})
        return series

    @property
    def year_records(self) -> tuple[tuple[int, dict[str, np.ndarray]], ...]:
        """``(week, municipality_outcomes())`` at the snapshot and every year's end since.

        Taken when :meth:`advance` passes week 0 and each multiple of
        :data:`WEEKS_PER_YEAR`: year k's record is the last four weeks of weeks
        52(k−1)+1 … 52k, the same window as the horizon's (and the survey's).
        """
        return tuple(self._years)

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

    def history(self) -> dict[str, np.ndarray]:
        """Every week's outcomes: the spin-up's (weeks ≤ 0), then those after (≥ 1).

        One array per outcome of :mod:`sim.outcomes` (``pandas.DataFrame(history)`` is
        the table).
        """
        return {name: np.concatenate([self.spinup_series[name],
                                      *(block[name] for block in self._series)])
                for name in outcomes.NAMES}
