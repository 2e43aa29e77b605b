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

from runtime.files import read_back, writes

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
        bounded readers: a missing, cut or malformed file is one line naming it. The
        posterior is the folder's own (a calibration's) or the one the record names,
        refused when it has changed since the check was made.
        """
        from calibration.predictive_check import SHARE_COLUMNS, PredictiveCheck
        from runtime.files import read_own_csv, read_own_json

        record = read_own_json(folder / FIT_RECORD, MADE_BY)
        counts = _counts(record, folder / FIT_RECORD)
        _, activities, coordinators = counts.shape
        # What each table must hold for the check's readers (a row cut at a line break
        # is a table too short).
        shapes = {"fit.csv": (tuple(SHARE_COLUMNS), activities * coordinators),
                  "fit_differences.csv": (("statistic", "inside"), None),
                  "fit_n.csv": (("activity", "observed", "inside"), activities),
                  "fit_validation.csv": (("pattern", "consistent", "kind"), None),
                  "fit_classes.csv": (("class", "model_probability", "table_probability",
                                       "observed", "draws"), None)}
        tables = {name: read_own_csv(folder / name, MADE_BY,
                                     columns=shapes.get(name, ((), None))[0],
                                     rows=shapes.get(name, ((), None))[1])
                  for name in (*FIT_TABLES, *_later(record, folder / FIT_RECORD))}
        check = PredictiveCheck(counts, tables.pop("fit.csv"),
                                tables.pop("fit_differences.csv"), tables.pop("fit_n.csv"))
        validation, classes = tables.pop("fit_validation.csv"), tables.pop("fit_classes.csv")
        return cls(check, validation, classes, tables, _posterior(folder, record),
                   year=_whole(record, "year", folder / FIT_RECORD),
                   respondents=_whole(record, "respondents", folder / FIT_RECORD))


def _whole(record: dict, name: str, path: Path) -> int:
    """A whole number >= 0 of the record, or one line naming the field."""
    from sim.errors import InputError

    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{path}: field '{name}'", value, "allowed: a whole number >= 0; "
                         f"make it again with '{MADE_BY}'")
    return value


def _counts(record: dict, path: Path) -> np.ndarray:
    """The record's counts, (draws, activities, coordinators) whole numbers >= 0."""
    from sim.catalogue import COORDINATORS, TABLE2_IDS
    from sim.errors import InputError

    draws = _whole(record, "draws", path)
    counts = record.get("counts")
    shape = (draws, len(TABLE2_IDS), len(COORDINATORS))
    array = np.asarray(counts if isinstance(counts, list) else [], dtype=object)
    fits = (array.shape == shape and record.get("activities") == list(TABLE2_IDS)
            and record.get("coordinators") == list(COORDINATORS)
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                    for v in array.ravel()))
    if not fits:
        raise InputError(f"{path}: field 'counts'", f"shape {array.shape}", "allowed: "
                         f"whole numbers >= 0 for {draws} draws x the activities x the "
                         f"coordinators; make it again with '{MADE_BY}'",
                         problem="malformed value")
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
