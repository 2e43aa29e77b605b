"""Parameter recovery: does calibration find the parameters that made the data.

For each of ``truths`` parameter sets drawn from the prior, the model produces a
synthetic Table 2 through the virtual survey, and ABC-SMC calibrates on it exactly as
the shipped posterior was made (the same settings, the same stopping rule at the
survey's noise level, the same sampler). Per truth and parameter the study records
whether the 90% credible interval holds the truth, the error of the posterior median
(its mean over truths is the bias), and the interval's width over the prior's (near 1:
the survey cannot identify the parameter).

Each truth lives in ``DIR/truth_NN/``: ``truth.json`` (the parameters and the synthetic
table's seed), ``abc.db`` and ``posterior.csv``. Seeds are derived from the root seed and
the truth's number, so ``resume=True`` reuses finished truths as an uninterrupted run
would have made them; an interrupted truth goes on from its finished generations,
reproducibly but not as an uninterrupted run would have sampled
(:func:`calibration.abc.run_abc`). A parameter whose
intervals span more than :data:`calibration.posterior.NOT_IDENTIFIED` of the prior is
not identified.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.abc import CALIBRATION_STEPS, Settings
from calibration.observed_survey import SurveyTable
from calibration.posterior import Posterior, load_posterior
from runtime.fields import Fields, as_record
from runtime.files import atomic_write_text, read_own_json
from runtime.words import after_deleting
from sim import run
from sim.catalogue import TABLE2_IDS, activity
from sim.parameters import ASSUMPTIONS, FREE, PARAMETERS, from_unit
from studies.calibrations import (
    calibrate_or_reuse,
    finished,
    resume_command,
    study_seed,
    study_sizes,
)

COLUMNS = ["truth_id", "parameter", "truth", "posterior_median", "low_90", "high_90",
           "covered", "error", "relative_width"]
TRUTH_FILE = "truth.json"
# Seed offsets of the study's three uses of randomness, per truth number.
TRUTH_SEEDS, TABLE_SEEDS, CALIBRATION_SEEDS = 0, 10_000, 20_000


def synthetic_table(params: dict, seed: int) -> SurveyTable:
    """Table 2 as the virtual survey sees a world with these parameters."""
    survey = run(params, steps=CALIBRATION_STEPS, rng=seed).survey
    return SurveyTable(TABLE2_IDS, survey.counts,
                       np.array([activity(a).statutory for a in TABLE2_IDS]),
                       f"synthetic (seed {seed})")


def draw_truth(seed: int, k: int) -> dict[str, float]:
    """Truth ``k`` of a study with root ``seed``: every input uniform over its range.

    The calibrated world's inputs (the free parameters and every assumption acting
    before 2015) from their joint prior, and the policy strengths over their ranges.
    """
    gen = np.random.default_rng(study_seed(seed, TRUTH_SEEDS + k))
    return {n: float(from_unit(n, gen.random())) for n in (*FREE, *ASSUMPTIONS)}


def truth_folder(k: int) -> str:
    """The name of truth ``k``'s folder in the study's ``--out`` (and of its record)."""
    return f"truth_{k:02d}"


def truth_rows(k: int, truth: dict, posterior: Posterior) -> list[dict]:
    """Rows of :data:`COLUMNS` for truth ``k`` and the posterior calibrated on its survey."""
    median, interval = posterior.median(), posterior.interval(0.9)
    rows = []
    for name in posterior.particles.columns:
        lo, hi = interval[name]
        p = PARAMETERS[name]
        rows.append({"truth_id": k, "parameter": name, "truth": truth[name],
                     "posterior_median": median[name], "low_90": lo, "high_90": hi,
                     "covered": bool(lo <= truth[name] <= hi),
                     "error": median[name] - truth[name],
                     "relative_width": (hi - lo) / (p.high - p.low)})
    return rows


def resume_recovery(out: Path, *, quick: bool, seed: int, truths: int) -> str:
    """The command that goes on with a recovery as it was begun (for remedies)."""
    return resume_command("recovery", out, quick=quick, seed=seed,
                          options=("--truths", str(truths)))


def _truth_record(directory: Path, k: int, truth: dict, table_seed: int,
                  inside=None, remake: str | None = None) -> None:
    """Write (or, on resume, check) the truth a folder was calibrated for.

    ``remake``: the command that resumes the study (:func:`resume_command`), for messages.
    """
    path = directory / TRUTH_FILE
    record = {"truth_id": k, "parameters": truth, "table_seed": table_seed}
    if path.exists():
        # Deleted, the record is written again once the calibration beside it is
        # accepted as this truth's (:func:`recover`): nothing calibrated is lost.
        remake = remake or resume_command("recovery", directory.parent)
        again = after_deleting(remake, path, "or put back folders renamed or swapped, or "
                               "resume with the --seed, --quick and --truths the study was "
                               "begun with")
        stored = read_own_json(path, again, inside=inside)
        fields = Fields(stored, path, again)
        why = {"truth_id": "the truth this folder holds in this study (folders renamed "
                           "or swapped?)",
               "table_seed": "the synthetic survey's seed this study's --seed gives it",
               "parameters": "the truth this study's --seed draws for it"}
        other = "a truth not this folder's:"
        for key, value in as_record(record).items():  # one line per field
            said = json.dumps(value)
            asked = f"{said if len(said) <= 120 else 'the truth drawn'}, {why[key]}"
            theirs = stored.get(key)
            if key == "parameters" and isinstance(theirs, dict):  # name the input
                inputs = Fields({f"{key}.{n}": v for n, v in theirs.items()}, path,
                                fields.remake)
                for name in value:
                    inputs.same(f"{key}.{name}", value[name],
                                f"{json.dumps(value[name])}, {why[key]}", problem=other)
                extra = next((n for n in theirs if n not in value), None)
                if extra is not None:
                    raise inputs.refuse(f"{key}.{extra}", theirs[extra], "no such input in "
                                        "this study's truths", problem=other)
            else:
                fields.same(key, value, asked, problem=other)
        fields.only(record, problem=other)  # (as an input the truth lacks is)
        return
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(record, indent=2) + "\n", inside=inside)


def recover(out: Path, *, truths: int = 20, quick: bool = False, seed: int = 0,
            workers: int = 1, scheduler: str | None = None, resume: bool = False,
            settings: Settings | None = None, progress: bool = True,
            each: Callable[[int, dict, Posterior, object], None] | None = None,
            inside=None) -> tuple[pd.DataFrame, dict]:
    """Run the study: one row per (truth, free parameter), and how it was made.

    ``each(k, truth, posterior, folder)`` is called after each truth's calibration (the
    policy effects of :mod:`studies.effect_recovery` hang there; ``folder``: the truth's
    folder as held, or None). ``inside``: the folder being written
    (:func:`runtime.locks.locked`).
    """
    settings, _ = study_sizes(quick, settings, None)
    rows, record = [], {}
    remake = resume_recovery(out, quick=quick, seed=seed, truths=truths)
    for k in range(truths):
        t0 = time.perf_counter()
        directory = Path(out) / truth_folder(k)
        truth = draw_truth(seed, k)
        table_seed = study_seed(seed, TABLE_SEEDS + k)
        # The truth's folder, held from here on: every file of it (truth, calibration,
        # effects) is written only while it is the folder made.
        here = inside.inner(directory) if inside is not None else None
        # A new truth's record is written before its calibration begins (an interrupted
        # one is known by it); one lost beside a calibration is written again only once
        # that calibration is accepted as this truth's (its seed, derived from --seed and
        # the truth's number as the truth is, and its survey): written first, a run
        # refused for another --seed left a record that then refused the right one.
        lost = not (directory / TRUTH_FILE).exists() and (
            finished(directory) or (directory / "abc.db").exists())
        if not lost:
            _truth_record(directory, k, truth, table_seed, here, remake)
        made = calibrate_or_reuse(directory, resume=resume,
                                  remake=remake,
                                  seed=study_seed(seed, CALIBRATION_SEEDS + k),
                                  workers=workers, scheduler=scheduler,
                                  observed=synthetic_table(truth, table_seed),
                                  settings=settings, inside=here)
        if lost:
            _truth_record(directory, k, truth, table_seed, here, remake)
        posterior = load_posterior(directory, inside=here)
        rows += truth_rows(k, truth, posterior)
        record[truth_folder(k)] = made
        if each is not None:
            each(k, truth, posterior, here)
        if progress:
            print(f"recovery: truth {k + 1} of {truths} done, "
                  f"{time.perf_counter() - t0:.0f} s"
                  + (" (calibration reused)" if made.get("reused") else ""),
                  file=sys.stderr, flush=True)
    return (pd.DataFrame(rows, columns=COLUMNS),
            {"settings": asdict(settings), "truths": truths, "calibrations": record})


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: coverage of the 90% intervals, bias, error and relative width."""
    return (frame.groupby("parameter", sort=False)
            .agg(truths=("truth", "size"), coverage=("covered", "mean"),
                 bias=("error", "mean"),
                 mean_absolute_error=("error", lambda e: float(np.mean(np.abs(e)))),
                 relative_width=("relative_width", "mean"))
            .reset_index())


LEVEL, ALPHA = 0.9, 0.05  # the credible intervals' level; the tests' family-wise error


def coverage_departures(coverage: Mapping[str, float], truths: int) -> dict[str, float]:
    """The inputs whose coverage departs from :data:`LEVEL` by more than chance allows.

    ``coverage``: each input's share of ``truths`` whose 90% interval held the truth.
    Each share is tested against :data:`LEVEL` with an exact two-sided binomial test,
    Holm-adjusted over all the inputs at :data:`ALPHA` (over forty inputs, one or two
    would fail a 5% test each by chance). Returns the departing inputs with their
    adjusted p-values, in the order given; none when ``truths`` is 0. The band of 80–97%
    the pooled coverage is held to is no test for one input: with 20 truths, 20 of 20
    (100%) happens to a calibrated input 12% of the time.
    """
    from scipy import stats

    from calibration.multiple_testing import holm

    if not coverage or truths <= 0:
        return {}
    names = list(coverage)
    p = np.array([stats.binomtest(round(coverage[n] * truths), truths, LEVEL).pvalue
                  for n in names])
    adjusted = holm(p)
    return {n: float(a) for n, a in zip(names, adjusted, strict=True) if a <= ALPHA}


def most_covered_flagged(truths: int, inputs: int) -> int | None:
    """The most truths an input's interval may hold and still be flagged as too few.

    What :func:`coverage_departures` can detect: with ``truths`` truths and ``inputs``
    inputs, the largest count whose two-sided binomial p-value passes even the first
    Holm step (:data:`ALPHA` / ``inputs``); None when no count does.
    """
    from scipy import stats

    flagged = [k for k in range(truths + 1)
               if stats.binomtest(k, truths, LEVEL).pvalue <= ALPHA / max(inputs, 1)
               and k < LEVEL * truths]
    return max(flagged) if flagged else None
