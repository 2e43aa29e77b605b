"""Recovery of policy effects: the effect a user would estimate against the true one.

For a known parameter set (a truth of :mod:`studies.parameter_recovery`) and the posterior
calibrated on its synthetic survey, every shipped scenario is run against the baseline:

* the **true effect** is the mean paired difference (scenario − baseline, at the horizon,
  from :func:`scenarios.effects.paired_differences`) over ``replicates`` seeds at the
  true parameters;
* the **estimated effect** is what an ensemble on the recovered posterior reports: the
  mean paired difference over ``draws`` posterior draws (one seed each), with the 5–95%
  spread of those differences.

The truth holds every input: the calibrated world's (drawn from the joint prior) and the
policy strengths (drawn over their ranges). The estimate does what an ensemble does: it
draws whole worlds from the recovered joint posterior, each with a draw of the policy
strengths over their ranges (a scenario that fixes one keeps its value). So its interval
must cover a true effect the survey cannot pin down as well as one it can.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.inputs import policy_strengths
from calibration.posterior import Posterior
from runtime.pool import Task, run_tasks, spawn_seeds
from scenarios.effects import KEY, paired_differences
from scenarios.ensemble import assumption_design
from scenarios.spec import Scenario
from sim import run
from sim.outcomes import at_horizon

OUTCOMES = ("share_municipality", "share_together", "active_volunteers")
COLUMNS = ["truth_id", "scenario", "outcome", "true_effect", "estimated_effect",
           "low_90", "high_90", "covered", "error"]
# What a kept truth's effects must hold as numbers when read back (--resume).
NUMERIC_COLUMNS = ("truth_id", "true_effect", "estimated_effect", "low_90", "high_90",
                   "error")
REPLICATES, DRAWS = 10, 20
QUICK_REPLICATES, QUICK_DRAWS = 2, 4


def horizon_outcomes(task: Task) -> dict[str, float]:
    """One run: the :data:`OUTCOMES` at the horizon, as every effect is taken (picklable).

    Runs of the baseline and a scenario share their seed, so their difference is
    :func:`sim.outcomes.paired_effect` of one world branched at 2015.
    """
    res = run(task.params, steps=task.steps, population=task.population, rng=task.seed)
    return {name: at_horizon(res.series, name) for name in OUTCOMES}


def effect_rows(truth_id: int, truth: dict, posterior: Posterior, baseline: Scenario,
                scenarios: list[Scenario], *, rng, replicates: int = REPLICATES,
                draws: int = DRAWS, workers: int = 1, scheduler: str | None = None,
                ) -> pd.DataFrame:
    """Rows of :data:`COLUMNS`: each scenario's true and estimated effect on each outcome.

    Runs are paired: the same parameters and seed in the baseline and every scenario.
    """
    gen = np.random.default_rng(rng)
    strengths = assumption_design(draws, gen.integers(2**63),
                                  policy_strengths(tuple(posterior.particles.columns)))
    sample = [{**world, **drawn} for world, drawn in
              zip(posterior.draws(draws, gen), strengths, strict=True)]
    seeds = spawn_seeds(gen.integers(2**63), replicates + draws)
    cells = [(truth, s) for s in seeds[:replicates]] + list(zip(sample, seeds[replicates:],
                                                                strict=True))
    arms = [baseline, *scenarios]
    tasks = [Task({**params, **arm.overrides}, arm.horizon_weeks, seed, arm.population,
                  tag={"scenario": arm.name})
             for arm in arms for params, seed in cells]
    results = run_tasks(horizon_outcomes, tasks, workers=workers, scheduler=scheduler,
                        progress=False, label="policy effects")
    # Cell k is run (draw k, replicate 0) of every arm: effects pair on the shared key.
    key = pd.MultiIndex.from_arrays([np.arange(len(cells)), np.zeros(len(cells), int),
                                     [int(seed) for _, seed in cells]], names=KEY)
    per_arm = {arm.name: pd.DataFrame(results[i * len(cells):(i + 1) * len(cells)],
                                      index=key)
               for i, arm in enumerate(arms)}
    at_truth = key.get_level_values("draw") < replicates
    rows = []
    for arm in scenarios:
        diff = paired_differences(per_arm[arm.name], per_arm[baseline.name])
        for name in OUTCOMES:
            true_effect = float(diff[name][at_truth].mean())
            estimates = diff[name][~at_truth].to_numpy()
            estimates = estimates[np.isfinite(estimates)]
            low, high = (np.quantile(estimates, [0.05, 0.95]) if len(estimates)
                         else (np.nan, np.nan))
            estimated = float(estimates.mean()) if len(estimates) else np.nan
            rows.append({"truth_id": truth_id, "scenario": arm.name, "outcome": name,
                         "true_effect": true_effect, "estimated_effect": estimated,
                         "low_90": low, "high_90": high,
                         "covered": bool(low <= true_effect <= high),
                         "error": estimated - true_effect})
    return pd.DataFrame(rows, columns=COLUMNS)


def summarise_effects(frame: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and outcome: how well the estimated effects track the true ones.

    Over the truths whose true and estimated effects are both numbers (a share with no
    unit to count is none): ``truths`` is how many, so every column of a row speaks of
    the same truths. A scenario and outcome with none keeps its row, with 0 truths.
    """
    def corr(g: pd.DataFrame) -> float:
        if len(g) < 3 or g.true_effect.std() == 0 or g.estimated_effect.std() == 0:
            return np.nan
        return float(np.corrcoef(g.true_effect, g.estimated_effect)[0, 1])

    known = np.isfinite(frame.true_effect.to_numpy(float)) & np.isfinite(
        frame.estimated_effect.to_numpy(float))
    order = frame[["scenario", "outcome"]].drop_duplicates()
    frame = frame[known]
    groups = frame.groupby(["scenario", "outcome"], sort=False)
    summary = groups.agg(truths=("truth_id", "size"),
                         mean_true_effect=("true_effect", "mean"),
                         mean_estimated_effect=("estimated_effect", "mean"),
                         mean_absolute_error=("error", lambda e: float(np.mean(np.abs(e)))),
                         coverage=("covered", "mean")).reset_index()
    summary["correlation"] = [corr(g) for _, g in groups]
    summary = order.merge(summary, on=["scenario", "outcome"], how="left")
    summary["truths"] = summary["truths"].fillna(0).astype(int)
    return summary
