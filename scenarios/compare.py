"""Compare scenarios with the baseline, run for run, with intervals.

Reads ``DIR/<scenario>/outcomes.csv`` as written by :mod:`scenarios.ensemble`. For each
scenario and outcome: the median and 90% interval over runs; the difference from the
baseline computed *per paired run* (same posterior draw and seed), with its median and
90% interval. For the baseline, the simulated Table 2 at the 2015 snapshot (the end of
the spin-up, the calibration's point in time) is set against the observed 2015 shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.fit import PredictiveCheck, compare
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.errors import InputError

KEY = ["draw", "replicate"]


@dataclass(frozen=True)
class Comparison:
    """The comparison table and, when the baseline is present, its fit to the survey."""

    table: pd.DataFrame
    baseline: str
    baseline_fit: PredictiveCheck | None


def read_outcomes(directory: Path) -> dict[str, pd.DataFrame]:
    """``{scenario: outcomes}`` for every ``<scenario>/outcomes.csv`` under ``directory``."""
    directory = Path(directory)
    files = sorted(directory.glob("*/outcomes.csv"))
    if not files:
        raise InputError("out", str(directory), "no <scenario>/outcomes.csv "
                         "found there; run the scenarios into this directory first",
                         problem="empty directory")
    out = {}
    for f in files:
        frame = pd.read_csv(f)
        missing = {"scenario", "draw", "replicate", "seed", "outcome", "value"} - set(frame)
        if missing:
            raise InputError(f"{f}: header", ",".join(frame.columns),
                             "missing columns: " + ", ".join(sorted(missing)))
        out[f.parent.name] = frame
    return out


def _summary(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return (np.nan,) * 3
    lo, med, hi = np.quantile(values, [0.05, 0.5, 0.95])
    return float(med), float(lo), float(hi)


def compare_scenarios(directory: Path, baseline: str = "baseline", *,
                      reps: int = 10_000, rng=0) -> Comparison:
    """Build the comparison table (and the baseline's fit to the survey)."""
    outcomes = read_outcomes(directory)
    if baseline not in outcomes:
        raise InputError("baseline", baseline, "scenarios found: "
                         + ", ".join(sorted(outcomes)), problem="unknown scenario")
    wide = {name: frame.pivot_table(index=KEY, columns="outcome", values="value")
            for name, frame in outcomes.items()}
    base = wide[baseline]
    rows = []
    order = [baseline, *sorted(n for n in wide if n != baseline)]
    for name in order:
        frame = wide[name]
        paired = frame.join(base.add_suffix("__base"), how="inner")
        for outcome in frame.columns:
            med, lo, hi = _summary(frame[outcome].to_numpy())
            row = {"scenario": name, "outcome": outcome, "median": med, "low_90": lo,
                   "high_90": hi, "runs": int(frame[outcome].notna().sum())}
            if outcome in base.columns:
                diff = (paired[outcome] - paired[f"{outcome}__base"]).to_numpy()
                d_med, d_lo, d_hi = _summary(diff)
                row.update({"diff_median": d_med, "diff_low_90": d_lo, "diff_high_90": d_hi,
                            "paired_runs": int(np.isfinite(diff).sum())})
            rows.append(row)
    table = pd.DataFrame(rows)
    fit = None
    count_cols = [f"survey2015_count:{a}:{c}" for a in TABLE2_IDS for c in COORDINATORS]
    if all(c in base.columns for c in count_cols):
        counts = base[count_cols].to_numpy().reshape(-1, len(TABLE2_IDS), len(COORDINATORS))
        fit = compare(counts, reps=reps, rng=rng)
    return Comparison(table, baseline, fit)
