"""One run of the calibrated model, observed by the virtual survey, as one result.

:func:`simulate_once` runs the model (:func:`sim.run`) with the shipped posterior's
median and the caller's settings, and returns a :class:`Simulation`: the virtual
survey's table, its answers unit by unit (the format ``coprod survey --data`` reads) and
the weekly series. :meth:`Simulation.write` puts them in a folder
(:data:`SIMULATION_OUTPUTS`) and :meth:`Simulation.read` takes them back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from runtime.fields import one_of, whole
from runtime.files import read_back, writes
from runtime.manifests import Manifest
from runtime.words import again_with

SIMULATION_OUTPUTS = ("survey.csv", "responses.csv", "timeseries.csv", "manifest.json")
MADE_BY = "coprod simulate --out DIR"


@dataclass(frozen=True, eq=False)  # its tables compare with .equals, not ==
class Simulation:
    """One run: its virtual survey's table, answers unit by unit, weekly series, and how.

    ``survey``: ``activity,n,municipality,voluntary,together,offered``; ``manifest``:
    seed, steps, population, parameters, the research question's answer at the end
    and at 2015.
    """

    survey: pd.DataFrame
    responses: pd.DataFrame
    timeseries: pd.DataFrame
    manifest: Manifest = field(compare=False)

    @property
    def respondents(self) -> int:
        """Units that answered the virtual survey (each has at least one row)."""
        return int(self.responses.unit_id.nunique())

    @property
    def coordination(self) -> str:
        """The research question on the final virtual survey's table."""
        return str(self.manifest["coordination"])

    @property
    def coordination_2015(self) -> str:
        """The same at the 2015 snapshot."""
        return str(self.manifest["coordination_2015"])

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the three tables and the manifest into ``folder``; the names written."""
        from runtime.files import atomic_write_frame

        atomic_write_frame(folder / "survey.csv", self.survey)
        # Unit by unit, as a real survey's file: 'coprod survey --data' reads it.
        atomic_write_frame(folder / "responses.csv", self.responses)
        atomic_write_frame(folder / "timeseries.csv", self.timeseries)
        self.manifest.write(folder / "manifest.json")
        return list(SIMULATION_OUTPUTS)

    @classmethod
    @read_back
    def read(cls, folder: Path) -> Simulation:
        """The run ``coprod simulate --out folder`` (or :meth:`write`) left in ``folder``."""
        from runtime.files import check_rows, read_own_csv
        from sim.catalogue import TABLE2_IDS
        from sim.classify import CLASSES
        from sim.runner import MAX_STEPS

        manifest = Manifest.read(folder / "manifest.json", MADE_BY, stages=("simulate",))
        steps = manifest.field("steps", whole(0, MAX_STEPS), "a whole number of weeks "
                               f"from 0 to {MAX_STEPS}")
        for name in ("coordination", "coordination_2015"):
            manifest.field(name, one_of(CLASSES), "one of " + ", ".join(CLASSES))
        counts = ("n", "municipality", "voluntary", "together", "offered")
        survey = read_own_csv(folder / "survey.csv", MADE_BY, columns=("activity", *counts),
                              rows=len(TABLE2_IDS), numeric=counts,
                              bounds=dict.fromkeys(counts, (0.0, 1e9)))
        responses = read_own_csv(folder / "responses.csv", MADE_BY,
                                 columns=("unit_id", "unit_type", "activity", "coordinator"))
        series = read_own_csv(folder / "timeseries.csv", MADE_BY, columns=("week",),
                              numeric=("week",), bounds={"week": (-1e6, MAX_STEPS)})
        # One row a week, from the spin-up's first to the run's last (``steps``).
        first = int(series["week"].iloc[0])
        check_rows(series, folder / "timeseries.csv", steps - first + 1,
                   again_with(MADE_BY), whose=f"weeks {first} to {steps}")
        return cls(survey, responses, series, manifest)


def simulate_once(overrides: Mapping[str, float] | None = None, *, steps: int = 0,
                  population: str = "survey2015", rng: int,
                  command: str = "coprod.simulate()") -> Simulation:
    """Run the calibrated model once: spin-up to 2015, then ``steps`` weeks.

    ``overrides``: parameters by name over the shipped posterior's median (already
    validated); ``population``: 'survey2015' (the survey's 50 municipalities) or
    'norway'. ``rng``: the seed (the same seed, the same run).
    """
    from calibration.posterior import calibrated_parameters
    from sim import run

    params = {**calibrated_parameters(), **(overrides or {})}
    t0 = time.perf_counter()
    result = run(params, steps=steps, population=population, rng=rng)
    elapsed = time.perf_counter() - t0
    return Simulation(result.survey.to_frame(), result.responses(), result.timeseries,
                      Manifest.of(command=command, seed=rng, steps=steps,
                                  population=population, parameters=result.params,
                                  coordination=result.coordination,
                                  coordination_2015=result.coordination_2015,
                                  elapsed_seconds=round(elapsed, 3)))
