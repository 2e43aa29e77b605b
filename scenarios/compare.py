"""Compare scenarios with the baseline, run for run, with intervals.

Reads ``DIR/<scenario>/outcomes.csv`` as written by :mod:`scenarios.ensemble`. For each
scenario and outcome: the median and 90% interval over runs; the difference from the
baseline computed *per paired run* (:mod:`scenarios.effects`: same draw, replicate and
seed), with its median and 90% interval. For the baseline, the simulated Table 2 at the
2015 snapshot (the end of the spin-up, the calibration's point in time) is set against
the observed 2015 shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.fit import PredictiveCheck, compare
from scenarios.attribution import attribution_table, strengths_of
from scenarios.effects import read_ensembles
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.outcomes import SUMMARY
from sim.regime import POLICY_ROUTES


@dataclass(frozen=True)
class Comparison:
    """The comparison table and, when the baseline is present, its fit to the survey."""

    table: pd.DataFrame
    baseline: str
    baseline_fit: PredictiveCheck | None
    skipped: tuple = ()  # scenario folders without results (every run failed)
    # scenario, outcome, input, share: where each policy effect's variance comes from
    attribution: pd.DataFrame | None = None
    notes: tuple = ()  # what was left out (blank values, unpaired runs, attribution)


def _summary(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return (np.nan,) * 3
    lo, med, hi = np.quantile(values, [0.05, 0.5, 0.95])
    return float(med), float(lo), float(hi)


def _rows(name: str, values: pd.DataFrame, diff: pd.DataFrame) -> list[dict]:
    rows = []
    for outcome in values.columns:
        column = values[outcome].to_numpy(float)
        med, lo, hi = _summary(column)
        finite = np.isfinite(column)
        # The mean too: for a 0/1 outcome (class:<name>) it is the class's probability.
        row = {"scenario": name, "outcome": outcome, "median": med, "low_90": lo,
               "high_90": hi, "mean": float(column[finite].mean()) if finite.any() else np.nan,
               "runs": int(finite.sum())}
        if outcome in diff.columns:
            d = diff[outcome].to_numpy(float)
            d_med, d_lo, d_hi = _summary(d)
            row.update({"diff_median": d_med, "diff_low_90": d_lo, "diff_high_90": d_hi,
                        "paired_runs": int(np.isfinite(d).sum())})
        rows.append(row)
    return rows


def compare_scenarios(directory: Path, baseline: str = "baseline", *,
                      reps: int = 10_000, rng=0) -> Comparison:
    """Build the comparison table (and the baseline's fit to the survey)."""
    ens = read_ensembles(directory, baseline)
    notes = ens.notes()
    rows, effects = [], {}
    for name, outcomes in ens.scenarios.items():
        eff = ens.effects(name)
        effects[name] = eff.differences
        if eff.note():
            notes.append(eff.note())
        rows += _rows(name, outcomes.values, eff.differences)
    table = pd.DataFrame(rows)
    base = ens.scenarios[baseline].values
    fit = None
    count_cols = [f"survey2015_count:{a}:{c}" for a in TABLE2_IDS for c in COORDINATORS]
    if all(c in base.columns for c in count_cols):
        counts = base[count_cols].dropna().to_numpy()
        counts = counts.reshape(-1, len(TABLE2_IDS), len(COORDINATORS))
        fit = compare(counts, reps=reps, rng=rng) if len(counts) else None
    designs = {name: ens.inputs(name) for name in ens.scenarios if name != baseline}
    del effects[baseline]
    strengths = {name: strengths_of(ens.scenarios[name].manifest) for name in effects}
    # The local policy's three routes act before 2015: they are world inputs, whose
    # association with each effect is given (not a share: world inputs are dependent).
    attribution, left_out = attribution_table(effects, designs, SUMMARY, strengths,
                                              POLICY_ROUTES)
    return Comparison(table, baseline, fit, ens.skipped, attribution,
                      tuple(notes + left_out))
