"""The recovery study as ``coprod recovery`` runs it: parameters, then policy effects.

For each truth of :mod:`studies.parameter_recovery` (a parameter set drawn from the prior and
the posterior calibrated on its synthetic survey), every shipped scenario's effect is
estimated from that posterior and set against the true one (:mod:`studies.effect_recovery`).
Each truth's effects are kept in ``DIR/truth_NN/effects.csv``, so that ``resume=True``
reuses them with the truth's calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from calibration.posterior import Posterior
from runtime.files import atomic_write_frame, read_own_csv
from scenarios.spec import load_scenario, shipped_names
from sim.errors import InputError, printable
from studies import effect_recovery as effects
from studies.calibrations import study_seed
from studies.parameter_recovery import recover, summarise

EFFECTS_FILE = "effects.csv"
EFFECT_SEEDS = 30_000  # seed offset of the policy effects, per truth number
TABLES = ("recovery.csv", "recovery_summary.csv", "policy_recovery.csv",
          "policy_recovery_summary.csv")


@dataclass(frozen=True)
class RecoveryStudy:
    """The study's tables and how it was made (for the manifest)."""

    parameters: pd.DataFrame  # one row per truth and free parameter
    summary: pd.DataFrame  # per parameter
    policy: pd.DataFrame  # one row per truth, scenario and outcome
    policy_summary: pd.DataFrame  # per scenario and outcome
    record: dict

    @property
    def coverage(self) -> float:
        """Share of all (truth, parameter) 90% intervals that hold the truth."""
        return float(self.parameters.covered.mean())


def run_recovery(out: Path, *, truths: int, quick: bool, seed: int, workers: int = 1,
                 scheduler: str | None = None, resume: bool = False,
                 inside=None) -> RecoveryStudy:
    """Run the study into ``out`` (each truth in ``out/truth_NN``) and write its tables.

    ``inside``: the folder being written (:func:`runtime.locks.locked`).
    """
    out = Path(out)
    arms = [load_scenario(n) for n in shipped_names()]
    baseline = next(a for a in arms if a.name == "baseline")
    scenarios = [a for a in arms if a.name != "baseline"]
    replicates, draws = ((effects.QUICK_REPLICATES, effects.QUICK_DRAWS) if quick
                         else (effects.REPLICATES, effects.DRAWS))
    frames = []

    def policy_effects(k: int, truth: dict, posterior: Posterior) -> None:
        path = out / f"truth_{k:02d}" / EFFECTS_FILE
        if resume and path.is_file():
            kept = read_own_csv(path, "coprod recovery --resume (delete the file)",
                                columns=tuple(effects.COLUMNS),
                                numeric=effects.NUMERIC_COLUMNS, inside=inside)
            if kept["covered"].dtype != bool:
                bad = next(v for v in kept["covered"] if v not in (True, False))
                raise InputError(f"{path}: covered", printable(str(bad))[:40], "True or "
                                 "False; delete the file and run coprod recovery --resume",
                                 problem="malformed kept effects:")
            frames.append(kept)
            return
        frame = effects.effect_rows(k, truth, posterior, baseline, scenarios,
                                    rng=study_seed(seed, EFFECT_SEEDS + k),
                                    replicates=replicates, draws=draws, workers=workers,
                                    scheduler=scheduler)
        atomic_write_frame(path, frame, inside=inside)
        frames.append(frame)

    frame, record = recover(out, truths=truths, quick=quick, seed=seed, workers=workers,
                            scheduler=scheduler, resume=resume, each=policy_effects,
                            inside=inside)
    policy = pd.concat(frames, ignore_index=True)
    study = RecoveryStudy(frame, summarise(frame), policy, effects.summarise_effects(policy),
                          {**record, "policy_effects": {
                              "replicates_at_truth": replicates, "posterior_draws": draws,
                              "scenarios": [s.name for s in scenarios],
                              "outcomes": list(effects.OUTCOMES),
                              "assumptions": "documented defaults (a scenario's own "
                                             "values where it fixes one)"}})
    for name, table in zip(TABLES, (study.parameters, study.summary, study.policy,
                                    study.policy_summary), strict=True):
        atomic_write_frame(out / name, table, inside=inside)
    return study
