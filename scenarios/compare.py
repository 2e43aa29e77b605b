"""Compare scenarios with the baseline, run for run, with intervals.

Reads ``DIR/<scenario>/outcomes.csv`` as written by :mod:`scenarios.ensemble`. For each
scenario and outcome: the median and 90% interval over runs; the difference from the
baseline computed *per paired run* (same posterior draw and seed), with its median and
90% interval. For the baseline, the simulated Table 2 at the 2015 snapshot (the end of
the spin-up, the calibration's point in time) is set against the observed 2015 shares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.fit import PredictiveCheck, compare
from scenarios.attribution import attribution_table
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.errors import InputError
from sim.io import read_own_csv
from sim.outcomes import SUMMARY
from sim.parameters import ASSUMPTIONS, FREE

KEY = ["draw", "replicate", "seed"]


@dataclass(frozen=True)
class Comparison:
    """The comparison table and, when the baseline is present, its fit to the survey."""

    table: pd.DataFrame
    baseline: str
    baseline_fit: PredictiveCheck | None
    skipped: tuple = ()  # scenario folders without results (every run failed)
    # scenario, outcome, input, share: where each policy effect's variance comes from
    attribution: pd.DataFrame | None = None


REMAKE = "run 'coprod run' with the same --out again"


def _read_manifest(path: Path) -> dict:
    """A scenario's manifest.json, or one line naming it and how to make it again."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), str(path), REMAKE, problem="missing file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(str(path), str(err), REMAKE, problem="malformed file:") from None
    if not isinstance(record, dict):
        raise InputError(str(path), type(record).__name__, REMAKE, problem="malformed file:")
    return record


def _read_one(f: Path) -> pd.DataFrame:
    """One ``outcomes.csv``, checked against the row count its manifest records."""
    record = _read_manifest(f.parent / "manifest.json")
    try:
        frame = pd.read_csv(f, dtype={"seed": "uint64"})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError,
            OverflowError, UnicodeDecodeError) as err:
        raise InputError(str(f), str(err).split("\n")[0], REMAKE,
                         problem="malformed file:") from None
    missing = {"scenario", "draw", "replicate", "seed", "outcome", "value"} - set(frame)
    if missing:
        raise InputError(f"{f}: header", ",".join(frame.columns),
                         "missing columns: " + ", ".join(sorted(missing)) + "; " + REMAKE)
    expected = record.get("outcome_rows")
    if expected is not None and expected != len(frame):
        raise InputError(str(f), f"{len(frame)} rows", f"its manifest.json records "
                         f"{expected}; {REMAKE}", problem="truncated file:")
    return frame


def read_outcomes(directory: Path) -> tuple[dict[str, pd.DataFrame], dict[str, dict],
                                          tuple]:
    """``{scenario: outcomes}``, ``{scenario: manifest}`` and the scenarios skipped.

    A scenario folder without outcomes (every run failed) is skipped with a note, so one
    failed scenario does not stop the comparison of the others.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("--out", str(directory), "give the directory 'coprod run' wrote",
                         problem="no such directory")
    folders = sorted(p.parent for p in directory.glob("*/manifest.json"))
    folders += sorted(p.parent for p in directory.glob("*/runs.sqlite")
                      if not (p.parent / "manifest.json").exists())
    files = [f / "outcomes.csv" for f in folders if (f / "outcomes.csv").is_file()]
    skipped = tuple(f.name for f in folders if not (f / "outcomes.csv").is_file())
    if not files:
        raise InputError("out", str(directory), "no <scenario>/outcomes.csv "
                         "found there; run the scenarios into this directory first",
                         problem="empty directory")
    out, manifests = {}, {}
    for f in files:
        out[f.parent.name] = _read_one(f)
        manifests[f.parent.name] = _read_manifest(f.parent / "manifest.json")
    return out, manifests, skipped


def read_inputs(directory: Path, names) -> dict[str, pd.DataFrame]:
    """``{scenario: inputs.csv}`` for the given scenarios (what each run was given).

    Folders written before runs recorded their inputs have none: they are left out
    (their effects cannot be attributed), the others are read defensively.
    """
    out = {}
    for name in names:
        path = Path(directory) / name / "inputs.csv"
        if not path.is_file():
            continue
        frame = read_own_csv(path, "coprod run ... --out DIR", dtype={"seed": "uint64"},
                             columns=("draw", "replicate", "posterior_draw",
                                      "assumption_draw"))
        out[name] = frame
    return out


def _check_pairing(manifests: dict[str, dict], baseline: str) -> None:
    """Refuse to pair scenarios run with another root seed or posterior than the baseline."""
    base = manifests[baseline]
    for name, record in manifests.items():
        for key, label in (("seed", "root seed"), ("posterior", "posterior")):
            ident, base_ident = record.get("identity", {}), base.get("identity", {})
            if key == "posterior" and "posterior_sha256" in ident and \
                    "posterior_sha256" in base_ident:
                same = ident["posterior_sha256"] == base_ident["posterior_sha256"]
            else:
                same = record.get(key) == base.get(key)
            if not same:
                raise InputError(f"{name}/manifest.json: {key}", record.get(key),
                                 f"runs pair only when the {label} is the baseline's "
                                 f"({base.get(key)!r}); rerun one of them with the same "
                                 "--seed and --posterior", problem="unpaired value")


def _summary(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return (np.nan,) * 3
    lo, med, hi = np.quantile(values, [0.05, 0.5, 0.95])
    return float(med), float(lo), float(hi)


def compare_scenarios(directory: Path, baseline: str = "baseline", *,
                      reps: int = 10_000, rng=0) -> Comparison:
    """Build the comparison table (and the baseline's fit to the survey)."""
    outcomes, manifests, skipped = read_outcomes(directory)
    if baseline not in outcomes:
        raise InputError("baseline", baseline, "scenarios found: "
                         + ", ".join(sorted(outcomes)), problem="unknown scenario")
    _check_pairing(manifests, baseline)
    # The seed is part of the key: runs pair only when draw, replicate and seed agree.
    wide = {name: frame.pivot_table(index=KEY, columns="outcome", values="value")
            for name, frame in outcomes.items()}
    base = wide[baseline]
    rows = []
    order = [baseline, *sorted(n for n in wide if n != baseline)]
    for name in order:
        frame = wide[name]
        paired = frame.join(base.add_suffix("__base"), how="inner")
        for outcome in frame.columns:
            values = frame[outcome].to_numpy()
            med, lo, hi = _summary(values)
            # The mean too: for a 0/1 outcome (class:<name>) it is the class's probability.
            row = {"scenario": name, "outcome": outcome, "median": med, "low_90": lo,
                   "high_90": hi, "mean": float(np.nanmean(values)) if np.isfinite(
                       values).any() else np.nan, "runs": int(frame[outcome].notna().sum())}
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
    designs = read_inputs(directory, outcomes)
    groups = {**dict.fromkeys(FREE, "parameters"), **dict.fromkeys(ASSUMPTIONS, "assumptions")}
    attribution = attribution_table(outcomes, designs, baseline, SUMMARY, groups)
    return Comparison(table, baseline, fit, skipped, attribution)
