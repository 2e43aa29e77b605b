"""The survey study as one result: Table 2's intervals, the paper's claims, the answer.

:func:`study_survey` reads one survey (the paper's Table 2, a shipped wave or one's own
file), computes its bootstrap BCa intervals, judges the paper's claims on them, classifies
the table (the research question's answer, with its probability over the same resampled
tables) and bounds that answer over the dropped "unsure"/"several" answers. It returns a
:class:`SurveyStudy`; :meth:`SurveyStudy.write` puts its tables in a folder
(:data:`SURVEY_OUTPUTS`) and :meth:`SurveyStudy.read` takes them back, through the
project's bounded readers. Whoever shows the study (``coprod survey``, ``coprod demo``,
a notebook) reads the object, not the files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.claims import COLUMNS as CLAIM_COLUMNS
from runtime.files import read_back, writes
from runtime.manifests import Manifest

# The study's set of files (replaced together by whoever writes it into a folder).
SURVEY_OUTPUTS = ("bootstrap.csv", "claims.csv", "classes.csv", "classes_sensitivity.csv",
                  "classes_dropped.csv", "manifest.json")
TABLE2 = "shipped: Andfossen (2020) Table 2"
BOOTSTRAP_COLUMNS = ("statistic", "estimate", "low_95", "high_95", "low_99", "high_99",
                     "note")
CLASS_COLUMNS = ("class", "probability", "observed", "reps", "resample")


@dataclass(frozen=True, eq=False)  # its tables compare with .equals, not ==
class SurveyStudy:
    """One survey's intervals, claims and answer, as written and read back.

    Every table is the one its file holds (``bootstrap``: ``statistic, estimate, low_95,
    high_95, low_99, high_99, note``; ``claims``: one row per claim; ``classes``: the
    answer's probability per class; ``sensitivity``: the answer when a threshold moves;
    ``dropped``: the answer had the dropped answers all named one coordinator).
    ``answers``: the activities' numbers of answers (n), ``notes`` the survey's notes,
    ``dropped_sentence`` what the survey's record says of its dropped answers.
    """

    bootstrap: pd.DataFrame
    claims: pd.DataFrame
    classes: pd.DataFrame
    sensitivity: pd.DataFrame
    dropped: pd.DataFrame
    source: str  # the survey, in words
    answers: dict[str, int]
    notes: tuple[str, ...]
    dropped_sentence: str
    manifest: Manifest = field(compare=False)

    @property
    def seed(self) -> int:
        """The root seed it was made with."""
        return int(self.manifest["seed"])

    @property
    def reps(self) -> int:
        """Bootstrap replications."""
        return int(self.manifest["reps"])

    @property
    def resample(self) -> str:
        """'activity' or 'unit'."""
        return str(self.manifest["resample"])

    @property
    def synthetic(self) -> bool:
        """Whether the survey is SYNTHETIC (made by the model)."""
        return bool(self.manifest["synthetic"])

    @property
    def observed_class(self) -> str:
        """The class the table itself falls in (the research question's answer)."""
        return str(self.classes.loc[self.classes.observed == 1, "class"].iloc[0])

    def significant(self, statistic: str, level: float) -> bool | None:
        """True when 0 lies outside the ``level`` interval; None when there is none."""
        row = self.bootstrap.set_index("statistic").loc[statistic]
        pct = round(level * 100)
        lo, hi = float(row[f"low_{pct}"]), float(row[f"high_{pct}"])
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return None
        return bool(lo > 0 or hi < 0)

    def answer_sentence(self) -> str:
        """The research question's answer in one line (as ``ObservedClasses.sentence``)."""
        row = self.classes[self.classes["class"] == self.observed_class].iloc[0]
        return (f"The research question on this table: {self.observed_class} "
                f"(probability {float(row.probability):.0%} over {self.reps} bootstrap "
                f"replicates, {self.resample} resampling)")

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the tables and the manifest into ``folder``; the names written."""
        from runtime.files import atomic_write_frame

        for name, table in self._tables().items():
            atomic_write_frame(folder / name, table)
        self.manifest.write(folder / "manifest.json")
        return list(SURVEY_OUTPUTS)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"bootstrap.csv": self.bootstrap, "claims.csv": self.claims,
                "classes.csv": self.classes, "classes_sensitivity.csv": self.sensitivity,
                "classes_dropped.csv": self.dropped}

    @classmethod
    @read_back
    def read(cls, folder: Path) -> SurveyStudy:
        """The study ``coprod survey --out folder`` (or :meth:`write`) left in ``folder``.

        Read through the bounded readers: a missing, oversized or malformed file is one
        line naming it.
        """
        from runtime.fields import listed, text, whole
        from runtime.files import read_own_csv

        made_by = "coprod survey --out DIR"
        manifest = Manifest.read(folder / "manifest.json", made_by, stages=("survey",))
        # Shares lie in 0-1 and differences of shares in -1 to 1; each interval in order.
        values = BOOTSTRAP_COLUMNS[1:-1]
        boot = read_own_csv(folder / "bootstrap.csv", made_by, columns=BOOTSTRAP_COLUMNS,
                            numeric=values, bounds=dict.fromkeys(values, (-1.0, 1.0)),
                            ordered=(("low_95", "high_95"), ("low_99", "high_99")))
        boot["note"] = boot["note"].fillna("").astype(str)
        claims = read_own_csv(folder / "claims.csv", made_by, columns=CLAIM_COLUMNS,
                              numeric=("level",))
        for name in ("scope", "note"):
            claims[name] = claims[name].fillna("").astype(str)
        classes = read_own_csv(folder / "classes.csv", made_by, columns=CLASS_COLUMNS,
                               numeric=("probability", "observed", "reps"),
                               bounds={"probability": (0.0, 1.0), "observed": (0.0, 1.0),
                                       "reps": (1.0, 1e9)})
        sensitivity = read_own_csv(folder / "classes_sensitivity.csv", made_by)
        dropped = read_own_csv(folder / "classes_dropped.csv", made_by,
                               columns=("case", "class"))
        answers = manifest.field("answers", lambda v: isinstance(v, dict) and all(
            whole(0)(n) for n in v.values()), "a mapping of each activity to its number "
            "of answers (whole numbers from 0)", {})
        return cls(boot, claims, classes, sensitivity, dropped,
                   source=manifest.field("source", text, "text", ""),
                   answers={str(k): v for k, v in dict(answers).items()},
                   notes=tuple(manifest.field("notes", listed(text), "a list of texts", [])),
                   dropped_sentence=manifest.field("dropped_sentence", text, "text", ""),
                   manifest=manifest)


def dropped_bounds(table, observed_class: str, *, reps: int, rng) -> tuple[pd.DataFrame, str]:
    """The answer's bounds over the dropped answers, judged by the survey's own record.

    The paper's Table 2: its printed 0-35%; a unit-level file: its own dropped answers;
    an aggregate file: not bounded (it does not record them). Returns the bounds and the
    sentence that says what they mean.
    """
    from calibration.classes import dropped_answers_bounds
    from calibration.observed_survey import dropped_shares

    shares, where = dropped_shares(table)
    if where is None:
        empty = replace(table, dropped=np.zeros(len(table.activities), dtype=int))
        return (dropped_answers_bounds(empty, reps=reps, rng=rng),
                "The file does not record its dropped answers (unsure / several services; "
                "an aggregate table): where they would have gone is not bounded.")
    bounds = dropped_answers_bounds(table, reps=reps, rng=rng)
    if shares is not None and not shares.any():
        return bounds, ("The file has no dropped answers (unsure / several services): the "
                        "answer does not rest on them.")
    span = ("0-35% (the paper)" if shares is None else
            f"{shares.min():.0%}-{shares.max():.0%} (counted in the file)")
    moved = bounds[bounds["class"] != observed_class]
    return bounds, (
        f"The survey dropped {span} of each activity's answers (unsure / several "
        "services); had they all named one coordinator: "
        + "; ".join(f"{r.case.removeprefix('all dropped answers named ')}: {r['class']} "
                    f"({r.probability:.0%})" for _, r in bounds.iloc[1:].iterrows())
        + (" - so the answer rests on where the dropped answers would have gone."
           if len(moved) else " - the answer holds whichever way."))


def study_survey(data: str | Path | None = None, *, reps: int = 10_000,
                 resample: str = "activity", rng: int = 20150,
                 command: str = "coprod.survey()") -> SurveyStudy:
    """Compute the survey study of ``data`` (None or 'wave2015': the paper's Table 2).

    Parameters
    ----------
    data : the survey: None or 'wave2015' (Table 2), 'wave2025-synthetic', a survey CSV
        (aggregate or unit-level) or a wave's TOML.
    reps : bootstrap replications (the dropped answers' bounds use at most 2,000).
    resample : 'activity' (units within activity) or 'unit' (whole units; unit-level data).
    rng : the root seed (a whole number >= 0): the same seed, the same study.
    command : what the manifest records as the command that asked for the study.

    """
    from calibration.bootstrap import survey_bootstrap
    from calibration.claims import check_claims
    from calibration.classes import observed_classes
    from calibration.observed_survey import UnitResponses, load_survey
    from calibration.waves import marked_synthetic, survey_file

    data_file, synthetic = survey_file(data)
    survey = load_survey(data_file)
    synthetic = synthetic or marked_synthetic(getattr(survey, "comments", ()))
    t0 = time.perf_counter()
    res = survey_bootstrap(survey, reps=reps, rng=rng, resample=resample)
    # The same seed gives the same resampled tables as the bootstrap above.
    classes = observed_classes(survey, reps=reps, rng=rng, resample=resample)
    elapsed = time.perf_counter() - t0
    table = survey.to_table() if isinstance(survey, UnitResponses) else survey
    # A unit-level file's leading '#' lines say what it is: quoted with the table's notes.
    notes = [*table.notes, *getattr(survey, "comments", ())]
    # With the survey itself, the Discussion's "control most of the coordination work"
    # is judged too (on the same resampled tables).
    checks = check_claims(res, survey)
    bounds, sentence = dropped_bounds(table, classes.observed, reps=min(reps, 2_000),
                                      rng=rng)
    record = Manifest.of(
        command=command, seed=rng, reps=reps, resample=resample,
        data=str(data or TABLE2), data_file=str(data_file or TABLE2), synthetic=synthetic,
        observed_class=classes.observed,
        observed_class_probability=classes.probabilities[classes.observed],
        elapsed_seconds=round(elapsed, 3), source=table.source,
        answers={str(a): int(n) for a, n in zip(table.activities, table.n, strict=True)},
        notes=notes, dropped_sentence=sentence)
    return SurveyStudy(
        res.to_frame(), pd.DataFrame([vars(c) for c in checks], columns=list(CLAIM_COLUMNS)),
        classes.to_frame(), classes.sensitivity_frame(), bounds, source=table.source,
        answers=dict(record["answers"]), notes=tuple(notes),
        dropped_sentence=sentence, manifest=record)
