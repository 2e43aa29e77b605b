"""Global sensitivity (Morris elementary effects, SALib) of the simulated shares.

Sampling and analysis are separate, as SALib keeps them: the problem is plain data (the
free parameters and their prior ranges); trajectories are sampled with SALib's Morris
sampler; every point is one model run; then each output is analysed. All runs share one
seed (common random numbers), so elementary effects measure the parameters rather than
the model's randomness.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.fit import FIT_STEPS, survey_counts_task
from calibration.summary import SHARE_KEYS, summarise_counts
from sim.batch import Task, run_tasks, spawn_seeds
from sim.parameters import FREE, PARAMETERS

NUM_LEVELS = 4


def problem() -> dict:
    """SALib problem: the free parameters over their prior ranges."""
    return {"num_vars": len(FREE), "names": list(FREE),
            "bounds": [[PARAMETERS[n].low, PARAMETERS[n].high] for n in FREE]}


def morris(trajectories: int = 20, *, rng=0, workers: int = 1, scheduler: str | None = None,
           steps: int = FIT_STEPS, progress: bool | None = None) -> pd.DataFrame:
    """Morris μ*, μ, σ and μ* confidence for every (parameter, share) pair.

    Returns a tidy frame ``parameter,output,mu_star,mu,sigma,mu_star_conf``.
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    gen = np.random.default_rng(rng)
    salib_seed = int(gen.integers(2**31))
    run_seed = spawn_seeds(gen.integers(2**63), 1)[0]
    prob = problem()
    x = sample.sample(prob, trajectories, num_levels=NUM_LEVELS, seed=salib_seed)
    tasks = [Task(dict(zip(FREE, row.tolist(), strict=True)), steps, run_seed,
                  tag={"point": i}) for i, row in enumerate(x)]
    counts = run_tasks(survey_counts_task, tasks, workers=workers, scheduler=scheduler,
                       progress=progress, label="sensitivity")
    y = np.array([[summarise_counts(c)[k] for k in SHARE_KEYS] for c in counts])
    rows = []
    for j, output in enumerate(SHARE_KEYS):
        col = y[:, j]
        # A share is undefined when nobody answered; use the column mean there.
        col = np.where(np.isfinite(col), col, np.nanmean(col))
        res = analyze.analyze(prob, x, col, num_levels=NUM_LEVELS, seed=salib_seed)
        for i, name in enumerate(FREE):
            rows.append({"parameter": name, "output": output.removeprefix("share:"),
                         "mu_star": res["mu_star"][i], "mu": res["mu"][i],
                         "sigma": res["sigma"][i], "mu_star_conf": res["mu_star_conf"][i]})
    return pd.DataFrame(rows)
