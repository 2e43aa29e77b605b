"""The report's inputs: every results file of a folder read once into typed values.

:func:`load_inputs` reads what the pipeline left in a folder (laid out as ``coprod
demo`` writes it) and returns one frozen :class:`ReportInputs`. Every file is read
defensively (:func:`runtime.files.read_own_csv`, :func:`runtime.files.read_own_json`: never
unpickled or evaluated; a missing, edited or malformed file is one
:class:`~sim.errors.InputError` naming the file, the field and the command that makes it
again), and every manifest field the report uses is checked here, once. The sentences
(:mod:`coprod.report_text`) and sections (:mod:`coprod.report_sections`) then trust
what they are given and touch no file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.posterior import load_posterior
from runtime.files import at_row, read_own_csv, read_own_json
from runtime.words import again_with, as_made, listing, quoted, shell_word
from scenarios import over_time
from scenarios.effects import rerun
from scenarios.results import (
    ATTRIBUTION_BOUNDS,
    ATTRIBUTION_NUMERIC,
    BY_YEAR_BOUNDS,
    BY_YEAR_NUMERIC,
)
from scenarios.results import COMPARISON_BOUNDS as COMP_BOUNDS
from scenarios.results import COMPARISON_COLUMNS as COMP_COLUMNS
from scenarios.results import COMPARISON_NUMERIC as COMP_NUMERIC
from sim.errors import InputError

SECOND_WAVE = "second_wave"  # the demo's folder for the (synthetic) second wave


def remake(command: str, folder: Path, demo: Path | None = None, *,
           record: str = "manifest.json") -> str:
    """How an output in ``folder`` is made again, in words, for :func:`again_with`.

    ``command`` again into ``folder`` with the options it was made with, which the
    folder's ``record`` holds (a bare ``coprod fit --out FOLDER`` made 200 draws where
    the fit had 10, at another seed); or ``coprod demo --out DEMO``, which makes them
    all, when ``folder`` is a demo's. The folders are the report's own, quoted as the
    shell needs (a placeholder DIR, pasted, wrote into ./DIR); the record's command is
    pointed at, not echoed (a record edited by anyone would be pasted too).
    """
    made = as_made(f"{command} again", folder, record)
    return made if demo is None else (
        f"{made}, or {quoted(f'coprod demo --out {shell_word(demo)}')}")


def survey_remake(directory: Path) -> str:
    """The report's ``DIR/survey``: coprod survey, or the demo."""
    return remake("coprod survey", directory / "survey", directory)


def fit_remake(directory: Path) -> str:
    """The report's ``DIR/fit``: coprod fit, or the demo."""
    return remake("coprod fit", directory / "fit", directory)


def wave_remake(directory: Path) -> str:
    """The demo's second wave, ``DIR/second_wave``."""
    return remake("coprod survey --data wave2025-synthetic --resample unit",
                  directory / SECOND_WAVE, directory)


def compare_remake(sdir: Path) -> str:
    """The scenarios' folder ``sdir`` (``DIR/scenarios`` in a demo's layout): compare.

    (A scenario's own runs are made again as :func:`scenarios.effects.rerun` says.)
    """
    return remake("coprod compare", sdir, sdir.parent if sdir.name == "scenarios" else None,
                  record="comparison_manifest.json")


BOOT_COLUMNS = ("statistic", "estimate", "low_95", "high_95", "low_99", "high_99")
# Shares lie in 0 to 1 and their differences in -1 to 1: a tampered file is refused.
BOOT_BOUNDS = dict.fromkeys(BOOT_COLUMNS[1:], (-1.0, 1.0))
SHARE_BOUNDS = dict.fromkeys(("observed", "low_95", "high_95", "sim_median", "sim_low_90",
                              "sim_high_90", "probability", "level"), (0.0, 1.0))
CLAIM_COLUMNS = ("claim", "level", "verdict", "evidence")
LEVELS = ("median", "mean", "low_90", "high_90")  # an outcome's level (its range: below)
CHANGES = ("diff_median", "diff_low_90", "diff_high_90")  # a change of it
# Each interval holds its estimate: (low, estimate, high), in the rows that have them.
COMP_ORDERED = (("low_90", "median", "high_90"),
                ("diff_low_90", "diff_median", "diff_high_90"),
                ("mean_low_90", "mean", "mean_high_90"))
CLASS_PREFIX = "class:"
ATTRIBUTION_COLUMNS = ("scenario", "outcome", "input", "kind", "share", "low_90", "high_90",
                       "rank_correlation", "note")
# The scenarios' figures, in the report's order, with their captions ({observed}: the
# survey the baseline is set against).
SCENARIO_FIGURES = (
    ("shares.png", "Who coordinates, by scenario (median over runs at the horizon)"),
    ("differences.png", "Differences from the baseline, paired run for run (median and "
                        "90% interval)"),
    ("timeseries.png", "Median paths over the horizon"),
    ("baseline_vs_observed.png", "Baseline at the 2015 snapshot against {observed}"),
    ("attribution.png", "Where each policy effect's uncertainty comes from"),
)
MAX_SURVEYS = 100  # survey records read from one manifest (a wave per year at most)
MAX_YEARS_WORDS = 1000  # "years" (scenarios.ensemble.years_words): a sentence of ~250
MAX_PATH_TEXT = 4096  # a manifest's posterior: a folder's path, or "shipped: ..."
MAX_COMMAND = 20_000  # a manifest's command line, as typed
MAX_DESCRIPTION = 1_000_000  # a scenario's description: at most its file (scenarios.spec)
SHIPPED_2015 = {"label": "wave2015", "source": "shipped: Andfossen (2020), Table 2",
                "year": 2015, "answers": None, "synthetic": False}


# ---- manifest fields, checked once --------------------------------------------------
def whole(record: dict, key: str, path: Path, remake: str, default=None):
    """A manifest's whole-number field (absent: ``default``); anything else is refused."""
    value = record.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{path}: field '{key}'", value, "allowed: a whole number >= 0; "
                         f"{again_with(remake)}")
    return value


def text(record: dict, key: str, path: Path, remake: str, default: str = "", *,
         limit: int | None = None) -> str:
    """A manifest's text field (absent: ``default``); anything else is refused.

    ``limit``: the most characters such a field holds as coprod writes it (a longer one
    was not written by coprod, and would be copied whole into the page).
    """
    value = record.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{path}: field '{key}'", value, "allowed: a string; "
                         f"{again_with(remake)}")
    if limit is not None and len(value) > limit:
        raise InputError(f"{path}: field '{key}'", f"{len(value):,} characters",
                         f"allowed: a string of at most {limit:,} characters; "
                         f"{again_with(remake)}", problem="too long:")
    return value


def survey_records(value) -> tuple[dict, ...] | None:
    """A manifest's ``surveys`` as checked records of text (None: not readable as such).

    Each record keeps what the report uses — label, source, year, answers, synthetic —
    with any value of the wrong type dropped; a survey whose label or file says
    "synthetic" is marked so whatever its record says.
    """
    if not isinstance(value, list) or not value or len(value) > MAX_SURVEYS:
        return None
    out = []
    for item in value:
        if not isinstance(item, dict):
            return None
        label, source = item.get("label"), item.get("source")
        label = " ".join(label.split()) if isinstance(label, str) and label.strip() else "?"
        source = " ".join(source.split()) if isinstance(source, str) else ""
        numbers = {k: v if isinstance(v, int) and not isinstance(v, bool) else None
                   for k, v in (("year", item.get("year")), ("answers", item.get("answers")))}
        synthetic = item.get("synthetic") is True or "synthetic" in (label + source).lower()
        out.append({"label": label[:300], "source": source[:300], **numbers,
                    "synthetic": synthetic})
    return tuple(out)


def manifest_surveys(record: dict) -> tuple[dict, ...] | None:
    """The surveys a manifest records (None: not readable).

    A manifest made before they were recorded: the 2015 table, the only survey runs,
    fits and calibrations could then be made from.
    """
    if "surveys" not in record:
        population = record.get("population")
        if isinstance(population, str) and population.startswith("frame:"):
            return None  # runs on a survey's own frame always record it
        return (dict(SHIPPED_2015),)
    return survey_records(record["surveys"])


def manifest_at(path: Path, remake: str, inside=None, *, records: str) -> dict:
    """A folder's manifest, which the output it ``records`` (a file's name) comes with.

    Every command writes its folder's manifest with its tables: a table shown without
    the record of how it was made (its seed, data, options) is refused, as is a folder,
    a link (dangling too) or a malformed file in its place
    (:func:`runtime.files.read_own_json`).
    """
    if not path.exists() and not path.is_symlink():
        raise InputError(str(path), str(path), f"{records} comes with the manifest that "
                         f"records how it was made; {again_with(remake, 'both')}",
                         problem="missing file")
    record = read_own_json(path, remake, inside=inside)
    _check_common(record, path, remake)
    return record


def _check_common(record: dict, path: Path, remake: str) -> None:
    """The fields every manifest the report shows may hold, each of its kind and size.

    ``command`` is shown as a command line (a 15-million-character one kept the report
    parsing it for minutes); ``synthetic`` marks a survey made by the model, and only
    ``true`` or ``false`` may say so ("yes" read as observed data).
    """
    if "command" in record:
        text(record, "command", path, remake, limit=MAX_COMMAND)
    if "synthetic" in record and not isinstance(record["synthetic"], bool):
        raise InputError(f"{path}: field 'synthetic'", record["synthetic"], "allowed: true "
                         f"or false; {again_with(remake)}", shown=json.dumps(
                             record["synthetic"]))


def _named(path: Path) -> bool:
    """Whether anything is named ``path`` (a file, folder, link or broken link)."""
    return path.exists() or path.is_symlink()


def part_made(folder: Path, first: str) -> bool:
    """Whether a command wrote into ``folder``: its first table or its manifest is there.

    The report reads such a part (and refuses it when one of the two is lost,
    :func:`_first_file`); a part with neither was never made.
    """
    return _named(folder / first) or _named(folder / "manifest.json")


def _first_file(folder: Path, name: str, remake: str) -> bool:
    """Whether ``folder`` holds its output ``name``; refused when only the rest is there.

    A folder without its first table is left out of the report (never made); one whose
    manifest is there without it lost that table, which is one line, not a silent gap.
    """
    if _named(folder / name):
        return True
    if part_made(folder, name):
        raise InputError(str(folder / name), str(folder / name), f"{folder} holds the "
                         f"manifest.json of a run that wrote it; {again_with(remake)}",
                         problem="missing file")
    return False


def posterior_text(record: dict, path: Path, remake: str) -> str | None:
    """A manifest's ``posterior`` (None: not recorded), refused unless text, as compare does.

    ``coprod compare`` (:func:`scenarios.effects.read_manifest`) refuses a posterior that
    is not text; the report reads the same manifests and must not accept what it refuses.
    """
    if record.get("posterior") is None:
        return None
    value = text(record, "posterior", path, remake, limit=MAX_PATH_TEXT)
    if not value.strip() or not value.isprintable():
        raise InputError(f"{path}: field 'posterior'", value, "allowed: a folder's path "
                         f"or 'shipped: ...' without control characters; "
                         f"{again_with(remake)}", problem="control character in")
    return value


def posterior_key(source) -> str:
    """A manifest's ``posterior`` as one line of text ('' when it names none)."""
    return " ".join(source.split())[:300] if isinstance(source, str) else ""


def posterior_at(source, directory: Path, inside=None):
    """The posterior a manifest names (``coprod calibrate``'s folder), if it is in reach.

    A relative folder is looked for from here, then by its name inside ``directory``;
    the shipped posterior when the manifest names none. None when it cannot be found or
    read.
    """
    from sim.errors import CoprodError

    if not isinstance(source, str) or not source.strip() or source.startswith("shipped"):
        return load_posterior()
    for candidate in (Path(source), directory / Path(source).name):
        try:
            if (candidate / "posterior.csv").is_file():
                return load_posterior(candidate, inside=inside)
        except (CoprodError, OSError, ValueError):
            continue
    return None


# ---- the parts -------------------------------------------------------------------------
@dataclass(frozen=True)
class SurveyPart:
    """``DIR/survey``: Table 2 with intervals, the claims and the research question."""

    boot: pd.DataFrame
    data: str | None  # as --data named it
    synthetic: bool
    reps: int | None
    resample: str | None
    claims: pd.DataFrame | None
    classes: pd.DataFrame | None
    manifest: dict = field(repr=False)


@dataclass(frozen=True)
class SecondWave:
    """``DIR/second_wave``: a second wave's Table 2 with intervals."""

    boot: pd.DataFrame
    data: str  # as --data named it (never the file's place on this machine)
    synthetic: bool
    resample: str | None
    manifest: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class FitPart:
    """``DIR/fit``: the calibrated model against the survey."""

    fit: pd.DataFrame
    fit_n: pd.DataFrame
    validation: pd.DataFrame | None
    surveys: tuple[dict, ...] | None
    posterior_source: object  # the manifest's ``posterior``, as written
    posterior: object  # calibration.posterior.Posterior, or None when out of reach
    manifest: dict = field(repr=False)


@dataclass(frozen=True)
class Run:
    """One scenario's manifest, its fields checked."""

    name: str
    path: Path
    description: str
    runs: int | None
    draws: int | None
    assumption_draws: int | None
    replicates: int | None
    horizon_weeks: int | None
    population: str
    surveys: tuple[dict, ...] | None
    has_outcomes: bool  # outcomes.csv beside it: results, not only a manifest
    manifest: dict = field(repr=False)


@dataclass(frozen=True)
class ScenarioPart:
    """The scenarios' folder: runs, their comparison and attribution, figures."""

    folder: Path
    runs: tuple[Run, ...]  # those with outcomes.csv, by folder name
    comparison: pd.DataFrame | None  # None: runs not compared
    compared: tuple[str, ...]  # the scenarios of comparison.csv, baseline first
    comparison_manifest: dict
    notes: tuple[str, ...]  # on the runs' versions, as compare notes them
    attribution: pd.DataFrame | None
    figures: tuple[tuple[Path, str], ...]
    by_year: pd.DataFrame | None = None  # effect_by_year.csv (scenarios.over_time)
    by_year_figure: Path | None = None

    def run(self, name: str) -> Run | None:
        """The run of scenario ``name``, if its results are here."""
        return next((r for r in self.runs if r.name == name), None)


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows, read once from one folder."""

    directory: Path
    survey: SurveyPart | None
    second_wave: SecondWave | None
    fit: FitPart | None
    scenarios: ScenarioPart | None
    posteriors: tuple[tuple[str, object], ...]  # (as named, Posterior or None), in order
    waves: object = None  # calibration.waves.Waves of --data, or None
    # The studies of what the survey can tell (coprod.report_studies.studies_context);
    # None when not asked for.
    studies: dict | None = None
    inside: object = None  # the folder being written (runtime.paths.OutputFolder), if any

    @property
    def horizons(self) -> tuple[int, ...]:
        """The horizons (weeks) the runs used, from their manifests."""
        if self.scenarios is None:
            return ()
        return tuple(sorted({r.horizon_weeks for r in self.scenarios.runs} - {None}))


def scenarios_dir(directory: Path) -> Path | None:
    """Where the scenarios are: ``DIR/scenarios`` (the demo's layout) or ``DIR`` itself.

    ``DIR`` itself when it is a folder ``coprod run`` wrote (scenario folders with
    ``outcomes.csv``, or ``comparison.csv``); None when neither holds any.
    """
    for candidate in (directory / "scenarios", directory):
        if (candidate / "comparison.csv").exists() or any(
                candidate.glob("*/outcomes.csv")):
            return candidate
    return None


def _boot(path: Path, remake: str, inside=None) -> pd.DataFrame:
    boot = read_own_csv(path, remake, columns=BOOT_COLUMNS, numeric=BOOT_COLUMNS[1:],
                        bounds=BOOT_BOUNDS, inside=inside)
    boot["statistic"] = boot.statistic.astype(str)
    repeated = boot.statistic.duplicated()
    if repeated.any():  # the survey writes each statistic once; two would be two answers
        row = int(repeated.to_numpy().argmax())
        raise InputError(f"{at_row(path, row)}, column 'statistic'", boot.statistic.iloc[row],
                         f"each statistic once; {again_with(remake)}",
                         problem="repeated row")
    if "note" not in boot:
        boot["note"] = ""
    return boot


def load_survey(directory: Path, inside=None) -> SurveyPart | None:
    """``DIR/survey`` (None without its bootstrap.csv)."""
    folder, again = directory / "survey", survey_remake(directory)
    if not _first_file(folder, "bootstrap.csv", again):
        return None
    boot = _boot(folder / "bootstrap.csv", again, inside)
    shares = boot[boot.statistic.str.startswith("share:")]
    parts = shares.statistic.str.split(":", expand=True)
    if len(shares) and (parts.shape[1] != 3 or parts.isna().any().any()):
        raise InputError(str(folder / "bootstrap.csv"), "statistic",
                         f"share rows named share:<activity>:<coordinator>; "
                         f"{again_with(again)}", problem="malformed column")
    path = folder / "manifest.json"
    man = manifest_at(path, again, inside, records="bootstrap.csv")
    data = text(man, "data", path, again, limit=MAX_PATH_TEXT) if "data" in man else None
    claims = None
    if (folder / "claims.csv").exists():
        claims = read_own_csv(folder / "claims.csv", again, columns=CLAIM_COLUMNS,
                              numeric=("level",), bounds=SHARE_BOUNDS, inside=inside)
        for column in ("reading", "scope", "note"):  # claims.csv of an earlier coprod
            if column not in claims:
                claims[column] = ""
    classes = None
    if (folder / "classes.csv").exists():
        classes = read_own_csv(folder / "classes.csv", again,
                               columns=("class", "probability"), numeric=("probability",),
                               bounds=SHARE_BOUNDS, inside=inside)
    resample = man.get("resample")
    return SurveyPart(boot=boot, data=data, synthetic=man.get("synthetic") is True,
                      reps=whole(man, "reps", path, again),
                      resample=resample if isinstance(resample, str) else None,
                      claims=claims, classes=classes, manifest=man)


def load_second_wave(directory: Path, inside=None) -> SecondWave | None:
    """``DIR/second_wave`` (None without its bootstrap.csv)."""
    folder, again = directory / SECOND_WAVE, wave_remake(directory)
    if not _first_file(folder, "bootstrap.csv", again):
        return None
    boot = _boot(folder / "bootstrap.csv", again, inside)
    path = folder / "manifest.json"
    man = manifest_at(path, again, inside, records="bootstrap.csv")
    data = text(man, "data", path, again, limit=MAX_PATH_TEXT) if "data" in man else None
    resample = man.get("resample")
    return SecondWave(boot=boot, data=data if data is not None else "the second wave",
                      synthetic=man.get("synthetic") is True,
                      resample=resample if isinstance(resample, str) else None,
                      manifest=man)


def load_fit(directory: Path, cells: int, inside=None) -> FitPart | None:
    """``DIR/fit`` (None without its fit.csv); ``cells``: Table 2's shares (rows)."""
    from calibration.fit_check import check_observed, read_table
    from sim.catalogue import TABLE2_IDS

    folder, again = directory / "fit", fit_remake(directory)
    if not _first_file(folder, "fit.csv", again):
        return None
    # Each table read and checked as the fit check reads it back: its intervals in
    # order, each row's flag as its numbers say, Table 2's cells once each.
    fit = read_table(folder, "fit.csv", rows=cells, remake=again, inside=inside)
    fit_n = read_table(folder, "fit_n.csv", rows=len(TABLE2_IDS), remake=again,
                       inside=inside)
    validation = None
    if (folder / "fit_validation.csv").exists():
        validation = read_table(folder, "fit_validation.csv", remake=again,
                                inside=inside)
    path = folder / "manifest.json"
    record = manifest_at(path, again, inside, records="fit.csv")
    check_observed({"fit.csv": fit, "fit_n.csv": fit_n}, record.get("surveys"), folder,
                   again)
    source = posterior_text(record, path, again)
    return FitPart(fit=fit, fit_n=fit_n, validation=validation,
                   surveys=manifest_surveys(record), posterior_source=source,
                   posterior=posterior_at(source, directory, inside),
                   manifest=record)


def read_comparison(path: Path, inside=None) -> pd.DataFrame:
    """comparison.csv with numbers where numbers are used (a baseline alone has no diffs)."""
    again = compare_remake(path.parent)
    comp = read_own_csv(path, again, columns=COMP_COLUMNS, numeric=COMP_NUMERIC,
                        bounds=COMP_BOUNDS, inside=inside)
    for column in COMP_NUMERIC:  # a baseline alone has no diffs, a level no class interval
        if column not in comp:
            comp[column] = np.nan
    comp["scenario"] = comp.scenario.astype(str)
    comp["outcome"] = comp.outcome.astype(str)
    _check_comparison_rows(comp, path)
    repeated = comp.duplicated(["scenario", "outcome"])
    if repeated.any():  # compare writes each (scenario, outcome) once, own: rows included
        row = comp[repeated].iloc[0]
        raise InputError(at_row(path, int(repeated.to_numpy().argmax())),
                         f"{row.scenario}, {row.outcome}", "each scenario and outcome "
                         f"once; {again_with(again)}",
                         problem="repeated row")
    return comp


def _refuse_row(path: Path, comp: pd.DataFrame, bad, column: str, allowed: str) -> None:
    """One line naming the first row of ``bad`` (a mask over ``comp``), if any."""
    if bad.any():
        row = int(np.asarray(bad).argmax())
        raise InputError(f"{at_row(path, row)}, column '{column}'",
                         f"{comp[column].iloc[row]:g}", f"allowed: {allowed}; "
                         f"{again_with(compare_remake(path.parent))}")


def _check_ranges(frame: pd.DataFrame, path: Path, levels: tuple, changes: tuple, *,
                  shown: bool = False) -> None:
    """Each outcome's levels within its range, its changes within that range's width.

    An outcome of 0 to 1 (a share, trust, a class: :func:`scenarios.effects.level_bounds`)
    has levels from 0 to 1 and changes from -1 to 1 (a share of 5 would read "+400
    points"); ``shown``: the values are in the unit shown (percentage points: -100 to
    100). The bounds of :func:`runtime.files.read_own_csv` hold the others.
    """
    from scenarios.effects import level_bounds
    from scenarios.labels import describe

    fraction = frame.outcome.map(lambda n: level_bounds(n)[0] <= 1.0).to_numpy(bool)
    top = frame.outcome.map(lambda n: describe(n).scale if shown else 1.0).to_numpy(float)
    width = ("-100 to 100 percentage points for a share, -1 to 1 for trust" if shown
             else "-1 to 1")
    with np.errstate(invalid="ignore"):
        for column in levels:
            _refuse_row(path, frame, fraction & (frame[column].to_numpy(float) > top),
                        column, "a number from 0 to 1 for a share, trust or class")
        for column in changes:
            _refuse_row(path, frame, fraction & (np.abs(frame[column].to_numpy(float)) > top),
                        column, f"a change of a share, trust or class: {width}")


def _check_comparison_rows(comp: pd.DataFrame, path: Path) -> None:
    """What the bounds alone cannot say: intervals hold their estimates; ranges per outcome.

    A class's probability (``mean`` of a ``class:`` row) is a share of runs; each
    interval ``(low, estimate, high)`` holds its estimate where all three are written;
    shares, trust and classes lie in 0 to 1 (:func:`_check_ranges`, last).
    """
    classes = comp.outcome.str.startswith(CLASS_PREFIX).to_numpy()
    for column in ("median", "mean"):
        _refuse_row(path, comp, classes & (comp[column].to_numpy() > 1.0), column,
                    f"a class's probability, a number from 0 to 1 (outcome "
                    f"'{CLASS_PREFIX}...')")
    blank = {c: comp[c].isna().to_numpy() for c in ("mean_low_90", "mean_high_90")}
    for column, other in (("mean_low_90", "mean_high_90"), ("mean_high_90", "mean_low_90")):
        _refuse_row(path, comp, classes & blank[column] & ~blank[other], column,
                    f"a number, as {other} of the row is: both ends of a class's interval "
                    "or neither")
    for low, mid, high in COMP_ORDERED:
        lo, md, hi = (comp[c].to_numpy(float) for c in (low, mid, high))
        slack = 1e-5 * np.maximum(1.0, np.abs(md))  # written to 6 significant digits
        with np.errstate(invalid="ignore"):
            _refuse_row(path, comp, lo > hi, low, f"at most {high} of the row")
            _refuse_row(path, comp, lo > md + slack, low,
                        f"at most {mid} of the row (an interval holds its estimate)")
            _refuse_row(path, comp, hi < md - slack, high,
                        f"at least {mid} of the row (an interval holds its estimate)")
    _check_ranges(comp, path, LEVELS, CHANGES)


def _run(path: Path, name: str, inside=None) -> Run:
    again = rerun(path)
    record = read_own_json(path, again, inside=inside)
    _check_common(record, path, again)
    sizes = {key: whole(record, key, path, again) for key in (
        "runs", "draws", "assumption_draws", "replicates", "horizon_weeks")}
    posterior_text(record, path, again)
    if text(record, "scenario", path, again, name) != name:  # as compare refuses it
        raise InputError(f"{path}: field 'scenario'", record["scenario"], f"allowed: the "
                         f"folder's name '{name}'; {again_with(again)}",
                         problem="another scenario than its folder:")
    return Run(name=name, path=path,
               description=text(record, "description", path, again,
                                limit=MAX_DESCRIPTION),
               population=text(record, "population", path, again, "survey2015"),
               surveys=manifest_surveys(record),
               has_outcomes=(path.parent / "outcomes.csv").exists(), manifest=record, **sizes)


def _checked_name(sdir: Path, name: str) -> str:
    """A scenario name read from comparison.csv, refused unless it names a folder here."""
    from scenarios.spec import NAME_RE

    if not NAME_RE.fullmatch(name):
        raise InputError(f"{sdir / 'comparison.csv'}: column 'scenario'", name, "allowed: "
                         "scenario names (lower-case letters, digits and _); "
                         f"{again_with(compare_remake(sdir))}")
    return name


def _check_named(sdir: Path, record: dict, compared: tuple) -> None:
    """Refuse a comparison whose manifest names other scenarios than its table holds.

    Checked before any scenario's folder is read: a row of a scenario never run
    (comparison.csv edited) is the table's fault, not a run to make again.
    """
    from scenarios.spec import NAME_RE

    path, again = sdir / "comparison_manifest.json", compare_remake(sdir)
    baseline, names = record.get("baseline"), record.get("scenarios")
    if not (isinstance(baseline, str) and NAME_RE.fullmatch(baseline)
            and baseline in compared):
        raise InputError(f"{path}: field 'baseline'", baseline, "allowed: a scenario "
                         f"comparison.csv holds ({listing(compared, most=6)}), as 'coprod "
                         f"compare' writes it; {again_with(again)}",
                         shown=json.dumps(baseline))
    if baseline != compared[0]:
        raise InputError(f"{at_row(sdir / 'comparison.csv', 0)}, column 'scenario'",
                         compared[0],
                         f"allowed: the baseline comparison_manifest.json names "
                         f"({baseline}), whose rows come first; "
                         f"{again_with(again)}",
                         problem="another scenario than the baseline first:")
    # compare writes each scenario's rows together, the baseline's first, and names them
    # in that order: a list of other names is not the record of this table.
    if names != list(compared):
        raise InputError(f"{path}: field 'scenarios'", names, "allowed: the scenarios "
                         f"comparison.csv holds, in its order ({listing(compared, most=6)}); "
                         f"{again_with(again, 'both')}", shown=json.dumps(names))


def _check_compared(sdir: Path, comp: pd.DataFrame, compared: tuple, record: dict,
                    runs: tuple, inside=None) -> tuple[str, ...]:
    """Refuse a comparison that is not of the runs in ``sdir`` now (one line); its notes.

    The runs' manifests get compare's own check, and must be those the comparison
    recorded (:func:`scenarios.compare.check_compared`); the rows of groups of
    municipalities must be those its runs hold (:func:`scenarios.compare.check_groups`).
    Returns the lines on versions compare notes (other package versions, another model).
    """
    from scenarios.compare import check_compared, check_groups
    from scenarios.effects import read_manifest

    path = sdir / "comparison_manifest.json"
    # Read as compare reads them (each field it uses checked), in comparison.csv's order.
    manifests = {r.name: (r.path, read_manifest(r.path, inside=inside)) for r in runs
                 if r.name in compared}
    notes = check_compared(path, record, manifests, compared[0],
                           [r.name for r in runs if r.name not in compared])
    check_groups(path, record, comp, manifests)
    return tuple(notes)


def _check_years(by_year: pd.DataFrame, horizons: dict, path: Path,
                 compared: tuple) -> None:
    """Refuse year rows that compare does not write for the runs compared.

    Each compared scenario's group and outcome has one row per year from the snapshot
    (year 0) to the year its horizon ends in, each at the week that year ends (the last
    one at the horizon) and in its calendar year: a row past the horizon, a year lost or
    repeated would be read as the effect's path ("leaves zero in year 11").
    """
    from scenarios.ensemble import SNAPSHOT_YEAR
    from sim.world import WEEKS_PER_YEAR

    again = again_with(compare_remake(path.parent))
    other = ~by_year.scenario.isin(compared[1:]).to_numpy()
    if other.any():
        row = int(other.argmax())
        raise InputError(f"{at_row(path, row)}, column 'scenario'", by_year.scenario.iloc[row],
                         f"allowed: a scenario compared with the baseline "
                         f"({listing(compared[1:], most=6)}); {again}")
    years, weeks = by_year.year.to_numpy(int), by_year.week.to_numpy(int)
    for (scenario, group, name), part in by_year.groupby(
            ["scenario", "group", "outcome"], sort=False):
        horizon = horizons.get(scenario)
        if not isinstance(horizon, int) or horizon <= 0:
            continue  # (a run's manifest without its horizon: nothing to hold it to)
        last = -(-horizon // WEEKS_PER_YEAR)
        held = sorted(years[part.index])
        if held != list(range(last + 1)):
            raise InputError(f"{path}: rows of {scenario}, {group}, {name}",
                             listing([str(y) for y in held], most=14),
                             f"allowed: years 0 to {last}, each once (the runs' horizon is "
                             f"{horizon} weeks); {again}",
                             problem="years other than compare writes:")
        rows = np.zeros(len(by_year), dtype=bool)
        rows[part.index] = True
        _refuse_row(path, by_year, rows & (weeks != np.minimum(WEEKS_PER_YEAR * years,
                                                                 horizon)),
                    "week", "the week its year ends (52 × year; the last, the horizon's)")
    _refuse_row(path, by_year, by_year.calendar_year.to_numpy(int)
                != SNAPSHOT_YEAR + weeks // WEEKS_PER_YEAR,
                "calendar_year", f"{SNAPSHOT_YEAR} + the row's week ÷ 52, whole (the year "
                "its last week falls in)")


def load_scenarios(sdir: Path | None, inside=None) -> ScenarioPart | None:
    """The scenarios' folder ``sdir`` (None when there is none)."""
    if sdir is None:
        return None
    comp, compared, record = None, (), {}
    again = compare_remake(sdir)
    if (sdir / "comparison.csv").exists():
        comp = read_comparison(sdir / "comparison.csv", inside)
        compared = tuple(_checked_name(sdir, n) for n in dict.fromkeys(comp.scenario))
        path = sdir / "comparison_manifest.json"
        record = manifest_at(path, again, inside, records="comparison.csv")
        _check_named(sdir, record, compared)
        if "years" in record:  # shown in "Over time" as written
            text(record, "years", path, again, limit=MAX_YEARS_WORDS)
    # Every scenario compared needs its manifest; others count when they have outcomes.
    names = list(compared) + [p.parent.name for p in sorted(sdir.glob("*/manifest.json"))
                              if (p.parent / "outcomes.csv").exists()
                              and p.parent.name not in compared]
    runs = tuple(_run(sdir / n / "manifest.json", n, inside) for n in names)
    notes = (_check_compared(sdir, comp, compared, record, runs, inside)
             if comp is not None else ())
    attribution = None
    if (sdir / "attribution.csv").exists():
        attribution = read_own_csv(sdir / "attribution.csv", again,
                                   columns=ATTRIBUTION_COLUMNS, numeric=ATTRIBUTION_NUMERIC,
                                   bounds=ATTRIBUTION_BOUNDS, inside=inside)
        attribution["note"] = attribution.note.astype(object).fillna("").astype(str)
        for column in ("scenario", "outcome", "input", "kind"):
            attribution[column] = attribution[column].astype(str)
    figures = tuple((sdir / f, caption) for f, caption in SCENARIO_FIGURES
                    if (sdir / f).exists())
    by_year = None
    if (sdir / over_time.FILE).exists():
        by_year = read_own_csv(sdir / over_time.FILE, again,
                               columns=over_time.COLUMNS, numeric=BY_YEAR_NUMERIC,
                               bounds=BY_YEAR_BOUNDS, inside=inside)
        for column in ("scenario", "group", "outcome"):
            by_year[column] = by_year[column].astype(str)
        _check_ranges(by_year, sdir / over_time.FILE, (), CHANGES, shown=True)
        for column in ("year", "calendar_year", "week", "runs"):  # counts: whole numbers
            values = by_year[column].to_numpy(float)
            # (every row has its year; the runs a row counts may be blank)
            blank = ~np.isfinite(values) if column != "runs" else np.zeros(len(values), bool)
            _refuse_row(sdir / over_time.FILE, by_year,
                        blank | (np.isfinite(values) & (values != np.round(values))), column,
                        "a whole number")
        _check_years(by_year, {r.name: r.horizon_weeks for r in runs},
                     sdir / over_time.FILE, compared)
    return ScenarioPart(folder=sdir, runs=runs, comparison=comp, compared=compared,
                        comparison_manifest=record, notes=notes, attribution=attribution,
                        figures=figures, by_year=by_year,
                        by_year_figure=(sdir / over_time.FIGURE
                                        if (sdir / over_time.FIGURE).exists() else None))


def load_inputs(directory: Path, waves=None, *, studies: bool = False,
                studies_folder: Path | None = None, inside=None) -> ReportInputs:
    """Read every results file of ``directory`` once (see the module's docstring).

    ``waves``: the ``--data`` survey the report is read against (None: the manifests');
    ``studies``: read the studies of what the survey can tell too, from
    ``studies_folder`` (default the shipped ones). ``inside``: the folder being written
    (:func:`runtime.locks.locked`), whose files are read only from inside it.
    """
    from coprod.report_studies import studies_context
    from sim.catalogue import COORDINATORS, TABLE2_IDS

    directory = Path(directory)
    survey = load_survey(directory, inside)
    fit = load_fit(directory, len(TABLE2_IDS) * len(COORDINATORS), inside)
    scen = load_scenarios(scenarios_dir(directory), inside)
    named = [fit.posterior_source] if fit is not None else []
    named += [r.manifest.get("posterior") for r in scen.runs
              if r.has_outcomes] if scen is not None else []
    posteriors, seen = [], set()
    for source in named:
        key = posterior_key(source)
        if key in seen:
            continue
        seen.add(key)
        if fit is not None and posterior_key(fit.posterior_source) == key:
            posteriors.append((key, fit.posterior))
        else:
            posteriors.append((key, posterior_at(source, directory, inside)))
    return ReportInputs(directory=directory, survey=survey,
                        second_wave=load_second_wave(directory, inside) if survey else None,
                        fit=fit, scenarios=scen, posteriors=tuple(posteriors), waves=waves,
                        studies=studies_context(studies_folder) if studies else None,
                        inside=inside)
