"""Compare scenarios with the baseline, run for run, with intervals.

Reads ``DIR/<scenario>/outcomes.csv`` as written by :mod:`scenarios.ensemble`. For each
scenario and outcome: the median and 90% interval over runs; the difference from the
baseline computed *per paired run* (:mod:`scenarios.effects`: same draw, replicate and
seed), with its median and 90% interval. For the baseline, the simulated Table 2 at the
2015 snapshot (the end of the spin-up, the calibration's point in time) is set against
the observed 2015 shares, or against one's own survey (``observed``: the first wave's
table of the runs' frame).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.inputs import policy_strengths
from calibration.observed_survey import SurveyTable
from calibration.predictive_check import PredictiveCheck, compare
from runtime.words import again_with, quoted, shell_word
from scenarios.attribution import COLUMNS as ATTRIBUTION_COLUMNS
from scenarios.attribution import attribution_table, narrowed_of, strengths_of, world_of
from scenarios.derived import HOURS_PER_FTE_YEAR, STAFF_FTE, with_fte
from scenarios.effects import read_ensembles, rerun
from scenarios.ensemble import years_words
from scenarios.labels import describe
from scenarios.over_time import OverTime, effect_by_year
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.errors import CoprodError, InputError
from sim.outcomes import SUMMARY
from sim.parameters import LEVERS, PARAMETERS
from sim.population_spec import PopulationSpec, describe_name
from sim.regime import POLICY_INPUTS, READINGS


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
    # per scenario whose 2015 snapshot differs from the baseline's: its 2015 survey
    # shares against the baseline's and the observed (scenario, statistic, ...)
    snapshot: pd.DataFrame | None = None
    population: str = "survey2015"  # the runs' population (with one's own municipality)
    # the paired effects year by year from the switch (scenarios.over_time)
    over_time: OverTime | None = None
    years: str = ""  # what "N years ahead" means, in words (scenarios.ensemble.years_words)
    # scenario -> the digest of the manifest its runs were read with (manifest_digest)
    run_manifests: dict = dataclasses.field(default_factory=dict)
    # scenario -> {"runs": paired runs, group: runs where the group holds any municipality}
    # for each of scenarios.effects.AREA_GROUPS (scenarios with municipalities.csv)
    areas: dict = dataclasses.field(default_factory=dict)


def _summary(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return (np.nan,) * 3
    lo, med, hi = np.quantile(values, [0.05, 0.5, 0.95])
    return float(med), float(lo), float(hi)


CLASS_PREFIX = "class:"


def _world_mean_interval(values: pd.Series, reps: int, gen) -> tuple[float, float]:
    """A 90% interval for the mean of ``values`` over runs, resampling whole worlds.

    The runs of one calibrated world (its strength draws and seeds) are not independent
    draws, so the worlds (index level ``draw``) are resampled with their runs: a class's
    probability over runs gets an interval as wide as the worlds make it.
    """
    finite = values[np.isfinite(values.to_numpy(float))]
    if finite.empty:
        return np.nan, np.nan
    by_world = finite.groupby(level="draw").agg(["sum", "count"])
    if len(by_world) < 2:
        return np.nan, np.nan  # one world: nothing to resample
    mean = finite.mean()
    if mean in (0.0, 1.0):
        # Never (always) seen: resampling gives [0, 0] ([1, 1]), as if it could not
        # happen. The exact one-sided 95% bound over the worlds instead (Clopper-Pearson
        # with no successes: 1 - 0.05^(1/worlds), "the rule of three" for many).
        bound = 1.0 - 0.05 ** (1.0 / len(by_world))
        return (0.0, bound) if mean == 0.0 else (1.0 - bound, 1.0)
    picks = gen.integers(0, len(by_world), size=(reps, len(by_world)))
    sums, counts = by_world["sum"].to_numpy(float), by_world["count"].to_numpy(float)
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    low, high = np.quantile(means, [0.05, 0.95])
    return float(low), float(high)


def _rows(name: str, values: pd.DataFrame, diff: pd.DataFrame, *, reps: int = 2000,
          gen=None) -> list[dict]:
    rows = []
    for outcome in values.columns:
        column = values[outcome].to_numpy(float)
        med, lo, hi = _summary(column)
        finite = np.isfinite(column)
        # The mean too: for a 0/1 outcome (class:<name>) it is the class's probability,
        # with a 90% interval over the worlds (mean_low_90, mean_high_90).
        row = {"scenario": name, "outcome": outcome, "median": med, "low_90": lo,
               "high_90": hi, "mean": float(column[finite].mean()) if finite.any() else np.nan,
               "runs": int(finite.sum())}
        if outcome.startswith(CLASS_PREFIX) and gen is not None:
            row["mean_low_90"], row["mean_high_90"] = _world_mean_interval(
                values[outcome], reps, gen)
        if outcome in diff.columns:
            d = diff[outcome].to_numpy(float)
            d_med, d_lo, d_hi = _summary(d)
            row.update({"diff_median": d_med, "diff_low_90": d_lo, "diff_high_90": d_hi,
                        "paired_runs": int(np.isfinite(d).sum())})
        rows.append(row)
    return rows


COUNT_PREFIX = "survey2015_count:"
# Who coordinates in one's own municipality (attributed too: a council's first question).
OWN_SHARES = ("share_municipality", "share_voluntary", "share_together")
READING = "policy_reading"  # inputs.csv's column: the local policy's reading of each run
READING_PREFIX = "reading:"
# A reading with fewer paired runs than this gets no 90% interval (its quantiles would
# be the extreme runs): the sentence says so instead of a number.
MIN_READING_RUNS = 10
READING_WORDS = {"division": "a division of tasks", "sharing": "a sharing of tasks",
                 "control": "municipal control"}


def _reading_weights(manifest: dict, notes: list | None = None) -> dict[str, float] | None:
    """Each reading's posterior weight in the posterior the runs drew from, or None.

    When that posterior cannot be read (moved, or refused: another model version, no
    version), the reason goes to ``notes``: the rows then carry no weight, and say why.
    """
    from calibration.posterior import load_posterior

    source = manifest.get("posterior") if isinstance(manifest, dict) else None
    if not isinstance(source, str):
        return None
    source = source.split(" | factored: ")[0]
    try:
        post = load_posterior(None if source.startswith("shipped") else source)
    except (InputError, OSError) as err:
        if notes is not None:
            notes.append(f"the readings' posterior weights are not given: the posterior the "
                         f"runs drew from could not be read ({err})")
        return None
    if READING not in post.particles.columns:
        return None
    shares = post.level_shares(READING)
    low = min(shares)
    return {READINGS[int(level - low)]: weight for level, weight in shares.items()}


def _reading_rows(name: str, diff: pd.DataFrame, design: pd.DataFrame | None,
                  manifest: dict, notes: list | None = None) -> list[dict]:
    """Rows ``reading:<reading>:<outcome>``: the paired difference under each reading.

    The runs whose posterior draw came with that reading of the local policy
    (``inputs.csv``'s ``policy_reading``); with the reading's posterior weight
    (``reading_weight``), its runs and its world draws. Fewer than
    :data:`MIN_READING_RUNS` paired runs: the median only, no interval. Only for a
    scenario whose runs drew more than one reading.
    """
    from scenarios.effects import KEY

    if design is None or READING not in design or design[READING].nunique() < 2:
        return []
    weights = _reading_weights(manifest, notes) or {}
    frame = diff.reset_index().merge(design[[*KEY, READING, "posterior_draw"]], on=KEY)
    low = int(PARAMETERS[READING].low)
    frame["reading"] = frame[READING].map(lambda v: READINGS[int(v) - low])
    names = [c for c in diff.columns if not c.startswith(("survey", "class:"))]
    rows = []
    for reading in READINGS:
        mine = frame[frame.reading == reading]
        worlds = int(mine.posterior_draw.nunique())
        for outcome in names:
            d = mine[outcome].to_numpy(float) if len(mine) else np.array([])
            finite = d[np.isfinite(d)]
            med = float(np.median(finite)) if len(finite) else np.nan
            lo, hi = (np.quantile(finite, [0.05, 0.95]) if len(finite) >= MIN_READING_RUNS
                      else (np.nan, np.nan))
            rows.append({"scenario": name, "outcome": f"{READING_PREFIX}{reading}:{outcome}",
                         "runs": len(finite), "diff_median": med, "diff_low_90": float(lo),
                         "diff_high_90": float(hi), "paired_runs": len(finite),
                         "reading": reading, "reading_weight": weights.get(reading, np.nan),
                         "reading_worlds": worlds})
    return rows


def reading_lines(table: pd.DataFrame, scenario: str, outcome: str) -> list[str]:
    """The scenario's effect on ``outcome`` under each reading, then averaged, in words.

    From ``comparison.csv``'s ``reading:<reading>:<outcome>`` rows and the averaged
    ``outcome`` row; a reading with too few runs for an interval says so, no number.
    Empty when the scenario has no rows per reading.
    """
    from scenarios.labels import change

    mine = table[table.scenario == scenario].set_index("outcome")
    if outcome not in mine.index or not any(
            f"{READING_PREFIX}{r}:{outcome}" in mine.index for r in READINGS):
        return []
    label = describe(outcome)

    def shown(row) -> str:
        if not np.isfinite(row["diff_median"]):
            return "no run drew this reading: no number given"
        if not (np.isfinite(row["diff_low_90"]) and np.isfinite(row["diff_high_90"])):
            return (f"{int(row['paired_runs'])} paired runs, too few for a 90% interval "
                    f"(at least {MIN_READING_RUNS}): no number given")
        return change(row["diff_median"], row["diff_low_90"], row["diff_high_90"],
                      label.unit, label.scale)

    lines, weights, drawn = [], [], []
    for reading in READINGS:
        key = f"{READING_PREFIX}{reading}:{outcome}"
        if key not in mine.index:
            continue
        r = mine.loc[key]
        w = float(r.get("reading_weight", np.nan))
        weights.append(f"{w:.2f}" if np.isfinite(w) else "?")
        runs = int(r["paired_runs"]) if np.isfinite(r["paired_runs"]) else 0
        drawn.append(str(runs))
        worlds = r.get("reading_worlds", np.nan)
        of = (f" of {int(worlds)} calibrated world{'s' if worlds != 1 else ''}"
              if np.isfinite(worlds) else "")
        lines.append(f"assuming {READING_WORDS.get(reading, reading)} ({reading}; posterior "
                     f"weight {weights[-1]}; {runs} runs{of}): {shown(r)}")
    lines.append("averaged over the readings by their posterior weights "
                 f"{'/'.join(weights)} (the ensemble as drawn: each run's reading came with "
                 f"its posterior draw; runs {'/'.join(drawn)}): {shown(mine.loc[outcome])}")
    return lines
# The planner's outcomes whose effects are attributed too (besides sim.outcomes'),
# over all municipalities, in one's own (own:), in the adopters (adopters:) and in the
# adopters like one's own (like_yours_adopters:).
PLANNER = ("per_1000:active_volunteers", "per_1000:activities_per_week",
           "nursing_home:share_together", "home_care:share_together",
           "nursing_home:activities_per_unit", "home_care:activities_per_unit")


def compare_scenarios(directory: Path, baseline: str = "baseline", *,
                      reps: int = 10_000, rng=0,
                      observed: SurveyTable | None = None, inside=None) -> Comparison:
    """Build the comparison table (and the baseline's fit to the survey).

    ``observed``: the survey the baseline's 2015 snapshot is set against (default the
    paper's Table 2); give the survey whose frame the runs simulated.

    Beside each outcome over all municipalities, for every policy that switches some
    municipalities' flags, the same outcomes over those municipalities (``adopters:``),
    paired with the baseline on the same municipalities; a scenario whose 2015 snapshot
    differs from the baseline's is named in a note and set against it and the survey.
    """
    _refuse_unfinished(Path(directory))
    ens = read_ensembles(directory, baseline, inside=inside)
    for name, outcomes in ens.scenarios.items():  # staff time in FTE beside its hours
        ens.scenarios[name] = dataclasses.replace(outcomes, values=with_fte(outcomes.values))
    notes = ens.notes() + check_manifests(
        {name: (o.path.parent / "manifest.json", o.manifest)
         for name, o in ens.scenarios.items()}, baseline)
    area_runs = {}  # runs in each group of municipalities, per scenario (areas)
    population = ens.scenarios[baseline].manifest.get("population") or "survey2015"
    rows, effects, snapshots, by_reading = [], {}, [], []
    # The class probabilities' intervals draw from a child stream, in table order: the
    # fit below keeps ``rng`` as it was.
    gen = np.random.default_rng(rng).spawn(1)[0]
    for name, outcomes in ens.scenarios.items():
        eff = ens.effects(name)
        if name != baseline and eff.runs and eff.left_out == eff.runs:
            raise InputError(str(directory / name), name, f"no run pairs with a {baseline} "
                             "run of the same draw, replicate and seed; run both with the "
                             "same sizes and --seed", problem="no paired runs for")
        effects[name] = eff.differences
        if eff.note():
            notes.append(eff.note())
        rows += _rows(name, outcomes.values, eff.differences, reps=min(reps, 2000), gen=gen)
        if name == baseline:
            continue
        areas = ens.areas(name) or {}
        if areas:
            area_runs[name] = {"runs": max(a.runs for a in areas.values()),
                            **{g: a.runs - a.switched_none for g, a in areas.items()}}
        for area in areas.values():
            if area.runs and area.switched_none < area.runs and len(area.levels):
                area = dataclasses.replace(area, levels=with_fte(area.levels),
                                           differences=with_fte(area.differences))
                rows += _rows(name, area.levels, area.differences)
                effects[name] = effects[name].join(area.differences, how="left")
        adopt = areas.get("adopters")
        if adopt is not None and adopt.runs:
            if adopt.switched_none == adopt.runs:
                notes.append(f"{name} switches no municipality's volunteer centre, policy or "
                             "service: its levers act in every municipality, so its effect "
                             "is the average over all (no adopters: rows)")
            elif adopt.switched_none:
                notes.append(f"{name}: in {adopt.switched_none} of {adopt.runs} runs no "
                             "municipality switched; its adopters: rows use the other runs")
        notes += like_yours_notes(name, areas, population)
        readings = _reading_rows(name, effects[name], ens.inputs(name),
                                 outcomes.manifest, notes)
        if readings:
            rows += readings
            by_reading.append(name)
        moved = _snapshot(name, outcomes, ens.scenarios[baseline], eff.differences,
                          observed)
        if moved is not None:
            frame, note = moved
            snapshots.append(frame)
            notes.append(note)
    if by_reading:  # the local policy's reading acts wherever a policy holds, 2015 too
        notes.append(f"{', '.join(by_reading)}: the rows without 'reading:' average over "
                     "the local policy's readings as drawn (each run's reading comes with "
                     "its posterior draw, so by their posterior weights); reading:<name>:"
                     "<outcome> rows assume that reading alone")
    table = _labelled(pd.DataFrame(rows), population)
    base = ens.scenarios[baseline].values
    fit = None
    count_cols = [f"survey2015_count:{a}:{c}" for a in TABLE2_IDS for c in COORDINATORS]
    if all(c in base.columns for c in count_cols):
        counts = base[count_cols].dropna().to_numpy()
        counts = counts.reshape(-1, len(TABLE2_IDS), len(COORDINATORS))
        fit = compare(counts, observed, reps=reps, rng=rng) if len(counts) else None
    designs = {name: ens.inputs(name) for name in ens.scenarios if name != baseline}
    del effects[baseline]
    # The local policy's strengths act before 2015: they are world inputs, whose
    # association with each effect is given (not a share: world inputs are dependent).
    # The reading is a choice among levels, not a number: no rank correlation.
    associated = tuple(n for n in POLICY_INPUTS if n != READING)
    parts, left_out = [], []
    for name, diff in effects.items():
        # The weekly outcomes, and the planner's: per 1,000, by unit type, one's own
        # municipality's and the adopters' (where the scenario has them).
        names = tuple(n for n in (*SUMMARY, *(p + o for p in (
                                  "", "own:", "adopters:", "like_yours_adopters:")
                                  for o in PLANNER),
                                  *(f"own:{o}" for o in (*OWN_SHARES, STAFF_FTE)))
                      if n in diff.columns)
        manifest = ens.scenarios[name].manifest
        part, why = attribution_table(
            {name: diff}, {name: designs[name]}, names, {name: strengths_of(manifest)},
            associated, world={name: world_of(manifest)},
            narrowed={name: narrowed_of(manifest)})
        parts.append(part)
        left_out += why
    attribution = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame(columns=ATTRIBUTION_COLUMNS)
    over = effect_by_year(ens)
    base_manifest = ens.scenarios[baseline].manifest
    years = base_manifest.get("years") if isinstance(base_manifest.get("years"), str) else \
        years_words(int(base_manifest.get("horizon_weeks") or 0), 0)
    return Comparison(table, baseline, fit, ens.skipped, attribution,
                      tuple(notes + left_out + list(over.notes)),
                      pd.concat(snapshots, ignore_index=True) if snapshots else None,
                      population, over, years,
                      {name: manifest_digest(o.manifest) for name, o in ens.scenarios.items()},
                      area_runs)


def manifest_digest(record: dict) -> str:
    """A digest of a scenario's manifest as read: what a comparison records of its runs.

    Every rewrite of a scenario's results writes its manifest again (a new date at
    least), so a comparison whose recorded digest differs was made from other runs.
    """
    text = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_manifests(manifests: dict[str, tuple[Path, dict]], baseline: str) -> list[str]:
    """The check ``compare`` makes of the runs' manifests before pairing them.

    Refuses, in one line, runs that cannot pair with the baseline's
    (:func:`scenarios.effects.check_pairable`: horizon, population, root seed,
    posterior) or were made with another model or code version
    (:func:`check_versions`); returns the notes of the latter. ``manifests``: scenario
    name -> (its manifest's path, the record), the baseline's among them.
    """
    from scenarios.effects import check_pairable

    base = manifests[baseline][1]
    for name, (path, record) in manifests.items():
        if name != baseline:
            check_pairable(path, record, baseline, base)
    return check_versions(manifests, baseline)


def check_compared(path: Path, record: dict, manifests: dict[str, tuple[Path, dict]],
                   baseline: str, uncompared: Sequence[str] = ()) -> list[str]:
    """Refuse, in one line, a comparison made from other runs than the folder holds now.

    ``path``: the comparison's manifest (``comparison_manifest.json``), ``record`` its
    content; ``manifests``: the compared scenarios' manifests (:func:`check_manifests`);
    ``uncompared``: the folder's scenarios with runs that the comparison does not hold.
    The runs must pass compare's own check (:func:`check_manifests`, whose notes are
    returned) and be the very runs compared: each manifest's digest as the comparison
    recorded it (a ``run --force`` of one scenario since, or a run killed between two
    scenarios' files, leaves another), on the population the comparison records. A
    scenario run into the folder after the comparison makes it stale too: compare
    compares every scenario of its folder.
    """
    folder = path.parent
    command = quoted(f"coprod compare --out {shell_word(folder)}")  # (“…” round 'quotes')
    again = f"rerun {command} to compare the runs there now"
    recorded = record.get("run_manifests")
    if not (isinstance(recorded, dict) and set(recorded) == set(manifests)
            and all(isinstance(v, str) for v in recorded.values())):
        shown = sorted(recorded) if isinstance(recorded, dict) else recorded
        raise InputError(f"{path}: field 'run_manifests'", shown, "the digests of the "
                         f"manifests of the scenarios compared ({', '.join(manifests)}), "
                         "as 'coprod compare' writes them (an earlier coprod wrote none); "
                         + again, problem="missing or malformed")
    _check_population_field(path, record, baseline, manifests[baseline][1], again)
    try:
        notes = check_manifests(manifests, baseline)
    except CoprodError as err:
        raise CoprodError(f"{folder / 'comparison.csv'} no longer matches the runs in "
                          f"{folder}, which cannot be compared as they are: {err}; then "
                          f"rerun {command}") from None
    for name, (where, run) in manifests.items():
        if manifest_digest(run) != recorded[name]:
            raise InputError(str(folder / "comparison.csv"), name, f"{where} is not the "
                             "manifest it was compared with (its runs were made again "
                             f"since, by coprod run into {folder}, or one of the two "
                             "manifests was edited); " + again,
                             problem="made from other runs of")
    if uncompared:
        name = uncompared[0]
        raise InputError(str(folder / "comparison.csv"), name, f"{folder / name} holds "
                         "runs made after the comparison (compare compares every scenario "
                         "of its folder); " + again, problem="does not compare the runs of")
    return notes


def _check_population_field(path: Path, record: dict, baseline: str, runs: dict,
                            again: str) -> None:
    """Refuse a comparison's ``population`` that is no population, or not its runs'."""
    from sim.population_spec import BASES

    population = record.get("population")
    try:
        PopulationSpec.parse(population)
    except InputError:
        raise InputError(f"{path}: field 'population'", population, "allowed: "
                         f"{', '.join(BASES)}, either with your municipality, or a survey's "
                         "frame, as 'coprod compare' writes them; " + again) from None
    made_on = runs.get("population") or "survey2015"
    if population != made_on:
        raise InputError(f"{path}: field 'population'", population, "allowed: the "
                         f"population of {baseline}'s runs ({describe_name(made_on)}); "
                         + again, problem="another population than the runs':")


def adopts_alone(manifest: dict) -> bool:
    """Whether a scenario's runs switched one's own municipality alone (--adopters own).

    From its manifest's ``overrides`` (the lever ``adopters``: 0 all, 1 own).
    """
    overrides = manifest.get("overrides") if isinstance(manifest, dict) else None
    return isinstance(overrides, dict) and overrides.get("adopters") == 1


def check_groups(path: Path, record: dict, table: pd.DataFrame,
                 manifests: dict[str, tuple[Path, dict]]) -> None:
    """Refuse a comparison whose rows of groups disagree with what its runs recorded.

    ``record``: the comparison's manifest at ``path``, whose ``areas`` counts, per
    scenario, the runs in which each group of municipalities
    (:data:`scenarios.effects.AREA_GROUPS`) holds any; ``table``: comparison.csv;
    ``manifests``: the scenarios' (path, record); one that says ``--adopters own``
    (:func:`adopts_alone`) has no municipality like one's own adopting. A group has rows
    exactly when it holds municipalities in some run; what the report says of who
    adopts is read from those rows.
    """
    from scenarios.effects import AREA_GROUPS

    alone = {name for name, (_, run) in manifests.items() if adopts_alone(run)}
    areas = record.get("areas")
    again = f"rerun {quoted(f'coprod compare --out {shell_word(path.parent)}')}"
    if not isinstance(areas, dict):
        raise InputError(f"{path}: field 'areas'", areas, "the runs in each group of "
                         "municipalities per scenario, as 'coprod compare' writes them "
                         "(an earlier coprod wrote none); " + again,
                         problem="missing or malformed")
    for name in dict.fromkeys(table.scenario):
        counts = areas.get(name, {})
        runs = counts.get("runs", 0) if isinstance(counts, dict) else None
        if not (isinstance(counts, dict) and set(counts) <= {"runs", *AREA_GROUPS}
                and all(type(v) is int and 0 <= v <= runs for v in counts.values())):
            raise InputError(f"{path}: field 'areas', scenario {name}", counts,
                             "whole numbers of runs, at most 'runs', for "
                             f"{', '.join(AREA_GROUPS)}; " + again)
        if name in alone and counts.get("like_yours_adopters", 0):
            raise InputError(f"{path}: field 'areas', scenario {name}", counts,
                             "no run where a municipality like yours adopts: its "
                             "manifest.json says --adopters own (yours alone adopts); "
                             + again, problem="contradicts its runs:")
        outcomes = table.outcome[table.scenario == name]
        for group in AREA_GROUPS:
            rows = bool(outcomes.str.startswith(group + ":").any())
            held = counts.get(group, 0)
            if rows != (held > 0):
                recorded = (f"{held} run(s) where that group holds municipalities" if held
                            else "no run where that group holds any municipality")
                raise InputError(f"{path.parent / 'comparison.csv'}: scenario {name}",
                                 f"{group}:...", f"rows as the runs are (comparison_"
                                 f"manifest.json records {recorded}); " + again,
                                 problem="rows present for" if rows else "no rows for")


# Packages whose version can change the numbers a run gives (random streams, compiled
# arithmetic, statistics); a difference is said in one line.
NUMERIC_PACKAGES = ("numpy", "numba", "scipy", "pandas", "mesa")


def _model_version(path: Path, record: dict) -> int | None:
    """``versions.model`` of a manifest, or one line refusing it (missing ones too).

    coprod writes the versions into every run's manifest: one without them was not
    written by it, and its runs cannot be vouched for.
    """
    versions = record.get("versions")
    if versions is None:
        raise InputError(f"{path}: versions", "missing", "the versions the runs were made "
                         f"with, as coprod writes them; {again_with(rerun(path))}",
                         problem="unvouched runs:")
    value = versions.get("model") if isinstance(versions, dict) else versions
    if not (isinstance(value, str) and value.isascii() and value.isdigit()
            and len(value) < 6):
        # A bare number (4, not "4") is a version coprod never writes: said as such.
        kind = (f"the version as text of digits ('{value}'), as coprod writes it"
                if isinstance(value, int) and not isinstance(value, bool) and 0 <= value
                < 10**5 else "a whole number as coprod writes it (text of digits)")
        raise InputError(f"{path}: versions.model", value,
                         f"{kind}; {again_with(rerun(path))}", problem="malformed value")
    return int(value)


MAX_POSTERIOR_TEXT = 4096  # a posterior's folder path, or "shipped: ..."


def _check_names(path: Path, record: dict) -> None:
    """A manifest's scenario name and posterior as coprod writes them, or one line.

    The name is the folder's (each scenario is written into a folder of its name); the
    posterior a line of printable text (a folder's path or "shipped: ...").
    """
    name = record.get("scenario")
    if name is not None and name != path.parent.name:
        raise InputError(f"{path}: field 'scenario'", name, f"allowed: the folder's name "
                         f"'{path.parent.name}' (coprod writes each scenario into a folder "
                         f"of its name); {again_with(rerun(path))}",
                         problem="another scenario than its folder:")
    posterior = record.get("posterior")
    if isinstance(posterior, str) and (not posterior.strip() or not posterior.isprintable()
                                       or len(posterior) > MAX_POSTERIOR_TEXT):
        raise InputError(f"{path}: field 'posterior'", posterior, "allowed: a folder's path "
                         f"or 'shipped: ...', printable, at most {MAX_POSTERIOR_TEXT:,} "
                         f"characters; {again_with(rerun(path))}",
                         problem="malformed value")


def check_versions(manifests: dict[str, tuple[Path, dict]], baseline: str) -> list[str]:
    """Refuse runs of another model or code version than the baseline's; notes else.

    Each manifest's scenario name and posterior are checked first (:func:`_check_names`);
    a posterior recorded by some manifests and not others is said in a note.
    ``manifests``: scenario name -> (its manifest's path, the record). The model version
    and the code version (``identity.code_version``) must agree with the baseline's;
    numeric packages that differ (:data:`NUMERIC_PACKAGES`) and a model version other
    than this coprod's are each said in one line (returned).
    """
    from sim.parameters import MODEL_VERSION

    for path, record in manifests.values():
        _check_names(path, record)
    base_path, base = manifests[baseline]
    base_model = _model_version(base_path, base)
    base_code = (base.get("identity") or {}).get("code_version")
    base_packages = base.get("versions") if isinstance(base.get("versions"), dict) else {}
    notes, packages = [], set()
    for path, record in manifests.values():
        model = _model_version(path, record)
        if model is not None and base_model is not None and model != base_model:
            raise InputError(f"{path}: versions.model", str(model), f"runs of one model "
                             f"version: {baseline} was run with model version "
                             f"{base_model}; run both again with this coprod",
                             problem="another model version than the baseline's:")
        identity = record.get("identity")
        if not isinstance(identity, dict):
            raise InputError(f"{path}: identity", "missing", "the runs' identity (seed, "
                             f"posterior, code) as coprod writes it; {again_with(rerun(path))}",
                             problem="unvouched runs:")
        code = identity.get("code_version")
        if code is not None and base_code is not None and code != base_code:
            raise InputError(f"{path}: identity.code_version", code, f"runs of one code "
                             f"version: {baseline} was run with {base_code!s:.40}; run both "
                             "again with this coprod", problem="another code version than "
                             "the baseline's:")
        versions = record.get("versions") if isinstance(record.get("versions"), dict) else {}
        packages |= {p for p in NUMERIC_PACKAGES if p in versions and p in base_packages
                     and versions[p] != base_packages[p]}
    unrecorded = [name for name, (_, record) in manifests.items()
                  if record.get("posterior") is None]
    if unrecorded and len(unrecorded) < len(manifests):  # all missing: an older coprod
        notes.append(f"the manifest.json of {', '.join(unrecorded)} records no posterior: "
                     "whether those runs drew from the same posterior as the others' cannot "
                     "be checked (run them again with this coprod to record it)")
    if packages:
        notes.append("the runs were made with other versions of " + ", ".join(
            sorted(packages)) + f" than {baseline}'s (see each manifest.json's versions): "
            "their numbers may differ for that alone")
    if base_model is not None and base_model != MODEL_VERSION:
        notes.append(f"the runs were made with model version {base_model}; this coprod's "
                     f"model is version {MODEL_VERSION}: they describe that model")
    return notes


def _refuse_unfinished(directory: Path) -> None:
    """Refuse, in one line, a folder whose scenarios were all interrupted (runs only)."""
    if not directory.is_dir() or any(directory.glob("*/outcomes.csv")):
        return
    stores = sorted(p.parent.name for p in directory.glob("*/runs.sqlite"))
    if stores:
        raise InputError("folder", str(directory), "the runs of " + ", ".join(stores[:5])
                         + " were interrupted before their outcomes were written; finish "
                         "them with coprod run, adding --resume to the options they were "
                         "begun with",
                         problem="unfinished runs in")


def _labelled(table: pd.DataFrame, population: str) -> pd.DataFrame:
    """The table with each outcome's label, unit and whose it is, after ``outcome``.

    ``unit`` is the median's, ``difference_unit`` the differences' (points for shares).
    """
    if table.empty:
        return table
    own = PopulationSpec.of(population).municipality
    labels = {name: describe_outcome(name, population, own.name if own else None,
                              own.inhabitants if own else None)
              for name in table.outcome.unique()}
    table.insert(2, "label", table.outcome.map(lambda n: labels[n].label))
    table.insert(3, "unit", table.outcome.map(lambda n: labels[n].unit))
    table.insert(4, "difference_unit", table.outcome.map(lambda n: labels[n].difference_unit))
    table.insert(5, "of", table.outcome.map(lambda n: labels[n].of))
    # Values stay in the model's units (shares as fractions); `scale` converts them to
    # `unit` (100 for %), as in sim.outcomes.
    table.insert(6, "scale", table.outcome.map(lambda n: labels[n].scale))
    return table


def describe_outcome(name: str, population: str = "survey2015", own: str | None = None,
              size: int | None = None):
    """:func:`scenarios.labels.describe`, with a reading's words, FTE's and like-yours'.

    ``reading:<r>:<outcome>`` says its reading; ``…staff_fte`` (:mod:`scenarios.derived`)
    takes the staff hours' words, in FTE; ``like_yours:`` and ``like_yours_adopters:``
    the adopters' words and units, and whose they are (``size``: one's own inhabitants).
    """
    for prefix in (LIKE, LIKE_ADOPTERS):
        if name.startswith(prefix):
            label = describe_outcome("adopters:" + name[len(prefix):], population, own)
            mine = own or "your municipality"
            band = (like_yours_words(size, f"{mine}'s") if size else
                    f"within a factor of two of {mine}'s inhabitants")
            like = f"the municipalities like {mine} ({band}; {mine} left out)"
            whose = (f"in {like}" if prefix == LIKE else f"in the like-yours adopters: "
                     f"{like} whose flag the scenario switched")
            return dataclasses.replace(label, of=f"{whose}, at the horizon; the baseline "
                                       "on the same municipalities")
    if name.endswith(STAFF_FTE) and not name.startswith(READING_PREFIX):
        hours = describe(name[:-len(STAFF_FTE)] + "staff_hours", population, own)
        return dataclasses.replace(hours, label="Staff time spent coordinating, in FTE "
                                   f"of {HOURS_PER_FTE_YEAR:,} hours a year", unit="FTE",
                                   scale=1)
    if not name.startswith(READING_PREFIX):
        return describe(name, population, own)
    reading, _, rest = name[len(READING_PREFIX):].partition(":")
    label = describe(rest, population, own)
    return dataclasses.replace(label, of=f"{label.of}; assuming the local policy's "
                               f"reading {READING_WORDS.get(reading, reading)} ({reading}) "
                               "alone")


def _snapshot(name: str, mine, base, diff: pd.DataFrame,
              observed: SurveyTable | None = None):
    """(table, note) when the scenario's 2015 snapshot differs from the baseline's.

    ``observed``: the survey its shares are set against (default the paper's Table 2).
    """
    counts = [c for c in diff.columns if c.startswith(COUNT_PREFIX)]
    if not counts:
        return None
    changed = diff[counts].abs().fillna(0).to_numpy()
    moved = changed.max(axis=1) > 0
    if not moved.any():
        return None
    from calibration.observed_survey import load_table2

    table = observed if observed is not None else load_table2()
    observed = {f"{a}:{c}": table.counts[i, j] / table.counts[i].sum()
                for i, a in enumerate(table.activities) for j, c in enumerate(COORDINATORS)}
    frames = {"scenario": mine.values, "baseline": base.values}
    shares = {}
    for who, values in frames.items():
        cube = values[counts].to_numpy(float).reshape(len(values), -1, len(COORDINATORS))
        n = cube.sum(axis=2, keepdims=True)
        shares[who] = np.divide(cube, n, out=np.full(cube.shape, np.nan), where=n > 0)
        shares[who] = shares[who].reshape(len(values), -1)
    rows = []
    for k, column in enumerate(counts):
        cell = column[len(COUNT_PREFIX):]
        rows.append({"scenario": name, "statistic": f"share:{cell}",
                     "observed": observed.get(cell, np.nan),
                     "baseline_median": float(np.nanmedian(shares["baseline"][:, k])),
                     "scenario_median": float(np.nanmedian(shares["scenario"][:, k])),
                     "count_diff_median": float(np.median(diff[column].dropna())),
                     "count_diff_largest": float(diff[column].abs().max())})
    overrides = mine.manifest.get("overrides") or {}
    # Parameters acting only after the switch (computed, calibration.inputs) and the
    # switch's date leave the path up to it as the baseline's, run for run.
    after = {*policy_strengths(), "lever_week"}
    acting = [k for k in overrides if k not in LEVERS and k not in after] \
        if isinstance(overrides, dict) else []
    why = (f"it sets {', '.join(acting)}, which act{'s' if len(acting) == 1 else ''} "
           "before the levers switch" if acting else "it changes the world before the "
           "levers switch")
    note = (f"{name}: its 2015 snapshot differs from the baseline's in {int(moved.sum())} of "
            f"{len(moved)} paired runs (survey counts up to {int(changed.max())} units "
            f"apart): {why}; snapshot_2015.csv sets its 2015 survey shares against the "
            "baseline's and the observed; its effects include that difference")
    return pd.DataFrame(rows), note


# One's own municipality's answer, in a council's order: who coordinates, then volunteers.
OWN_FIRST = (("own:share_municipality", "coordinated by the municipality alone"),
             ("own:share_voluntary", "coordinated by organisations alone"),
             ("own:share_together", "coordinated together"),
             ("own:per_1000:active_volunteers", "active volunteers per 1,000 inhabitants"),
             ("own:nursing_home:activities_per_unit",
              "volunteer activities per week per nursing home"),
             ("own:home_care:activities_per_unit",
              "volunteer activities per week per home-care district"),
             ("own:staff_fte", f"staff time coordinating them, in full-time equivalents "
              f"of {HOURS_PER_FTE_YEAR:,} hours a year"))


def _rests_on(attribution: pd.DataFrame | None, scenario: str, outcome: str,
              lead: str = "; its uncertainty") -> str:
    """What one effect's uncertainty rests on most, with its share, in a few words.

    ``lead``: the words before "rests most on" ('' without an attribution).
    """
    from scenarios.attribution import GROUP_WORDS, share_words

    if attribution is None or attribution.empty:
        return ""
    rows = attribution[(attribution.scenario == scenario) & (attribution.outcome == outcome)
                       & (attribution.kind == "group")]
    rows = rows[np.isfinite(rows.share.astype(float))]
    if rows.empty:
        return ""
    top = rows.loc[rows.share.astype(float).idxmax()]
    return (f"{lead} rests most on {GROUP_WORDS.get(top.input, top.input)}: "
            f"{share_words(top.share, top.low_90, top.high_90)}")


def own_lines(table: pd.DataFrame, baseline: str, own: str,
              attribution: pd.DataFrame | None = None, *, split: bool = False) -> list:
    """One's own municipality first: per scenario, who coordinates and volunteers.

    For each scenario against ``baseline`` in the municipality ``own`` (its ``own:``
    rows): the level before (the baseline's median and 90% over runs), after (the
    scenario's) and the paired change with its 90% interval, then what the change's
    uncertainty rests on most (``attribution.csv``; chance, assumed, narrowed). Empty
    without ``own:`` rows. ``split``: ``(heading, parts)`` per scenario instead of one
    sentence each (the console prints a part a line).
    """
    from scenarios.labels import change, number

    rows = table.set_index(["scenario", "outcome"])
    out = []
    for name in dict.fromkeys(table.scenario):
        if name == baseline:
            continue
        parts = []
        for key, words in OWN_FIRST:
            if (name, key) not in rows.index or (baseline, key) not in rows.index:
                continue
            before, after = rows.loc[(baseline, key)], rows.loc[(name, key)]
            label = describe_outcome(key)
            # The words carry the unit; % for shares (points for changes) and FTE stay.
            unit = label.unit if label.unit in ("%", "FTE") else ""

            def level(r, label=label, unit=unit) -> str:
                # The interval's ends without the unit, which the median carries.
                bare = "%" if unit == "%" else ""
                return (f"{number(r['median'], unit, label.scale)} (90% "
                        f"{number(r['low_90'], bare, label.scale)} to "
                        f"{number(r['high_90'], bare, label.scale)})")

            moved = change(after["diff_median"], after["diff_low_90"],
                           after["diff_high_90"], unit, label.scale)
            parts.append(f"{words} {level(before)} before, {level(after)} after, a change "
                         f"of {moved}{_rests_on(attribution, name, key)}")
        if parts:
            out.append((f"In {own}, {name} against {baseline} at the horizon (median and "
                        "90% over runs; the change is the median of the changes paired run "
                        "for run, so it need not be after minus before)", parts))
    return out if split else [f"{head}: " + "; ".join(parts) + "." for head, parts in out]


# Checked against sim/kernels.py and sim/world.py: every state (units, organisations'
# volunteer teams, dominance and co-production memories) is kept per municipality and no
# quantity summed over municipalities feeds back into one; only the random numbers are
# drawn in one stream over all of them.
NO_LINK = ("The model has no link between municipalities (each has its own units, "
           "organisations and volunteer teams, and nothing summed over municipalities acts "
           "on one), so 'only we adopt' (--adopters own) differs from 'everyone adopts' in "
           "your municipality by chance only: the random numbers are drawn in one stream "
           "over all municipalities, so one seed gives another run.")
LIKE, LIKE_ADOPTERS = "like_yours:", "like_yours_adopters:"
# The outcomes the compact lines on the adopters and the municipalities like one's own
# give, in the own block's order (OWN_FIRST) with shorter words.
GROUP_FIRST = (("share_municipality", "coordinated by the municipality alone"),
               ("share_voluntary", "by organisations alone"),
               ("share_together", "together"),
               ("per_1000:active_volunteers", "active volunteers per 1,000 inhabitants"),
               ("nursing_home:activities_per_unit", "activities a week per nursing home"),
               ("home_care:activities_per_unit", "per home-care district"),
               (STAFF_FTE, "staff time, summed over them"))


def like_yours_words(inhabitants: int, whose: str = "yours") -> str:
    """The size band of the municipalities like one's own, in words."""
    from scenarios.effects import LIKE_FACTOR

    return (f"{inhabitants / LIKE_FACTOR:,.0f} to {inhabitants * LIKE_FACTOR:,.0f} "
            f"inhabitants, within a factor of two of {whose}")


def _count(mine: pd.DataFrame, prefix: str) -> float:
    """The median over runs of how many municipalities a group holds (NaN: no rows)."""
    key = prefix + "municipalities"
    return float(mine.loc[key, "median"]) if key in mine.index else np.nan


def like_yours_notes(name: str, areas: dict, population: str) -> list[str]:
    """What compare says of the municipalities like one's own, for scenario ``name``.

    Too few of them (fewer than :data:`scenarios.effects.MIN_LIKE`, median over runs)
    to be steadier than one's own; none of them adopting (``--adopters own``): their
    change is then chance, not the policy (:data:`NO_LINK`).
    """
    from scenarios.effects import MIN_LIKE

    own = PopulationSpec.of(population).municipality
    like, both = areas.get("like_yours"), areas.get("like_yours_adopters")
    adopt = areas.get("adopters")
    if own is None or like is None or not like.runs:
        return []
    if like.switched_none == like.runs:
        return [f"{name}: no municipality of the runs is within a factor of two of "
                f"{own.name}'s size ({like_yours_words(own.inhabitants)}): no like_yours: "
                "rows"]
    notes = []
    count = float(np.median(like.levels[LIKE + "municipalities"]))
    if count < MIN_LIKE:
        notes.append(f"{name}: {count:.0f} municipalities (median over runs) are like "
                     f"{own.name} ({like_yours_words(own.inhabitants)}): fewer than "
                     f"{MIN_LIKE}, too few to be a steadier reading than {own.name} alone; "
                     "their like_yours: rows are shown all the same")
    switches = adopt is not None and adopt.switched_none < adopt.runs
    if switches and both is not None and both.switched_none == both.runs:
        notes.append(f"{name}: no municipality like {own.name} adopts in any run (as with "
                     "--adopters own, or when none of them is switched): their like_yours: "
                     "rows are no reading of the "
                     "policy but what it does to those who do not adopt, which in this "
                     "model is chance alone (no link between municipalities; one stream "
                     "of random numbers)")
    return notes


def _group_parts(mine: pd.DataFrame, prefix: str) -> str:
    """The changes of :data:`GROUP_FIRST` in one group, in words (``mine``: by outcome)."""
    from scenarios.labels import change

    parts = []
    for key, words in GROUP_FIRST:
        name = prefix + key
        if name not in mine.index or not np.isfinite(mine.loc[name, "diff_median"]):
            continue
        r, label = mine.loc[name], describe_outcome(name)
        # The words carry the unit; points for shares and FTE for staff time stay.
        unit = label.unit if label.unit in ("%", "FTE") else ""
        parts.append(f"{words} " + change(r["diff_median"], r["diff_low_90"],
                                          r["diff_high_90"], unit, label.scale))
    return "; ".join(parts)


def _volunteers_rest_on(attribution: pd.DataFrame | None, scenario: str, prefix: str) -> str:
    """' The change in volunteers rests most on …' for a group, or ''."""
    said = _rests_on(attribution, scenario, prefix + "per_1000:active_volunteers",
                     " The uncertainty of the change in active volunteers")
    return said + "." if said else ""


def group_lines(table: pd.DataFrame, baseline: str, population: str,
                attribution: pd.DataFrame | None = None) -> list[str]:
    """After one's own municipality: the adopters, and the municipalities like it.

    Per scenario against ``baseline``, one line each (the paired change, median and
    90% over runs). The steadier reading of adopting is the like-yours adopters
    (``like_yours_adopters:``: within a factor of two of one's own size and switched
    by the scenario); where the scenario's levers act on every municipality (no
    adopters), all municipalities like one's own; where none of them adopts
    (``--adopters own``), their change is said to be chance, not the policy's.
    ``attribution``: what the change in volunteers rests on most, where attributed.
    Empty without one's own municipality.
    """
    from scenarios.effects import MIN_LIKE

    own = PopulationSpec.of(population).municipality
    if own is None:
        return []
    lines = []
    for name in dict.fromkeys(table.scenario):
        if name == baseline:
            continue
        mine = table[table.scenario == name].set_index("outcome")
        adopters, like = _count(mine, "adopters:"), _count(mine, LIKE)
        both = _count(mine, LIKE_ADOPTERS)
        if np.isfinite(adopters) and adopters > 1:
            lines.append(f"The adopters, {name} against {baseline} ({adopters:.0f} "
                         "municipalities whose flag it switched, median over runs; the "
                         "baseline on the same municipalities): " +
                         _group_parts(mine, "adopters:") + "."
                         + _volunteers_rest_on(attribution, name, "adopters:"))
        if not np.isfinite(like):
            continue
        if like < 1:  # none in most runs: their rows rest on the few runs with any
            lines.append(f"Municipalities like yours ({like_yours_words(own.inhabitants)}): "
                         f"none in most runs of {name} (median {like:.0f} over runs), so "
                         f"no reading steadier than {own.name} alone.")
            continue
        band = f"{like:.0f} municipalities of {like_yours_words(own.inhabitants)}"
        few = (f" Fewer than {MIN_LIKE}: too few to be steadier than {own.name} alone."
               if (both if np.isfinite(both) else like) < MIN_LIKE else "")
        if np.isfinite(both):
            lines.append(f"The steadier reading of adopting, the like-yours adopters: "
                         f"of the {band} (median over runs), the {both:.0f} whose flag "
                         f"{name} switched: " + _group_parts(mine, LIKE_ADOPTERS) + "."
                         + _volunteers_rest_on(attribution, name, LIKE_ADOPTERS) + few)
        elif np.isfinite(adopters):
            lines.append(f"Municipalities like yours ({band}, median over runs) adopt in "
                         f"no run of {name}: their change is no reading of "
                         "the policy; the model has no link between municipalities, so it "
                         "is chance alone: " + _group_parts(mine, LIKE) + ".")
        else:
            lines.append(f"Municipalities like yours ({band}, median over runs; {name}'s "
                         "levers act in every municipality), the steadier reading: "
                         + _group_parts(mine, LIKE) + "." + few)
    return lines
