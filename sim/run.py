"""``run()``: parameters in, a frozen result out — the model as a plain function."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.classify import classify
from sim.model import CoProductionModel
from sim.population import Population
from sim.survey import SimulatedSurvey, virtual_survey

DEFAULT_STEPS = 52  # a year of weekly steps before the survey


@dataclass(frozen=True)
class SimulationResult:
    """What one run produced: the simulated survey, the weekly series, the answer."""

    params: dict
    seed: object
    steps: int
    population: str
    survey: SimulatedSurvey
    timeseries: pd.DataFrame
    municipality_labels: np.ndarray
    coordination: str
    pooled: dict = field(default_factory=dict)
    surveys: dict = field(default_factory=dict)  # extra surveys by week (``survey_at``)

    def final(self) -> dict:
        """Outcomes at the horizon: the last week of the series plus the pooled shares."""
        return {**self.timeseries.iloc[-1].to_dict(),
                **{f"pooled_{k}": v for k, v in self.pooled.items()}}


def run(params: dict | None = None, *, steps: int = DEFAULT_STEPS,
        population: str | Population = "survey2015", rng=None,
        survey_at: tuple[int, ...] = ()) -> SimulationResult:
    """Build the model, run ``steps`` weeks, and observe it with the virtual survey.

    ``params`` overrides defaults by name (see :mod:`sim.parameters`); ``rng`` is an int,
    SeedSequence or Generator and the only source of randomness: the same seed gives the
    same result. The survey observes the last four weeks, so ``steps`` must be ≥ 4;
    ``survey_at`` lists earlier weeks (≥ 4) at which to run the survey as well.
    """
    from sim.errors import InputError

    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 4:
        raise InputError("--steps", steps, "allowed: a whole number >= 4 (the survey "
                         "window is four weeks)")
    model = CoProductionModel(population=population, rng=rng, **(params or {}))
    pop = model.population
    extra = {}
    for week in range(1, steps + 1):
        model.step()
        if week in survey_at and week >= 4:
            extra[week] = virtual_survey(model.window, pop.unit_type, pop.name,
                                         model.params["unsure_rate"], model.rng)
    survey = virtual_survey(model.window, pop.unit_type, pop.name,
                            model.params["unsure_rate"], model.rng)
    labels, overall, pooled = classify(model.window, pop.unit_muni, model.statutory,
                                       len(pop.muni_population))
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    seed = rng if isinstance(rng, int | None) else repr(rng)
    return SimulationResult(dict(model.params), seed, steps, pop.name, survey, series,
                            labels, overall, pooled, extra)
