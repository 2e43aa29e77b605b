"""Parameter recovery: does calibration find the parameters that generated the data.

For each of several "true" parameter sets drawn from the prior, the model produces a
synthetic Table 2 through the virtual survey; ABC-SMC is run on it as on the real
survey; we record whether each parameter's 90% credible interval contains the truth and
how much the posterior narrows relative to the prior (width of the 90% interval / width
of the prior's). Parameters whose posterior does not narrow are not identified by a
survey of this kind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.abc import CALIBRATION_STEPS, Settings, calibrate
from calibration.posterior import load_posterior
from calibration.survey import SurveyTable
from sim import run
from sim.catalogue import TABLE2_IDS, activity
from sim.parameters import FREE, PARAMETERS

RECOVERY_SETTINGS = Settings(population_size=100, max_populations=6, max_simulations=4000,
                             max_walltime_s=150)


def synthetic_table(params: dict, seed: int) -> SurveyTable:
    """Table 2 as the virtual survey sees a world with these parameters."""
    survey = run(params, steps=CALIBRATION_STEPS, rng=seed).survey
    return SurveyTable(TABLE2_IDS, survey.counts,
                       np.array([activity(a).statutory for a in TABLE2_IDS]),
                       f"synthetic (seed {seed})")


def recover(out: Path, *, truths: int = 4, rng=0, workers: int = 1,
            settings: Settings = RECOVERY_SETTINGS, progress: bool = False) -> pd.DataFrame:
    """Run the recovery study; returns one row per (truth, parameter)."""
    gen = np.random.default_rng(rng)
    rows = []
    for k in range(truths):
        truth = {n: float(gen.uniform(PARAMETERS[n].low, PARAMETERS[n].high)) for n in FREE}
        table = synthetic_table(truth, int(gen.integers(2**31)))
        directory = Path(out) / f"truth_{k}"
        calibrate(directory, seed=int(gen.integers(2**31)), workers=workers,
                  observed=table, progress=progress, settings=settings)
        post = load_posterior(directory)
        interval = post.interval(0.9)
        for name in FREE:
            lo, hi = interval[name]
            p = PARAMETERS[name]
            rows.append({"truth_id": k, "parameter": name, "truth": truth[name],
                         "posterior_median": post.median()[name], "low_90": lo, "high_90": hi,
                         "covered": lo <= truth[name] <= hi,
                         "narrowing": (hi - lo) / (p.high - p.low)})
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: coverage of the 90% intervals and mean narrowing."""
    return (frame.groupby("parameter", sort=False)
            .agg(coverage=("covered", "mean"), narrowing=("narrowing", "mean"))
            .reset_index())
