"""Out-of-sample prediction: leave one Table 2 activity out.

For each of the six activities, ABC-SMC is run on the other five (the distance, and the
noise level it stops at, ignore the left-out activity's shares and count), and the
left-out activity's three shares are predicted from posterior draws: each draw is one run
with the virtual survey (:func:`calibration.predictive_check.predictive_counts`), so the 90%
predictive interval holds both parameter uncertainty and the survey's sampling noise.
Each prediction is set against the observed share (inside the interval or not, absolute
error of the predictive median) and against two rivals: a naive predictor (each
coordinator's share pooled over the other five activities) and a fair one, a
multinomial logit with statutory and professional dummies fitted on the other five
activities' counts (:func:`logit_shares`): the model must beat what the activities'
flags alone predict, not only a pooled share.

Each calibration lives in ``DIR/<activity>/`` (``abc.db``, ``posterior.csv``,
``calibration.json``); ``resume=True`` reuses a finished one and continues an
unfinished one (:mod:`studies.calibrations`). Every calibration's seed is derived from the
root seed and the activity's position, so a study resumed from finished calibrations is
the same as an uninterrupted one; a calibration interrupted mid-way goes on from its
finished generations, reproducibly but not as an uninterrupted run would have sampled
(:func:`calibration.abc.run_abc`). :func:`study_leave_one_out` returns the study as a
:class:`LeaveOneOut`, which writes (:data:`LOO_OUTPUTS`) and reads back.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from calibration.abc import Settings
from calibration.observed_survey import SurveyTable, load_table2
from calibration.posterior import load_posterior
from calibration.predictive_check import predictive_counts
from runtime.fields import whole
from runtime.files import at_row, writes
from runtime.manifests import Manifest
from runtime.words import again_with
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.errors import InputError
from studies.calibrations import calibrate_or_reuse, resume_command, study_seed, study_sizes
from studies.shipped import ShippedStudy

COLUMNS = ["activity", "coordinator", "observed", "predicted_median", "low_90", "high_90",
           "inside", "error", "naive", "naive_error", "logit", "logit_error"]
LOO_OUTPUTS = ("leave_one_out.csv", "manifest.json")  # replaced together
MADE_BY = "coprod validate --leave-one-out --out DIR"
SHIPPED_MANIFEST = "leave_one_out_manifest.json"  # its record's name as shipped


@dataclass(frozen=True, eq=False)  # its table compares with .equals, not ==
class LeaveOneOut(ShippedStudy):
    """The leave-one-out study: one row per left-out share (:data:`COLUMNS`), and how.

    ``summary`` (:func:`summarise`) is the manifest's: how many shares fall inside,
    and the errors against both rivals.
    """

    shipped_record: ClassVar[str] = SHIPPED_MANIFEST

    frame: pd.DataFrame
    manifest: Manifest = field(compare=False)

    @property
    def summary(self) -> dict:
        """The study in numbers (:func:`summarise`), as the manifest records it."""
        return dict(self.manifest["summary"])

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write ``leave_one_out.csv`` and the manifest into ``folder``; the names."""
        from runtime.files import atomic_write_frame

        atomic_write_frame(folder / LOO_OUTPUTS[0], self.frame)
        self.manifest.write(folder / "manifest.json")
        return list(LOO_OUTPUTS)

    @classmethod
    def _read(cls, folder: Path, record: str) -> LeaveOneOut:
        from runtime.files import read_own_csv

        manifest = Manifest.read(folder / record, MADE_BY, stages=("validate",))
        left_out = len(TABLE2_IDS) * len(COORDINATORS)
        summary = manifest.field("summary", lambda v: isinstance(v, dict) and whole(
            1, left_out)(v.get("shares")), "a mapping whose 'shares' is the number of "
            f"shares left out, a whole number from 1 to {left_out}")
        shares = ("observed", "predicted_median", "low_90", "high_90", "naive", "logit")
        frame = read_own_csv(folder / LOO_OUTPUTS[0], MADE_BY, columns=tuple(COLUMNS),
                             rows=summary["shares"],
                             numeric=tuple(c for c in COLUMNS[2:] if c != "inside"),
                             bounds=dict.fromkeys(shares, (0.0, 1.0)), flags=("inside",))
        # One calibration per activity left out (each named by it).
        manifest.entries("calibrations", _check_shares(frame, folder / LOO_OUTPUTS[0]))
        _check_survey_side(frame, folder / LOO_OUTPUTS[0])
        _check_summary(summary, frame, folder / record)
        return cls(frame, manifest)


def _check_summary(summary: dict, frame: pd.DataFrame, path: Path) -> None:
    """Refuse a manifest whose ``summary`` is not what its table says (:func:`summarise`).

    Library callers read the study in numbers from it (:attr:`LeaveOneOut.summary`): a
    count or an error edited there, or a table edited after it, was read as the study's.
    Means are recorded to 4 decimals, of a table written to 6 digits: they agree to 1e-4.
    """
    for key, value in summarise(frame).items():
        kept = summary.get(key)
        same = (kept == value if isinstance(value, int | list) else
                isinstance(kept, int | float) and not isinstance(kept, bool)
                and abs(kept - value) <= 1e-4)
        if not same or type(kept) is bool:
            raise InputError(f"{path}: field 'summary.{key}'", kept, f"allowed: {value}, "
                             f"as {LOO_OUTPUTS[0]} beside it gives it; "
                             f"{again_with(MADE_BY)}", problem="not as its table says:")


def _check_shares(frame: pd.DataFrame, path: Path) -> list[str]:
    """The activities the table leaves out, in Table 2's order; each with its three shares.

    Its activities name the study's calibrations: a row of an unknown activity, of an
    unknown coordinator, or a share twice (a row moved to another activity) is named
    here, in the table, not blamed on the manifest's genuine calibrations.
    """
    def text(value) -> str:
        return "" if pd.isna(value) else str(value)

    seen, again = set(), again_with(MADE_BY)
    for row, (activity, coordinator) in enumerate(zip(frame.activity, frame.coordinator,
                                                      strict=True)):
        activity, coordinator = text(activity), text(coordinator)
        where = at_row(path, row)
        if activity not in TABLE2_IDS:
            raise InputError(f"{where}, column 'activity'", activity, f"allowed: one of "
                             f"Table 2's activities ({', '.join(TABLE2_IDS)}); {again}",
                             problem="an activity no study leaves out:")
        if coordinator not in COORDINATORS:
            raise InputError(f"{where}, column 'coordinator'", coordinator, "allowed: "
                             f"{', '.join(COORDINATORS)}; {again}",
                             problem="not a coordinator:")
        if (activity, coordinator) in seen:
            raise InputError(where, f"{activity}: {coordinator}", f"each activity's share "
                             f"of each coordinator once; {again}", problem="a share twice:")
        seen.add((activity, coordinator))
    left_out = {a for a, _ in seen}
    short = next((a for a in TABLE2_IDS if a in left_out and any(
        (a, c) not in seen for c in COORDINATORS)), None)
    if short is not None:
        raise InputError(str(path), short, f"its {len(COORDINATORS)} shares "
                         f"({', '.join(COORDINATORS)}); {again}",
                         problem="an activity without all its shares:")
    return [a for a in TABLE2_IDS if a in left_out]


def _check_survey_side(frame: pd.DataFrame, path: Path) -> None:
    """Refuse a row whose columns from the survey are not what Table 2 gives them.

    The study is of Table 2 (:func:`study_leave_one_out`): each row's observed share and
    naive prediction follow from its counts, and the errors and the flag from the row's
    own numbers, each as written (%.6g; :func:`runtime.fields.equal_as_written`). A row
    moved to another activity or coordinator (a whole activity's rows swapped with
    another's keep every other check) or a number changed by hand is named here.
    The logit's prediction is an optimiser's, not checked to its last digits; its error
    is.
    """
    from calibration.summary import observed_summary
    from runtime.fields import equal_as_written

    table = load_table2()
    cells = list(zip(frame.activity.astype(str), frame.coordinator.astype(str), strict=True))
    summary = observed_summary(table)
    observed = np.array([summary[f"share:{a}:{c}"] for a, c in cells])
    naive = np.array([naive_shares(table, a)[COORDINATORS.index(c)] for a, c in cells])
    values = {c: frame[c].to_numpy(float) for c in COLUMNS[2:] if c != "inside"}
    obs = values["observed"]

    def error_of(estimate: np.ndarray, error: np.ndarray) -> np.ndarray:
        """Where ``error`` is |estimate − observed| as written (blank where the estimate is)."""
        sign = np.sign(estimate - obs)
        return np.where(np.isfinite(estimate), equal_as_written(estimate, obs, sign * error),
                        np.isnan(error))

    with np.errstate(invalid="ignore"):
        low, high = values["low_90"], values["high_90"]
        inside = (low <= obs) & (obs <= high)
        near = equal_as_written(obs, low) | equal_as_written(obs, high)
    # Table 2's numbers as the study writes them (%.6g), or exactly: a unit of the sixth
    # digit off is another number (equal_as_written allows half a unit for each side).
    def same_as_written(value: np.ndarray, exact: np.ndarray) -> np.ndarray:
        written = np.array([float(f"{v:.6g}") for v in exact])
        return (np.isclose(value, written, rtol=1e-12, atol=0.0)
                | np.isclose(value, exact, rtol=1e-12, atol=0.0))

    checks = (
        ("observed", ~same_as_written(obs, observed),
         lambda i: f"{observed[i]:.6g}, Table 2's share of {frame.activity.iloc[i]} "
                   f"coordinated by {frame.coordinator.iloc[i]}"),
        ("naive", ~same_as_written(values["naive"], naive),
         lambda i: f"{naive[i]:.6g}, the share of {frame.coordinator.iloc[i]} pooled over "
                   f"Table 2's activities other than {frame.activity.iloc[i]}"),
        ("error", ~error_of(values["predicted_median"], values["error"]),
         lambda i: "|predicted_median − observed|"),
        ("naive_error", ~error_of(values["naive"], values["naive_error"]),
         lambda i: "|naive − observed|"),
        ("logit_error", ~error_of(values["logit"], values["logit_error"]),
         lambda i: "|logit − observed|"),
        ("inside", (frame.inside.to_numpy(bool) != inside) & ~near,
         lambda i: "whether low_90 ≤ observed ≤ high_90"))
    for name, bad, allowed in checks:
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"{at_row(path, i)}, column '{name}'", str(frame[name].iloc[i]),
                             f"allowed: {allowed(i)}; {again_with(MADE_BY)}",
                             problem="a value the study does not write:")


def naive_shares(table: SurveyTable, left_out: str) -> np.ndarray:
    """Each coordinator's share pooled over the activities other than ``left_out``."""
    order = table.rows(TABLE2_IDS)
    counts = table.counts[order]
    keep = [i for i, a in enumerate(TABLE2_IDS) if a != left_out]
    pooled = counts[keep].sum(axis=0).astype(float)
    return pooled / pooled.sum()


def logit_shares(table: SurveyTable, left_out: str) -> np.ndarray:
    """The left-out activity's shares from a multinomial logit on the other five.

    Utilities relative to municipal coordination: an intercept and a coefficient on the
    statutory and on the professional dummy for each of the other two coordinators (six
    parameters, fitted by maximum likelihood to the five activities' counts, with a
    weak ridge so that a dummy no kept activity varies stays at 0).
    """
    from scipy.optimize import minimize

    from sim.catalogue import activity

    order = table.rows(TABLE2_IDS)
    counts = table.counts[order].astype(float)
    x = np.array([[1.0, activity(a).statutory, activity(a).professional] for a in TABLE2_IDS])
    keep = [i for i, a in enumerate(TABLE2_IDS) if a != left_out]

    def shares(beta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        utility = np.c_[np.zeros(len(rows)), rows @ beta.reshape(2, 3).T]
        utility -= utility.max(axis=1, keepdims=True)
        e = np.exp(utility)
        return e / e.sum(axis=1, keepdims=True)

    def loss(beta: np.ndarray) -> float:
        p = shares(beta, x[keep])
        return float(-(counts[keep] * np.log(np.maximum(p, 1e-300))).sum()
                     + 1e-3 * np.sum(beta**2))

    fitted = minimize(loss, np.zeros(6), method="BFGS")
    return shares(fitted.x, x[[TABLE2_IDS.index(left_out)]])[0]


def predict_left_out(counts: np.ndarray, table: SurveyTable, left_out: str) -> pd.DataFrame:
    """Rows of :data:`COLUMNS` for ``left_out`` from simulated (draws, 6, 3) counts."""
    i = TABLE2_IDS.index(left_out)
    sim = counts[:, i, :].astype(float)
    total = sim.sum(axis=1, keepdims=True)
    shares = np.divide(sim, total, out=np.full_like(sim, np.nan), where=total > 0)
    observed = table.counts[table.rows(TABLE2_IDS)][i].astype(float)
    observed = observed / observed.sum()
    naive = naive_shares(table, left_out)
    logit = logit_shares(table, left_out)
    rows = []
    for j, coordinator in enumerate(COORDINATORS):
        col = shares[:, j][np.isfinite(shares[:, j])]
        low, med, high = (np.quantile(col, [0.05, 0.5, 0.95]) if len(col)
                          else (np.nan,) * 3)
        rows.append({"activity": left_out, "coordinator": coordinator,
                     "observed": observed[j], "predicted_median": med, "low_90": low,
                     "high_90": high, "inside": bool(low <= observed[j] <= high),
                     "error": abs(med - observed[j]), "naive": naive[j],
                     "naive_error": abs(naive[j] - observed[j]), "logit": logit[j],
                     "logit_error": abs(logit[j] - observed[j])})
    return pd.DataFrame(rows, columns=COLUMNS)


def leave_one_out(out: Path, *, activities=TABLE2_IDS, quick: bool = False, seed: int = 0,
                  workers: int = 1, scheduler: str | None = None, resume: bool = False,
                  settings: Settings | None = None, draws: int | None = None,
                  table: SurveyTable | None = None, progress: bool = True,
                  inside=None) -> tuple[pd.DataFrame, dict]:
    """Run the study for ``activities`` (default all six).

    Returns the rows and a record of how each calibration was made (for the manifest).
    ``inside``: the folder being written (:func:`runtime.locks.locked`).
    """
    settings, draws = study_sizes(quick, settings, draws)
    table = table or load_table2()
    frames, record = [], {}
    for k, left_out in enumerate(activities):
        t0 = time.perf_counter()
        index = TABLE2_IDS.index(left_out)
        directory = Path(out) / left_out
        used = tuple(a for a in TABLE2_IDS if a != left_out)
        record[left_out] = calibrate_or_reuse(
            directory, resume=resume, remake=resume_command(
                "validate --leave-one-out", out, quick=quick, seed=seed),
            record={"seed": study_seed(seed, index), "activities_used": list(used)},
            seed=study_seed(seed, index), workers=workers, scheduler=scheduler,
            observed=table, settings=settings, activities=used, inside=inside)
        posterior = load_posterior(directory, inside=inside)
        counts = predictive_counts(posterior, draws=draws, rng=study_seed(seed, 100 + index),
                                   workers=workers, scheduler=scheduler, progress=False)
        frames.append(predict_left_out(counts, table, left_out))
        if progress:
            print(f"leave-one-out: {left_out} done ({k + 1} of {len(activities)}), "
                  f"{time.perf_counter() - t0:.0f} s"
                  + (" (calibration reused)" if record[left_out].get("reused") else ""),
                  file=sys.stderr, flush=True)
    frame = pd.concat(frames, ignore_index=True)
    return frame, {"settings": asdict(settings), "draws": draws, "calibrations": record}


def study_leave_one_out(out: Path, *, quick: bool = False, rng: int = 0, workers: int = 1,
                        scheduler: str | None = None, resume: bool = False,
                        command: str = "coprod.validate()", inside=None) -> LeaveOneOut:
    """Run the study into ``out``; its rows and manifest.

    The caller holds ``out``'s lock; ``inside`` is the folder it yielded.
    """
    t0 = time.perf_counter()
    frame, record = leave_one_out(out, quick=quick, seed=rng, workers=workers,
                                  scheduler=scheduler, resume=resume, inside=inside)
    return LeaveOneOut(frame, Manifest.of(
        command=command, seed=rng, quick=quick, workers=workers, scheduler=scheduler,
        resumed=resume, reproducible=not scheduler, summary=summarise(frame),
        wall_time_total_s=round(time.perf_counter() - t0, 1), **record))


def summarise(frame: pd.DataFrame) -> dict[str, float]:
    """How many left-out shares fall inside, and the errors against both rivals.

    ``model_loses_to_logit`` lists the activities where the model's mean error over
    the three shares exceeds the logit's: where it loses, plainly.
    """
    out = {"shares": len(frame), "inside_predictive_90": int(frame.inside.sum()),
           "mean_error": round(float(frame.error.mean()), 4),
           "mean_naive_error": round(float(frame.naive_error.mean()), 4),
           "model_beats_naive": int((frame.error < frame.naive_error).sum())}
    if "logit_error" in frame:
        per = frame.groupby("activity")[["error", "logit_error"]].mean()
        out.update({"mean_logit_error": round(float(frame.logit_error.mean()), 4),
                    "model_beats_logit": int((frame.error < frame.logit_error).sum()),
                    "model_loses_to_logit": [a for a in per.index
                                             if per.error[a] > per.logit_error[a]]})
    return out
