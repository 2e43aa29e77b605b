"""The posterior predictive check as one result: computed once, then written and printed.

:func:`check_fit` runs the posterior's predictive draws against the surveys and returns a
:class:`FitCheck` holding every table the check makes; :meth:`FitCheck.write` puts them
in a folder (``fit.csv`` and the rest, :data:`FIT_OUTPUTS`). Whoever shows the check
(``coprod fit``, ``coprod calibrate``, a notebook) reads the object, not the files it
has just written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from calibration.posterior import Posterior
    from calibration.predictive_check import PredictiveCheck
    from calibration.waves import Waves

# The fit's set of files, replaced together by the command line; the later waves' files
# and the local-policy split (FIT_PATTERNS) are members when written.
FIT_OUTPUTS = ("fit.csv", "fit_differences.csv", "fit_n.csv", "fit_validation.csv",
               "fit_classes.csv", "fit.png", "posterior.png", "manifest.json")
FIT_PATTERNS = ("fit_wave*.csv", "fit_policy*.csv")


@dataclass(frozen=True)
class FitCheck:
    """A posterior predictive check: the first wave's table and every later wave's."""

    check: PredictiveCheck  # the first wave: shares, differences, n per draw and pooled
    validation: pd.DataFrame  # patterns not calibrated to, against what is known
    classes: pd.DataFrame  # the research question: the model's classes beside the table's
    later: Mapping[str, pd.DataFrame]  # file name → a later wave's or a policy split's table
    posterior: Posterior
    year: int  # of the first wave
    respondents: int  # units answering one virtual survey of the first wave's frame

    @property
    def shares(self) -> pd.DataFrame:
        """Per activity and coordinator: observed share, its interval, the predictive."""
        return self.check.shares

    def targets(self) -> dict[str, object]:
        """How the fit measures up against the calibration's targets."""
        return self.check.targets()

    def consistent(self, kind: str) -> tuple[int, int]:
        """Of the validation table's rows of ``kind``: how many agree with what is known."""
        mine = self.validation[self.validation.kind == kind]
        return int(mine.consistent.sum()), len(mine)

    def research_question(self) -> pd.Series:
        """The classes table's row of the class the observed table falls in."""
        return self.classes[self.classes.observed == 1].iloc[0]

    def write(self, out: Path) -> list[str]:
        """Write every table and the two figures into ``out``; the names written."""
        from calibration.fit_plots import plot_fit, plot_posterior
        from calibration.predictive_check import SHARE_COLUMNS
        from runtime.files import atomic_write_frame

        out = Path(out)
        tables = {"fit.csv": self.check.shares[SHARE_COLUMNS],
                  "fit_differences.csv": self.check.differences,
                  "fit_n.csv": self.check.n, "fit_validation.csv": self.validation,
                  "fit_classes.csv": self.classes, **self.later}
        for name, table in tables.items():
            atomic_write_frame(out / name, table)
        plot_fit(self.check.shares, out / "fit.png")
        plot_posterior(self.posterior.particles, self.posterior.weights,
                       out / "posterior.png")
        return [*tables, "fit.png", "posterior.png"]


def check_fit(posterior: Posterior, *, draws: int, rng, workers: int = 1,
              scheduler: str | None = None, reps: int = 10_000,
              waves: Waves | None = None) -> FitCheck:
    """The posterior predictive check of ``posterior`` against ``waves``' surveys.

    ``waves`` (default the 2015 Table 2): the first wave's table is checked as Table 2
    is; every later wave's shares go to ``fit_wave<K>.csv`` and, where a wave recorded
    each unit's local policy, its answers pooled by policy to ``fit_policy_wave<K>.csv``
    (``fit_policy.csv`` for the first). ``rng`` seeds the draws, their runs and the
    bootstraps: the same seed gives the same check whatever the number of ``workers``.
    """
    from calibration.predictive_check import (
        SHARE_COLUMNS,
        compare,
        policy_fit,
        predictive_classes,
        predictive_runs,
        survey_counts,
        validation,
    )
    from calibration.waves import Waves

    waves = waves or Waves.load(None)
    first = waves.waves[0].table
    runs = predictive_runs(posterior, draws=draws, rng=rng, workers=workers,
                           scheduler=scheduler, waves=waves)
    later: dict[str, pd.DataFrame] = {}
    for k, wave in enumerate(waves.waves):
        if not k and wave.by_policy is None:
            continue  # the first wave's table is the check itself
        surveys = [r.waves[k] for r in runs]  # (its virtual survey, respondents' policy)
        if k:
            shares = compare(np.stack([s.counts for s, _ in surveys]), wave.table,
                             reps=reps, rng=rng).shares
            later[f"fit_wave{k}.csv"] = shares[SHARE_COLUMNS]
        if wave.by_policy is not None:
            later[f"fit_policy{f'_wave{k}' if k else ''}.csv"] = policy_fit(wave.by_policy,
                                                                           surveys)
    return FitCheck(check=compare(survey_counts(runs), first, reps=reps, rng=rng),
                    validation=validation(runs, first),
                    classes=predictive_classes(runs, first, reps=reps, rng=rng),
                    later=later, posterior=posterior, year=waves.waves[0].year,
                    respondents=_respondents(waves))


def _respondents(waves: Waves) -> int:
    """Units answering one virtual survey of the first wave's frame."""
    from sim.published import SURVEY_2015

    frame = waves.waves[0].frame
    if frame is None:
        return SURVEY_2015.units_responded
    return int(sum(frame.respondent_types().values()))
