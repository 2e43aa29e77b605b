"""Ensembles: every scenario run over posterior draws × assumption draws × seeds, in parallel.

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

from calibration.inputs import policy_strengths
from calibration.posterior import Posterior
from runtime.files import atomic_write_frame, replaced_together
from runtime.interrupts import interrupts_deferred
from runtime.locks import locked
from runtime.manifests import code_version, manifest, write_manifest
from runtime.paths import refuse_package_dir
from runtime.pool import Failure, Interrupted, Task, run_tasks, spawn_seeds
from scenarios.spec import Scenario, check_runs
from scenarios.store import RESULT_FILES, SIDE_STORE, STORE, RunStore, check_folder, identity
from sim.catalogue import COORDINATORS
from sim.classify import CLASSES
from sim.errors import InputError
from sim.municipality import GROUPS, MODES, MUNI_COLUMNS, SHOWN_TYPES, area_outcomes
from sim.outcomes import SUMMARY, at_horizon
from sim.parameters import ASSUMPTIONS, FREE, from_unit

SERIES_EVERY = 4  # weeks between rows of timeseries.csv
YEARS_FILE = "municipalities_by_year.csv"  # every run's municipalities, year by year
# What changes from year to year (what stays, inhabitants, units and whose municipality
# it is, is in municipalities.csv): who was switched, staff hours, active volunteers and
# the activities by unit group and coordinator.
YEAR_COLUMNS = ("municipality", "switched", "staff_hours", "active_volunteers",
                *(f"{g}:{m}" for g in GROUPS for m in MODES))
SNAPSHOT_YEAR = 2015  # the calendar year of the snapshot the scenarios branch from


def years_words(horizon_weeks: int, lever_week: float, weeks_per_year: int = 52) -> str:
    """What "N years ahead" means for runs of ``horizon_weeks``, in one sentence.

    Years are counted from the 2015 snapshot (the survey's year), where the runs of all
    scenarios branch and the levers switch (``lever_week`` weeks after it, 0 by default),
    so year k is the calendar year 2015 + k.
    """
    years = horizon_weeks / weeks_per_year
    shown = f"{years:g}" if years == int(years) else f"{years:.1f}"
    switch = ("the scenarios' levers switch right after it" if not lever_week else
              f"the scenarios' levers switch {int(lever_week)} weeks after it")
    return (f"the horizon is {horizon_weeks} weeks = {shown} "
            f"{'year' if years == 1 else 'years'} after the 2015 "
            f"snapshot, where every scenario's runs branch from one world and {switch}; "
            f"year k is counted from there, so year {shown} is "
            f"{SNAPSHOT_YEAR + horizon_weeks // weeks_per_year}"
            + ("" if years == int(years) else " (part of it)"))


# Outcomes of the whole population from its per-municipality table (sim.municipality):
# per 1,000 inhabitants, and by unit type over the last four weeks.
WHOLE = ("per_1000:activities_per_week", "per_1000:active_volunteers", "per_1000:staff_hours",
         *(f"{t}:{name}" for t in SHOWN_TYPES for name in (
             "activities_per_week", "activities_per_unit", "share_municipality",
             "share_voluntary", "share_together")))


@dataclass(frozen=True)
class WorldTask(Task):
    """Runs of one world (a posterior draw, a strengths draw, a seed) in several scenarios.

    ``branches`` are the scenarios' own tasks; they share one build and spin-up and
    branch at the 2015 snapshot (:func:`sim.runner.run_branches`).
    """

    branches: tuple = ()


def world_task(task: WorldTask) -> list[dict]:
    """Every branch of one world: :func:`run_outcomes` of each, in the order given."""
    from sim.runner import run_branches

    with interrupts_deferred() as stop:
        results = run_branches([(b.params, b.steps) for b in task.branches],
                               population=task.population, rng=task.seed, stop=stop)
    return [run_outcomes(res) for res in results]


@dataclass(frozen=True)
class WorldGroup:
    """Tasks that are one world: which of the tasks given (``members``), and its task."""

    members: tuple[int, ...]
    task: WorldTask


def world_groups(tasks: list[Task]) -> list[WorldGroup]:
    """The tasks grouped by world: same seed, population and everything before 2015.

    Paired runs of different scenarios (the same posterior draw, strengths draw and
    seed) differ only in the levers asked for, so they share one build and spin-up;
    a task whose inputs before 2015 differ (a scenario that fixes a strength, say) is a
    world of its own. Groups keep the tasks' order, so results do not depend on workers.
    """
    from sim.config import Configuration
    from sim.world import spinup_identity

    index: dict = {}
    for j, task in enumerate(tasks):
        key = (task.seed, task.population,
               spinup_identity(Configuration.resolve(task.params)))
        index.setdefault(key, []).append(j)
    groups = []
    for members in index.values():
        first = tasks[members[0]]
        tag = {"draw": first.tag.get("draw"), "replicate": first.tag.get("replicate"),
               "scenarios": "+".join(str(tasks[j].tag.get("scenario")) for j in members)}
        groups.append(WorldGroup(tuple(members), WorldTask(
            first.params, max(tasks[j].steps for j in members), first.seed,
            first.population, tag, tuple(tasks[j] for j in members))))
    return groups


def run_outcomes(res) -> dict:
    """What an ensemble keeps of one run (a :class:`sim.runner.SimulationResult`).

    Outcomes: the weekly ones averaged over the last four weeks; the virtual survey's
    shares, how many answered and how many answers were dropped per activity; the 2015
    snapshot's survey counts; the class of the research question; the inhabitants, per
    1,000 of them and by unit type (:data:`WHOLE`); and, when the population holds a
    municipality of one's own, its outcomes as ``own:<name>`` (:func:`area_outcomes`).
    """
    series = res.timeseries
    outcomes = {name: at_horizon(res.series, name) for name in SUMMARY}
    shares = res.survey.shares
    for i, act in enumerate(res.survey.activities):
        for j, coord in enumerate(COORDINATORS):
            outcomes[f"survey_share:{act}:{coord}"] = float(shares[i, j])
        # Answers, not activities: a unit answers when it organised the activity and was
        # sure who coordinated it (fewer "unsure" answers raise it as much as more
        # activities do); survey_dropped counts the unsure/several answers left out.
        outcomes[f"survey_answered:{act}"] = float(res.survey.n[i])
        outcomes[f"survey_dropped:{act}"] = float(res.survey.dropped[i])
        outcomes[f"survey_offered:{act}"] = float(res.survey.offered[i])
    # The survey at the 2015 snapshot is what the calibration compared with the data.
    first = res.survey_2015
    for i, act in enumerate(first.activities):
        for j, coord in enumerate(COORDINATORS):
            outcomes[f"survey2015_count:{act}:{coord}"] = float(first.counts[i, j])
    # The research question on the run's end-of-horizon virtual survey: the mean of
    # class:<name> over runs is the probability of that class.
    for label in CLASSES:
        outcomes[f"class:{label}"] = 1.0 if res.coordination == label else 0.0
    munis = res.municipalities
    outcomes["inhabitants"] = float(res.inhabitants)
    whole = area_outcomes(munis)
    outcomes.update({name: float(whole[name]) for name in WHOLE})
    if munis["own"].any():
        mine = area_outcomes(munis, munis["own"].to_numpy() == 1)
        outcomes.update({f"own:{k}": float(v) for k, v in mine.items()
                         if k != "municipalities"})
    thin = series[(series.week >= 0) & (series.week % SERIES_EVERY == 0)]
    return {"outcomes": outcomes, "series": thin, "municipalities": munis,
            "years": year_frame(res)}


def year_frame(res) -> pd.DataFrame:
    """The run's municipalities year by year from the switch (``municipalities_by_year``).

    One row per year and municipality: ``year`` (0 = the 2015 snapshot, where scenarios
    branch; k = the end of the k-th year after it), ``week`` and :data:`YEAR_COLUMNS`
    (what does not change is in ``municipalities.csv``). Year k's values are those of the last
    :data:`sim.outcomes.TAIL_WEEKS` weeks up to week 52 k (activities and who coordinated
    them; volunteers and trust in its last week), the window the horizon's
    ``municipalities.csv`` uses, so the horizon's year holds the same numbers as it; a
    horizon that is not a whole number of years ends with a shorter last year, recorded
    at the horizon.
    """
    from sim.world import WEEKS_PER_YEAR

    records = [(week, cols) for week, cols in res.municipality_years if week <= res.steps]
    if not records or records[-1][0] != res.steps:
        records.append((res.steps, res.municipality_columns))
    frames = []
    for week, cols in records:
        frame = pd.DataFrame({c: cols[c] for c in YEAR_COLUMNS})
        frame.insert(0, "week", np.int64(week))
        frame.insert(0, "year", np.int64(-(-week // WEEKS_PER_YEAR)))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def checked_result(value, where: str) -> dict:
    """A stored run's result, checked to be what :func:`run_outcomes` returns.

    A result read back from a folder is a user's file: outcomes must map names to
    numbers and the series be a table with a ``week`` column and the summary outcomes.
    """
    again = "rerun with --force to start this scenario again"
    if not isinstance(value, dict) or not {"outcomes", "series"} <= set(value) \
            or not set(value) <= {"outcomes", "series", "municipalities", "years"}:
        shown = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise InputError(where, shown, f"a stored run holds 'outcomes' and 'series'; {again}",
                         problem="malformed stored run:")
    outcomes, series = value["outcomes"], value["series"]
    if not isinstance(outcomes, dict) or not outcomes or not all(
            isinstance(k, str) and type(v) in (int, float) and not np.isinf(v)
            for k, v in outcomes.items()):
        raise InputError(f"{where}: field 'outcomes'", str(outcomes)[:80], "allowed: names "
                         f"mapped to finite numbers (or NaN); {again}",
                         problem="malformed value")
    missing = [o for o in SUMMARY if o not in outcomes]
    if missing:
        raise InputError(f"{where}: field 'outcomes'", ", ".join(missing), "every weekly "
                         f"outcome of sim.outcomes; {again}", problem="missing outcomes")
    need = ("week", *SUMMARY)
    if not isinstance(series, pd.DataFrame) or series.empty \
            or any(c not in series.columns for c in need):
        shown = list(series.columns) if isinstance(series, pd.DataFrame) else series
        raise InputError(f"{where}: field 'series'", str(shown)[:80], "allowed: a table "
                         f"with columns {', '.join(need)}; {again}", problem="malformed value")
    checked = {"outcomes": {k: float(v) for k, v in outcomes.items()}, "series": series}
    if "municipalities" in value:
        munis = value["municipalities"]
        if not isinstance(munis, pd.DataFrame) or any(
                c not in munis.columns for c in MUNI_COLUMNS) or munis.empty:
            shown = list(munis.columns) if isinstance(munis, pd.DataFrame) else munis
            raise InputError(f"{where}: field 'municipalities'", str(shown)[:80], "allowed: "
                             f"a table with columns {', '.join(MUNI_COLUMNS)}; {again}",
                             problem="malformed value")
        checked["municipalities"] = munis
    if "years" in value:
        years = value["years"]
        need = ("year", "week", *YEAR_COLUMNS)
        if not isinstance(years, pd.DataFrame) or years.empty or any(
                c not in years.columns for c in need):
            shown = list(years.columns) if isinstance(years, pd.DataFrame) else years
            raise InputError(f"{where}: field 'years'", str(shown)[:80], "allowed: a table "
                             f"with columns {', '.join(need)}; {again}",
                             problem="malformed value")
        checked["years"] = years
    return checked


@dataclass(frozen=True)
class EnsembleResult:
    """What was run and where it was written."""

    scenarios: list
    runs: int
    failures: list
    wall_time_s: float
    reused: int = 0  # runs taken from the store (--resume)
    empty: tuple = ()  # scenarios without a finished run: their folders were left alone
    notes: tuple = ()  # what --force dropped (scenarios.store.check_side_store)


def assumption_design(n: int, rng, names: tuple[str, ...] = ASSUMPTIONS
                      ) -> list[dict[str, float]]:
    """``n`` draws of the named assumptions: a Latin hypercube over their ranges.

    The design depends only on ``n``, ``names`` and ``rng``: scenarios with the same root
    seed draw the same assumptions (a scenario that fixes one overrides it afterwards).
    """
    from scipy.stats import qmc

    if not names:
        return [{} for _ in range(n)]
    seed = int(np.random.default_rng(rng).integers(2**63))
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    values = np.column_stack([from_unit(a, unit[:, j]) for j, a in enumerate(names)])
    return [dict(zip(names, row.tolist(), strict=True)) for row in values]


def build_tasks(scenario: Scenario, posterior: Posterior, seed: int) -> list[Task]:
    """Tasks for one scenario, paired with every other scenario of the same root seed.

    Every posterior draw (a whole world: the free parameters and the assumptions acting
    before 2015) meets every draw of the policy strengths (a full factorial), with
    ``replicates`` seeds each: run (draw, replicate) has the same world, strengths and
    seed in every scenario. ``draw`` numbers the (posterior, assumption) cells.
    """
    gen = np.random.default_rng(seed)
    draws = posterior.draws(scenario.draws, gen)
    design = assumption_design(scenario.assumption_draws, gen.integers(2**63),
                               policy_strengths(tuple(posterior.particles.columns)))
    cells = [(p, a) for p in range(scenario.draws) for a in range(scenario.assumption_draws)]
    seeds = spawn_seeds(gen.integers(2**63), len(cells) * scenario.replicates)
    tasks = []
    for d, (p, a) in enumerate(cells):
        params = {**draws[p], **design[a], **scenario.overrides}
        for r in range(scenario.replicates):
            tasks.append(Task(params, scenario.horizon_weeks,
                              seeds[d * scenario.replicates + r], scenario.population,
                              tag={"scenario": scenario.name, "draw": d, "replicate": r,
                                   "posterior_draw": p, "assumption_draw": a}))
    return tasks


def inputs_frame(scenario: Scenario, tasks: list[Task], results: list) -> pd.DataFrame:
    """What each finished run was given: its draws, seed and every value that varies.

    One row per run: ``draw, replicate, posterior_draw, assumption_draw, seed``, then the
    free parameters (from the posterior) and the assumptions (drawn or fixed).
    """
    rows = []
    for task, res in zip(tasks, results, strict=True):
        if isinstance(res, Failure):
            continue
        rows.append({"draw": task.tag["draw"], "replicate": task.tag["replicate"],
                     "posterior_draw": task.tag["posterior_draw"],
                     "assumption_draw": task.tag["assumption_draw"],
                     "seed": np.uint64(task.seed),
                     **{k: task.params[k] for k in (*FREE, *ASSUMPTIONS)}})
    return pd.DataFrame(rows)


def _frames(scenario: Scenario, tasks: list[Task], results: list):
    rows, series, munis, years = [], [], [], []
    for task, res in zip(tasks, results, strict=True):
        if isinstance(res, Failure):
            continue
        # Seeds are uint64: typed so, they stay whole numbers in every CSV (a mix of
        # int64 and uint64 columns would be concatenated as floats).
        key = {"scenario": scenario.name, "draw": task.tag["draw"],
               "replicate": task.tag["replicate"], "seed": np.uint64(task.seed)}
        rows += [{**key, "outcome": k, "value": v} for k, v in res["outcomes"].items()]
        s = res["series"].copy()
        for i, (k, v) in enumerate(key.items()):
            s.insert(i, k, v)
        series.append(s)
        for name, kept in (("municipalities", munis), ("years", years)):
            if name in res:
                m = res[name].copy()
                for i, (k, v) in enumerate(key.items()):
                    m.insert(i, k, v)
                kept.append(m)
    return (pd.DataFrame(rows),
            pd.concat(series, ignore_index=True) if series else pd.DataFrame(),
            pd.concat(munis, ignore_index=True) if munis else None,
            pd.concat(years, ignore_index=True) if years else None)


def posterior_hash(posterior: Posterior) -> str:
    """Digest of the posterior's particles and weights: the draws runs are paired on."""
    return posterior.digest()


def _interrupted(stores: list[RunStore], out: Path, total: int,
                 written: tuple = ()) -> Interrupted:
    """The interrupt, saying what is kept: the stored runs and the scenarios written."""
    kept = sum(store.count() for store in stores)
    err = Interrupted(kept, total)
    whole = (f"the files of {', '.join(written)} were written whole, the others' not at "
             "all; " if written else "")
    side = [s.path.parent.name for s in stores if s.staged]
    earlier = (f"the earlier results of {', '.join(side)} are unchanged (the new runs wait "
               f"in {SIDE_STORE} until their set is whole); " if side else "")
    err.kept = (f"{kept} of {total} runs are kept in {out}/<scenario>/"
                f"{SIDE_STORE if side else STORE}; {whole}{earlier}"
                "coprod run with the same options and --resume computes only the rest"
                + (" and writes the files" if kept == total else ""))
    return err


def run_ensembles(scenarios: list[Scenario], posterior: Posterior, out: Path, *, seed: int,
                  workers: int = 1, scheduler: str | None = None,
                  progress: bool | None = None, resume: bool = False,
                  force: bool = False, command: str = "",
                  surveys: list | None = None, replace=replaced_together) -> EnsembleResult:
    """Run every scenario's ensemble in one parallel batch and write its files.

    Each run is stored in ``<out>/<scenario>/runs.sqlite`` as it finishes; ``resume``
    reuses the stored runs and computes only the missing ones. A folder holding results
    of another scenario content, seed, posterior or code is refused unless ``force``.
    ``command`` is recorded in each manifest (the command line that asked for the runs),
    and ``surveys`` (:meth:`calibration.waves.Waves.record`), when given, the surveys
    the runs were made for. ``replace``: a context manager ``(folder, names, *, inside)
    -> staging folder`` that replaces a scenario's files whole or not at all (by default
    :func:`runtime.files.replaced_together`; see :func:`_write_scenario`). A fresh start over
    earlier results keeps them whole until its own set is complete
    (:class:`scenarios.store.RunStore`).
    """
    t0 = time.perf_counter()
    out = Path(out)
    replace = replace or replaced_together  # None too: no caller writes a set piecemeal
    check_runs(scenarios)  # before anything is built or locked
    if scheduler:  # an unreachable scheduler is refused before a folder is made
        from runtime.pool import check_scheduler

        check_scheduler(scheduler)
    for scenario in scenarios:  # e.g. a scenario named 'sim' with --out at the repo root
        refuse_package_dir(out / scenario.name, "out")
    code, post = code_version(), posterior_hash(posterior)
    idents = [identity(s, seed=seed, posterior=post, code=code) for s in scenarios]
    with locked(out) as folder:
        notes = [check_folder(out / scenario.name, ident, force=force, resume=resume,
                              inside=folder)
                 for scenario, ident in zip(scenarios, idents, strict=True)]
        stores: list[RunStore] = []
        written: list[str] = []  # scenarios whose files are in place
        try:
            for scenario, ident in zip(scenarios, idents, strict=True):
                stores.append(RunStore(out / scenario.name, ident, resume=resume,
                                       drop_side=force, inside=folder))
            result = _run_missing(scenarios, stores, posterior, seed, workers, scheduler,
                                  progress)
            per_scenario, results, reused = result
            wall = time.perf_counter() - t0
            failures, empty = [], []
            for scenario, tasks, chunk, ident, store in zip(
                    scenarios, per_scenario, results, idents, stores, strict=True):
                failed = [r for r in chunk if isinstance(r, Failure)]
                failures += failed
                if len(failed) == len(tasks):
                    empty.append(scenario.name)  # never replace good files with empty ones
                    store.discard_if_empty()
                    continue
                _write_scenario(out / scenario.name, scenario, tasks, chunk, failed, ident,
                                posterior, seed=seed, workers=workers, scheduler=scheduler,
                                wall=wall, reused=reused[scenario.name], command=command,
                                surveys=surveys, replace=replace, store=store,
                                inside=folder)
                written.append(scenario.name)
        except KeyboardInterrupt:
            raise _interrupted(stores, out, sum(s.runs for s in scenarios),
                               tuple(written)) from None
        finally:
            for store in stores:
                store.close()
    return EnsembleResult([s.name for s in scenarios], sum(len(t) for t in per_scenario),
                          failures, wall, sum(reused.values()), tuple(empty),
                          tuple(n for n in notes if n))


def _run_missing(scenarios, stores, posterior, seed, workers, scheduler, progress):
    """Run the tasks not in the stores; return tasks, results per scenario, runs reused."""
    per_scenario = [build_tasks(s, posterior, seed) for s in scenarios]
    results = [[None] * len(tasks) for tasks in per_scenario]
    todo, reused = [], {}
    for k, (scenario, tasks, store) in enumerate(zip(scenarios, per_scenario, stores,
                                                     strict=True)):
        done = store.finished()
        for i, task in enumerate(tasks):
            key = (task.tag["draw"], task.tag["replicate"])
            seed_res = done.get(key)
            if seed_res is not None and seed_res[0] == str(task.seed):
                results[k][i] = checked_result(seed_res[1], f"{store.path}: run (draw "
                                               f"{key[0]}, replicate {key[1]})")
            else:
                todo.append((k, i))
        reused[scenario.name] = len(tasks) - sum(1 for kk, _ in todo if kk == k)

    flat = [per_scenario[k][i] for k, i in todo]
    groups = world_groups(flat)

    def store_world(g: int, result: list) -> None:
        for j, res in zip(groups[g].members, result, strict=True):
            stores[todo[j][0]].add(flat[j].tag["draw"], flat[j].tag["replicate"],
                                   flat[j].seed, res)

    new = run_tasks(world_task, [group.task for group in groups], workers=workers,
                    scheduler=scheduler, progress=progress, label="worlds",
                    raise_on_failure=False, on_result=store_world)
    for group, res in zip(groups, new, strict=True):
        for n, j in enumerate(group.members):
            k, i = todo[j]
            # A world that failed fails each of its scenarios' runs, named as their own.
            results[k][i] = Failure(flat[j], res.error) if isinstance(res, Failure) \
                else res[n]
    return per_scenario, results, reused


def _write_scenario(directory: Path, scenario: Scenario, tasks, chunk, failed, ident,
                    posterior: Posterior, *, seed, workers, scheduler, wall, reused,
                    command, surveys: list | None = None, replace=replaced_together,
                    store: RunStore | None = None, inside=None) -> None:
    """Write the scenario's files (:data:`scenarios.store.RESULT_FILES`), manifest last.

    ``replace`` (:func:`runtime.files.replaced_together`; ``inside``: the folder being
    written) stages them and puts them in place whole or not at all, so an interrupt
    while they are written leaves the earlier set; a fresh start's side ``store`` is one
    of the set, so the runs and the files that summarise them replace the old ones
    together.
    """
    names = store.members() if store is not None else RESULT_FILES
    with replace(directory, names, inside=inside) as stage:
        _write_files(stage, scenario, tasks, chunk, failed, ident, posterior, seed=seed,
                     workers=workers, scheduler=scheduler, wall=wall, reused=reused,
                     command=command, surveys=surveys)
        if store is not None:
            store.staged_into(stage)
    if store is not None:
        store.settle()


def _write_files(directory: Path, scenario: Scenario, tasks, chunk, failed, ident,
                 posterior: Posterior, *, seed, workers, scheduler, wall, reused,
                 command, surveys: list | None = None) -> None:
    from sim.world import WEEKS_PER_YEAR

    outcomes, series, munis, years = _frames(scenario, tasks, chunk)
    atomic_write_frame(directory / "outcomes.csv", outcomes)
    atomic_write_frame(directory / "timeseries.csv", series)
    if munis is not None:
        atomic_write_frame(directory / "municipalities.csv", munis)
    if years is not None:
        atomic_write_frame(directory / YEARS_FILE, years)
    atomic_write_frame(directory / "inputs.csv", inputs_frame(scenario, tasks, chunk),
                       float_format="%.10g")
    write_manifest(directory / "manifest.json", manifest(
        command=command, scenario=scenario.name,
        description=scenario.description, source=scenario.source,
        overrides=scenario.overrides, horizon_weeks=scenario.horizon_weeks,
        draws=scenario.draws, assumption_draws=scenario.assumption_draws,
        drawn_assumptions=[a for a in policy_strengths(tuple(posterior.particles.columns))
                           if a not in scenario.overrides],
        world_inputs=list(posterior.particles.columns), replicates=scenario.replicates,
        population=scenario.population.name, seed=seed, posterior=posterior.source,
        posterior_manifest=posterior.manifest.get("command", ""), identity=ident,
        runs=len(tasks), runs_reused=reused, failed=[f.describe() for f in failed],
        outcome_rows=len(outcomes), series_rows=len(series),
        municipality_rows=0 if munis is None else len(munis),
        municipality_year_rows=0 if years is None else len(years),
        years=years_words(scenario.horizon_weeks, scenario.overrides.get("lever_week", 0),
                          WEEKS_PER_YEAR),
        workers=workers, scheduler=scheduler, wall_time_all_scenarios_s=round(wall, 2),
        **({} if surveys is None else {"surveys": surveys})))
