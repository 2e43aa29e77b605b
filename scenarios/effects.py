"""A policy effect, computed in one place: a scenario's value minus the baseline's, run for run.

Ensembles are paired (:mod:`scenarios.ensemble`): run ``(draw, replicate)`` gets the same
posterior draw, assumption draw and seed in every scenario of one root seed. A policy's
effect on a run is the scenario's outcome minus the baseline's on the run with the same
:data:`KEY` — draw, replicate *and* seed, so that runs of another seed never pair.
``compare`` (:mod:`scenarios.compare`), the attribution of an effect's variance
(:mod:`scenarios.attribution`), ``discover`` (:mod:`scenarios.discovery`) and the
policy-effect recovery study (:mod:`studies.effect_recovery`) all take their effects from
:func:`paired_differences`.

Runs pair only when they are comparable: the two ensembles must have the same horizon,
population, root seed and posterior (:data:`COMPARABLE`, read from each scenario's
``manifest.json``), or the comparison is refused in one line naming what differs.

A results folder is read as untrusted input: every value of ``outcomes.csv`` and
``inputs.csv`` is checked, and a bad one is one line naming the file, line, column and
value. Blank values are left out with a note counting them, never silently. A reader
given ``inside`` (the folder a command holds locked, :func:`runtime.locks.locked`) reads
a file of that folder only from inside it.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from runtime.files import (
    MAX_TABLE_BYTES,
    check_whole_text,
    file_line,
    read_own_json,
    read_text_limited,
    with_remedy,
)
from runtime.words import again_with, as_made, quoted, shell_word
from sim.errors import MAX_SHOWN, CoprodError, InputError
from sim.parameters import ASSUMPTIONS, FREE, PARAMETERS

KEY = ["draw", "replicate", "seed"]
OUTCOME_COLUMNS = ("scenario", "draw", "replicate", "seed", "outcome", "value")
DESIGN_COLUMNS = ("draw", "replicate", "posterior_draw", "assumption_draw", "seed")
# What must match for two ensembles' runs to pair: manifest field and its name in messages.
COMPARABLE = (("horizon_weeks", "horizon"), ("population", "population"),
              ("seed", "root seed"), ("posterior", "posterior"))
SAME = ("allowed: runs of the same horizon, population, root seed and posterior — rerun "
        "one of them with the other's --horizon, scenario population, --seed and --posterior")


def rerun(path: Path, also: str = "") -> str:
    """How a scenario's file ``path`` (``FOLDER/SCENARIO/…``) is made again, in words.

    For :func:`runtime.words.again_with`. Its runs' options (draws, seeds, one's own
    municipality…) are the user's, which its manifest.json records: no command to copy
    can be written without them ('coprod run ... --out DIR', pasted, ran a scenario
    named '...'), and the record's own command is not echoed as one to paste (a record
    edited by anyone would be). ``also``: an option to add (``--resume``).
    """
    made = as_made(f"{path.parent.name} again with coprod run", path.parent.parent)
    return made + (f", adding {also}" if also else "")


def _again(path: Path) -> str:
    """How a scenario's file ``path`` is made again: its runs, into the folder it is in."""
    return again_with(rerun(path))


def read_manifest(path: Path, *, inside=None) -> dict:
    """A scenario's ``manifest.json``, its fields used here checked for their types."""
    from runtime.manifests import model_version_of, supported_model_version

    record = read_own_json(path, rerun(path), inside=inside)
    whole = (int, "a whole number >= 0")
    kinds = {"horizon_weeks": whole, "population": (str, "a name"), "draws": whole,
             "assumption_draws": whole, "replicates": whole,
             "seed": whole, "posterior": (str, "a text"),
             "identity": (dict, "a record"), "outcome_rows": whole, "runs": whole,
             "failed": (list, "a list"), "series_rows": whole, "municipality_rows": whole,
             "surveys": (list, "a list of the surveys' records"),
             "overrides": (dict, "a record of the levers and inputs set"),
             "municipality_year_rows": whole}
    for name, (kind, allowed) in kinds.items():
        value = record.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)
                                  or (kind is int and value < 0)):
            field = f"field '{name}'" if name.endswith("_rows") else name
            raise InputError(f"{path}: {field}", value, f"allowed: {allowed}; "
                             + _again(path))
    identity = record.get("identity")
    seed = identity.get("seed") if isinstance(identity, dict) else None
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        # (compared with the baseline's, it blamed the other scenario's sound record)
        raise InputError(f"{path}: identity.seed", seed, f"allowed: {whole[1]}; "
                         + _again(path))
    if record.get("population") is not None:
        check_population(path, record["population"])
    _check_runs(path, record)
    if isinstance(record.get("versions"), dict) and "model" in record["versions"]:
        try:
            model_version_of(record, str(path))
        except InputError:
            pass  # malformed: named by compare's check of the versions (scenarios.compare)
        else:  # well-formed: a version this coprod knows
            supported_model_version(record, str(path), rerun(path))
    return record


def _check_runs(path: Path, record: dict) -> None:
    """Refuse (one line) a record whose runs are not its draws x assumption draws x seeds.

    An ensemble runs every posterior draw with every assumption draw and replicate
    (:attr:`scenarios.spec.Scenario.runs`); a record that says otherwise vouches for
    another set of runs than the files hold.
    """
    sizes = [record.get(k) for k in ("draws", "assumption_draws", "replicates")]
    runs = record.get("runs")
    if runs is None or any(v is None for v in sizes):
        return
    expected = int(np.prod(sizes, dtype=object))
    if runs != expected:
        raise InputError(f"{path}: field 'runs'", runs, "allowed: draws x assumption_draws "
                         f"x replicates = {' x '.join(map(str, sizes))} = {expected}, as "
                         "the manifest records them; " + _again(path),
                         problem="another count than its sizes give:")


def check_population(path: Path, name: str) -> None:
    """Refuse, in one line naming ``path``, a population name coprod does not write.

    The 2015 sample or Norway (:data:`sim.population_spec.BASES`), either with one's
    own municipality, or a survey's frame: what :meth:`PopulationSpec.parse` reads.
    """
    from sim.population_spec import BASES, PopulationSpec

    try:
        PopulationSpec.parse(name)
        known = True
    except InputError:
        known = False
    if not known:
        raise InputError(f"{path}: field 'population'", name, "allowed: "
                         f"{', '.join(BASES)}, either with your municipality, or a "
                         "survey's frame, as 'coprod run' writes them; " + _again(path))


def _read_table(path: Path, columns: tuple, inside=None) -> pd.DataFrame:
    """A CSV read as text (every value checked by the caller), or one line naming it."""
    try:
        text = check_whole_text(read_text_limited(path, limit=MAX_TABLE_BYTES,
                                                  inside=inside), path, _again(path))
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "", _again(path), problem="empty file") from None
    except InputError as err:  # already one line (a link, a FIFO, a file too large)
        raise with_remedy(err, _again(path)) from None
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError) as err:
        raise InputError(str(path), str(err).split("\n")[0], _again(path),
                         problem="malformed file:") from None
    # pandas renames a repeated column ('a', 'a.1'): named as the file writes it.
    header = next(csv.reader([text.split("\n", 1)[0]]), [])
    repeated = [c for i, c in enumerate(header) if c in header[:i]]
    if repeated:
        raise InputError(f"{path}: header", repeated[0], "each column once; " + _again(path),
                         problem="repeated column")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: header", ",".join(map(str, frame.columns)),
                         f"missing columns: {', '.join(missing)}; " + _again(path))
    return frame


def _miscounted(path: Path, rows: int, expected: str) -> InputError:
    """A file with another number of rows than its manifest records."""
    fewer = rows < int(expected.split()[0])
    return InputError(str(path), f"{rows} rows", f"its manifest.json records {expected}; "
                      + _again(path), problem="truncated file:" if fewer else
                      "damaged file (rows repeated or added):")


def _bad(path: Path, frame: pd.DataFrame, column: str, mask, allowed: str):
    """One line naming the first row of ``mask``: file, line, column and value."""
    i = int(np.flatnonzero(np.asarray(mask))[0])
    return InputError(f"{path}: line {file_line(path, i)}, column {column}", frame[column].iloc[i],
                      f"allowed: {allowed}; " + _again(path))


def _whole(path: Path, frame: pd.DataFrame, column: str, *, limit: int) -> np.ndarray:
    """A column of whole numbers from 0 to below ``limit`` (seeds need all of uint64)."""
    kind = np.uint64 if limit > 2**63 else np.int64
    try:  # most columns: ASCII digits only, each below 2**64 (a seed has up to 20)
        digits = frame[column].to_numpy(dtype=str).astype("S")
    except UnicodeEncodeError:
        digits = None
    if digits is not None and len(digits) and np.char.isdigit(digits).all():
        size = np.char.str_len(digits)
        # Digit strings of one length order as their numbers: 20 digits fit below 2**64
        # when they do not exceed its largest value's.
        fits = (size < 20) | ((size == 20) & (digits <= str(2**64 - 1).encode()))
        if fits.all():
            numbers = digits.astype(np.uint64)
            if limit > 2**64 - 1 or not (numbers >= np.uint64(limit)).any():
                return numbers.astype(kind)
    # Anything else (signs, spaces, other characters, a value too large): cell by cell,
    # for the one line naming the first bad cell.
    text = frame[column].str.strip()
    ok = text.str.fullmatch(r"\+?[0-9]{1,20}")
    if not ok.all():
        raise _bad(path, frame, column, ~ok, f"a whole number from 0 to {limit - 1}")
    numbers = [int(v) for v in text]
    too_big = np.array([v >= limit for v in numbers])
    if too_big.any():
        raise _bad(path, frame, column, too_big, f"a whole number from 0 to {limit - 1}")
    return np.array(numbers, dtype=kind)


def _numbers(path: Path, frame: pd.DataFrame, column: str, *, blank: bool) -> np.ndarray:
    """A column of finite numbers (blank allowed only where ``blank``: NaN).

    coprod writes no value as a blank cell: a 'nan' or 'NA' spelt out is no number.
    """
    raw = frame[column]
    # Most cells are plain numbers: parsed as they stand (pandas' parser allows the
    # spaces around a number that the strip below removes). Only the cells that do not
    # parse as finite (blanks, text, infinities) are read cell by cell, as text.
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float, copy=True)
    odd = ~np.isfinite(values)
    if odd.any():
        text = raw[odd].str.strip()
        empty = text.eq("").to_numpy()
        values[odd] = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(float)
        wrong = np.zeros(len(raw), bool)
        wrong[odd] = (~empty & ~np.isfinite(values[odd])) | (empty & (not blank))
        if wrong.any():
            raise _bad(path, frame, column, wrong, "a finite number" + (" or blank" if blank
                                                                        else ""))
    return values


MAX_NAME = 200  # characters of an outcome's name (the longest coprod writes: about 60)
# No outcome of a run is negative; none is near this (people, hours, activities a week).
MAX_LEVEL = 1e12
# Units whose values are fractions from 0 to 1 (scenarios.labels.describe).
FRACTION_UNITS = ("%", "0–1", "share of runs")


def level_bounds(outcome: str) -> tuple[float, str]:
    """The largest value an outcome can take, and that range in words.

    Shares, trust and classes lie in 0 to 1; every other outcome (people, hours,
    activities, units) from 0 to :data:`MAX_LEVEL`.
    """
    from scenarios.labels import describe

    if outcome.startswith("reading:"):  # reading:<reading>:<outcome> (scenarios.compare)
        outcome = outcome.split(":", 2)[-1]
    for prefix in ("like_yours_adopters:", "like_yours:"):  # the adopters' words
        if outcome.startswith(prefix):
            outcome = "adopters:" + outcome[len(prefix):]
    if describe(outcome).unit in FRACTION_UNITS:
        return 1.0, "a number from 0 to 1 (a share, trust or class)"
    return MAX_LEVEL, f"a number from 0 to {MAX_LEVEL:g}"


def _check_levels(path: Path, frame: pd.DataFrame, values: np.ndarray,
                  outcomes: pd.Series) -> None:
    """Refuse, in one line, an outcome's value out of its range (blank ones pass)."""
    highest = {name: level_bounds(name) for name in outcomes.unique()}
    top = outcomes.map(lambda n: highest[n][0]).to_numpy(float)
    with np.errstate(invalid="ignore"):
        wrong = (values < 0) | (values > top)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise _bad(path, frame, "value", wrong, f"for outcome '{outcomes.iloc[i]}' "
                   f"{highest[outcomes.iloc[i]][1]}")


def _run_key(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The run key columns, each checked (and the scenario's name, where written)."""
    if "scenario" in frame.columns:  # every row is the folder's scenario
        wrong = frame["scenario"].to_numpy() != path.parent.name
        if wrong.any():
            raise _bad(path, frame, "scenario", wrong, f"the folder's scenario name "
                       f"'{path.parent.name}'")
    out = pd.DataFrame({"draw": _whole(path, frame, "draw", limit=2**31),
                        "replicate": _whole(path, frame, "replicate", limit=2**31),
                        "seed": _whole(path, frame, "seed", limit=2**64)})
    return out


def _refuse_repeats(path: Path, frame: pd.DataFrame, columns: list[str], what: str):
    repeated = frame.duplicated(columns).to_numpy()
    if repeated.any():
        i = int(np.flatnonzero(repeated)[0])
        key = ", ".join(f"{c} {frame[c].iloc[i]}" for c in columns)
        raise InputError(f"{path}: line {file_line(path, i)}", key, f"allowed: each {what} once; "
                         + _again(path), problem="repeated")


@dataclass(frozen=True)
class Outcomes:
    """One scenario's ``outcomes.csv``, wide: one row per run (index :data:`KEY`)."""

    name: str
    values: pd.DataFrame  # index KEY, one column per outcome (NaN where blank)
    manifest: dict
    blanks: int  # blank values in the file (left out)
    path: Path

    def note(self) -> str | None:
        """A line on the blank values left out, if any."""
        if not self.blanks:
            return None
        return (f"{self.path}: {self.blanks} blank value(s) left out (those runs count "
                "only for the outcomes they have)")


def read_outcomes_file(path: Path, *, inside=None) -> Outcomes:
    """One ``outcomes.csv`` with its manifest, every value and its row count checked."""
    path = Path(path)
    record = read_manifest(path.parent / "manifest.json", inside=inside)
    frame = _read_table(path, OUTCOME_COLUMNS, inside)
    expected = record.get("outcome_rows")
    if expected is not None and expected != len(frame):
        raise _miscounted(path, len(frame), f"{expected}")
    if frame.empty:
        raise InputError(str(path), "no rows", _again(path), problem="empty file:")
    long = _run_key(path, frame)
    names = frame["outcome"]
    odd = ~names.map(lambda n: n.isprintable() and 0 < len(n) <= MAX_NAME).to_numpy(bool)
    if odd.any():
        raise _bad(path, frame, "outcome", odd, f"an outcome's name: printable, 1 to "
                   f"{MAX_NAME} characters")
    long["outcome"] = names.to_numpy()
    long["value"] = _numbers(path, frame, "value", blank=True)
    _check_levels(path, frame, long.value.to_numpy(), frame["outcome"])
    _refuse_repeats(path, long, [*KEY, "outcome"], "run's outcome")
    wide = long.pivot(index=KEY, columns="outcome", values="value")
    wide.columns.name = None
    return Outcomes(path.parent.name, wide, record, int(np.isnan(long.value).sum()), path)


def read_timeseries_file(path: Path, manifest: dict | None = None, *,
                         inside=None) -> pd.DataFrame:
    """A scenario's ``timeseries.csv`` (each run's path, week by week), every value checked.

    The run key and ``week`` as whole numbers; every other column an outcome in its
    range (:func:`level_bounds`; blank allowed); with its manifest, as many rows as it
    records (``series_rows``).
    """
    path = Path(path)
    frame = _read_table(path, (*KEY, "week"), inside)
    expected = (manifest or {}).get("series_rows")
    if isinstance(expected, int) and not isinstance(expected, bool) and expected != len(frame):
        raise _miscounted(path, len(frame), f"{expected}")
    if frame.empty:
        raise InputError(str(path), "no rows", _again(path), problem="empty file:")
    out = _run_key(path, frame)
    out["week"] = _whole(path, frame, "week", limit=2601)  # at most MAX_STEPS (sim.runner)
    for column in (c for c in frame.columns if c not in ("scenario", *KEY, "week")):
        values = _numbers(path, frame, column, blank=True)
        top, words = level_bounds(column)
        with np.errstate(invalid="ignore"):
            wrong = (values < 0) | (values > top)
        if wrong.any():
            raise _bad(path, frame, column, wrong, words)
        out[column] = values
    return out


def scenario_folders(directory: Path) -> tuple[list[str], tuple]:
    """Names of the scenario folders with ``outcomes.csv``, and of those without."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("folder", str(directory), "give the directory 'coprod run' wrote",
                         problem="no such directory")
    folders = {p.parent for p in directory.glob("*/manifest.json")}
    folders |= {p.parent for p in directory.glob("*/runs.sqlite")}
    # Anything named outcomes.csv is read (a FIFO or folder is then refused in one line).
    found = sorted(f.name for f in folders if (f / "outcomes.csv").exists())
    skipped = tuple(sorted(f.name for f in folders if not (f / "outcomes.csv").exists()))
    if not found:
        raise InputError("folder", str(directory), "no <scenario>/outcomes.csv found there; "
                         "run the scenarios into this directory first",
                         problem="empty directory")
    return found, skipped


def _cut(value):
    """A value for a message: itself, or cut at MAX_SHOWN characters (a folder is untrusted)."""
    text = str(value)
    return value if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}… ({len(text):,} characters)"


def check_comparable(mine: Outcomes, base: Outcomes) -> None:
    """Refuse, in one line, to pair runs of ensembles that differ in :data:`COMPARABLE`."""
    check_pairable(mine.path.parent / "manifest.json", mine.manifest, base.name,
                   base.manifest)


def check_pairable(path: Path, a: dict, base_name: str, b: dict) -> None:
    """Refuse, in one line, runs whose manifest ``a`` (at ``path``) cannot pair with ``b``.

    ``b``: the manifest of ``base_name``'s runs; what must agree is :data:`COMPARABLE`.
    """
    ia, ib = a.get("identity") or {}, b.get("identity") or {}
    ia, ib = (i if isinstance(i, dict) else {} for i in (ia, ib))
    for field, _label in COMPARABLE:
        theirs, ours = b.get(field), a.get(field)
        if field == "posterior" and "posterior_sha256" in ia and "posterior_sha256" in ib:
            # The digest of the draws decides; the same file may be named two ways.
            field, ours, theirs = "posterior", ia["posterior_sha256"], ib["posterior_sha256"]
        if field == "seed":
            ours, theirs = ia.get("seed", ours), ib.get("seed", theirs)
        if ours is None or theirs is None:
            continue  # a folder written before the field was recorded
        if ours != theirs:
            if field == "population" and max(len(str(ours)), len(str(theirs))) > 40:
                # A frame or a municipality is a long record: said in words.
                from sim.population_spec import describe_name

                ours, theirs = describe_name(ours), describe_name(theirs)
            raise CoprodError(f"{path}: {field} "
                              f"{_cut(ours)!r} differs from {base_name}'s "
                              f"{_cut(theirs)!r}; {SAME}")


@dataclass(frozen=True)
class Ensembles:
    """The scenarios of one results folder and their baseline, read and checked once."""

    directory: Path
    baseline: str
    scenarios: dict[str, Outcomes]  # the baseline first
    skipped: tuple  # scenario folders without results (every run failed)
    inside: object = None  # the folder being written, when it is (runtime.paths.OutputFolder)

    def notes(self) -> list[str]:
        """Lines on what was left out of the folder's files."""
        return [n for o in self.scenarios.values() if (n := o.note())]

    def effects(self, name: str) -> Effects:
        """Scenario ``name`` minus the baseline, run for run."""
        return effects_of(self.scenarios[name], self.scenarios[self.baseline])

    def areas(self, name: str) -> dict[str, Adopters] | None:
        """Scenario ``name``'s effects in each group of municipalities (None: no table).

        :data:`AREA_GROUPS`: the municipalities it switched, those like one's own and
        those of them it switched; each ``municipalities.csv`` read once.
        """
        paths = [self.directory / n / MUNI_FILE for n in (name, self.baseline)]
        for path, n in zip(paths, (name, self.baseline), strict=True):
            rows = (self.scenarios[n].manifest or {}).get("municipality_rows")
            if not os.path.lexists(path) and isinstance(rows, int) and rows > 0:
                # Recorded, then lost: without it every adopters: row went silently.
                raise InputError(str(path), "no such file", f"its manifest.json records "
                                 f"{rows:,} rows of it; {again_with(rerun(path, '--resume'))}",
                                 problem="missing file:")
        if not all(p.is_file() for p in paths):
            return None
        mine, base = (read_municipalities_file(p, self.scenarios[n].manifest,
                                               inside=self.inside)
                      for p, n in zip(paths, (name, self.baseline), strict=True))
        return area_effects(mine, base)

    def inputs(self, name: str) -> pd.DataFrame | None:
        """The scenario's ``inputs.csv`` (what each run was given), None if it has none."""
        path = self.directory / name / "inputs.csv"
        if not os.path.lexists(path):
            return None
        if not path.is_file() or path.is_symlink():
            raise InputError(str(path), "not a regular file", "inputs.csv as 'coprod run' "
                             f"wrote it; {_again(path)}", problem="refusing to read")
        return read_inputs_file(path, self.scenarios[name].manifest, inside=self.inside)


def read_ensembles(directory: Path, baseline: str = "baseline", only=None, *,
                   remake: str | None = None, inside=None) -> Ensembles:
    """The baseline and the scenarios (``only`` those, when given) of ``directory``.

    Refuses, in one line, an unknown baseline or scenario, a damaged file, and ensembles
    that cannot pair with the baseline (:func:`check_comparable`). ``inside``: the
    folder being written, when ``directory`` is in it.
    """
    directory = Path(directory)
    found, skipped = scenario_folders(directory)
    wanted = [baseline, *(n for n in (found if only is None else only) if n != baseline)]
    for name in wanted:
        if name in found:
            continue
        where = "baseline" if name == baseline else "scenario"
        if name in skipped:
            # Runs made before (its manifest kept): their options are the user's, and a
            # bare 'coprod run NAME' is refused there as other runs.
            made = directory / name / "manifest.json"
            how = (again_with(rerun(made, "--resume"), "it") if made.exists() else
                   "make it with " + quoted(f"coprod run {name} --out {shell_word(directory)}"))
            raise InputError(f"{directory / name}/outcomes.csv", name, "no run finished; "
                             + ("make it with " + remake if remake else how),
                             problem="missing file for")
        raise InputError(where, name, "scenarios found: " + ", ".join(found),
                         problem="unknown scenario")
    read = {name: read_outcomes_file(directory / name / "outcomes.csv", inside=inside)
            for name in wanted}
    for name in wanted[1:]:
        check_comparable(read[name], read[baseline])
    return Ensembles(directory, baseline, read, skipped, inside)


@dataclass(frozen=True)
class Effects:
    """A scenario's effects: its value minus the baseline's on each paired run."""

    scenario: str
    baseline: str
    differences: pd.DataFrame  # index KEY (runs in both), one column per common outcome
    runs: int  # the scenario's runs
    left_out: int  # of them, runs with no baseline run of the same draw, replicate, seed

    def note(self) -> str | None:
        """A line on the runs left out, if any."""
        if not self.left_out:
            return None
        return (f"only {self.runs - self.left_out} of {self.runs} runs of {self.scenario} "
                f"have a {self.baseline} run of the same draw, replicate and seed (run both "
                "with the same sizes and --seed); the effects use those")


def paired_differences(values: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """``values − base`` on the runs both hold (index :data:`KEY`), per common column.

    The one place a policy effect is computed. A run missing on either side, or with
    another seed, is not paired; a blank value gives a blank difference.
    """
    for frame in (values, base):
        if list(frame.index.names) != KEY:
            raise ValueError(f"index must be {KEY}, not {list(frame.index.names)}")
    runs = values.index.intersection(base.index, sort=False)
    columns = [c for c in values.columns if c in base.columns]
    return values.loc[runs, columns] - base.loc[runs, columns]


def effects_of(mine: Outcomes, base: Outcomes) -> Effects:
    """The paired effects of one scenario against the baseline (both read and checked)."""
    diff = paired_differences(mine.values, base.values)
    return Effects(mine.name, base.name, diff, len(mine.values),
                   len(mine.values) - len(diff))


def read_inputs_file(path: Path, manifest: dict | None = None, *,
                     inside=None) -> pd.DataFrame:
    """A scenario's ``inputs.csv``: the run key, draws and the inputs, every value checked.

    Each run appears once; with its manifest, the rows must be its finished runs.
    """
    path = Path(path)
    frame = _read_table(path, DESIGN_COLUMNS, inside)
    if frame.empty:
        raise InputError(str(path), "no rows", _again(path), problem="empty file:")
    manifest = manifest or {}
    runs, failed = manifest.get("runs"), manifest.get("failed")
    if isinstance(runs, int) and isinstance(failed, list) and len(frame) != runs - len(failed):
        raise _miscounted(path, len(frame), f"{runs - len(failed)} finished runs")
    _check_input_columns(path, frame, manifest)
    out = _run_key(path, frame)
    for column in ("posterior_draw", "assumption_draw"):
        out[column] = _whole(path, frame, column, limit=2**31)
    for column in (c for c in (*FREE, *ASSUMPTIONS) if c in frame.columns):
        out[column] = values = _numbers(path, frame, column, blank=False)
        levels = PARAMETERS[column].levels
        if levels:  # a choice among levels (the policy's reading): one of their numbers
            low = PARAMETERS[column].low
            known = np.isin(values, np.arange(low, low + len(levels)))
            if not known.all():
                raise _bad(path, frame, column, ~known, "one of " + ", ".join(
                    f"{low + k:g} ({name})" for k, name in enumerate(levels)))
    _refuse_repeats(path, out, KEY[:2], "run (draw, replicate)")
    return out


def _check_input_columns(path: Path, frame: pd.DataFrame, manifest: dict) -> None:
    """Refuse a header that is not what 'coprod run' writes: every column named.

    A column of another name (an input renamed) is refused, not dropped: the attribution
    would leave that input out unseen. Runs of this model version hold every free
    parameter and assumption; an earlier version's runs may hold fewer (its own inputs).
    """
    from runtime.manifests import model_version_of
    from sim.parameters import MODEL_VERSION

    allowed = ("allowed: the run's key (draw, replicate, posterior_draw, assumption_draw, "
               "seed) and the model's inputs, as 'coprod run' writes them; " + _again(path))
    for column in frame.columns:
        if column not in DESIGN_COLUMNS and column not in PARAMETERS:
            raise InputError(f"{path}: header", column, allowed, problem="unknown column")
    try:
        current = model_version_of(manifest) == MODEL_VERSION
    except InputError:  # the manifest's own reader names a malformed version
        current = False
    missing = [c for c in (*FREE, *ASSUMPTIONS) if c not in frame.columns]
    if current and missing:
        raise InputError(f"{path}: header", ",".join(missing), allowed,
                         problem=f"{len(missing)} of the model's inputs missing:")


# ---- where the policy changes: the municipalities that adopt ----------------------------
MUNI_FILE = "municipalities.csv"


def read_municipalities_file(path: Path, manifest: dict | None = None, *,
                             by_year: bool = False, inside=None) -> pd.DataFrame:
    """A scenario's ``municipalities.csv``: one row per run and municipality, checked.

    Index ``draw, replicate, seed, municipality``; the columns
    :data:`sim.municipality.MUNI_COLUMNS` as numbers (mean trust may be blank).
    ``by_year``: its ``municipalities_by_year.csv`` instead, one row per run, year and
    municipality (index ``draw, replicate, seed, year, municipality``; ``week`` and
    :data:`scenarios.ensemble.YEAR_COLUMNS` the columns).
    """
    from scenarios.ensemble import YEAR_COLUMNS
    from sim.municipality import MUNI_COLUMNS

    path = Path(path)
    years = ("year", "week") if by_year else ()
    columns = YEAR_COLUMNS if by_year else MUNI_COLUMNS
    frame = _read_table(path, (*KEY, *years, *columns), inside)
    expected = (manifest or {}).get("municipality_year_rows" if by_year
                                    else "municipality_rows")
    if isinstance(expected, int) and not isinstance(expected, bool) and expected != len(frame):
        raise _miscounted(path, len(frame), f"{expected}")
    if frame.empty:
        raise InputError(str(path), "no rows", _again(path), problem="empty file:")
    out = _run_key(path, frame)
    for column in years:  # at most MAX_STEPS weeks (sim.runner)
        out[column] = _whole(path, frame, column, limit=2601)
    out["municipality"] = _whole(path, frame, "municipality", limit=100_000)
    for column in columns[1:]:
        out[column] = values = _numbers(path, frame, column, blank=column == "mean_trust")
        with np.errstate(invalid="ignore"):
            if column in FLAGS:
                wrong, words = (values != 0) & (values != 1), "0 or 1"
            else:
                top = 1.0 if column == "mean_trust" else MAX_LEVEL
                wrong, words = (values < 0) | (values > top), f"a number from 0 to {top:g}"
        if wrong.any():
            raise _bad(path, frame, column, wrong, words)
    index = ["draw", "replicate", *years[:1], "municipality"]
    _refuse_repeats(path, out, index, "run's municipality" + (" per year" if by_year
                                                                else ""))
    return out.set_index([*KEY, *years[:1], "municipality"]).sort_index()


# municipalities.csv's columns that are flags: 0 or 1 (mean trust lies from 0 to 1).
FLAGS = ("own", "switched")
# Municipalities like one's own: "similar size" is within this factor of its inhabitants
# either way (issue 32: "within a factor of two"), one's own left out.
LIKE_FACTOR = 2.0
# Fewer municipalities like one's own than this (median over runs) are too few to read
# as steadier than one's own: they are shown, and said to be too few.
MIN_LIKE = 5
# The groups of municipalities whose effects compare computes from municipalities.csv,
# each the prefix of its outcomes: "adopters", switched by the scenario; "like_yours",
# within LIKE_FACTOR of one's own size; "like_yours_adopters", both.
AREA_GROUPS = ("adopters", "like_yours", "like_yours_adopters")


def similar_size(inhabitants: np.ndarray, size) -> np.ndarray:
    """Whether ``inhabitants`` are within :data:`LIKE_FACTOR` of ``size`` either way."""
    inhabitants, size = np.asarray(inhabitants, dtype=float), np.asarray(size, dtype=float)
    return (size > 0) & (inhabitants >= size / LIKE_FACTOR) & (inhabitants <= size * LIKE_FACTOR)


def like_yours(inhabitants: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Which municipalities of one run are like one's own (``own`` 1 for it): a mask.

    Those whose inhabitants are within :data:`LIKE_FACTOR` of one's own either way,
    one's own left out; none in a run without one's own municipality.
    """
    inhabitants = np.asarray(inhabitants, dtype=float)
    mine = np.asarray(own) == 1
    if not mine.any():
        return np.zeros(len(inhabitants), dtype=bool)
    return ~mine & similar_size(inhabitants, inhabitants[mine][0])


def area_masks(run: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each of :data:`AREA_GROUPS`' masks over one run's municipalities (scenario run's)."""
    switched = run["switched"].to_numpy() == 1
    like = like_yours(run["inhabitants"].to_numpy(), run["own"].to_numpy())
    return {"adopters": switched, "like_yours": like, "like_yours_adopters": like & switched}


@dataclass(frozen=True)
class Adopters:
    """A scenario's outcomes in one group of municipalities, run for run.

    ``levels``: the scenario's outcomes over the group (``<group>:<name>``, see
    :func:`sim.municipality.area_outcomes`; the adopters: the municipalities whose flag
    it switched); ``differences``: those minus the baseline's over the same
    municipalities of the paired run. Runs where the group is empty are left out
    (``switched_none`` counts them), except from the counts of municipalities like yours
    (and of those adopting), which are 0 there.
    """

    levels: pd.DataFrame
    differences: pd.DataFrame
    runs: int
    switched_none: int


def adopter_effects(mine: pd.DataFrame, base: pd.DataFrame) -> Adopters:
    """Effects where the policy changes: both runs masked by the scenario's adopters."""
    return area_effects(mine, base)["adopters"]


def area_effects(mine: pd.DataFrame, base: pd.DataFrame) -> dict[str, Adopters]:
    """Effects in each group of :data:`AREA_GROUPS`, both runs masked alike.

    ``mine`` and ``base`` are :func:`read_municipalities_file` tables. The paired runs
    share the population and its latent flag draws, so municipality i is the same place
    in both; the masks are the scenario run's (:func:`area_masks`), applied to both.
    """
    from sim.municipality import area_outcomes

    levels = {g: {} for g in AREA_GROUPS}
    diffs = {g: {} for g in AREA_GROUPS}
    none = dict.fromkeys(AREA_GROUPS, 0)
    runs = 0
    base_runs = dict(iter(base.groupby(level=[0, 1, 2], sort=False)))
    for key, run in mine.groupby(level=[0, 1, 2], sort=False):
        other = base_runs.get(key)
        if other is None or len(other) != len(run):
            continue
        runs += 1
        run, other = run.reset_index(drop=True), other.reset_index(drop=True)
        for group, mask in area_masks(run).items():
            if not mask.any():
                none[group] += 1
                if group.startswith("like_yours"):
                    # How many are like yours is a fact of every run, none included: the
                    # count's median is over all runs (the outcomes', over runs with any).
                    levels[group][key] = {f"{group}:municipalities": 0.0}
                continue
            a, b = area_outcomes(run, mask), area_outcomes(other, mask)
            levels[group][key] = {f"{group}:{k}": v for k, v in a.items()}
            diffs[group][key] = {f"{group}:{k}": a[k] - b[k] for k in a
                                 if k not in ("municipalities", "inhabitants")}

    def frame(rows: dict) -> pd.DataFrame:
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index = pd.MultiIndex.from_tuples(list(rows), names=KEY) if rows else \
            pd.MultiIndex.from_tuples([], names=KEY)
        return out

    return {g: Adopters(frame(levels[g]), frame(diffs[g]), runs, none[g])
            for g in AREA_GROUPS}
