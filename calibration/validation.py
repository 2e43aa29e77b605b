"""Out-of-sample prediction: leave one Table 2 activity out.

For each of the six activities, ABC-SMC is run on the other five (the distance, and the
noise level it stops at, ignore the left-out activity's shares and count), and the
left-out activity's three shares are predicted from posterior draws: each draw is one run
with the virtual survey (:func:`calibration.fit.predictive_counts`), so the 90%
predictive interval holds both parameter uncertainty and the survey's sampling noise.
Each prediction is set against the observed share (inside the interval or not, absolute
error of the predictive median) and against a naive predictor: each coordinator's share
pooled over the other five activities.

Each calibration lives in ``DIR/<activity>/`` (``abc.db``, ``posterior.csv``); one whose
``posterior.csv`` exists is finished, and ``resume=True`` skips it (a folder with only an
``abc.db`` is resumed). Every calibration's seed is derived from the root seed and the
activity's position, so a resumed study is the same as an uninterrupted one.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.abc import DEFAULT, QUICK, Settings, calibrate, settings_dict
from calibration.fit import predictive_counts
from calibration.posterior import load_posterior
from calibration.survey import SurveyTable, load_table2
from sim.catalogue import COORDINATORS, TABLE2_IDS

COLUMNS = ["activity", "coordinator", "observed", "predicted_median", "low_90", "high_90",
           "inside", "error", "naive", "naive_error"]
DRAWS, QUICK_DRAWS = 200, 30


def study_seed(seed: int, index: int) -> int:
    """The seed of the ``index``-th calibration of a study with root ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def finished(directory: Path) -> bool:
    """Whether ``directory`` holds a finished calibration (its posterior is written)."""
    return (Path(directory) / "posterior.csv").is_file()


def calibrate_or_reuse(directory: Path, *, resume: bool, **kwargs):
    """Calibrate into ``directory`` (``None`` when a finished one is reused).

    With ``resume``, a finished calibration is reused and an interrupted one continued.
    """
    directory = Path(directory)
    if resume and finished(directory):
        return None
    again = resume and (directory / "abc.db").is_file()
    return calibrate(directory, resume=again, progress=False, **kwargs)


def naive_shares(table: SurveyTable, left_out: str) -> np.ndarray:
    """Each coordinator's share pooled over the activities other than ``left_out``."""
    order = table.rows(TABLE2_IDS)
    counts = table.counts[order]
    keep = [i for i, a in enumerate(TABLE2_IDS) if a != left_out]
    pooled = counts[keep].sum(axis=0).astype(float)
    return pooled / pooled.sum()


def predict_left_out(counts: np.ndarray, table: SurveyTable, left_out: str) -> pd.DataFrame:
    """Rows of :data:`COLUMNS` for ``left_out`` from simulated (draws, 6, 3) counts."""
    i = TABLE2_IDS.index(left_out)
    sim = counts[:, i, :].astype(float)
    total = sim.sum(axis=1, keepdims=True)
    shares = np.divide(sim, total, out=np.full_like(sim, np.nan), where=total > 0)
    observed = table.counts[table.rows(TABLE2_IDS)][i].astype(float)
    observed = observed / observed.sum()
    naive = naive_shares(table, left_out)
    rows = []
    for j, coordinator in enumerate(COORDINATORS):
        col = shares[:, j][np.isfinite(shares[:, j])]
        low, med, high = (np.quantile(col, [0.05, 0.5, 0.95]) if len(col)
                          else (np.nan,) * 3)
        rows.append({"activity": left_out, "coordinator": coordinator,
                     "observed": observed[j], "predicted_median": med, "low_90": low,
                     "high_90": high, "inside": bool(low <= observed[j] <= high),
                     "error": abs(med - observed[j]), "naive": naive[j],
                     "naive_error": abs(naive[j] - observed[j])})
    return pd.DataFrame(rows, columns=COLUMNS)


def study_sizes(quick: bool, settings: Settings | None, draws: int | None
                ) -> tuple[Settings, int]:
    """A study's calibration settings and predictive draws: given, or quick, or shipped."""
    return (settings or (QUICK if quick else DEFAULT),
            draws or (QUICK_DRAWS if quick else DRAWS))


def leave_one_out(out: Path, *, activities=TABLE2_IDS, quick: bool = False, seed: int = 0,
                  workers: int = 1, scheduler: str | None = None, resume: bool = False,
                  settings: Settings | None = None, draws: int | None = None,
                  table: SurveyTable | None = None, progress: bool = True,
                  ) -> tuple[pd.DataFrame, dict]:
    """Run the study for ``activities`` (default all six).

    Returns the rows and a record of how each calibration was made (for the manifest).
    """
    settings, draws = study_sizes(quick, settings, draws)
    table = table or load_table2()
    frames, record = [], {}
    for k, left_out in enumerate(activities):
        t0 = time.perf_counter()
        index = TABLE2_IDS.index(left_out)
        directory = Path(out) / left_out
        used = tuple(a for a in TABLE2_IDS if a != left_out)
        result = calibrate_or_reuse(directory, resume=resume, seed=study_seed(seed, index),
                                    workers=workers, scheduler=scheduler, observed=table,
                                    settings=settings, activities=used)
        posterior = load_posterior(directory)
        counts = predictive_counts(posterior, draws=draws, rng=study_seed(seed, 100 + index),
                                   workers=workers, scheduler=scheduler, progress=False)
        frames.append(predict_left_out(counts, table, left_out))
        record[left_out] = ({"reused": True} if result is None
                            else {"seed": study_seed(seed, index), **settings_dict(result)})
        record[left_out]["activities_used"] = list(used)
        if progress:
            print(f"leave-one-out: {left_out} done ({k + 1} of {len(activities)}), "
                  f"{time.perf_counter() - t0:.0f} s"
                  + (" (calibration reused)" if result is None else ""),
                  file=sys.stderr, flush=True)
    frame = pd.concat(frames, ignore_index=True)
    return frame, {"settings": asdict(settings), "draws": draws, "calibrations": record}


def summarise(frame: pd.DataFrame) -> dict[str, float]:
    """How many left-out shares fall inside, and the errors against the naive predictor."""
    return {"shares": len(frame), "inside_predictive_90": int(frame.inside.sum()),
            "mean_error": round(float(frame.error.mean()), 4),
            "mean_naive_error": round(float(frame.naive_error.mean()), 4),
            "model_beats_naive": int((frame.error < frame.naive_error).sum())}
