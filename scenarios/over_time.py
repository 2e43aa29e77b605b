"""A policy's paired effect year by year from the switch: yours, the adopters', everyone's.

Scenarios of one root seed branch from the same 2015 world (:class:`scenarios.ensemble.
WorldTask`, :func:`sim.runner.run_branches`): run (draw, replicate, seed) of a policy
and of the baseline are one world up to the snapshot, so their difference in a year is
the policy's effect on that run, and year 0 (the snapshot) differs by exactly nothing.
Each run records every municipality at the snapshot and at the end of each year after
it (``municipalities_by_year.csv``, :func:`scenarios.ensemble.year_frame`).

**A year's value** is that of the last :data:`sim.outcomes.TAIL_WEEKS` (four) weeks of
the year: activities and who coordinated them over those weeks, volunteers in its last
week. That is the window the horizon's outcomes use (``municipalities.csv``, the
``own:``, ``adopters:``, ``per_1000:`` and by-type rows of ``comparison.csv``) and the
survey's, so the horizon's year is the same number as ``comparison.csv`` at the horizon,
not a second definition beside it. A mean over the year's 52 weeks would be steadier but
would disagree with the horizon's rows; four weeks make each year noisier, which the 90%
band shows. One exception, said in :data:`NOTE`: for all municipalities together, a
share here is of the four weeks' activities summed, while ``comparison.csv``'s
``share_*`` rows without a prefix average the four weekly shares (a hair apart).

Groups: ``own`` (the planner's municipality, ``--municipality``), ``adopters`` (the
municipalities whose volunteer centre, policy or service the scenario switched by the
horizon, in both runs of a pair: the same places), ``like_yours`` (the municipalities
within a factor of two of one's own inhabitants, one's own left out:
:func:`scenarios.effects.similar_size`), ``like_yours_adopters`` (those of them among the
adopters: the steadier reading of adopting) and ``all``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from runtime.words import again_with
from scenarios.derived import FTE_WORDS, HOURS_PER_FTE_WEEK, STAFF_FTE
from scenarios.effects import (
    KEY,
    MUNI_FILE,
    Ensembles,
    read_municipalities_file,
    rerun,
    similar_size,
)
from scenarios.ensemble import SNAPSHOT_YEAR, YEARS_FILE
from sim.municipality import GROUPS, MODES, SHOWN_TYPES
from sim.world import WEEKS_PER_YEAR

FILE, FIGURE = "effect_by_year.csv", "effect_by_year.png"
GROUP_NAMES = ("own", "adopters", "like_yours", "like_yours_adopters", "all")
# The outcomes followed year by year, in a council's order, with their words and the
# unit of their differences (values are stored in it: shares in percentage points).
OUTCOMES = {
    "share_municipality": ("coordinated by the municipality alone", "percentage points"),
    "share_voluntary": ("coordinated by organisations alone", "percentage points"),
    "share_together": ("coordinated together", "percentage points"),
    "per_1000:active_volunteers": ("active volunteers per 1,000 inhabitants",
                                   "people per 1,000 inhabitants"),
    "nursing_home:activities_per_unit": ("volunteer activities per week per nursing home",
                                         "activities per week per nursing home"),
    "home_care:activities_per_unit": ("volunteer activities per week per home-care "
                                      "district", "activities per week per district"),
    STAFF_FTE: ("staff time coordinating them", "FTE"),
}
PLOTTED = ("share_municipality", "share_voluntary", "share_together",
           "per_1000:active_volunteers")
SCALE = {"share_municipality": 100, "share_voluntary": 100, "share_together": 100}
COLUMNS = ("scenario", "group", "year", "calendar_year", "week", "outcome", "label",
           "difference_unit", "diff_median", "diff_low_90", "diff_high_90", "runs")
NOTE = ("effect_by_year.csv: the paired difference (scenario minus baseline, run for run) "
        "year by year; year k is the last four weeks of the k-th year after the 2015 "
        f"snapshot (calendar year {SNAPSHOT_YEAR} + k; the runs switch at the snapshot), "
        "the horizon's window, so the horizon's year equals comparison.csv's own:, "
        "adopters: and per_1000: rows; for all municipalities a share is of the four "
        "weeks' activities summed (comparison.csv's share_* rows average the weekly "
        "shares); staff time in " + FTE_WORDS)


def _sums(frame: pd.DataFrame, weight: np.ndarray) -> pd.DataFrame:
    """Per run and year, the sums :func:`sim.municipality.area_outcomes` divides."""
    w = weight.astype(float)
    cols = {f"mode:{m}": sum(frame[f"{g}:{m}"].to_numpy() for g in GROUPS) * w
            for m in MODES}
    for t in SHOWN_TYPES:
        cols[f"{t}:activities"] = sum(frame[f"{t}:{m}"].to_numpy() for m in MODES) * w
        cols[f"{t}:units"] = frame[f"units:{t}"].to_numpy() * w
    for c in ("inhabitants", "active_volunteers", "staff_hours"):
        cols[c] = frame[c].to_numpy() * w
    return pd.DataFrame(cols, index=frame.index).groupby(level=[*KEY, "year"]).sum()


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a / b.where(b > 0)).astype(float)


def _outcomes(sums: pd.DataFrame) -> pd.DataFrame:
    """:data:`OUTCOMES` from :func:`_sums`, in their shown units (NaN: nothing to divide)."""
    total = sum(sums[f"mode:{m}"] for m in MODES)
    out = {f"share_{m}": _ratio(sums[f"mode:{m}"], total) * 100 for m in MODES}
    out["per_1000:active_volunteers"] = _ratio(sums["active_volunteers"] * 1000,
                                               sums["inhabitants"])
    for t in SHOWN_TYPES:
        out[f"{t}:activities_per_unit"] = _ratio(sums[f"{t}:activities"], sums[f"{t}:units"])
    # No inhabitants: nobody in the group (no adopter in that run), no number.
    out[STAFF_FTE] = (sums["staff_hours"] / HOURS_PER_FTE_WEEK).where(sums["inhabitants"] > 0)
    return pd.DataFrame(out)


STATIC = ("inhabitants", "own", *(f"units:{g}" for g in SHOWN_TYPES))


def yearly_differences(mine: pd.DataFrame, base: pd.DataFrame,
                       static: pd.DataFrame) -> pd.DataFrame:
    """Per run, year and group, each outcome's scenario − baseline (shown units).

    ``mine``, ``base``: ``read_municipalities_file(..., by_year=True)`` tables; ``static``:
    the baseline's ``municipalities.csv`` (``read_municipalities_file``), for what does
    not change (inhabitants, units, whose municipality). Runs are paired on (draw,
    replicate, seed) and municipalities on their number (the same place in both runs of
    a pair: one population, one build); the adopters are the scenario run's
    municipalities switched by its last year, in every year. Index ``draw, replicate,
    seed, year``; columns ``group`` and the outcomes.
    """
    both = mine.merge(base, how="inner", left_index=True, right_index=True,
                      suffixes=("", ":base"))
    if both.empty:
        return pd.DataFrame(columns=["group", *OUTCOMES])
    fixed = static[list(STATIC)].reindex(both.index.droplevel("year"))
    for column in STATIC:
        both[column] = both[f"{column}:base"] = fixed[column].to_numpy()
    both = both[np.isfinite(both["inhabitants"].to_numpy(float))]  # a run without its row
    base_part = both[[c for c in both.columns if c.endswith(":base")]]
    base_part.columns = [c[:-len(":base")] for c in base_part.columns]
    years = both.index.get_level_values("year").to_numpy()
    final = pd.Series(years, index=both.index).groupby(level=KEY).transform("max")
    at_end = years == final.to_numpy()
    switched = pd.Series(both["switched"].to_numpy() * at_end, index=both.index)
    adopter = switched.groupby(level=[*KEY, "municipality"]).transform("max").to_numpy() > 0
    own = both["own"].to_numpy() == 1
    inhabitants = both["inhabitants"].to_numpy(float)
    own_size = pd.Series(np.where(own, inhabitants, 0.0), index=both.index) \
        .groupby(level=[*KEY, "year"]).transform("max").to_numpy()
    like = ~own & similar_size(inhabitants, own_size)
    masks = {"own": own, "adopters": adopter, "like_yours": like,
             "like_yours_adopters": like & adopter, "all": np.ones(len(both), dtype=bool)}
    parts = []
    for group, mask in masks.items():
        if not mask.any():
            continue
        diff = _outcomes(_sums(both, mask)) - _outcomes(_sums(base_part, mask))
        diff.insert(0, "group", group)
        parts.append(diff)
    return pd.concat(parts)


def _summary(values: np.ndarray) -> tuple[float, float, float, int]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.nan, np.nan, np.nan, 0
    lo, med, hi = np.quantile(finite, [0.05, 0.5, 0.95])
    return float(med), float(lo), float(hi), len(finite)


def summarise(scenario: str, diffs: pd.DataFrame, weeks: dict[int, int]) -> pd.DataFrame:
    """The median paired difference and its 90% band per group, year and outcome."""
    rows = []
    for (group, year), part in diffs.reset_index().groupby(["group", "year"], sort=False):
        # A horizon that is not a whole number of years ends with a shorter year: its
        # calendar year is the one its last week falls in.
        week = int(weeks.get(int(year), WEEKS_PER_YEAR * int(year)))
        for outcome, (label, unit) in OUTCOMES.items():
            med, lo, hi, runs = _summary(part[outcome].to_numpy(float))
            rows.append({"scenario": scenario, "group": group, "year": int(year),
                         "calendar_year": SNAPSHOT_YEAR + week // WEEKS_PER_YEAR,
                         "week": week, "outcome": outcome,
                         "label": label, "difference_unit": unit, "diff_median": med,
                         "diff_low_90": lo, "diff_high_90": hi, "runs": runs})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    order = {g: i for i, g in enumerate(GROUP_NAMES)}
    return frame.sort_values(["group", "outcome", "year"], key=lambda s: s.map(order)
                             if s.name == "group" else s, kind="stable")


@dataclass(frozen=True)
class OverTime:
    """The effects year by year of every scenario against the baseline."""

    table: pd.DataFrame  # COLUMNS
    notes: tuple = ()


def effect_by_year(ens: Ensembles) -> OverTime:
    """Every scenario's paired effect year by year, from its ``municipalities_by_year.csv``.

    A scenario (or the baseline) without that file, e.g. one run before it was written,
    is left out with a note; one whose manifest records the file's rows says it is
    missing. Each file is checked against its manifest (:func:`read_years`).
    """
    base_path = ens.directory / ens.baseline / YEARS_FILE
    base_manifest = ens.scenarios[ens.baseline].manifest
    if not base_path.is_file():
        return OverTime(pd.DataFrame(columns=list(COLUMNS)),
                        (_missing(base_path, base_manifest, "no effect_by_year"),))
    static = read_municipalities_file(ens.directory / ens.baseline / MUNI_FILE,
                                      base_manifest, inside=ens.inside)
    base = read_years(base_path, base_manifest, static, ens.inside)
    parts, notes = [], []
    for name, outcomes in ens.scenarios.items():
        if name == ens.baseline:
            continue
        path = ens.directory / name / YEARS_FILE
        if not path.is_file():
            notes.append(_missing(path, outcomes.manifest,
                                  f"{name} has no effect_by_year rows"))
            continue
        mine = read_years(path, outcomes.manifest, static, ens.inside)
        weeks = dict(zip(mine.index.get_level_values("year"), mine["week"], strict=True))
        parts.append(summarise(name, yearly_differences(mine, base, static), weeks))
    table = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=list(COLUMNS)))
    return OverTime(table, tuple(notes))


def _recorded_rows(manifest: dict, path: Path) -> int | None:
    """``municipality_year_rows`` of a manifest (None: not recorded); else one line."""
    from sim.errors import InputError

    rows = manifest.get("municipality_year_rows")
    if rows is None:
        return None
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise InputError(f"{path.parent / 'manifest.json'}: field 'municipality_year_rows'",
                         rows, "allowed: a whole number >= 0 (the rows of "
                         f"{YEARS_FILE}); {again_with(rerun(path, '--resume'))}")
    return rows


def _missing(path: Path, manifest: dict, lost: str) -> str:
    """The note for a scenario without its year file (``lost``: what goes without it)."""
    rows = _recorded_rows(manifest, path)
    if rows:
        return (f"{path} is missing, though its manifest.json records {rows:,} rows of it "
                f"(deleted or moved): {lost}; coprod run with the options it was made "
                "with and --resume writes it again from the stored runs")
    return (f"{path} is missing (runs made before it was written): {lost}; run the "
            "scenarios again with coprod run, the options they were made with and --force, "
            "to have it")


def read_years(path: Path, manifest: dict, static: pd.DataFrame,
               inside=None) -> pd.DataFrame:
    """A scenario's ``municipalities_by_year.csv``, checked against its manifest and sample.

    Beside what :func:`scenarios.effects.read_municipalities_file` checks: the rows its
    manifest records (a malformed count blames the manifest), years and weeks within the
    manifest's horizon, and municipalities of the runs' sample (``static``: the baseline's
    ``municipalities.csv``). Anything else is one line naming file, column and value.
    """
    from sim.errors import InputError

    _recorded_rows(manifest, path)
    table = read_municipalities_file(path, manifest, by_year=True, inside=inside)
    again = again_with(rerun(path, "--resume"))
    horizon = manifest.get("horizon_weeks")
    if isinstance(horizon, int) and not isinstance(horizon, bool):
        last = -(-horizon // WEEKS_PER_YEAR)
        years = table.index.get_level_values("year").to_numpy()
        for column, values, top in (("year", years, last),
                                    ("week", table["week"].to_numpy(), horizon)):
            beyond = values > top
            if beyond.any():
                raise InputError(f"{path}: column '{column}'", int(values[beyond][0]),
                                 f"allowed: 0 to {top} (the manifest's horizon is {horizon} "
                                 f"weeks); {again}", problem="past the horizon:")
    known = set(static.index.get_level_values("municipality").tolist())
    places = table.index.get_level_values("municipality").to_numpy()
    outside = ~np.isin(places, list(known))
    if outside.any():
        raise InputError(f"{path}: column 'municipality'", int(places[outside][0]),
                         f"allowed: a municipality of the runs' sample (0 to "
                         f"{max(known)}, as in municipalities.csv); {again}",
                         problem="not in the sample:")
    return table


def write(over: OverTime, stage: Path) -> list[str]:
    """Write ``effect_by_year.csv`` and ``.png`` into ``stage``; the names written.

    No figure when no scenario has one's own municipality or adopters (all
    municipalities' rows are in the CSV); nothing when the table is empty.
    """
    from runtime.files import atomic_write_frame
    from scenarios.scenario_plots import plot_effect_by_year

    if over.table.empty:
        return []
    atomic_write_frame(stage / FILE, over.table)
    figure = plot_effect_by_year(over.table, stage / FIGURE,
                                 {key: OUTCOMES[key] for key in PLOTTED})
    return [FILE] + ([FIGURE] if figure is not None else [])


# Fewer paired runs than this give no 90% band to read: its ends are then the extreme
# runs themselves (one run's "band" is a point, and cleared zero in every year).
MIN_BAND_RUNS = 10


def _clear(row) -> bool:
    """The 90% band excludes zero."""
    return bool(row.diff_low_90 > 0 or row.diff_high_90 < 0)


def trajectory(table: pd.DataFrame, scenario: str, group: str, outcome: str,
               where: str) -> str:
    """How soon the effect shows and whether it lasts, in one sentence (or "").

    ``where``: the group in words ("in ours"). "Shows" means its 90% band over runs
    leaves zero; "lasts" that it stays clear of zero in every later year.
    """
    from scenarios.labels import change

    rows = table[(table.scenario == scenario) & (table.group == group)
                 & (table.outcome == outcome) & (table.year > 0)].sort_values("year")
    rows = rows[np.isfinite(rows.diff_median.astype(float))]
    if rows.empty:
        return ""
    label, unit = OUTCOMES[outcome]
    last = rows.iloc[-1]
    shown = "%" if unit == "percentage points" else unit  # values are in points already
    end = change(last.diff_median, last.diff_low_90, last.diff_high_90, shown, 1)
    head = (f"{where}, {scenario} changes the share {label}" if shown == "%" else
            f"{where}, {scenario} changes {label}")
    runs = int(last.runs)
    text = (f"{head} by {end} in year {int(last.year)} ({int(last.calendar_year)}; "
            f"{runs} paired {'run' if runs == 1 else 'runs'})")
    if runs < MIN_BAND_RUNS:
        return text + (f"; too few runs to say in which year its 90% band leaves zero (at "
                       f"least {MIN_BAND_RUNS})")
    clear = [bool(_clear(r)) for r in rows.itertuples()]
    if not any(clear):
        return text + "; its 90% band includes zero in every year: no year shows it clearly"
    first = clear.index(True)
    y0 = rows.iloc[first]
    since = f"its 90% band leaves zero in year {int(y0.year)} ({int(y0.calendar_year)})"
    if all(clear[first:]):
        return text + f"; {since} and stays clear of it to year {int(last.year)}"
    back = int(rows.iloc[first + clear[first:].index(False)].year)
    return text + f"; {since} but includes zero again in year {back}: it does not last clearly"
