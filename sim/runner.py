"""``run()``: parameters in, a frozen result out — the model as a plain function."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.classify import classify
from sim.errors import InputError
from sim.model import CoProductionModel
from sim.population import Population
from sim.survey import SimulatedSurvey, virtual_survey

DEFAULT_STEPS = 0  # weeks after the 2015 snapshot; 0 = observe 2015


@dataclass(frozen=True)
class SimulationResult:
    """What one run produced: the simulated surveys, the weekly series, the answer."""

    params: dict
    seed: object
    steps: int
    population: str
    survey: SimulatedSurvey  # at the end of the run
    timeseries: pd.DataFrame  # week 0 = the 2015 snapshot; negative weeks = spin-up
    municipality_labels: np.ndarray
    coordination: str
    pooled: dict = field(default_factory=dict)
    survey_2015: SimulatedSurvey | None = None  # at the end of the spin-up
    inhabitants: float = float("nan")  # of the simulated municipalities


def run(params: dict | None = None, *, steps: int = DEFAULT_STEPS,
        population: str | Population = "survey2015", rng=None) -> SimulationResult:
    """Build the model, spin it up to 2015, run ``steps`` more weeks, observe it.

    ``params`` overrides defaults by name (see :mod:`sim.parameters`); the levers among
    them take effect after the spin-up (``spinup_weeks``, default 104), which ends at the
    2015 snapshot. ``rng`` is an int, SeedSequence or Generator and the only source of
    randomness: the same seed gives the same result. The virtual survey observes the
    last four weeks, at the 2015 snapshot (``survey_2015``) and at the end (``survey``).
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise InputError("--steps", steps, "allowed: a whole number >= 0 (weeks after the "
                         "2015 snapshot)")
    model = CoProductionModel(population=population, rng=rng, **(params or {}))
    if model.spinup + steps < 4:
        raise InputError("--steps", steps, "the spin-up and the steps together must cover "
                         "the survey's four-week window")
    pop = model.population
    unsure = model.params["unsure_rate"]
    at_2015 = None
    for week in range(1, model.spinup + steps + 1):
        model.step()
        if week == model.spinup and steps > 0 and week >= 4:
            at_2015 = virtual_survey(model.window, pop.unit_type, pop.name, unsure, model.rng)
    survey = virtual_survey(model.window, pop.unit_type, pop.name, unsure, model.rng)
    labels, overall, pooled = classify(model.window, pop.unit_muni, model.statutory,
                                       len(pop.muni_population))
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    seed = rng if isinstance(rng, int | None) else repr(rng)
    return SimulationResult(dict(model.params), seed, steps, pop.name, survey, series,
                            labels, overall, pooled, at_2015 or survey,
                            float(pop.muni_population.sum()))
