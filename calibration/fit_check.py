"""The posterior predictive check as one result: computed once, then written and printed.

:func:`check_fit` runs the posterior's predictive draws against the surveys and returns a
:class:`FitCheck` holding every table the check makes; :meth:`FitCheck.write` puts them
in a folder (``fit.csv`` and the rest, :data:`FIT_OUTPUTS`) and :meth:`FitCheck.read`
takes them back: the tables from their files, the simulated counts of every draw and
what the tables do not say from :data:`FIT_RECORD`. Whoever shows the check (``coprod
fit``, ``coprod calibrate``, a notebook) reads the object, not the files it has just
written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from runtime.fields import whole, whole_equal
from runtime.files import at_row, read_back, writes
from runtime.words import again_with

if TYPE_CHECKING:
    from calibration.posterior import Posterior
    from calibration.predictive_check import PredictiveCheck
    from calibration.waves import Waves

# The fit's set of files, replaced together by the command line; the later waves' files
# and the local-policy split (FIT_PATTERNS) are members when written.
FIT_TABLES = ("fit.csv", "fit_differences.csv", "fit_n.csv", "fit_validation.csv",
              "fit_classes.csv")  # the first wave's
FIT_RECORD = "fit_draws.json"  # every draw's simulated counts, and what no table says
FIT_OUTPUTS = (*FIT_TABLES, "fit.png", "posterior.png", FIT_RECORD, "manifest.json")
FIT_PATTERNS = ("fit_wave*.csv", "fit_policy*.csv")
MADE_BY = "coprod fit --out DIR"


@dataclass(frozen=True, eq=False)  # equal when they write the same files (__eq__)
class FitCheck:
    """A posterior predictive check: the first wave's table and every later wave's.

    Two checks are equal when they hold the same simulated counts, year and
    respondents, were made from the same posterior (its digest) and write the same
    tables (each as its CSV holds it, six significant digits): a check read back from
    its folder equals the one written there.
    """

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

    def files(self) -> list[str]:
        """The names :meth:`write` writes, in its order."""
        return [*FIT_TABLES, *self.later, "fit.png", "posterior.png", FIT_RECORD]

    @writes
    def write(self, out: Path) -> list[str]:
        """Write every table, the two figures and :data:`FIT_RECORD` into ``out``.

        Returns the names written (:meth:`files`).
        """
        import json

        from calibration.fit_plots import plot_fit, plot_posterior
        from runtime.files import atomic_write_frame, atomic_write_text

        out = Path(out)
        for name, table in self._tables().items():
            atomic_write_frame(out / name, table)
        plot_fit(self.check.shares, out / "fit.png")
        plot_posterior(self.posterior.particles, self.posterior.weights,
                       out / "posterior.png")
        atomic_write_text(out / FIT_RECORD, json.dumps(self._record(), sort_keys=True,
                                                       allow_nan=False) + "\n")
        return self.files()

    def _tables(self) -> dict[str, pd.DataFrame]:
        from calibration.predictive_check import SHARE_COLUMNS

        return {"fit.csv": self.check.shares[SHARE_COLUMNS],
                "fit_differences.csv": self.check.differences,
                "fit_n.csv": self.check.n, "fit_validation.csv": self.validation,
                "fit_classes.csv": self.classes, **self.later}

    def _record(self) -> dict:
        """What the tables do not hold: the counts per draw, and where the posterior is."""
        from calibration.posterior import SHIPPED
        from sim.catalogue import COORDINATORS, TABLE2_IDS

        # A folder of 'coprod calibrate' is named absolutely, so that the check reads
        # back from any working folder; the shipped posterior by its name; one made in
        # Python is nowhere (None).
        source, where = self.posterior.source, None
        if source.startswith("shipped posterior"):
            where = SHIPPED
        elif (Path(source) / "posterior.csv").is_file():
            where = str(Path(source).resolve())
        return {"draws": int(self.check.counts.shape[0]), "activities": list(TABLE2_IDS),
                "coordinators": list(COORDINATORS),
                "counts": np.asarray(self.check.counts, dtype=int).tolist(),
                "year": int(self.year), "respondents": int(self.respondents),
                "later": list(self.later),
                "posterior": {"source": self.posterior.source, "folder": where,
                              "digest": self.posterior.digest()}}

    def __eq__(self, other) -> bool:
        if not isinstance(other, FitCheck):
            return NotImplemented
        from calibration.posterior import as_written

        mine, theirs = self._tables(), other._tables()
        return (mine.keys() == theirs.keys()
                and all(as_written(mine[k]).equals(as_written(theirs[k])) for k in mine)
                and np.array_equal(self.check.counts, other.check.counts)
                and (self.year, self.respondents) == (other.year, other.respondents)
                and self.posterior.digest() == other.posterior.digest())

    __hash__ = None  # a value of tables: compared, not hashed

    @classmethod
    @read_back
    def read(cls, folder: Path) -> FitCheck:
        """The check ``coprod fit --out folder`` (or :meth:`write`) left in ``folder``.

        Its tables from their files and the counts from :data:`FIT_RECORD`, through the
        bounded readers: a missing, cut or malformed file is one line naming it, as is a
        row no check writes (:func:`_check_cells`) or a ``manifest.json`` that is not
        this check's (:func:`_check_manifest`). The
        posterior is the folder's own (a calibration's) or the one the record names,
        refused when it has changed since the check was made.
        """
        from calibration.predictive_check import PredictiveCheck
        from calibration.waves import MAX_YEAR, MIN_YEAR
        from runtime.fields import Fields
        from runtime.files import read_own_json
        from sim.sample_frame import MAX_FRAME_UNITS

        path = folder / FIT_RECORD
        record = read_own_json(path, MADE_BY)
        fields = Fields(record, path, MADE_BY)
        counts = _counts(fields)
        manifest = _check_manifest(folder, counts.shape[0])
        tables = {name: read_table(folder, name, rows=_rows(name, counts))
                  for name in (*FIT_TABLES, *_later(record, path))}
        _check_against_counts(tables, counts, path)
        check_observed(tables, manifest.record().get("surveys"), folder)
        check = PredictiveCheck(counts, tables.pop("fit.csv"),
                                tables.pop("fit_differences.csv"), tables.pop("fit_n.csv"))
        validation, classes = tables.pop("fit_validation.csv"), tables.pop("fit_classes.csv")
        year = fields("year", whole(MIN_YEAR, MAX_YEAR), f"a year from {MIN_YEAR} to "
                      f"{MAX_YEAR}, a whole number")
        respondents = fields("respondents", whole(1, MAX_FRAME_UNITS), "a whole number "
                             f"of units, at least 1 and at most {MAX_FRAME_UNITS:,}")
        return cls(check, validation, classes, tables, _posterior(folder, record),
                   year=year, respondents=respondents)


# What each table of the check holds, as read back: shares lie in 0 to 1, differences of
# shares in -1 to 1, counts of answers from 0, every interval's low end at most its
# high, 'inside' and 'consistent' True or False (by file name or pattern).
_SIM = ("sim_median", "sim_low_90", "sim_high_90")
_INTERVALS = (("low_95", "high_95"), ("sim_low_90", "sim_high_90"),
              ("sim_low_90", "sim_median"), ("sim_median", "sim_high_90"))
_SHARES = {"columns": ("activity", "coordinator", "observed", "low_95", "high_95", *_SIM,
                       "inside"),
           "numeric": ("observed", "low_95", "high_95", *_SIM),
           "bounds": dict.fromkeys(("observed", "low_95", "high_95", *_SIM), (0.0, 1.0)),
           "flags": ("inside",), "ordered": _INTERVALS}
_TABLES = {
    "fit.csv": _SHARES,
    "fit_differences.csv": {
        "columns": ("statistic", "observed", "low_95", "high_95", *_SIM, "inside"),
        "numeric": ("observed", "low_95", "high_95", *_SIM),
        "bounds": dict.fromkeys(("observed", "low_95", "high_95", *_SIM), (-1.0, 1.0)),
        "flags": ("inside",), "ordered": _INTERVALS},
    "fit_n.csv": {"columns": ("activity", "observed", *_SIM, "inside"),
                  "numeric": ("observed", *_SIM),
                  "bounds": dict.fromkeys(("observed", *_SIM), (0.0, 1e9)),
                  "flags": ("inside",), "ordered": _INTERVALS[1:]},
    "fit_validation.csv": {"columns": ("pattern", *_SIM, "consistent", "kind"),
                           "numeric": _SIM, "bounds": dict.fromkeys(_SIM, (0.0, 1e12)),
                           "flags": ("consistent",), "ordered": _INTERVALS[1:]},
    "fit_classes.csv": {
        "columns": ("class", "model_probability", "table_probability", "observed", "draws"),
        "numeric": ("model_probability", "table_probability", "observed", "draws", "reps"),
        "bounds": {**dict.fromkeys(("model_probability", "table_probability", "observed"),
                                   (0.0, 1.0)), "draws": (1.0, 1e9), "reps": (1.0, 1e9)}},
    "fit_wave*.csv": _SHARES,
    "fit_policy*.csv": {"columns": ("policy", "coordinator", "observed", "answers", *_SIM,
                                    "inside"),
                        "numeric": ("observed", "answers", *_SIM),
                        "bounds": {**dict.fromkeys(("observed", *_SIM), (0.0, 1.0)),
                                   "answers": (0.0, 1e9)},
                        "flags": ("inside",), "ordered": _INTERVALS[1:]},
}


# What the bounds of one column cannot say, by file name or pattern: the key of each row
# (its columns and the values they may hold, None: any printable text), each once; the
# columns that hold a value in every row and those that count (whole numbers); the
# interval ('low', 'high') of the value ('at') that a row's 'inside' flag judges.
def _cell_rules() -> dict:
    from calibration.waves import GROUPS
    from sim.catalogue import COORDINATORS, TABLE2_IDS
    from sim.classify import CLASSES

    shares = {"filled": ("observed", "low_95", "high_95"),
              "inside": ("low_95", "sim_median", "high_95")}
    return {
        "fit.csv": {"keys": {"activity": TABLE2_IDS, "coordinator": COORDINATORS},
                    **shares},
        "fit_wave*.csv": {"keys": {"activity": None, "coordinator": COORDINATORS},
                          **shares},
        "fit_differences.csv": {"keys": {"statistic": None}, "filled": ("observed",),
                                "inside": ("low_95", "sim_median", "high_95")},
        "fit_n.csv": {"keys": {"activity": TABLE2_IDS},
                      "filled": ("observed", *_SIM), "whole": ("observed",),
                      "inside": ("sim_low_90", "observed", "sim_high_90")},
        "fit_validation.csv": {"keys": {"pattern": None, "kind": None},
                               "text": ("known", "why"),
                               "shares": ("pattern", "dropped_share")},
        "fit_classes.csv": {"keys": {"class": CLASSES},
                            "filled": ("model_probability", "table_probability",
                                       "observed", "draws", "reps"),
                            "whole": ("observed", "draws", "reps")},
        "fit_policy*.csv": {"keys": {"policy": GROUPS, "coordinator": COORDINATORS},
                            "filled": ("observed", "answers"), "whole": ("answers",),
                            "inside": ("sim_low_90", "observed", "sim_high_90")},
    }


def read_table(folder: Path, name: str, *, rows: int | None = None, remake: str = MADE_BY,
               inside=None) -> pd.DataFrame:
    """One table of a check in ``folder`` (``fit.csv``, ``fit_n.csv``…), read back checked.

    Its columns, numbers and intervals (:data:`_TABLES`), ``rows`` rows when given, and
    every row as the check writes it (:func:`_check_cells`): what :meth:`FitCheck.read`
    and the report read. ``remake``: the command that makes it again, for messages;
    ``inside``: as for :func:`runtime.files.read_own_csv`.
    """
    import fnmatch

    from runtime.files import read_own_csv

    spec = next(v for k, v in _TABLES.items() if fnmatch.fnmatchcase(name, k))
    table = read_own_csv(folder / name, remake, **spec, rows=rows, inside=inside)
    _check_cells(folder / name, name, table, remake)
    return table


def _check_cells(path: Path, name: str, table: pd.DataFrame, remake: str = MADE_BY) -> None:
    """Refuse (one line) a row the check never writes (:func:`_cell_rules`).

    As the report reads ``fit.csv``: each cell of the table once, named as the survey
    names it (an escape or a NUL in a name is no activity); a blank where a value is
    always written; a fractional count; an ``inside`` flag that contradicts its row (the
    value lies inside its interval, or not, by more than the six digits written).
    """
    import fnmatch

    from runtime.fields import check_filled, check_keys, check_printable, check_whole

    rules = next(v for k, v in _cell_rules().items() if fnmatch.fnmatchcase(name, k))
    check_keys(table, path, remake, rules["keys"])
    check_printable(table, path, remake, rules.get("text", ()))
    check_filled(table, path, remake, rules.get("filled", ()))
    check_whole(table, path, remake, rules.get("whole", ()))
    if "inside" in rules:
        _check_inside(path, table, *rules["inside"], remake=remake)
    if "shares" in rules:
        _check_shares(path, table, *rules["shares"], remake=remake)
    if "consistent" in table.columns:
        _check_consistent(path, table, remake=remake)


def _check_consistent(path: Path, table: pd.DataFrame, *, remake: str = MADE_BY) -> None:
    """Each validation row's ``consistent`` as its rule says of its numbers.

    :func:`calibration.predictive_check.validation_rule` gives each row its column and
    bounds; rows it cannot judge from their text alone are not judged (no bounds).
    """
    from calibration.predictive_check import validation_rule

    known = table["known"].astype(str) if "known" in table.columns else [""] * len(table)
    rules = [validation_rule(p, k) for p, k in zip(table.pattern.astype(str), known,
                                                    strict=True)]
    value = np.array([table[r[0]].iloc[i] if r else np.nan for i, r in enumerate(rules)],
                     dtype=float)
    low, high = (np.array([r[k] if r else np.nan for r in rules], dtype=float)
                 for k in (1, 2))
    _refuse_flag(path, table, "consistent", low, value, high, remake,
                 lambda i: f"{rules[i][0]} {value[i]:g}", lambda i: table.pattern.iloc[i])


def _check_shares(path: Path, table: pd.DataFrame, key: str, prefix: str, *,
                  remake: str = MADE_BY) -> None:
    """Refuse a share above 1 in the rows whose ``key`` starts with ``prefix``.

    Their columns of the simulation are shares (0 to 1); the table's own bounds are
    those of its other patterns too, counts and ratios.
    """
    from sim.errors import InputError

    rows = table[key].astype(str).str.startswith(prefix).to_numpy()
    for column in _SIM:
        too_big = rows & (table[column].to_numpy(float) > 1.0)
        if too_big.any():
            row = int(too_big.argmax())
            raise InputError(f"{at_row(path, row)}, column '{column}'",
                             f"{table[column].iloc[row]:g}", f"allowed: a number from 0 to "
                             f"1 for a share ({prefix}); {again_with(remake)}")


def _check_inside(path: Path, table: pd.DataFrame, low: str, at: str, high: str, *,
                  remake: str = MADE_BY) -> None:
    """Each row's ``inside`` as its numbers say: ``at`` from ``low`` to ``high``."""
    value = table[at].to_numpy(float)
    _refuse_flag(path, table, "inside", table[low].to_numpy(float), value,
                 table[high].to_numpy(float), remake, lambda i: f"{at} {value[i]:g}",
                 lambda i: f"{low} to {high}")


def _refuse_flag(path: Path, table: pd.DataFrame, flag_column: str, lo: np.ndarray,
                 value: np.ndarray, hi: np.ndarray, remake: str, what, bounds) -> None:
    """Refuse the first row whose ``flag_column`` its numbers contradict (one line).

    The flag says ``value`` lies from ``lo`` to ``hi``. Rows without bounds (a blank end)
    and values within the six significant digits written of either end are not judged.
    ``what(i)``, ``bounds(i)``: the row's value and bounds in words.
    """
    from sim.errors import InputError

    slack = 1e-5 * np.maximum(1.0, np.abs(value))
    with np.errstate(invalid="ignore"):
        clearly_in = (lo + slack < value) & (value < hi - slack)
        clearly_out = (value < lo - slack) | (value > hi + slack)
    flag = table[flag_column].to_numpy(bool)
    wrong = (flag & clearly_out) | (~flag & clearly_in)
    if wrong.any():
        row = int(wrong.argmax())
        raise InputError(f"{at_row(path, row)}, column '{flag_column}'", str(flag[row]),
                         f"allowed: {not flag[row]}, as {what(row)} lies "
                         f"{'inside' if clearly_in[row] else 'outside'} {bounds(row)} "
                         f"({lo[row]:g} to {hi[row]:g}); {again_with(remake)}",
                         problem="a flag its row contradicts:")


def _check_manifest(folder: Path, draws: int):
    """The folder's ``manifest.json``, checked as every stage's is, and of these draws.

    A fit's folder holds the record of ``coprod fit`` (or of ``coprod calibrate``, whose
    folder holds its check): another command's record, or one of another number of
    draws than :data:`FIT_RECORD` holds, vouches for other results.
    """
    from runtime.manifests import Manifest

    manifest = Manifest.read(folder / "manifest.json", MADE_BY, stages=("fit", "calibrate"))
    said = f"the {draws} draws {FIT_RECORD} holds"
    manifest.field("draws", whole_equal(draws), said, draws)
    manifest.field("fit", lambda v: isinstance(v, Mapping) and whole(1)(v.get("draws"))
                   and v.get("draws") == draws, f"the check's targets, of {said}", {})
    return manifest


def check_observed(tables: Mapping[str, pd.DataFrame], surveys, folder: Path,
                   remake: str = MADE_BY) -> None:
    """Refuse a fit of the shipped 2015 survey whose observed side is not Table 2's.

    ``tables``: ``fit.csv`` and ``fit_n.csv`` as read (:func:`read_table`); ``surveys``:
    the survey records of the fit's manifest, the first being the one the tables hold.
    When it is the shipped table, each observed share and each activity's answers are
    what Table 2 gives (a row moved to another cell, or a number edited, reads back
    otherwise); one's own survey file is not at hand to compare, and is not checked.
    """
    from calibration.observed_survey import load_table2
    from calibration.summary import observed_summary
    from runtime.fields import equal_as_written
    from sim.errors import InputError

    table = load_table2()
    first = surveys[0] if isinstance(surveys, list | tuple) and surveys else None
    if not (isinstance(first, Mapping) and first.get("source") == f"shipped: {table.source}"):
        return
    observed = observed_summary(table)  # Table 2's shares and answers, as calibrated to
    fit, fit_n = tables["fit.csv"], tables["fit_n.csv"]
    cells = list(zip(fit.activity.astype(str), fit.coordinator.astype(str), strict=True))
    share = np.array([observed[f"share:{a}:{c}"] for a, c in cells])
    answers = np.array([observed[f"n:{a}"] for a in fit_n.activity.astype(str)])
    for name, frame, expected, what in (
            ("fit.csv", fit, share, lambda i: "Table 2's share of {} coordinated by {}"
             .format(*cells[i])),
            ("fit_n.csv", fit_n, answers, lambda i: f"Table 2's answers for "
             f"{fit_n.activity.iloc[i]}")):
        bad = ~equal_as_written(frame["observed"].to_numpy(float), expected)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"{at_row(folder / name, i)}, column 'observed'",
                             f"{frame['observed'].iloc[i]:g}", f"allowed: {expected[i]:g}, "
                             f"{what(i)}, the survey its manifest.json records; "
                             f"{again_with(remake)}", problem="not the survey's:")


def _rows(name: str, counts: np.ndarray) -> int | None:
    """The rows of the table ``name`` the counts imply (None: not implied).

    The first wave's shares and answers: one row per activity (and coordinator) of the
    counts; a row cut at a line break is a table too short.
    """
    _, activities, coordinators = counts.shape
    return {"fit.csv": activities * coordinators, "fit_n.csv": activities}.get(name)


def _check_against_counts(tables: dict, counts: np.ndarray, path: Path) -> None:
    """Refuse (one line) counts that are not the ones the tables were computed from.

    ``fit_classes.csv`` counts the draws, and ``fit_n.csv``'s predictive interval of
    each activity's answers is the quantiles of the draws' totals: counts edited (or the
    tables of another check beside them) disagree with one or both.
    """
    from sim.errors import InputError

    draws, classes = counts.shape[0], tables["fit_classes.csv"]
    if not (classes["draws"] == draws).all():
        raise InputError(f"{path}: field 'draws'", draws, "allowed: the draws "
                         f"fit_classes.csv counts ({classes['draws'].iloc[0]:g}); make it "
                         f"again with '{MADE_BY}'", problem="draws not the tables':")
    low, median, high = np.quantile(counts.sum(axis=2), [0.05, 0.5, 0.95], axis=0)
    written = tables["fit_n.csv"][["sim_low_90", "sim_median", "sim_high_90"]]
    # fit_n.csv holds six significant digits.
    if not np.allclose(written.to_numpy(float), np.column_stack([low, median, high]),
                       rtol=1e-5, atol=1e-9):
        raise InputError(f"{path}: field 'counts'", "answers per draw", "allowed: the "
                         "counts fit_n.csv's predictive intervals were computed from; make "
                         f"it again with '{MADE_BY}'", problem="counts not the tables':")


def _counts(fields) -> np.ndarray:
    """The record's counts, (draws, activities, coordinators) whole numbers >= 0."""
    from sim.catalogue import COORDINATORS, TABLE2_IDS
    from sim.sample_frame import MAX_FRAME_UNITS

    draws = fields("draws", whole(1), "a whole number of draws, at least 1")
    fields("activities", lambda v: v == list(TABLE2_IDS),
           "the activities of Table 2: " + ", ".join(TABLE2_IDS))
    fields("coordinators", lambda v: v == list(COORDINATORS),
           "the coordinators: " + ", ".join(COORDINATORS))
    counts = fields.record.get("counts")
    array = np.asarray(counts if isinstance(counts, list) else [], dtype=object)
    shape = (draws, len(TABLE2_IDS), len(COORDINATORS))
    # No virtual survey has more answers than a frame has units.
    allowed = (f"whole numbers from 0 to {MAX_FRAME_UNITS:,} for {draws} draws x the "
               "activities x the coordinators")
    if array.shape != shape:
        raise fields.refuse("counts", f"shape {array.shape}", allowed,
                            problem="malformed value")
    count = whole(0, MAX_FRAME_UNITS)
    bad = next((v for v in array.ravel() if not count(v)), None)
    if bad is not None or not all(count(v) for v in array.ravel()):
        raise fields.refuse("counts", bad, allowed)
    return array.astype(int)


def _later(record: dict, path: Path) -> list[str]:
    """The later waves' and policy splits' file names the record lists (checked)."""
    import fnmatch

    from sim.errors import InputError

    names = record.get("later")
    if not isinstance(names, list) or not all(
            isinstance(n, str) and any(fnmatch.fnmatchcase(n, p) for p in FIT_PATTERNS)
            and "/" not in n for n in names):
        raise InputError(f"{path}: field 'later'", str(names)[:80], "allowed: a list of "
                         f"{' or '.join(FIT_PATTERNS)} names; make it again with "
                         f"'{MADE_BY}'", problem="malformed value")
    return names


def _posterior(folder: Path, record: dict) -> Posterior:
    """The posterior the check was made from: the folder's own or the one recorded."""
    from calibration.posterior import SHIPPED, load_posterior
    from sim.errors import InputError

    made = record.get("posterior")
    digest = made.get("digest") if isinstance(made, dict) else None
    where = made.get("folder") if isinstance(made, dict) else None
    if (folder / "posterior.csv").is_file():
        where = folder  # a calibration's folder holds its posterior
    if not isinstance(where, str | Path) or not isinstance(digest, str):
        raise InputError(f"{folder / FIT_RECORD}: field 'posterior'", str(made)[:80],
                         "a posterior on disk (a folder of 'coprod calibrate' or the "
                         "shipped one); the check of a posterior made in Python is not "
                         "read back", problem="cannot read back the check of")
    posterior = load_posterior(None if where == SHIPPED else where)
    if posterior.digest() != digest:
        raise InputError(f"{folder / FIT_RECORD}: field 'posterior'", str(where),
                         f"the posterior it was made from (digest {digest}); this one "
                         f"has changed since: make the fit again with '{MADE_BY}'",
                         problem="another posterior at")
    return posterior


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
