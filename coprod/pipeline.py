"""The pipeline as Python: each stage one function that returns a typed result.

``coprod.survey``, ``coprod.calibrate``, ``coprod.fit``, ``coprod.run``,
``coprod.compare``, ``coprod.discover``, ``coprod.design`` and ``coprod.report``, and the
other stages ``coprod.simulate``, ``coprod.sensitivity``, ``coprod.recovery``,
``coprod.validate``, ``coprod.ablate`` and ``coprod.sbc`` (:mod:`coprod` offers them
lazily) are these functions. Each takes one ``rng`` where it
draws random numbers (the root seed, a whole number: manifests record it), and ``out``:
when given, the result is written there (under the folder's lock, the set of files
replaced whole or not at all), as the command of the same name writes it. The commands
and the demo call these functions and print the results (:mod:`coprod.console`,
:mod:`coprod.console_scenarios`); nothing here reads back what it has just written.

``command`` is what a result's manifest records as the request that made it: the
command line when a command calls, the Python call by default. ``say`` receives the
lines a long stage announces before it starts (which posterior, how many runs); by
default they are not shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calibration.calibrated import Calibration
    from calibration.fit_check import FitCheck
    from calibration.posterior import Posterior
    from calibration.survey_study import SurveyStudy
    from calibration.waves import Waves
    from scenarios.discovery import Discovery
    from scenarios.results import ComparisonResult, Ensemble
    from studies.ablation import Ablation
    from studies.design_result import DesignStudy
    from studies.leave_one_out import LeaveOneOut
    from studies.recovery import RecoveryStudy
    from studies.sbc import SBCResult
    from studies.screening import Screening
    from studies.simulation import Simulation

DEFAULT_SEED = 20150
MAX_DRAWS = 10_000  # posterior draws of a fit check
MAX_STEPS = 2600  # weeks of one simulation: sim.runner's (not imported: it loads the model)
MAX_TRAJECTORIES = 1000  # of a Morris screening
MAX_TRUTHS = 200  # of a recovery study


def _silent(_line: str) -> None:
    return None


def _waves(data) -> Waves:
    """``data`` as surveys: a :class:`~calibration.waves.Waves`, names/paths, or None."""
    from calibration.waves import Waves

    if isinstance(data, Waves):
        return data
    if isinstance(data, str | Path):
        data = [data]
    return Waves.load(list(data) if data else None)


def _posterior(posterior) -> Posterior:
    from calibration.posterior import Posterior, load_posterior

    return posterior if isinstance(posterior, Posterior) else load_posterior(posterior)


def _typed(optional: tuple[str, ...] = (), **given) -> None:
    """Refuse, in one line naming it, an argument of a kind the stage cannot take.

    What each argument may be is what the command line's option gives (a path as text or
    a :class:`~pathlib.Path`, a number, a name); ``optional`` names those None may be
    (everywhere None means 'the default' except where a folder is needed).
    """
    from calibration.posterior import Posterior
    from calibration.waves import Waves
    from sim.errors import InputError, wrong_type

    path, number = (str, Path), (int, float)
    kinds = {"out": (path, "a folder path"), "folder": (path, "a folder path"),
             "municipality": (path, "the path of a municipality file"),
             "scheduler": ((str,), "a Dask scheduler's address"),
             "baseline": ((str,), "a scenario's name"),
             "scenario": ((str,), "a scenario's name"),
             "outcome": ((str,), "an outcome's name"),
             "below": (number, "a number"), "above": (number, "a number"),
             "threshold": (number, "a number"), "min_epsilon": (number, "a number"),
             "posterior": ((*path, Posterior), "a calibration folder, 'shipped' or a "
                           "Posterior"),
             "data": ((*path, list, tuple, Waves), "a survey file or a shipped wave's name, "
                      "a list of them, or Waves"),
             # What the manifest records as the command: whose folder it is (check_stage).
             "command": ((str,), "the command to record, as text (e.g. 'coprod.fit()')"),
             "inputs": ((str,), "a group's name"),
             # Where progress lines go: any function (a predicate, not types; None too
             # is refused, by its type's name).
             "say": (callable, "a function taking one line of text (e.g. print)")}
    for name, value in given.items():
        types, words = kinds[name]
        if not isinstance(types, tuple):
            if not types(value):
                raise wrong_type(name, value, words)
            continue
        if value is None and (name in optional or name not in ("out", "folder", "command")):
            continue
        fits = isinstance(value, types) and not isinstance(value, bool)
        if fits and name == "data" and isinstance(value, list | tuple):
            fits = all(isinstance(v, path) for v in value)
        if not fits:
            shown = (value if isinstance(value, str | int | float) else
                     "None" if value is None else type(value).__name__)
            raise InputError(name, shown, f"allowed: {words}")


@contextmanager
def _calibrations_kept(out: Path):
    """Say, on Ctrl-C, that a calibration study's finished calibrations are kept.

    Each calibration lives in its own folder under ``out`` as soon as it is done (and an
    unfinished one keeps its finished generations): the study resumes from them.
    """
    try:
        yield
    except KeyboardInterrupt as stop:
        stop.kept = (f"every finished calibration is kept in {out} (an unfinished one with "
                     "its finished generations); --resume with the same options goes on "
                     "from them; the study's tables and manifest are unchanged")
        raise


def _seed(rng) -> int:
    from sim.errors import InputError

    if isinstance(rng, bool) or not isinstance(rng, int) or not 0 <= rng <= 2**63 - 1:
        raise InputError("rng", rng, "allowed: a whole number from 0 to 2**63 - 1 (the "
                         "root seed, as the command line takes it)")
    return rng


def _workers(workers) -> int:
    from runtime.pool import check_workers
    from sim.errors import InputError

    if not isinstance(workers, int):
        raise InputError("workers", workers, "allowed: a whole number of worker processes")
    return check_workers(workers, "workers")


def _whole(name: str, value, low: int, high: int) -> int:
    """``value`` if a whole number from ``low`` to ``high``; else one line naming ``name``."""
    from runtime.fields import whole
    from sim.errors import InputError

    if not whole(low, high)(value):
        raise InputError(name, value, f"allowed: a whole number from {low:,} to {high:,}")
    return value


def _flag(**given) -> None:
    """Refuse a yes/no argument that is not True or False (one line naming it)."""
    from sim.errors import InputError

    for name, value in given.items():
        if not isinstance(value, bool):
            raise InputError(name, value, "allowed: True or False")


def _study_out(out, resume: bool, stage: str) -> Path:
    """A study's folder, checked before any work; ``resume`` needs an earlier run's."""
    from runtime.files import check_out_dir
    from runtime.manifests import check_stage
    from sim.errors import InputError

    out = check_out_dir(out)
    if resume and not out.is_dir():
        raise InputError("resume", str(out), "nothing to resume there: run without "
                         "resume first", problem="missing study")
    check_stage(out, stage)
    return out


def survey(data: str | Path | None = None, *, reps: int = 10_000,
           resample: str = "activity", rng: int = DEFAULT_SEED, out: str | Path | None = None,
           command: str = "coprod.survey()") -> SurveyStudy:
    """Table 2 (or ``data``) with BCa intervals, the paper's claims and the answer.

    Returns a :class:`calibration.survey_study.SurveyStudy`; with ``out``, also writes
    it there (``bootstrap.csv``, ``claims.csv``, ``classes*.csv``, ``manifest.json``).
    """
    _typed(optional=("out",), data=data, out=out, command=command)
    from calibration.survey_study import SURVEY_OUTPUTS, study_survey
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from runtime.manifests import check_stage

    seed = _seed(rng)
    out = None if out is None else check_out_dir(out)  # before any work
    if out is not None:
        check_stage(out, "survey")
    study = study_survey(data, reps=reps, resample=resample, rng=seed, command=command)
    if out is not None:
        with locked(out) as folder, \
                replaced_together(out, SURVEY_OUTPUTS, inside=folder) as stage:
            study.write(stage)
    return study


def fit(posterior: Posterior | str | Path | None = None, *, draws: int = 200,
        data=None, rng: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
        out: str | Path | None = None, command: str = "coprod.fit()") -> FitCheck:
    """The posterior predictive check of ``posterior`` (default: the shipped one).

    ``data``: the survey(s) to check against (default: the paper's Table 2). Returns a
    :class:`calibration.fit_check.FitCheck`; with ``out``, also writes it there with its
    manifest (``fit.csv`` and the rest).
    """
    _typed(optional=("out",), posterior=posterior, data=data, out=out, scheduler=scheduler,
           command=command)
    from calibration.fit_check import FIT_OUTPUTS, FIT_PATTERNS, check_fit
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from runtime.manifests import Manifest, check_stage
    from sim.errors import InputError

    seed = _seed(rng)
    if isinstance(draws, bool) or not isinstance(draws, int) or \
            not 10 <= draws <= MAX_DRAWS:
        raise InputError("draws", draws, f"allowed: 10 to {MAX_DRAWS}")
    workers = _workers(workers)
    out = None if out is None else check_out_dir(out)
    waves, posterior = _waves(data), _posterior(posterior)
    if out is None:
        return check_fit(posterior, draws=draws, rng=seed, workers=workers,
                         scheduler=scheduler, waves=waves)
    check_stage(out, "fit")
    with locked(out) as folder, replaced_together(out, FIT_OUTPUTS, patterns=FIT_PATTERNS,
                                                  inside=folder) as stage:
        check = check_fit(posterior, draws=draws, rng=seed, workers=workers,
                          scheduler=scheduler, waves=waves)
        check.write(stage)
        Manifest.of(command=command, seed=seed, draws=draws, posterior=posterior.source,
                    posterior_manifest=posterior.manifest.get("command", ""),
                    workers=workers, scheduler=scheduler, fit=check.targets(),
                    surveys=waves.record()).write(stage / "manifest.json")
    return check


def calibrate(data=None, *, out: str | Path = "out/calibration", quick: bool = False,
              rng: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
              resume: bool = False, min_epsilon: float | None = None,
              command: str = "coprod.calibrate()") -> Calibration:
    """Calibrate the model's world to ``data`` (default Table 2) with ABC-SMC, in ``out``.

    ``abc.db`` and the posterior's files are written as the calibration goes (``resume``
    continues one); then what the survey narrowed, the posterior predictive check and
    the manifest are written as one set. ``quick``: a small run to check the pipeline,
    not a usable posterior. ``min_epsilon``: stop at that tolerance (default: the
    survey's measured noise level). Returns a :class:`calibration.calibrated.Calibration`.
    """
    _typed(data=data, out=out, scheduler=scheduler, min_epsilon=min_epsilon, command=command)
    import dataclasses
    import math
    import time

    from calibration.abc import DEFAULT, QUICK, settings_dict
    from calibration.calibrated import NARROWING_OUTPUTS, Calibration, narrowed
    from calibration.fit_check import FIT_OUTPUTS, FIT_PATTERNS, check_fit
    from calibration.history import resumable
    from runtime.files import WRITTEN, check_out_dir, replaced_together
    from runtime.locks import locked
    from runtime.manifests import Manifest, check_stage
    from sim.errors import InputError

    seed, workers = _seed(rng), _workers(workers)
    _flag(quick=quick, resume=resume)
    settings = None
    if min_epsilon is not None:
        if not (math.isfinite(min_epsilon) and 0 < min_epsilon <= 100):
            raise InputError("min_epsilon", min_epsilon, "allowed: a number above 0, "
                             "at most 100")
        settings = dataclasses.replace(QUICK if quick else DEFAULT, min_epsilon=min_epsilon)
    out = check_out_dir(out)
    check_stage(out, "calibrate")  # another command's results and record stay theirs
    db = out / "abc.db"
    if resume:  # refused before any lock
        resumable(db, "resume")
    waves = _waves(data)
    t0 = time.perf_counter()
    with locked(out) as folder:
        run = _calibrate(out, seed=seed, quick=quick, workers=workers, scheduler=scheduler,
                         resume=resume, settings=settings, waves=waves, inside=folder)
        try:
            # The posterior as posterior.csv holds it, passed on rather than read back.
            narrowing, screening, said = narrowed(run.posterior, run.screening, seed=seed)
            with replaced_together(out, (*FIT_OUTPUTS, *NARROWING_OUTPUTS),
                                   patterns=FIT_PATTERNS, inside=folder) as stage:
                check = check_fit(run.posterior, draws=30 if quick else 200, rng=seed,
                                  workers=workers, scheduler=scheduler,
                                  reps=2_000 if quick else 10_000, waves=waves)
                wall = time.perf_counter() - t0
                record = Manifest.of(
                    command=command, seed=seed, workers=workers, scheduler=scheduler,
                    quick=quick, resumed=resume, wall_time_total_s=round(wall, 1),
                    fit=check.targets(), reproducible=not scheduler, **settings_dict(run))
                result = Calibration(out, run.posterior, narrowing, screening, run.adjusted,
                                     said, record, check, run)
                result.write(stage)
        except KeyboardInterrupt as stop:
            if not WRITTEN:
                _drop_older_fit(out)
                stop.kept = (f"the calibration is finished and kept ({out}/abc.db, "
                             "posterior.csv); its fit and manifest were not written (those "
                             "of an earlier posterior were removed): --resume with the "
                             "same --out writes them")
            raise
    return result


def _calibrate(out: Path, *, seed: int, quick: bool, workers: int, scheduler, resume: bool,
               settings, waves, inside):
    """Run (or resume) the calibration; an early stop leaves no record of its surveys.

    ``surveys.json`` is written as a calibration starts; a stop before ``abc.db`` holds
    anything removes it again, so that "nothing was written" is true.
    """
    from calibration.abc import BEGIN_ELSEWHERE, SURVEYS_FILE, calibrate
    from runtime.files import read_own_json
    from runtime.interrupts import interrupts_deferred

    surveys = out / SURVEYS_FILE
    had_surveys = surveys.exists() or surveys.is_symlink()
    if resume and had_surveys:  # a link (dangling too) or a folder: named, not skipped
        read_own_json(surveys, BEGIN_ELSEWHERE, inside=inside)
    try:
        return calibrate(out, quick=quick, seed=seed, workers=workers, scheduler=scheduler,
                         resume=resume, settings=settings, waves=waves, inside=inside)
    except BaseException:
        db = out / "abc.db"
        if not had_surveys and not (db.is_file() and db.stat().st_size):
            with interrupts_deferred():
                surveys.unlink(missing_ok=True)
        raise


def _drop_older_fit(out: Path) -> None:
    """Remove a fit and manifest made from an earlier posterior than the one in ``out``."""
    from calibration.fit_check import FIT_OUTPUTS, FIT_PATTERNS
    from runtime.interrupts import interrupts_deferred

    names = [*FIT_OUTPUTS, *(p.name for g in FIT_PATTERNS for p in out.glob(g))]
    with interrupts_deferred():
        (out / "manifest.json").unlink(missing_ok=True)
        for name in names:
            (out / name).unlink(missing_ok=True)


def fit_files(check: FitCheck) -> list[str]:
    """The names :func:`fit` writes for ``check``, in the order it writes them.

    Its tables, figures and counts (as :meth:`FitCheck.write` writes them), then the
    manifest.
    """
    return [*check.files(), "manifest.json"]


def run(scenarios: Sequence, *, posterior: Posterior | str | Path | None = None,
        out: str | Path = "out/scenarios", rng: int = DEFAULT_SEED, draws: int | None = None,
        replicates: int | None = None, assumption_draws: int | None = None,
        horizon_weeks: int | None = None, data=None, municipality: str | Path | None = None,
        adopters: str | None = None, workers: int = 1, scheduler: str | None = None,
        resume: bool = False, force: bool = False, command: str = "coprod.run()",
        say: Callable[[str], None] = _silent) -> Ensemble:
    """Run ``scenarios`` (names, files or 'all') as ensembles into ``out``.

    Every run is stored as it finishes (``resume`` reuses them); each scenario's files
    are replaced whole. Returns a :class:`scenarios.results.Ensemble`; its ``failures``
    list the runs that failed (with their seeds and parameters), the others are kept.
    """
    _typed(posterior=posterior, out=out, data=data, municipality=municipality,
           scheduler=scheduler, command=command, say=say)
    from scenarios.results import run_ensemble
    from sim.errors import InputError

    if isinstance(scenarios, str | Path):  # one scenario, not its name's letters
        scenarios = [scenarios]
    if not scenarios or not all(isinstance(s, str | Path) for s in scenarios):
        raise InputError("scenarios", scenarios, "allowed: a list of shipped scenario "
                         "names, scenario files, or 'all'")
    if adopters not in (None, "all", "own"):
        raise InputError("adopters", adopters, "allowed: all, own, or None (as each "
                         "scenario says)")
    workers = _workers(workers)
    return run_ensemble(scenarios, posterior=_posterior(posterior), out=out,
                        seed=_seed(rng), draws=draws, replicates=replicates,
                        assumption_draws=assumption_draws, horizon_weeks=horizon_weeks,
                        waves=_waves(data), data_given=bool(data),
                        municipality=municipality, adopters=adopters, workers=workers,
                        scheduler=scheduler, resume=resume, force=force, command=command,
                        say=say)


def compare(folder: str | Path = "out/scenarios", *, baseline: str = "baseline",
            data=None, rng: int = DEFAULT_SEED, write: bool = True,
            command: str = "coprod.compare()") -> ComparisonResult:
    """Compare the scenarios ``coprod.run`` wrote into ``folder`` with ``baseline``.

    Paired run for run, with intervals, the attribution of each effect's variance, the
    baseline's 2015 snapshot against the survey (``data``: the runs' survey) and the
    effects year by year. Returns a :class:`scenarios.results.ComparisonResult`; with
    ``write`` (the default), its files are written into ``folder`` as one set.
    """
    _typed(folder=folder, baseline=baseline, data=data, command=command)
    from scenarios.results import compare_folder

    return compare_folder(folder, baseline=baseline, waves=_waves(data),
                          data_given=bool(data), rng=_seed(rng), write=write,
                          command=command)


def discover(folder: str | Path, scenario: str, outcome: str, *,
             below: float | None = None, above: float | None = None,
             baseline: str = "baseline", threshold: float | None = None,
             write: bool = True, command: str = "coprod.discover()") -> Discovery:
    """Where ``scenario`` fails its aim on ``outcome``: PRIM over the runs' inputs.

    A run fails when its paired effect against ``baseline`` is below ``below`` (or above
    ``above``) in the outcome's unit. Returns a :class:`scenarios.discovery.Discovery`;
    with ``write``, ``discovery.csv``, ``.png`` and ``.json`` replace the scenario
    folder's earlier set together.
    """
    _typed(folder=folder, scenario=scenario, outcome=outcome, below=below, above=above,
           baseline=baseline, threshold=threshold, command=command)
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from scenarios import discovery
    from scenarios.thresholds import DENSITY_THRESHOLD
    from sim.errors import InputError

    folder = Path(folder)
    where = folder / scenario
    check_out_dir(folder)  # a read-only folder is one line, before any work
    if where.resolve().parent != folder.resolve():
        raise InputError("scenario", scenario, f"allowed: a scenario folder inside "
                         f"{folder} (not a link to elsewhere)", problem="refusing to write "
                         "outside --out for")
    if where.is_dir():
        check_out_dir(where)
    threshold = DENSITY_THRESHOLD if threshold is None else threshold
    with locked(folder) as locked_folder:
        found = discovery.discover(folder, scenario, outcome, below=below, above=above,
                                   baseline=baseline, threshold=threshold,
                                   inside=locked_folder)
        if write:
            with replaced_together(where, discovery.OUTPUTS, inside=locked_folder) as stage:
                found.write(stage, command)
    return found


def design(*, quick: bool = False, rng: int = DEFAULT_SEED, workers: int = 1,
           scheduler: str | None = None, resume: bool = False,
           out: str | Path = "out/design", command: str = "coprod.design()",
           say: Callable[[str], None] = _silent) -> DesignStudy:
    """What candidate surveys would narrow, before the money is spent (the design study).

    Its worlds are kept in ``out`` as each finishes (``resume`` reuses them); the set
    (``design.csv``, ``reference.csv``, ``design.png``, ``manifest.json``) replaces the
    earlier one whole. Returns a :class:`studies.design_result.DesignStudy`.
    """
    _typed(out=out, scheduler=scheduler, command=command, say=say)
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from studies.design_result import DESIGN_OUTPUTS, study_design

    seed, workers = _seed(rng), _workers(workers)
    _flag(quick=quick, resume=resume)
    out = check_out_dir(out)
    with locked(out) as folder:
        study = study_design(out, quick=quick, rng=seed, workers=workers,
                             scheduler=scheduler, resume=resume, command=command, say=say,
                             inside=folder)
        with replaced_together(out, DESIGN_OUTPUTS, inside=folder) as stage:
            study.write(stage)
    return study


def simulate(parameters: dict[str, float] | None = None, *, steps: int = 0,
             population: str = "survey2015", rng: int = DEFAULT_SEED,
             out: str | Path | None = None, command: str = "coprod.simulate()"
             ) -> Simulation:
    """Run the calibrated model once (the shipped posterior's median, then ``parameters``).

    It spins up to 2015 and runs ``steps`` more weeks (0 to 2,600) over ``population``
    ('survey2015', the survey's 50 municipalities, or 'norway'), observed by the virtual
    survey. Returns a :class:`studies.simulation.Simulation`; with ``out``, also writes
    it there (``survey.csv``, ``responses.csv``, ``timeseries.csv``, ``manifest.json``).
    """
    _typed(optional=("out",), out=out, command=command)
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from runtime.manifests import check_stage
    from sim.errors import InputError
    from sim.parameters import validate
    from studies.simulation import SIMULATION_OUTPUTS, simulate_once

    seed, steps = _seed(rng), _whole("steps", steps, 0, MAX_STEPS)
    if population not in ("survey2015", "norway"):
        raise InputError("population", population, "allowed: survey2015, norway")
    if parameters is not None and not (isinstance(parameters, dict) and all(
            isinstance(v, int | float) and not isinstance(v, bool)
            for v in parameters.values())):
        raise InputError("parameters", type(parameters).__name__, "allowed: a dict of "
                         "parameter names to numbers (see docs/ODD.md for the names)")
    validate(dict(parameters or {}), where="parameters")
    out = None if out is None else check_out_dir(out)
    if out is not None:
        check_stage(out, "simulate")
    # The model (Mesa, compiled kernels) loads only once the arguments are known good.
    if out is None:
        return simulate_once(parameters, steps=steps, population=population, rng=seed,
                             command=command)
    # The folder is locked and its set checked before the run, so that a refusal costs
    # no computing.
    with locked(out) as folder, \
            replaced_together(out, SIMULATION_OUTPUTS, inside=folder) as stage:
        result = simulate_once(parameters, steps=steps, population=population, rng=seed,
                               command=command)
        result.write(stage)
    return result


def sensitivity(*, trajectories: int = 20, inputs: str = "free",
                scenario: str | Path | None = None, rng: int = DEFAULT_SEED,
                workers: int = 1, scheduler: str | None = None,
                out: str | Path | None = None, command: str = "coprod.sensitivity()"
                ) -> Screening:
    """Morris screening: which inputs move the 2015 shares (or ``scenario``'s effect).

    ``inputs``: 'free' (the free parameters over their priors), 'assumptions' or 'all';
    the others stay at the calibrated model's values. ``scenario``: a shipped scenario's
    name or a scenario file, whose effect on each outcome at its horizon is screened.
    Runs: ``trajectories`` (2 to 1,000) × (inputs + 1), twice that with a scenario.
    Returns a :class:`studies.screening.Screening`; with ``out``, also writes it there
    (``sensitivity.csv``, ``sensitivity.png``, ``manifest.json``).
    """
    _typed(optional=("out",), out=out, scheduler=scheduler, command=command, inputs=inputs)
    from calibration.sensitivity import INPUT_GROUPS
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from runtime.manifests import check_stage
    from scenarios.spec import load_scenario
    from sim.errors import InputError
    from studies.screening import SENSITIVITY_OUTPUTS, screen

    seed, workers = _seed(rng), _workers(workers)
    trajectories = _whole("trajectories", trajectories, 2, MAX_TRAJECTORIES)
    if inputs not in INPUT_GROUPS:
        raise InputError("inputs", inputs, "allowed: " + ", ".join(INPUT_GROUPS))
    if scenario is not None and (not isinstance(scenario, str | Path)
                                 or isinstance(scenario, bool)):
        raise InputError("scenario", type(scenario).__name__, "allowed: a shipped "
                         "scenario's name or a scenario file")
    loaded = load_scenario(scenario) if scenario is not None else None
    if loaded is not None:  # (the screening runs the 2015 sample: nobody's own)
        from scenarios.results import adopters_own

        adopters_own([loaded], None, False, remedy="the screening runs the 2015 sample, "
                     'where none is; set adopters = "all" in its file to screen it')
    out = None if out is None else check_out_dir(out)
    if out is None:
        return screen(trajectories, inputs=inputs, scenario=loaded, rng=seed,
                      workers=workers, scheduler=scheduler, command=command)
    check_stage(out, "sensitivity")
    with locked(out) as folder, \
            replaced_together(out, SENSITIVITY_OUTPUTS, inside=folder) as stage:
        result = screen(trajectories, inputs=inputs, scenario=loaded, rng=seed,
                        workers=workers, scheduler=scheduler, command=command)
        result.write(stage)
    return result


def recovery(*, truths: int = 20, quick: bool = False, rng: int = DEFAULT_SEED,
             workers: int = 1, scheduler: str | None = None, resume: bool = False,
             out: str | Path = "out/recovery", command: str = "coprod.recovery()"
             ) -> RecoveryStudy:
    """Calibrate on synthetic surveys from ``truths`` (1 to 200) known parameter sets.

    Each truth's calibration and policy effects stay in ``out/truth_NN/`` (``resume``
    reuses the finished ones); the tables and the manifest replace the earlier set
    whole. ``quick``: small calibrations, to check the pipeline (not a result). Returns a
    :class:`studies.recovery.RecoveryStudy`.
    """
    _typed(out=out, scheduler=scheduler, command=command)
    from runtime.files import replaced_together
    from runtime.locks import locked
    from studies.recovery import RECOVERY_OUTPUTS, run_recovery

    seed, workers = _seed(rng), _workers(workers)
    truths = _whole("truths", truths, 1, MAX_TRUTHS)
    _flag(quick=quick, resume=resume)
    out = _study_out(out, resume, "recovery")
    with locked(out) as folder, _calibrations_kept(out):
        study = run_recovery(out, truths=truths, quick=quick, seed=seed, workers=workers,
                             scheduler=scheduler, resume=resume, command=command,
                             inside=folder)
        with replaced_together(out, RECOVERY_OUTPUTS, inside=folder) as stage:
            study.write(stage)
    return study


def validate(*, quick: bool = False, rng: int = DEFAULT_SEED, workers: int = 1,
             scheduler: str | None = None, resume: bool = False,
             out: str | Path = "out/validation", command: str = "coprod.validate()"
             ) -> LeaveOneOut:
    """Out-of-sample validation: each Table 2 activity left out and predicted.

    Six calibrations, one without each activity, kept in ``out/<activity>/`` (``resume``
    reuses the finished ones); ``leave_one_out.csv`` and the manifest replace the earlier
    set whole. ``quick``: small calibrations (not a result). Returns a
    :class:`studies.leave_one_out.LeaveOneOut`.
    """
    _typed(out=out, scheduler=scheduler, command=command)
    from runtime.files import replaced_together
    from runtime.locks import locked
    from studies.leave_one_out import LOO_OUTPUTS, study_leave_one_out

    seed, workers = _seed(rng), _workers(workers)
    _flag(quick=quick, resume=resume)
    out = _study_out(out, resume, "validate")
    with locked(out) as folder, _calibrations_kept(out):
        study = study_leave_one_out(out, quick=quick, rng=seed, workers=workers,
                                    scheduler=scheduler, resume=resume, command=command,
                                    inside=folder)
        with replaced_together(out, LOO_OUTPUTS, inside=folder) as stage:
            study.write(stage)
    return study


def ablate(mechanisms: Sequence[str] | str | None = None, *, quick: bool = False,
           rng: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
           resume: bool = False, out: str | Path = "out/ablation",
           command: str = "coprod.ablate()") -> Ablation:
    """Which mechanisms the survey supports: calibrate without each, compare (ABC).

    ``mechanisms``: names of :data:`calibration.mechanisms.MECHANISMS` (default all).
    Every calibration is kept under ``out`` (``resume`` reuses the finished ones);
    ``ablation.csv`` and the manifest replace the earlier set whole. Returns a
    :class:`studies.ablation.Ablation`.
    """
    _typed(out=out, scheduler=scheduler, command=command)
    from calibration.mechanisms import MECHANISMS
    from runtime.files import replaced_together
    from runtime.locks import locked
    from sim.errors import InputError
    from studies.ablation import ABLATION_OUTPUTS, study_ablation

    if isinstance(mechanisms, str):  # one mechanism, not its name's letters
        mechanisms = [mechanisms]
    if mechanisms is not None and (not isinstance(mechanisms, list | tuple) or not mechanisms
                                   or not all(m in MECHANISMS for m in mechanisms)):
        raise InputError("mechanisms", mechanisms if isinstance(mechanisms, list | tuple)
                         else type(mechanisms).__name__, "allowed: a list of "
                         + ", ".join(MECHANISMS))
    seed, workers = _seed(rng), _workers(workers)
    _flag(quick=quick, resume=resume)
    out = _study_out(out, resume, "ablate")
    with locked(out) as folder, _calibrations_kept(out):
        study = study_ablation(out, mechanisms=tuple(mechanisms or MECHANISMS), quick=quick,
                               rng=seed, workers=workers, scheduler=scheduler,
                               resume=resume, command=command, inside=folder)
        with replaced_together(out, ABLATION_OUTPUTS, inside=folder) as stage:
            study.write(stage)
    return study


def sbc(*, truths: int | None = None, reference: int | None = None,
        posterior: Posterior | str | Path | None = None, rng: int = DEFAULT_SEED,
        workers: int = 1, scheduler: str | None = None, out: str | Path | None = None,
        command: str = "coprod.sbc()", say: Callable[[str], None] = _silent) -> SBCResult:
    """Simulation-based calibration of the regression-adjusted ABC around ``posterior``.

    ``truths`` and ``reference`` worlds (default 200 and 4,000, the shipped check's) are
    drawn from ``posterior`` (default the shipped one); see :mod:`studies.sbc`. Returns a
    :class:`studies.sbc.SBCResult` (``passed``: every rank test passed); with ``out``,
    also writes it there (``sbc_ranks.csv``, ``sbc_summary.csv``, ``sbc_ranks.png``,
    ``sbc_manifest.json``).
    """
    _typed(optional=("out",), posterior=posterior, out=out, scheduler=scheduler,
           command=command, say=say)
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from runtime.manifests import check_stage
    from studies.sbc import FILES, REFERENCE, TRUTHS, check_sizes, run_sbc

    truths = TRUTHS if truths is None else truths
    reference = REFERENCE if reference is None else reference
    seed, workers = _seed(rng), _workers(workers)
    check_sizes(truths, reference)
    out = None if out is None else check_out_dir(out)
    posterior = _posterior(posterior)
    say(f"Simulation-based calibration: {truths} truths, {reference:,} reference worlds "
        f"from the {posterior.source}, {workers} worker(s)"
        + (f" on Dask at {scheduler}" if scheduler else "") + f", seed {seed}")
    if out is None:
        return run_sbc(posterior, truths=truths, reference=reference, rng=seed,
                       workers=workers, scheduler=scheduler, command=command)
    check_stage(out, "sbc")
    # The set is replaced whole or not at all (Ctrl-C keeps the old), and checked before
    # the runs, so that a refusal costs no computing.
    with locked(out) as folder, replaced_together(out, FILES, inside=folder) as stage:
        result = run_sbc(posterior, truths=truths, reference=reference, rng=seed,
                         workers=workers, scheduler=scheduler, command=command)
        result.write(stage)
    return result


@dataclass(frozen=True)
class Report:
    """A rendered report: the page, the findings to read first, the surveys it names."""

    path: Path
    findings: tuple[str, ...]
    surveys: tuple[str, ...]  # one line per survey the results were made from


def report(folder: str | Path = "out/demo", *, data=None) -> Report:
    """Render the HTML report of the results in ``folder`` (``report.html``, ``figures/``).

    ``data``: the survey(s) the results were made from (default: those their manifests
    record). The page and its figures are replaced together; every input is read once.
    """
    _typed(folder=folder, data=data)
    from coprod.report_page import (
        build_report,
        findings,
        open_report,
        surveys_lines,
        surveys_summary,
    )
    from runtime.files import replaced_together
    from runtime.locks import locked

    folder = Path(folder)
    waves = _waves(data) if data else None
    # Every write confined to the folder (a linked figures/ too).
    with locked(folder) as locked_folder, \
            replaced_together(folder, REPORT_OUTPUTS, folders=("figures",),
                              inside=locked_folder) as stage:
        inputs = open_report(folder, waves, inside=locked_folder)
        path = build_report(folder, waves, into=stage, inputs=inputs)
        surveys = surveys_lines(surveys_summary(inputs))
    return Report(path, tuple(findings(inputs)), tuple(surveys))


REPORT_OUTPUTS = ("report.html",)  # with every file of figures/: replaced together
