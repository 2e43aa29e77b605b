"""``run()``: parameters in, a frozen result out — the model as a plain function."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

import numpy as np
import pandas as pd

from sim.catalogue import TABLE2_IDS, activity
from sim.classify import classify_table
from sim.config import Configuration
from sim.errors import InputError
from sim.population import Population
from sim.population_spec import PopulationSpec
from sim.published import SURVEY_2015
from sim.virtual_survey import SimulatedSurvey
from sim.world import World, spinup_identity

DEFAULT_STEPS = 0  # weeks after the 2015 snapshot; 0 = observe 2015
MAX_STEPS = 2600  # fifty years: a week's state is small, but the series grows with it
CHECK_WEEKS = 260  # weeks run between checks for Ctrl-C (a few tens of milliseconds)


@dataclass(frozen=True)
class SimulationResult:
    """What one run produced: the simulated surveys, the weekly series, the answer."""

    params: dict
    seed: object
    steps: int
    population: str
    survey: SimulatedSurvey  # at the end of the run
    series: dict[str, np.ndarray]  # per outcome, every week (see ``timeseries``)
    coordination: str  # class of the final virtual survey's table (sim.classify)
    survey_2015: SimulatedSurvey  # at the end of the spin-up
    coordination_2015: str  # class of survey_2015's table
    inhabitants: float  # of the simulated municipalities
    unit_type: np.ndarray  # the population's units: type (index into UNIT_TYPES)
    unit_muni: np.ndarray  # and municipality, for the survey's unit-level responses
    muni_flags: Mapping[str, np.ndarray]  # per flag, which municipalities held it at the end
    # Per municipality at the end: activities by unit group and coordinator over the last
    # four weeks, volunteers, staff hours, flags (World.municipality_outcomes), one array
    # per column; ``municipalities`` is the table (made when asked: calibration never does).
    municipality_columns: Mapping[str, np.ndarray] = MappingProxyType({})
    # The same table at the snapshot and at the end of every year after it: a tuple of
    # (week, columns) (sim.world.World.year_records).
    municipality_years: tuple = ()

    @cached_property
    def municipalities(self) -> pd.DataFrame:
        """The municipalities' table at the end of the run (one row each)."""
        return pd.DataFrame(dict(self.municipality_columns))

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """The weekly outcomes: week 0 is the 2015 snapshot, negative weeks the spin-up."""
        return pd.DataFrame(self.series)

    def responses(self) -> pd.DataFrame:
        """The final virtual survey's answers unit by unit (``coprod survey --data``).

        Each row carries its unit's municipality's levers at the time of that survey.
        """
        return self.survey.responses(self.unit_type, self.unit_muni, dict(self.muni_flags))


def run(params: Mapping | Configuration | None = None, *, steps: int = DEFAULT_STEPS,
        population: str | PopulationSpec | Population = "survey2015", rng=None, stop: Sequence = ()
        ) -> SimulationResult:
    """Build the model, spin it up to 2015, run ``steps`` more weeks, observe it.

    ``params`` overrides the documented defaults by name (see :mod:`sim.parameters`), or
    is a resolved :class:`sim.config.Configuration`; for the calibrated model pass the
    posterior median. The levers among them take effect after the spin-up
    (``spinup_weeks``, default 104), which ends at the 2015 snapshot. ``rng`` is an int,
    SeedSequence or Generator and the only source of randomness: the same seed gives the
    same result. The virtual survey observes the last four weeks, at the 2015 snapshot
    (``survey_2015``) and at the end (``survey``), under the regime in force then.

    ``stop`` is looked at between blocks of :data:`CHECK_WEEKS` weeks: once it is
    non-empty the run ends early (observed where it stopped). The model knows nothing of
    signals; the project's processes pass the pending signals of
    :func:`runtime.interrupts.interrupts_deferred`, which holds Ctrl-C off the compiled
    kernels' calls and lets a stop wait at most one block.
    """
    config = _configuration(params, steps)
    return observed_run(World(population, rng, config=config), steps, stop, seed=rng)


def survey_2015(params: Mapping | Configuration | None = None, *,
                population: str | PopulationSpec | Population = "survey2015", rng=None
                ) -> SimulatedSurvey:
    """The virtual survey at the 2015 snapshot: ``run(params, steps=0, ...).survey``.

    What a calibration simulation observes, and nothing else: the same world, seed and
    survey as :func:`run`, without the weekly series, the municipalities' table and the
    classification of the table, which a calibration never reads (a tenth of a run's time).
    """
    config = _configuration(params, 0)
    return World(population, rng, config=config).observe()


def _configuration(params, steps) -> Configuration:
    """``params`` resolved, once ``params`` and ``steps`` are checked (see :func:`run`)."""
    if params is not None and not isinstance(params, Mapping | Configuration):
        raise InputError("params", type(params).__name__, "allowed: a mapping of parameter "
                         "names to numbers, a sim.Configuration, or None",
                         problem="wrong type of")
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) \
            or not 0 <= steps <= MAX_STEPS:
        raise InputError("steps", steps, f"allowed: a whole number from 0 to {MAX_STEPS} "
                         "(weeks after the 2015 snapshot)")
    config = params if isinstance(params, Configuration) else Configuration.resolve(params)
    window = SURVEY_2015.window_weeks
    if config.spinup_weeks + steps < window:
        raise InputError("spinup_weeks + steps", config.spinup_weeks + steps,
                         f"the spin-up and the steps together must cover the survey's "
                         f"{window}-week window (at least {window} weeks)")
    return config


def observed_run(world: World, steps: int, stop: Sequence = (), *,
                 seed=None) -> SimulationResult:
    """Run ``world`` from the 2015 snapshot ``steps`` more weeks and observe it.

    What :func:`run` does once the world is built: a world may come from
    :meth:`sim.world.World.branch` (scenarios of one world share its spin-up).
    ``stop`` (see :func:`run`) is looked at between blocks of weeks.
    """
    window = SURVEY_2015.window_weeks
    at_2015 = world.observe() if steps > 0 and world.spinup >= window else None
    while world.week < steps and not stop:
        world.advance(min(CHECK_WEEKS, steps - world.week))
    survey = world.observe()
    at_2015 = at_2015 or survey
    pop = world.population
    # The research question is answered on what a survey observes: the virtual survey's
    # table, as the observed Table 2 (not the model's state, not per municipality).
    statutory = np.array([activity(a).statutory for a in TABLE2_IDS])
    series = world.history()
    seed = seed if isinstance(seed, int | None) else repr(seed)
    coordination = str(classify_table(survey.counts, statutory))
    return SimulationResult(world.config.as_dict(), seed, steps, pop.name, survey, series,
                            coordination, at_2015,
                            coordination if at_2015 is survey
                            else str(classify_table(at_2015.counts, statutory)),
                            float(pop.muni_population.sum()), pop.unit_type, pop.unit_muni,
                            world.flags.muni, MappingProxyType(world.municipality_outcomes()),
                            world.year_records)


def run_branches(branches, *, population: str | PopulationSpec | Population = "survey2015",
                 rng=None, stop: Sequence = ()) -> list[SimulationResult]:
    """Runs of one world that differ only after 2015: one build and spin-up, then branches.

    ``branches`` is a sequence of ``(params, steps)``: the parameters (a mapping or a
    :class:`sim.config.Configuration`) and the weeks after the 2015 snapshot of each run.
    They must agree on everything that acts before the snapshot (the world's inputs, the
    policies' strengths, the spin-up's levers); they may differ in the levers asked for
    and their date. The world is built and spun up once; each run continues from a copy
    of its 2015 state and random streams (:meth:`sim.world.World.branch`), so each result
    is exactly :func:`run` of its parameters with this ``rng``, and differences between
    them are the levers' alone. ``stop`` as for :func:`run`: no further branch once it
    is non-empty.
    """
    configs = [p if isinstance(p, Configuration) else Configuration.resolve(p)
               for p, _ in branches]
    if not configs:
        return []
    for config in configs[1:]:
        if spinup_identity(config) != spinup_identity(configs[0]):
            raise InputError("branches", "runs with other inputs before 2015", "branches of "
                             "one world differ only in the levers asked for and their date",
                             problem="cannot share a spin-up:")
    results = []
    world = World(population, rng, config=configs[0])
    for k, (config, (_, steps)) in enumerate(zip(configs, branches, strict=True)):
        # The last branch takes the world itself: one copy fewer.
        twin = world.branch(config) if k < len(configs) - 1 else world.continue_as(config)
        results.append(observed_run(twin, steps, stop, seed=rng))
        if stop:
            break
    return results


@dataclass(frozen=True)
class WaveObservation:
    """One survey wave of a run: its week, the virtual survey, who held which lever."""

    week: int  # weeks after the first wave (the 2015 snapshot)
    survey: SimulatedSurvey
    # Per flag ("policy", "centre", "service"): whether each respondent's municipality
    # held it at the time (in the order of ``survey.units``).
    respondent_flags: Mapping[str, np.ndarray]
    unit_type: np.ndarray  # the population's units: type (index into UNIT_TYPES)
    unit_muni: np.ndarray  # and municipality
    muni_flags: Mapping[str, np.ndarray]  # per flag, which municipalities held it then
    volunteers_past_year: float  # people who volunteered in the year up to the wave
    inhabitants: float  # of the simulated municipalities

    def responses(self) -> pd.DataFrame:
        """The wave's answers unit by unit (``coprod survey --data``).

        Each row carries its unit's municipality's levers at the time.
        """
        return self.survey.responses(self.unit_type, self.unit_muni, dict(self.muni_flags))


def wave_schedule(weeks, levers) -> tuple[dict, list[tuple[int, dict]]]:
    """The first wave's levers and the switches between waves.

    Between two waves every lever that changes moves linearly once a year (a share of
    municipalities adopting a policy year by year), reaching the later wave's value four
    weeks before it, so that the later survey's four-week window is under it.
    """
    window = SURVEY_2015.window_weeks
    schedule = []
    waves = list(zip(weeks, levers, strict=True))
    for (w0, l0), (w1, l1) in itertools.pairwise(waves):
        span = w1 - w0 - window
        if span < 1:
            raise InputError("waves", f"weeks {w0} and {w1}", "waves at least "
                             f"{window + 1} weeks apart", problem="waves too close:")
        steps = max(1, round((w1 - w0) / 52))
        names = sorted(set(l0) | set(l1))
        for j in range(1, steps + 1):
            at = w0 + round(j * span / steps) + 1
            schedule.append((at, {k: l0.get(k, l1.get(k)) + (l1.get(k, l0.get(k))
                                                              - l0.get(k, l1.get(k)))
                                  * j / steps for k in names}))
    return dict(levers[0]), schedule


def run_waves(params: Mapping | None, weeks, levers, *,
              population: str | PopulationSpec | Population = "survey2015", rng=None,
              stop: Sequence = ()) -> tuple[WaveObservation, ...]:
    """One world observed by several survey waves: the first at the 2015 snapshot.

    ``weeks``: each wave's week after the first (0 first, increasing); ``levers``: per
    wave, the levers recorded as in force then (a mapping each, e.g. the share of
    municipalities with a local policy); the spin-up runs under the first wave's, and
    the levers move between waves as :func:`wave_schedule` says. ``params`` are the
    world's inputs (no levers). Each wave observes the last four weeks as the survey
    did, with the regime in force then. ``stop`` as for :func:`run`: the waves not
    reached once it is non-empty are left out.
    """
    weeks = [int(w) for w in weeks]
    if not weeks or weeks[0] != 0 or weeks != sorted(set(weeks)) or weeks[-1] > MAX_STEPS:
        raise InputError("waves", weeks, f"weeks from 0 (the first wave), increasing, "
                         f"at most {MAX_STEPS}")
    start, schedule = wave_schedule(weeks, [dict(lv) for lv in levers])
    config = Configuration.resolve({**dict(params or {}), **start, "lever_week": 0},
                                   start=start, schedule=schedule)
    observed = []
    world = World(population, rng, config=config)
    for week in weeks:
        while world.week < week and not stop:
            world.advance(min(CHECK_WEEKS, week - world.week))
        if stop:
            break
        survey = world.observe()
        muni = world.population.unit_muni[survey.units]
        pop = world.population
        observed.append(WaveObservation(week, survey, MappingProxyType(
            {flag: held[muni].copy() for flag, held in world.flags.muni.items()}),
            pop.unit_type, pop.unit_muni, MappingProxyType(
                {flag: held.copy() for flag, held in world.flags.muni.items()}),
            float(world.week_outcomes["volunteers_past_year"]),
            float(pop.muni_population.sum())))
    return tuple(observed)
