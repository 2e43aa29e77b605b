"""The recovery study as ``coprod recovery`` runs it: parameters, then policy effects.

For each truth of :mod:`studies.parameter_recovery` (a parameter set drawn from the prior and
the posterior calibrated on its synthetic survey), every shipped scenario's effect is
estimated from that posterior and set against the true one (:mod:`studies.effect_recovery`).
Each truth's effects are kept in ``DIR/truth_NN/effects.csv``, so that ``resume=True``
reuses them with the truth's calibration (when ``effects.json`` beside them says they were
made with the study's replicates, draws and seed). :func:`run_recovery` returns a
:class:`RecoveryStudy`; :meth:`RecoveryStudy.write` puts its tables and manifest
(:data:`RECOVERY_OUTPUTS`) in a folder and :meth:`RecoveryStudy.read` takes them back.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from calibration.posterior import Posterior
from runtime.fields import Fields, equal_as_written, listed, text, whole
from runtime.files import (
    at_row,
    atomic_write_frame,
    atomic_write_text,
    read_own_csv,
    read_own_json,
    writes,
)
from runtime.manifests import Manifest
from runtime.words import AFTER, again_with, listing, shell_word
from scenarios.spec import load_scenario, shipped_names
from sim.errors import InputError, printable
from studies import effect_recovery as effects
from studies.calibrations import resume_command, study_seed
from studies.parameter_recovery import recover, resume_recovery, summarise, truth_folder
from studies.shipped import ShippedStudy

EFFECTS_FILE = "effects.csv"
# Beside it, how they were made: a resume reuses kept effects only when made as it asks.
EFFECTS_RECORD = "effects.json"
EFFECT_SEEDS = 30_000  # seed offset of the policy effects, per truth number
# What the summaries hold (parameter_recovery.summarise, effect_recovery.summarise_effects).
SUMMARY_COLUMNS = ("parameter", "truths", "coverage", "bias", "mean_absolute_error",
                   "relative_width")
POLICY_SUMMARY_COLUMNS = ("scenario", "outcome", "truths", "mean_true_effect",
                          "mean_estimated_effect", "mean_absolute_error", "coverage",
                          "correlation")
TABLES = ("recovery.csv", "recovery_summary.csv", "policy_recovery.csv",
          "policy_recovery_summary.csv")
RECOVERY_OUTPUTS = (*TABLES, "manifest.json")  # replaced together
MADE_BY = "coprod recovery --out DIR"
SHIPPED_MANIFEST = "recovery_manifest.json"  # its record's name as shipped
MAX_TRUTHS = 1_000  # truths a recovery record may hold: far above any study run (200 at most)


@dataclass(frozen=True, eq=False)  # its tables compare with .equals, not ==
class RecoveryStudy(ShippedStudy):
    """The study's tables, as its files hold them, and how it was made."""

    shipped_record: ClassVar[str] = SHIPPED_MANIFEST

    parameters: pd.DataFrame  # one row per truth and free parameter
    summary: pd.DataFrame  # per parameter
    policy: pd.DataFrame  # one row per truth, scenario and outcome
    policy_summary: pd.DataFrame  # per scenario and outcome
    manifest: Manifest = field(compare=False)

    @property
    def coverage(self) -> float:
        """Share of all (truth, parameter) 90% intervals that hold the truth."""
        return float(self.parameters.covered.mean())

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the tables and the manifest into ``folder``; the names written."""
        for name, table in zip(TABLES, (self.parameters, self.summary, self.policy,
                                        self.policy_summary), strict=True):
            atomic_write_frame(folder / name, table)
        self.manifest.write(folder / "manifest.json")
        return list(RECOVERY_OUTPUTS)

    @classmethod
    def _read(cls, folder: Path, record: str) -> RecoveryStudy:
        from runtime.files import check_rows
        from studies.parameter_recovery import COLUMNS

        manifest = Manifest.read(folder / record, MADE_BY, stages=("recovery",))
        truths = manifest.field("truths", whole(1, MAX_TRUTHS), "a whole number of "
                                f"truths from 1 to {MAX_TRUTHS:,}")
        made = manifest.field("policy_effects", lambda v: isinstance(v, dict) and all(
            listed(text, least=1)(v.get(k)) for k in ("scenarios", "outcomes")),
            "a mapping with the lists of 'scenarios' and 'outcomes' estimated")
        again, share = again_with(MADE_BY), (0.0, 1.0)
        parameters = read_own_csv(folder / TABLES[0], MADE_BY, columns=tuple(COLUMNS),
                                  numeric=("truth", "posterior_median", "low_90", "high_90",
                                           "error", "relative_width"))
        # One row per truth and parameter (the parameters: those the table names).
        names = parameters["parameter"].nunique()
        check_rows(parameters, folder / TABLES[0], truths * names, again,
                   whose=f"{truths} truths x {names} parameters")
        summary = read_own_csv(folder / TABLES[1], MADE_BY, columns=SUMMARY_COLUMNS,
                               rows=names, numeric=SUMMARY_COLUMNS[1:],
                               bounds={"coverage": share})
        cells = len(made["scenarios"]) * len(made["outcomes"])
        policy = read_own_csv(folder / TABLES[2], MADE_BY, columns=tuple(effects.COLUMNS),
                              numeric=effects.NUMERIC_COLUMNS)
        check_rows(policy, folder / TABLES[2], truths * cells, again,
                   whose=f"{truths} truths x {cells} scenarios and outcomes")
        policy_summary = read_own_csv(folder / TABLES[3], MADE_BY,
                                      columns=POLICY_SUMMARY_COLUMNS, rows=cells,
                                      numeric=POLICY_SUMMARY_COLUMNS[2:],
                                      bounds={"coverage": share, "correlation": (-1.0, 1.0)})
        manifest.entries("calibrations", [truth_folder(k) for k in range(truths)])
        return cls(parameters, summary, policy, policy_summary, manifest)


def _remake_effects(out: Path, deleted: Path | str, remake: str | None = None) -> str:
    """How a recovery in ``out`` makes kept policy effects again: delete them, resume.

    Deleting the effects is enough: their record (:data:`EFFECTS_RECORD`) is written
    again before them. ``remake``: the command that resumes the study as it was begun
    (:func:`studies.calibrations.resume_command`); without, its folder alone.
    """
    remake = remake or resume_command("recovery", out)
    return f"{remake}{AFTER}deleting {deleted} (--resume then runs those effects again)"


def check_effects_made(path: Path, made: dict, *, inside=None,
                       remake: str | None = None) -> None:
    """Refuse a truth's kept effects made otherwise than ``made`` says, in one line.

    ``made``: the replicates at the truth, the posterior draws and the seed a run gives
    them, as :data:`EFFECTS_RECORD` beside ``path`` holds them. Effects kept without that
    record cannot be checked: a change of the study's replicates or draws would have
    been reused silently, and the manifest would say the new ones.
    """
    record = path.with_name(EFFECTS_RECORD)
    again = _remake_effects(path.parent.parent, shell_word(path), remake)
    if not os.path.lexists(record):  # (a folder or a FIFO there is refused as read)
        raise InputError(str(record), "no such file", f"the record of how {path.name} was "
                         f"made (replicates, draws, seed); {again_with(again)}",
                         problem="cannot reuse kept effects:")
    fields = Fields(read_own_json(record, again, inside=inside), record, again)
    for key, value in made.items():
        fields.same(key, value, f"{value}, as this study makes them",
                    problem="kept effects made otherwise:")
    fields.only(made, problem="kept effects made otherwise:")


def refuse_unrecorded_effects(out: Path, truths: int, remake: str | None = None) -> None:
    """Name, before anything runs, every truth whose kept effects lack their record.

    A recovery kept before effects had their record (:data:`EFFECTS_RECORD`) was
    refused one truth per run (each resume remade one truth's effects, then stopped at
    the next): all are named at once, with how to remake them.
    """
    old = [truth_folder(k) for k in range(truths)
           if (out / truth_folder(k) / EFFECTS_FILE).is_file()
           and not os.path.lexists(out / truth_folder(k) / EFFECTS_RECORD)]
    if old:
        named = listing(old, most=6)
        again = again_with(_remake_effects(out, f"their {EFFECTS_FILE}", remake), "them")
        raise InputError(str(out), named, f"allowed: {EFFECTS_FILE} kept with its "
                         f"{EFFECTS_RECORD} (replicates, draws, seed); {again}",
                         problem=f"{EFFECTS_FILE} without {EFFECTS_RECORD} in",
                         shown=named)


def read_kept_effects(path: Path, truth_id: int, scenarios: list[str], *,
                      inside=None, remake: str | None = None) -> pd.DataFrame:
    """A truth's kept policy effects (``truth_NN/effects.csv``), checked as written.

    Exactly the rows :func:`studies.effect_recovery.effect_rows` writes for truth
    ``truth_id``: each of ``scenarios`` with each outcome once, in that order. A file
    of another truth, with a row dropped, doubled or of an unknown scenario is one line:
    the study would otherwise write tables its own reader calls damaged.
    """
    again = _remake_effects(path.parent.parent, shell_word(path), remake)
    kept = read_own_csv(path, again, columns=tuple(effects.COLUMNS),
                        numeric=effects.NUMERIC_COLUMNS, inside=inside)
    if kept["covered"].dtype != bool:
        # 0/1 compare equal to False/True: the first cell that is not a bool is named.
        bad = next((v for v in kept["covered"] if not isinstance(v, bool | np.bool_)),
                   kept["covered"].iloc[0])
        raise InputError(f"{path}: covered", printable(str(bad))[:40], "True or "
                         f"False; {again_with(again)}",
                         problem="malformed kept effects:")
    other = kept["truth_id"][kept["truth_id"] != truth_id]
    if len(other):
        raise InputError(f"{path}: truth_id", printable(str(other.iloc[0]))[:40],
                         f"allowed: {truth_id}, the truth of its folder; "
                         f"{again_with(again)}", problem="kept effects of another truth:")
    expected = [(s, o) for s in scenarios for o in effects.OUTCOMES]
    found = list(zip(kept["scenario"].astype(str), kept["outcome"].astype(str),
                     strict=True))
    if found != expected:
        # The first row that differs from what the study writes (or the first missing).
        where = next((i for i, row in enumerate(found)
                      if i >= len(expected) or row != expected[i]), len(found))
        seen = printable(": ".join(found[where]))[:60] if where < len(found) else "no row"
        wanted = ": ".join(expected[where]) if where < len(expected) else "no more rows"
        raise InputError(at_row(path, where), seen, f"allowed: {wanted} (each "
                         f"scenario with each outcome once, in order: {len(expected)} "
                         f"rows); {again_with(again)}",
                         problem="kept effects not as the study writes them:")
    _consistent_effects(kept, path, again)
    return kept


def _consistent_effects(kept: pd.DataFrame, path: Path, again: str) -> None:
    """Refuse kept effects that no run writes, in one line naming the row.

    That is an interval upside down, an error that is not the estimate less the truth,
    or ``covered`` that says otherwise than the interval does: each to the six digits
    the file keeps (its rounding may move a bound past a truth that close to it).
    """
    low, high = kept["low_90"].to_numpy(float), kept["high_90"].to_numpy(float)
    true, est = kept["true_effect"].to_numpy(float), kept["estimated_effect"].to_numpy(float)
    error = kept["error"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        upside = np.isfinite(low) & np.isfinite(high) & (low > high)
        off = np.isfinite(est) & np.isfinite(true) & np.isfinite(error) & ~equal_as_written(
            est, true, error)
        inside = (low <= true) & (true <= high)  # False for a missing bound, as written
        near = equal_as_written(true, low) | equal_as_written(true, high)
    claimed = kept["covered"].to_numpy(bool)
    wrong = (claimed != inside) & ~near
    for bad, column, allowed in ((upside, "low_90", "at most high_90"),
                                 (off, "error", "estimated_effect − true_effect"),
                                 (wrong, "covered", "whether low_90 ≤ true_effect ≤ "
                                                    "high_90")):
        if bad.any():
            row = int(np.argmax(bad))
            value = kept[column].iloc[row]
            raise InputError(f"{at_row(path, row)}, column '{column}'",
                             str(value) if column == "covered" else f"{value:g}",
                             f"allowed: {allowed}; {again_with(again)}",
                             problem="kept effects no run writes:")


def run_recovery(out: Path, *, truths: int, quick: bool, seed: int, workers: int = 1,
                 scheduler: str | None = None, resume: bool = False,
                 command: str = "coprod.recovery()", inside=None) -> RecoveryStudy:
    """Run the study into ``out`` (each truth in ``out/truth_NN``; the caller holds its lock).

    ``inside``: the folder being written (:func:`runtime.locks.locked`). Returns the
    study; :meth:`RecoveryStudy.write` writes its tables and manifest.
    """
    t0 = time.perf_counter()
    out = Path(out)
    arms = [load_scenario(n) for n in shipped_names()]
    baseline = next(a for a in arms if a.name == "baseline")
    scenarios = [a for a in arms if a.name != "baseline"]
    replicates, draws = ((effects.QUICK_REPLICATES, effects.QUICK_DRAWS) if quick
                         else (effects.REPLICATES, effects.DRAWS))
    frames = []
    remake = resume_recovery(out, quick=quick, seed=seed, truths=truths)

    def policy_effects(k: int, truth: dict, posterior: Posterior, here) -> None:
        path = out / truth_folder(k) / EFFECTS_FILE
        made = {"replicates_at_truth": replicates, "posterior_draws": draws,
                "seed": study_seed(seed, EFFECT_SEEDS + k)}
        if resume and path.is_file():
            check_effects_made(path, made, inside=here, remake=remake)
        else:
            # The record first: effects written without it (the run stopped between the
            # two files) would be refused on resume; a record without effects is remade.
            atomic_write_text(path.with_name(EFFECTS_RECORD), json.dumps(made, indent=1)
                              + "\n", inside=here)
            atomic_write_frame(path, effects.effect_rows(
                k, truth, posterior, baseline, scenarios, rng=made["seed"],
                replicates=replicates, draws=draws, workers=workers, scheduler=scheduler),
                inside=here)
        # The study summarises what it keeps, as written: a study resumed from its kept
        # files (or their copy on another machine) gives the same tables to the last digit.
        frames.append(read_kept_effects(path, k, [a.name for a in scenarios], inside=here,
                                        remake=remake))

    if resume:
        refuse_unrecorded_effects(out, truths, remake)
    frame, record = recover(out, truths=truths, quick=quick, seed=seed, workers=workers,
                            scheduler=scheduler, resume=resume, each=policy_effects,
                            inside=inside)
    policy = pd.concat(frames, ignore_index=True)
    manifest = Manifest.of(
        command=command, seed=seed, quick=quick, workers=workers, scheduler=scheduler,
        resumed=resume, reproducible=not scheduler,
        coverage_all_parameters=round(float(frame.covered.mean()), 3),
        wall_time_total_s=round(time.perf_counter() - t0, 1), **record, policy_effects={
            "replicates_at_truth": replicates, "posterior_draws": draws,
            "scenarios": [s.name for s in scenarios], "outcomes": list(effects.OUTCOMES),
            "assumptions": "documented defaults (a scenario's own values where it fixes "
                           "one)"})
    return RecoveryStudy(frame, summarise(frame), policy, effects.summarise_effects(policy),
                         manifest)
