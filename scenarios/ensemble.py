"""Ensembles: every scenario run over posterior draws × seeds, in parallel, reproducibly.

Runs are *paired* across scenarios: draw i and replicate j use the same posterior
parameter set and the same seed in every scenario, so a difference from baseline
measures the policy, not the luck of the draw. Seeds are spawned from one root seed;
results are assembled in task order, so they are identical whatever the number or kind
of workers (local processes or a Dask cluster).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.posterior import Posterior
from scenarios.spec import Scenario
from sim import run
from sim.batch import Failure, Task, run_tasks, spawn_seeds
from sim.catalogue import COORDINATORS
from sim.io import atomic_write_frame, manifest, write_manifest
from sim.outcomes import SUMMARY

SERIES_EVERY = 4  # weeks between rows of timeseries.csv
TAIL_WEEKS = 4  # weekly outcomes are averaged over the last four weeks
LABELS = ("separate", "shared", "municipal-dominant", "mix")


def scenario_task(task: Task) -> dict:
    """One run: outcomes at the horizon and a thinned time series (picklable)."""
    res = run(task.params, steps=task.steps, population=task.population, rng=task.seed)
    series = res.timeseries
    tail = series.iloc[-TAIL_WEEKS:]
    outcomes = {name: float(tail[name].mean()) for name in SUMMARY}
    shares = res.survey.shares
    for i, act in enumerate(res.survey.activities):
        for j, coord in enumerate(COORDINATORS):
            outcomes[f"survey_share:{act}:{coord}"] = float(shares[i, j])
        outcomes[f"survey_n:{act}"] = float(res.survey.n[i])
        outcomes[f"offered:{act}"] = float(res.survey.offered[i])
    # The survey at the 2015 snapshot is what the calibration compared with the data.
    first = res.survey_2015
    for i, act in enumerate(first.activities):
        for j, coord in enumerate(COORDINATORS):
            outcomes[f"survey2015_count:{act}:{coord}"] = float(first.counts[i, j])
    labels = res.municipality_labels[res.municipality_labels != "none"]
    for label in LABELS:
        outcomes[f"municipalities_{label}"] = float(np.mean(labels == label)) if len(labels) \
            else np.nan
    thin = series[(series.week >= 0) & (series.week % SERIES_EVERY == 0)]
    return {"outcomes": outcomes, "series": thin}


@dataclass(frozen=True)
class EnsembleResult:
    """What was run and where it was written."""

    scenarios: list
    runs: int
    failures: list
    wall_time_s: float


def build_tasks(scenario: Scenario, posterior: Posterior, seed: int) -> list[Task]:
    """Tasks for one scenario: draws × replicates, paired with every other scenario."""
    gen = np.random.default_rng(seed)
    draws = posterior.draws(scenario.draws, gen)
    seeds = spawn_seeds(gen.integers(2**63), scenario.draws * scenario.replicates)
    tasks = []
    for d, params in enumerate(draws):
        for r in range(scenario.replicates):
            tasks.append(Task({**params, **scenario.overrides}, scenario.horizon_weeks,
                              seeds[d * scenario.replicates + r], scenario.population,
                              tag={"scenario": scenario.name, "draw": d, "replicate": r}))
    return tasks


def _frames(scenario: Scenario, tasks: list[Task], results: list):
    rows, series = [], []
    for task, res in zip(tasks, results, strict=True):
        if isinstance(res, Failure):
            continue
        key = {"scenario": scenario.name, "draw": task.tag["draw"],
               "replicate": task.tag["replicate"], "seed": task.seed}
        rows += [{**key, "outcome": k, "value": v} for k, v in res["outcomes"].items()]
        s = res["series"].copy()
        for i, (k, v) in enumerate(key.items()):
            s.insert(i, k, v)
        series.append(s)
    return pd.DataFrame(rows), (pd.concat(series, ignore_index=True) if series
                                else pd.DataFrame())


def run_ensembles(scenarios: list[Scenario], posterior: Posterior, out: Path, *, seed: int,
                  workers: int = 1, scheduler: str | None = None,
                  progress: bool | None = None, command: str = "") -> EnsembleResult:
    """Run every scenario's ensemble in one parallel batch and write its files.

    ``command`` is recorded in each manifest (the command line that asked for the runs).
    """
    t0 = time.perf_counter()
    per_scenario = [build_tasks(s, posterior, seed) for s in scenarios]
    all_tasks = [t for tasks in per_scenario for t in tasks]
    results = run_tasks(scenario_task, all_tasks, workers=workers, scheduler=scheduler,
                        progress=progress, label="scenario runs", raise_on_failure=False)
    wall = time.perf_counter() - t0
    failures, pos = [], 0
    for scenario, tasks in zip(scenarios, per_scenario, strict=True):
        chunk = results[pos:pos + len(tasks)]
        pos += len(tasks)
        failed = [r for r in chunk if isinstance(r, Failure)]
        failures += failed
        outcomes, series = _frames(scenario, tasks, chunk)
        directory = Path(out) / scenario.name
        atomic_write_frame(directory / "outcomes.csv", outcomes)
        atomic_write_frame(directory / "timeseries.csv", series)
        write_manifest(directory / "manifest.json", manifest(
            command=command, scenario=scenario.name,
            description=scenario.description, source=scenario.source,
            overrides=scenario.overrides, horizon_weeks=scenario.horizon_weeks,
            draws=scenario.draws, replicates=scenario.replicates,
            population=scenario.population, seed=seed, posterior=posterior.source,
            posterior_manifest=posterior.manifest.get("command", ""),
            runs=len(tasks), failed=[f.describe() for f in failed],
            workers=workers, scheduler=scheduler, wall_time_all_scenarios_s=round(wall, 2)))
    return EnsembleResult([s.name for s in scenarios], len(all_tasks), failures, wall)
