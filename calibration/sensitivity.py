"""Global sensitivity (Morris elementary effects, SALib): a screening of the model's inputs.

Sampling and analysis are separate, as SALib keeps them: the problem is plain data (the
inputs screened and their documented ranges); trajectories are sampled with SALib's
Morris sampler; every point is one model run (for a policy effect, one world branched at
2015 into runs without and with the policy's levers); then each output is analysed. All
runs share one seed (common random numbers), so elementary effects measure the inputs
rather than the model's randomness. The outputs are the 18 shares of the 2015 snapshot
or, given a policy's levers, the policy's effect on each weekly outcome at the horizon
(the last four weeks, as every effect of the project). Elementary effects are on the
unit scale of each input's range, so inputs of different units compare: which ones
matter for the 2015 survey, which for a policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.predictive_check import FIT_STEPS, survey_counts_task
from calibration.summary import SHARE_KEYS, summarise_counts
from runtime.interrupts import interrupts_deferred
from runtime.pool import Task, run_tasks, spawn_seeds
from sim.outcomes import SUMMARY, paired_effect
from sim.parameters import ASSUMPTIONS, DISCRETE, FREE, PARAMETERS

NUM_LEVELS = 4
# The groups of inputs a screening can vary (each over its documented range).
INPUT_GROUPS = {"free": FREE, "assumptions": ASSUMPTIONS,
                "all": (*FREE, *ASSUMPTIONS,
                        *(n for n, p in PARAMETERS.items()
                          if p.kind == "input" and n not in ("spinup_weeks", "lever_week",
                                                              "volunteers_per_agent")))}


def problem(names=FREE) -> dict:
    """SALib problem: the named inputs over their documented ranges."""
    return {"num_vars": len(names), "names": list(names),
            "bounds": [[PARAMETERS[n].low, PARAMETERS[n].high] for n in names]}


def policy_effect_task(task: Task) -> np.ndarray:
    """A policy's effect on every summary outcome at the horizon (picklable).

    ``task.params`` holds the point and ``task.tag["policy"]`` the policy's levers; one
    world is branched at 2015 into the runs without and with them, and each effect is
    taken as every effect of the project (:func:`sim.outcomes.paired_effect`).
    """
    from sim.runner import run_branches

    params, policy = task.params, task.tag["policy"]
    with interrupts_deferred() as stop:
        without, mine = run_branches([(params, task.steps),
                                      ({**params, **policy}, task.steps)],
                                     rng=task.seed, stop=stop)
    return np.array([paired_effect(mine.series, without.series, o) for o in SUMMARY])


def morris(trajectories: int = 20, *, names=FREE, base: dict | None = None,
           policy: dict | None = None, steps: int | None = None, rng=0, workers: int = 1,
           scheduler: str | None = None, progress: bool | None = None) -> pd.DataFrame:
    """Morris μ*, μ, σ and μ* confidence for every (input, output) pair.

    ``names`` are the inputs varied over their ranges; every other parameter takes
    ``base`` (e.g. the calibrated median) or its default. Without ``policy`` the outputs
    are the 2015 snapshot's 18 shares; with a policy's levers, its effect on each summary
    outcome at the horizon of ``steps`` weeks. Returns a tidy frame
    ``parameter,output,mu_star,mu,sigma,mu_star_conf``.
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    gen = np.random.default_rng(rng)
    salib_seed = int(gen.integers(2**31))
    run_seed = spawn_seeds(gen.integers(2**63), 1)[0]
    prob = problem(names)
    x = sample.sample(prob, trajectories, num_levels=NUM_LEVELS, seed=salib_seed)
    base = {k: v for k, v in (base or {}).items() if k not in names}
    tag = {"policy": dict(policy)} if policy else {}
    steps = (FIT_STEPS if policy is None else 520) if steps is None else steps
    # A model choice's Morris levels fall between its levels: each goes to the nearest.
    x_run = np.array([[round(v) if n in DISCRETE else v for n, v in zip(names, row,
                                                                        strict=True)]
                      for row in x])
    tasks = [Task({**base, **dict(zip(names, row.tolist(), strict=True))}, steps,
                  run_seed, tag={"point": i, **tag}) for i, row in enumerate(x_run)]
    fn = policy_effect_task if policy else survey_counts_task
    results = run_tasks(fn, tasks, workers=workers, scheduler=scheduler,
                        progress=progress, label="sensitivity")
    if policy:
        outputs, y = [f"effect:{o}" for o in SUMMARY], np.array(results)
    else:
        outputs = [k.removeprefix("share:") for k in SHARE_KEYS]
        y = np.array([[summarise_counts(c)[k] for k in SHARE_KEYS] for c in results])
    rows = []
    for j, output in enumerate(outputs):
        col = y[:, j]
        # A share is undefined when nobody answered; use the column mean there.
        col = np.where(np.isfinite(col), col, np.nanmean(col))
        res = analyze.analyze(prob, x, col, num_levels=NUM_LEVELS, seed=salib_seed)
        for i, name in enumerate(names):
            rows.append({"parameter": name, "output": output,
                         "mu_star": res["mu_star"][i], "mu": res["mu"][i],
                         "sigma": res["sigma"][i], "mu_star_conf": res["mu_star_conf"][i]})
    return pd.DataFrame(rows)
