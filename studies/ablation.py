"""Which mechanisms the survey supports: ablations and ABC model selection.

Every mechanism of :data:`calibration.mechanisms.MECHANISMS` (five free parameters and
two assumptions) is the strength of one term of the model, so its "off" value is 0: the
term is gone. For each mechanism:

* the model without it (that strength fixed at 0, the free parameters calibrated) is
  calibrated exactly as the full model, in ``DIR/<mechanism>/``; the final tolerance
  it reaches and its fit (how many of the 18 observed shares fall inside their 90%
  predictive intervals, from posterior draws) are set against the full model's
  (``DIR/full/``);
* pyabc's multi-model ABC-SMC runs the full and the ablated model side by side (model 0
  and model 1, equal prior probability) in ``DIR/<mechanism>/selection/``; the
  posterior model probabilities of its last generation say which of the two the survey
  prefers. Probabilities near 0.5 mean the survey cannot tell whether the mechanism
  matters.

Seeds are derived from the root seed and each calibration's place in the study, so a
study resumed from what is finished (``resume=True`` reuses it) equals an uninterrupted
one; a calibration or selection interrupted mid-way goes on from its finished
generations, reproducibly but not as an uninterrupted run would have sampled
(:func:`calibration.abc.run_abc`).
:func:`study_ablation` returns the study as an :class:`Ablation`, which writes
(:data:`ABLATION_OUTPUTS`) and reads back.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from calibration.abc import (
    FixedModel,
    Settings,
    check_start,
    generation_epsilons,
    kept_seconds,
    observed_waves,
    prior,
    run_abc,
    sampling_over_runs,
    stopping_tolerance,
)
from calibration.mechanisms import MECHANISMS, OFF
from calibration.observed_survey import SurveyTable, load_table2
from calibration.posterior import load_posterior
from calibration.predictive_check import predictive_counts
from calibration.summary import SurveyDistance, observed_summary
from runtime.fields import (
    DURATION,
    Fields,
    between,
    duration,
    listed,
    one_of,
    whole,
    whole_equal,
)
from runtime.files import atomic_write_text, read_own_json, writes
from runtime.manifests import Manifest
from runtime.words import IN_WORDS, after_deleting
from sim.catalogue import TABLE2_IDS
from sim.parameters import FREE, MODEL_VERSION
from studies.calibrations import (
    calibrate_or_reuse,
    generation_fields,
    resume_command,
    study_seed,
    study_sizes,
)
from studies.shipped import ShippedStudy

COLUMNS = ["mechanism", "fixed_at", "final_epsilon", "shares_inside_predictive_90",
           "model_probability_full", "model_probability_ablated", "simulations"]
SELECTION_FILE = "model_probabilities.json"
ABLATION_OUTPUTS = ("ablation.csv", "manifest.json")  # replaced together
MADE_BY = "coprod ablate --out DIR"
SHIPPED_MANIFEST = "ablation_manifest.json"  # its record's name as shipped


@dataclass(frozen=True, eq=False)  # its table compares with .equals, not ==
class Ablation(ShippedStudy):
    """The ablation study: one row for the full model, then one per mechanism, and how."""

    shipped_record: ClassVar[str] = SHIPPED_MANIFEST

    frame: pd.DataFrame  # COLUMNS
    manifest: Manifest = field(compare=False)

    @property
    def mechanisms(self) -> tuple[str, ...]:
        """The mechanisms switched off, in the study's order."""
        return tuple(self.manifest["mechanisms"])

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write ``ablation.csv`` and the manifest into ``folder``; the names written."""
        from runtime.files import atomic_write_frame

        atomic_write_frame(folder / ABLATION_OUTPUTS[0], self.frame)
        self.manifest.write(folder / "manifest.json")
        return list(ABLATION_OUTPUTS)

    @classmethod
    def _read(cls, folder: Path, record: str) -> Ablation:
        from runtime.files import read_own_csv

        manifest = Manifest.read(folder / record, MADE_BY, stages=("ablate",))
        mechanisms = manifest.field(
            "mechanisms", lambda v: listed(one_of(MECHANISMS))(v) and len(set(v)) == len(v),
            "a list of " + ", ".join(MECHANISMS) + ", each at most once")
        # One row for the full model, then one per mechanism switched off.
        frame = read_own_csv(folder / ABLATION_OUTPUTS[0], MADE_BY, columns=tuple(COLUMNS),
                             rows=1 + len(mechanisms), numeric=tuple(COLUMNS[1:]),
                             bounds=dict.fromkeys(
                                 ("model_probability_full", "model_probability_ablated"),
                                 (0.0, 1.0)))
        manifest.entries("calibrations", ["full", *mechanisms])
        return cls(frame, manifest)


def shares_inside(counts: np.ndarray, table: SurveyTable) -> int:
    """How many of the 18 observed shares lie in the simulated 90% predictive interval."""
    sim = counts.astype(float)
    total = sim.sum(axis=2, keepdims=True)
    shares = np.divide(sim, total, out=np.full_like(sim, np.nan), where=total > 0)
    low, high = np.nanquantile(shares, [0.05, 0.95], axis=0)
    obs = table.counts[table.rows(TABLE2_IDS)].astype(float)
    obs = obs / obs.sum(axis=1, keepdims=True)
    return int(((obs >= low) & (obs <= high)).sum())


def select_models(out: Path, mechanism: str, *, settings: Settings, seed: int,
                  workers: int = 1, scheduler: str | None = None, resume: bool = False,
                  table: SurveyTable | None = None, inside=None,
                  remake: str | None = None) -> dict:
    """Multi-model ABC-SMC: the full model (0) against the model without ``mechanism`` (1).

    Writes ``abc.db`` and :data:`SELECTION_FILE` under ``out``; with ``resume`` a
    finished selection is read back and an interrupted one continued. ``inside``: the
    folder being written (:func:`runtime.locks.locked`), ``out`` or one around it.
    ``remake``: the command that resumes the study it is part of, for messages.
    """
    out = Path(out)
    done = out / SELECTION_FILE
    if inside is not None:  # the selection's folder, held as a calibration's is
        inside = inside.inner(out)
    if resume and done.is_file():
        return _selection_record(done, mechanism, seed, inside, remake)
    out.mkdir(parents=True, exist_ok=True)
    table = table or load_table2()
    obs = observed_summary(table)
    fixed = {mechanism: OFF}
    tolerance = []
    t0 = time.perf_counter()
    again = resume and (out / "abc.db").is_file()
    begin_again = after_deleting(remake, out, "the selection begins again")
    check_start(out, observed_waves(table), again, inside,  # as a calibration's
                made={"mechanism": mechanism, "seed": seed},  # (the seed derives from it)
                remake=begin_again)
    earlier = []  # what earlier runs sampled (a resumed selection), as a calibration's
    lost = []  # simulations of a generation given up, as a calibration's
    kept = []  # the generations the history held when opened

    def opened(history) -> None:
        earlier.append(kept_seconds(history))
        kept.append(history.n_populations)

    history = run_abc(out / "abc.db", [FixedModel({}), FixedModel(fixed)],
                      [prior(), prior(fixed)], obs, SurveyDistance(obs), settings=settings,
                      seed=seed, tolerance=lambda: _stop_at(settings, seed, tolerance),
                      workers=workers, scheduler=scheduler, resume=again, inside=inside,
                      opened=opened, given_up=lost.append, remake=begin_again)
    wall = time.perf_counter() - t0
    sampled = sampling_over_runs(earlier[0], wall)
    record = {**_model_probabilities(history), "epsilons": generation_epsilons(history),
              "simulations": int(history.total_nr_simulations),
              "populations": int(history.n_populations), "mechanism": mechanism,
              "seed": seed, "model_version": MODEL_VERSION,
              "min_epsilon": tolerance[0], "wall_time_s": round(wall, 1),
              **({} if sampled is None else {"sampling_s": round(sampled, 1)})}
    if history.n_populations > kept[0] or lost:  # (a rebuild from a finished history
        record["simulations_given_up"] = sum(lost)  # cannot know what its run gave up)
    atomic_write_text(done, json.dumps(record, indent=2) + "\n", inside=inside)
    return record


def _stop_at(settings: Settings, seed: int, seen: list) -> float:
    """The tolerance a model selection stops at (noise measured only when needed)."""
    seen.append(stopping_tolerance(settings, seed=seed, record_noise=False)[0])
    return seen[0]


def _model_probabilities(history) -> dict[str, float]:
    """The last generation's posterior probability of each model."""
    # One row per generation, one column per model; a model that died out has none.
    probs = history.get_model_probabilities()
    last = probs.iloc[-1] if len(probs) else pd.Series(dtype=float)
    return {"model_probability_full": float(last.get(0, 0.0)),
            "model_probability_ablated": float(last.get(1, 0.0))}


def _selection_record(path: Path, mechanism: str, seed: int, inside=None,
                      remake: str | None = None) -> dict:
    """A finished model selection's record, checked (one line naming a bad field).

    Reused only when made for ``mechanism`` with ``seed`` and today's model version, as
    a calibration is (:func:`studies.calibrations.calibrate_or_reuse`). Only the fields
    a selection writes are returned (``"reused": True`` added), for the study's manifest.
    """
    remake = remake or resume_command("ablate", path.parent.parent.parent)
    again = after_deleting(remake, path, "--resume then selects again, from its abc.db if "
                           "kept")
    record = read_own_json(path, again, inside=inside)
    fields = Fields(record, path, again)
    kept = {name: fields(name, between(0, 1), "a probability from 0 to 1")
            for name in ("model_probability_full", "model_probability_ablated")}
    if abs(sum(kept.values()) - 1) > 1e-6:  # the last generation's two models' shares
        raise fields.refuse("model_probability_ablated", kept["model_probability_ablated"],
                            f"1 - model_probability_full "
                            f"({1 - kept['model_probability_full']:.6g})")
    kept.update(generation_fields(fields))
    kept["min_epsilon"] = fields("min_epsilon", between(0, math.inf), "a number >= 0")
    kept["wall_time_s"] = fields("wall_time_s", duration, DURATION)
    if "sampling_s" in record:  # every run's generations (older records: wall_time_s alone)
        kept["sampling_s"] = fields("sampling_s", duration, DURATION)
    if "simulations_given_up" in record:  # (older records do not say)
        kept["simulations_given_up"] = fields("simulations_given_up", whole(0, 2**53),
                                              "a whole number from 0 to 2**53")
    # Damaged (not a seed, a version or a name at all), the record is made again by
    # deleting it; of another seed or model, deleting the file would not help: resuming
    # with the study's own options, or another --out, would.
    fields("seed", whole(0, 2**63 - 1), "a whole number from 0 to 2**63-1")
    fields("model_version", whole(1), "a whole number >= 1")
    if "mechanism" in record:
        fields("mechanism", lambda v: isinstance(v, str), "a mechanism's name")
    other = Fields(record, path, f"{IN_WORDS}resume with the --seed and --quick the study "
                   "was begun with, or run coprod ablate into another --out")
    # The mechanism before the seed: selections swapped between mechanisms differ in
    # their seeds too (each derives from --seed and the mechanism).
    # A record made before selections recorded their mechanism is told by its seed alone.
    if "mechanism" in record:
        kept["mechanism"] = other.same("mechanism", mechanism,
                                       f'"{mechanism}", the mechanism of its folder (or '
                                       'put back folders renamed or swapped)')
    kept["seed"] = other("seed", whole_equal(seed),
                         f"{seed}, the seed this study gives the selection")
    kept["model_version"] = other("model_version",
                                  whole_equal(MODEL_VERSION),
                                  f"{MODEL_VERSION}, this model's version")
    return {**kept, "reused": True}


def _calibrate_and_fit(directory: Path, *, fixed: dict, settings: Settings, seed: int,
                       draws: int, workers: int, scheduler: str | None, resume: bool,
                       table: SurveyTable, remake: str,
                       inside=None) -> tuple[float, int, int, dict]:
    """Calibrate (or reuse) the model with ``fixed``; its final tolerance and fit."""
    record = calibrate_or_reuse(directory, resume=resume, remake=remake,
                                record={"seed": seed, "fixed": fixed}, seed=seed,
                                workers=workers, scheduler=scheduler, observed=table,
                                settings=settings, fixed=fixed or None, inside=inside)
    posterior = load_posterior(directory, inside=inside)
    assumed = {k: v for k, v in fixed.items() if k not in FREE}
    if assumed:  # the posterior holds the free parameters; the draws need the rest too
        posterior = replace(posterior, particles=posterior.particles.assign(**assumed))
    counts = predictive_counts(posterior, draws=draws,
                               rng=seed + 1, workers=workers, scheduler=scheduler,
                               progress=False)
    return (float(record["epsilons"][-1]), shares_inside(counts, table),
            int(record["simulations"]), record)


def ablate(out: Path, *, mechanisms=MECHANISMS, quick: bool = False, seed: int = 0,
           workers: int = 1, scheduler: str | None = None, resume: bool = False,
           settings: Settings | None = None, draws: int | None = None,
           table: SurveyTable | None = None, progress: bool = True,
           inside=None) -> tuple[pd.DataFrame, dict]:
    """Run the study; one row for the full model, then one per mechanism (:data:`COLUMNS`).

    Returns the rows and a record of how every calibration was made (for the manifest).
    ``inside``: the folder being written (:func:`runtime.locks.locked`).
    """
    settings, draws = study_sizes(quick, settings, draws)
    table = table or load_table2()
    out = Path(out)
    steps = 1 + 2 * len(mechanisms)
    done, rows, record = 0, [], {}

    def report(what: str, t0: float) -> None:
        nonlocal done
        done += 1
        if progress:
            print(f"ablate: {what} done ({done} of {steps}), "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    common = {"settings": settings, "draws": draws, "workers": workers,
              "scheduler": scheduler, "resume": resume, "table": table,
              "remake": resume_command("ablate", out, quick=quick, seed=seed, options=(
                  () if tuple(mechanisms) == MECHANISMS else  # (their order is the rows')
                  ("--mechanism", *mechanisms))), "inside": inside}
    eps, shares_in, sims, record["full"] = _calibrate_and_fit(
        out / "full", fixed={}, seed=study_seed(seed, 0), **common)
    rows.append({"mechanism": "none (full model)", "fixed_at": np.nan, "final_epsilon": eps,
                 "shares_inside_predictive_90": shares_in, "model_probability_full": np.nan,
                 "model_probability_ablated": np.nan, "simulations": sims})
    report("full model", t0)
    for name in mechanisms:
        index = 1 + MECHANISMS.index(name)
        t0 = time.perf_counter()
        eps, shares_in, sims, rec = _calibrate_and_fit(
            out / name, fixed={name: OFF}, seed=study_seed(seed, index), **common)
        report(f"{name} off", t0)
        t0 = time.perf_counter()
        sel = select_models(out / name / "selection", name, settings=settings,
                            seed=study_seed(seed, 100 + index), workers=workers,
                            scheduler=scheduler, resume=resume, table=table,
                            inside=inside, remake=common["remake"])
        report(f"{name} model selection", t0)
        record[name] = {"calibration": rec, "selection": sel}
        rows.append({"mechanism": name, "fixed_at": OFF, "final_epsilon": eps,
                     "shares_inside_predictive_90": shares_in,
                     "model_probability_full": sel["model_probability_full"],
                     "model_probability_ablated": sel["model_probability_ablated"],
                     "simulations": sims})
    return (pd.DataFrame(rows, columns=COLUMNS),
            {"settings": asdict(settings), "draws": draws, "off_value": OFF,
             "calibrations": record})


def study_ablation(out: Path, *, mechanisms=MECHANISMS, quick: bool = False, rng: int = 0,
                   workers: int = 1, scheduler: str | None = None, resume: bool = False,
                   command: str = "coprod.ablate()", inside=None) -> Ablation:
    """Run the study into ``out``; its rows and manifest.

    The caller holds ``out``'s lock; ``inside`` is the folder it yielded.
    """
    t0 = time.perf_counter()
    mechanisms = tuple(dict.fromkeys(mechanisms))
    frame, record = ablate(out, mechanisms=mechanisms, quick=quick, seed=rng,
                           workers=workers, scheduler=scheduler, resume=resume,
                           inside=inside)
    return Ablation(frame, Manifest.of(
        command=command, seed=rng, quick=quick, workers=workers, scheduler=scheduler,
        resumed=resume, mechanisms=list(mechanisms), reproducible=not scheduler,
        wall_time_total_s=round(time.perf_counter() - t0, 1), **record))
