"""ABC-SMC calibration of the model's world to the survey's Table 2 (pyabc).

* Priors: uniform over the documented range (:mod:`sim.parameters`) of each free
  parameter and of every assumption that acts before the 2015 snapshot
  (:func:`calibration.inputs.calibrated_inputs`, computed): a joint posterior of whole
  worlds the survey accepts. Assumptions acting only after 2015 (policy strengths) are
  left to the ensembles. pyabc works on each input's probit scale: z = Φ⁻¹((x − low) /
  (high − low)) has a standard normal prior exactly when x is uniform on its range,
  and proposals on an unbounded scale never fall outside the prior (with 33 bounded
  inputs, a normal kernel on the original scale proposes almost only outside the box).
  The prior's tails are as light as the normal kernel's: on the logit scale (a logistic
  prior, tails like e^−|z|) a particle far out in a direction the survey does not
  narrow drew an importance weight that grew like e^(z²/2σ² − |z|), and the weights
  collapsed (an effective sample of 25 of 1,000 by the eighth generation, its heaviest
  particle 19% of the weight, at z = 11 in ``joint_claim_share``).
  ``abc.db`` holds the probit scale; ``posterior.csv`` each input's own. A discrete input
  (the local policy's reading, a model choice) has a uniform prior over its levels on
  its own scale, and its own kernel (:func:`transition`): a joint posterior over the
  readings and every other input, whose share of each reading says which the survey
  can tell apart.
* Model: one run on the 2015 sample, spun up to the 2015 snapshot (``spinup_weeks``,
  104 by default) and observed there by the virtual survey; summary
  statistics are the 18 shares and 6 counts (:mod:`calibration.summary`).
* Distance: noise-scaled RMS (:class:`calibration.summary.SurveyDistance`).
* Storage: pyabc's History in SQLite (``DIR/abc.db``); every finished generation is
  stored there, so an interrupted run resumes with ``resume=True`` and loses nothing
  that was finished.

Reproducibility: pyabc draws particles from numpy's *global* generator, and the model's
seed is drawn from it too. We seed that generator just around the pyabc run (and restore
it afterwards), and sample with :class:`calibration.sampler.SeededSampler`, which seeds
every candidate particle by its index: the same seed gives the same posterior with one
worker or several. Only a Dask cluster (pyabc's own sampler) is not reproducible.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.history import (
    ELSEWHERE,
    UNREADABLE,
    begun_again,
    check_history,
    history_url,
    latest_run,
    saves_whole_generations,
    whole_generations,
)
from calibration.inputs import calibrated_inputs, screen
from calibration.observed_survey import SurveyTable
from calibration.posterior import Posterior, as_written, write_posterior
from calibration.sampler import SeededSampler
from calibration.summary import SurveyDistance
from calibration.waves import FIRST_YEAR, Wave, Waves
from runtime.fields import Fields, as_json, as_record, duration, finite, listed
from runtime.files import atomic_write_frame
from runtime.interrupts import interrupts_deferred
from runtime.paths import folder_replaced
from runtime.pool import collector_spares_existing, connect
from runtime.words import IN_WORDS, again_with
from sim.errors import InputError
from sim.parameters import DISCRETE, FREE, MODEL_VERSION, PARAMETERS, from_unit

# How a calibration whose record of what began it is damaged is begun again (a study's
# says its own way): said, not a command to copy (runtime.words.IN_WORDS).
BEGIN_ELSEWHERE = f"{IN_WORDS}run the same command without --resume into another --out"
CALIBRATION_STEPS = 0  # the survey at the 2015 snapshot, after the spin-up
INPUT_KEY = "input:"  # an input drawn from its prior, carried among the summaries


@dataclass(frozen=True)
class Settings:
    """How hard ABC-SMC works."""

    population_size: int
    max_populations: int
    max_simulations: int
    max_walltime_s: float
    # Stop when the tolerance reaches this; None: the measured noise level of the survey
    # (:func:`survey_noise_level`), below which a tolerance only chases sampling noise.
    min_epsilon: float | None = 0.0


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def recorded_settings(value) -> bool:
    """Whether ``value`` is settings as a record holds them: known names to numbers or null.

    The one reading of a ``settings`` field, for a study's kept calibrations and the
    report alike (a list, text, or a name coprod never wrote is not settings).
    """
    return isinstance(value, Mapping) and all(
        name in SETTING_NAMES and (v is None or finite(v)) for name, v in value.items())


QUICK = Settings(population_size=40, max_populations=2, max_simulations=400,
                 max_walltime_s=45)
# The simulated survey is itself a sample of 244 units, so even the true parameters give a
# distance near sqrt(2) ≈ 1.4 from the data (two independent samples of one world): the
# shipped settings stop at that noise level, measured at the start of each calibration.
# Runs also stop when fewer than 2% of proposals are accepted. The wall-time limit is
# checked between generations, so a last generation can run past it.
# A population of 1,000: the importance weights of a twelve-input kernel leave an
# effective sample of about a quarter of the particles (101 of 400 in the version-4
# calibration), and the posterior should rest on at least 200.
DEFAULT = Settings(population_size=1000, max_populations=30, max_simulations=600_000,
                   max_walltime_s=90 * 60, min_epsilon=None)
# Pairs of virtual surveys that measure the noise level. The pair distances spread with
# a standard deviation of about 0.3, so the median of 32 pairs moved by ±0.07 with the
# seed (1.358 at seed 2015 where 60 other pairs gave 1.439); 200 pairs pin it to ±0.03.
NOISE_PAIRS = 200
NOISE_MIN_PARTICLES = 100  # calibrations this size or larger record the noise level
# Stop when fewer proposals than this are accepted. The last generations before the
# noise level accept 1-2% (the version-4 calibration stopped at 2%, tolerance 1.68):
# half a percent lets it reach the noise level.
MIN_ACCEPTANCE = 0.005
# Perturbation kernel: a multivariate normal at twice the Silverman bandwidth. With
# weakly identified parameters the default bandwidth lets a few particles take nearly
# all the importance weight (effective sample size 3-20 of 300 in trials with an earlier,
# ten-parameter model); doubling it kept it at 40-100 of 150 at the same cost. On the
# shipped calibration's last generation (benchmarks/bench_kernel.py, 10,000 candidates
# a kernel, twice with other draws) a narrower kernel is accepted more often but its
# particles weigh less: simulations per 250 effective particles 46,000-54,000 at this
# scaling, 44,000-52,000 at 1 (the same within the estimate's noise), 87,000-92,000 at
# 0.5, 58,000-84,000 for pyabc's local kernel (a quarter of the particles as neighbours).
KERNEL_SCALING = 2.0
# A discrete input's kernel keeps a particle's level with this probability and jumps to
# each other level with an equal share of the rest (pyabc's DiscreteJumpTransition; its
# default), so every level keeps being proposed whatever the last generation held.
DISCRETE_STAY = 0.7


def prior(fixed: dict | None = None, names: tuple[str, ...] | None = None):
    """Uniform priors over the calibrated inputs' ranges (except ``fixed``), probit scale.

    ``names`` default to :func:`calibration.inputs.calibrated_inputs`. Each input's
    prior is the standard normal on z: uniform over its range on its own scale. A
    discrete input's prior is uniform over its levels, on its own scale.
    """
    import pyabc

    from calibration.prior_density import ProbitPrior

    def rv(name):
        p = PARAMETERS[name]
        if p.levels:
            return pyabc.RV("randint", int(p.low), int(p.high) + 1)
        return pyabc.RV("norm", 0.0, 1.0)

    # pyabc's Distribution, with the density of the normal inputs in one array call.
    return ProbitPrior(**{name: rv(name) for name in (names or calibrated_inputs())
                          if name not in (fixed or {})})


def transition(names, continuous_kernel=None):
    """The perturbation kernel over ``names`` (the inputs ABC-SMC samples).

    The continuous inputs: :class:`calibration.perturbation.ShrunkNormalTransition` on their
    probit scale at :data:`KERNEL_SCALING` (or ``continuous_kernel``, a pyabc transition:
    ``benchmarks/bench_kernel.py`` compares others). A discrete input: pyabc's
    ``DiscreteJumpTransition`` over its levels (stay with :data:`DISCRETE_STAY`), the two
    combined by pyabc's ``AggregatedTransition`` (the kernel's density is the product of
    theirs).
    """
    from pyabc.transition import AggregatedTransition, DiscreteJumpTransition

    from calibration.proposal import FastShrunkNormalTransition

    names = tuple(names)
    discrete = [n for n in names if n in DISCRETE]
    # The shrunk normal kernel, its draws' set-up made once per generation.
    normal = continuous_kernel or FastShrunkNormalTransition(scaling=KERNEL_SCALING)
    if not discrete:
        return normal
    mapping = {n: DiscreteJumpTransition(
        domain=np.arange(PARAMETERS[n].low, PARAMETERS[n].high + 1), p_stay=DISCRETE_STAY)
        for n in discrete}
    continuous = tuple(n for n in names if n not in DISCRETE)
    if continuous:
        mapping[continuous] = normal
    return AggregatedTransition(mapping)


def from_abc_scale(name: str, z):
    """An input's value on its own scale from its value on ABC's scale ``z``.

    The probit scale for a continuous input (x = low + (high − low) Φ(z)); a discrete
    input is sampled on its own.
    """
    from scipy.special import ndtr

    p = PARAMETERS[name]
    if p.levels:
        return np.asarray(z, dtype=float)
    return p.low + (p.high - p.low) * ndtr(np.asarray(z, dtype=float))


ABC_SCALE = "probit"  # the scale ABC samples continuous inputs on (from_abc_scale)
SCALES = ("probit", "logit")  # what surveys.json's abc_scale may record (logit: before)
# A first generation drawn from the logit scale's prior (logistic: P(|z| > 6) = 0.5%) has
# dozens of values beyond 6 in a shipped-size run; the probit scale's (normal: 2e-9) none.
OTHER_SCALE_BEYOND = 6.0


def check_scale(out: Path, db: Path, inside=None) -> None:
    """Refuse to resume a calibration sampled on another ABC scale (one line).

    pyabc's database does not record the scale its parameters are on: a calibration made
    before the probit scale would resume, mixing logit-scale particles with probit-scale
    proposals, without a word. New calibrations record :data:`ABC_SCALE` in
    ``surveys.json``; one without the record is judged by its first generation's tails.
    """
    from calibration.history import first_generation_extreme
    from runtime.files import read_own_json

    path = out / SURVEYS_FILE
    stored = read_own_json(path, BEGIN_ELSEWHERE, inside=inside) if path.is_file() else None
    scale = stored.get("abc_scale") if isinstance(stored, dict) else None
    if scale is not None and scale not in SCALES:
        raise InputError(f"{path}: field 'abc_scale'", scale, "allowed: "
                         + " or ".join(as_json(s) for s in SCALES) + ", as coprod calibrate "
                         f"writes it; {ELSEWHERE}",
                         problem="malformed value", shown=as_json(scale))
    if scale is not None and scale != ABC_SCALE:
        raise InputError(f"{path}: field 'abc_scale'", scale, f"a calibration sampled on the "
                         f"{ABC_SCALE} scale; {ELSEWHERE}",
                         problem=f"a calibration on the {scale} scale:")
    if scale is None:
        continuous = tuple(n for n in PARAMETERS if n not in DISCRETE)
        if first_generation_extreme(db, continuous, OTHER_SCALE_BEYOND) > 0:
            scale = "logit (made by an earlier coprod)"
    if scale is not None and scale != ABC_SCALE:
        raise InputError("resume", str(db), f"a calibration sampled on the {ABC_SCALE} "
                         f"scale; {ELSEWHERE}",
                         problem=f"a calibration on the {str(scale)[:60]} scale in")


def survey_noise_level(params: dict | None = None, *, pairs: int = NOISE_PAIRS,
                       rng=0, activities=None, waves: Waves | None = None) -> float:
    """Median distance between two virtual surveys of the same world.

    ``params`` default to the documented defaults; each pair is two runs with
    independent seeds, the second playing the observed survey. ``activities``: those
    the distance uses (default all six; see :class:`SurveyDistance`). ``waves``: the
    surveys calibrated to (default the 2015 Table 2): each run observes all of them.
    """
    waves = waves or Waves.load(None)
    seeds = np.random.SeedSequence(rng).generate_state(2 * pairs)
    distances = []
    for a, b in seeds.reshape(pairs, 2):
        sim_a, sim_b = waves.simulate(params or {}, int(a)), waves.simulate(params or {}, int(b))
        distances.append(_distance(waves, sim_b, activities)(sim_a, sim_b))
    return float(np.median(distances))


def _distance(waves: Waves, observed: dict, activities=None):
    """The distance for ``waves``: Table 2's for one survey, every wave's for several."""
    if waves.single:
        return SurveyDistance(observed, activities)
    if activities is not None:
        raise InputError("activities", ", ".join(activities), "leaving activities out "
                         "works with one survey only", problem="unsupported:")
    return waves.distance(observed)


class FixedModel:
    """One simulated survey for pyabc, some parameters held at given values (picklable).

    The seed is drawn from numpy's global generator, which pyabc's sampler seeds per
    candidate. ``FixedModel({})`` is the full model; a model
    without a mechanism holds its strength at its "off" value (:mod:`studies.ablation`).
    """

    def __init__(self, fixed: dict[str, float], names: tuple[str, ...] | None = None,
                 from_prior: tuple[str, ...] = (), waves: Waves | None = None):
        self.waves = waves or Waves.load(None)  # what each simulation observes
        self.fixed = {k: float(v) for k, v in fixed.items()}
        self.names = tuple(names or calibrated_inputs())
        self.from_prior = tuple(n for n in from_prior if n not in self.fixed)
        self.__name__ = "without_" + "_".join(sorted(self.fixed)) if self.fixed else "full"

    def __call__(self, pars) -> dict[str, float]:
        """One simulated survey, the fixed parameters at their values.

        The inputs ``from_prior`` are drawn from their priors for this simulation (from
        pyabc's seeded generator) and returned beside the summaries (``input:<name>``,
        which the distance ignores): an accepted particle keeps the whole world it was
        simulated with.
        """
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 - pyabc's own generator
        drawn = {n: from_unit(n, np.random.random())  # noqa: NPY002
                 for n in self.from_prior}
        params = {**{k: float(from_abc_scale(k, pars[k])) for k in self.names
                     if k not in self.fixed}, **drawn, **self.fixed}
        summary = self.waves.simulate(params, seed)
        return {**summary, **{f"{INPUT_KEY}{n}": v for n, v in drawn.items()}}




@contextlib.contextmanager
def seeded_global_numpy(seed: int):
    """Seed numpy's global generator for pyabc only, then restore it."""
    state = np.random.get_state()  # noqa: NPY002 - pyabc uses the legacy global generator
    np.random.seed(seed % 2**32)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _sampler(workers: int, scheduler: str | None):
    """The sampler: seeded and reproducible locally, pyabc's own on a Dask cluster.

    Local calibrations give the same posterior for the same seed whatever the number of
    workers; pyabc's Dask sampler is not reproducible run to run.
    """
    import pyabc

    if scheduler:
        return pyabc.sampler.DaskDistributedSampler(dask_client=connect(scheduler))
    return SeededSampler(workers)


def _progress_logging(show: bool) -> None:
    """Show pyabc's per-generation report (its 'ABC' logger) as the progress display."""
    for name in ("ABC", "ABC.History", "ABC.Distance", "ABC.Epsilon", "ABC.Sampler"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO if show and name == "ABC" else logging.WARNING)
        if show and name == "ABC" and not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("calibrate: %(message)s"))
            logger.addHandler(handler)
            logger.propagate = False


@dataclass(frozen=True)
class CalibrationRun:
    """What a calibration produced and how."""

    db: Path
    run_id: int
    populations: int
    simulations: int
    epsilons: list
    wall_time_s: float
    settings: Settings
    effective_sample_size: float = float("nan")
    noise_level: float = float("nan")  # median distance of two surveys of one world
    abc_inputs: tuple = ()  # what ABC-SMC sampled
    prior_inputs: tuple = ()  # world inputs each particle draws from its prior
    surveys: tuple = ()  # what it was calibrated to (calibration.waves.Wave.record)
    # What it wrote, as the files hold it (calibration.posterior.as_written): passed on
    # in memory, never read back. screening: None when this calibration did not screen.
    posterior: Posterior | None = None  # posterior.csv
    screening: pd.DataFrame | None = None  # screening.csv
    adjusted: pd.DataFrame | None = None  # posterior_adjusted.csv
    # Seconds of sampling over every run of a resumed calibration: the generations
    # earlier runs kept, and this run (wall_time_s is this run's alone); None if unknown.
    sampling_s: float | None = None
    # Simulations of a generation this run gave up (the evaluation cap reached): in its
    # sampling time, in no generation (so not in ``simulations``, which pyabc counts).
    simulations_given_up: int = 0


def stopping_tolerance(settings: Settings, *, seed: int, activities=None,
                       record_noise: bool = True, waves: Waves | None = None
                       ) -> tuple[float, float]:
    """The tolerance at which ABC-SMC stops, and the survey's noise level (or NaN).

    The shipped settings stop at the survey's noise level, measured here (from
    :data:`NOISE_PAIRS` pairs of runs); with ``record_noise`` a full-size calibration
    measures it whatever its stopping rule.
    """
    measure = settings.min_epsilon is None or (
        record_noise and settings.population_size >= NOISE_MIN_PARTICLES)
    noise = (survey_noise_level(rng=seed, activities=activities, waves=waves) if measure
             else float("nan"))
    return (noise if settings.min_epsilon is None else settings.min_epsilon), noise


def run_abc(db: Path, models: list, priors: list, observed: dict, distance, *,
            settings: Settings, seed: int, tolerance: Callable[[], float],
            workers: int = 1, scheduler: str | None = None, resume: bool = False,
            inside=None, opened: Callable | None = None,
            given_up: Callable[[int], None] | None = None, sample: bool = True,
            remake: str | None = None, progress: bool = False):
    """Set up pyabc's ABC-SMC and run it (or continue the run in ``db``); its History.

    One or several ``models`` (with one prior each: model selection). ``tolerance()``
    gives the tolerance to stop at; it is called once the history is open, so that a
    damaged database is refused before the noise level is measured. Every generation
    is saved whole or not at all (:func:`calibration.history.saves_whole_generations`);
    on ``resume`` a damaged ``db`` is refused in one line and a half-saved last
    generation removed (:func:`calibration.history.check_history`). Ctrl-C says how
    many generations are kept. ``inside``: the folder ``db`` is in, as held (--out by
    :func:`runtime.locks.locked`, or a study's calibration folder in it by
    :meth:`runtime.paths.OutputFolder.inner`). ``opened(history)`` is called once the
    history is open and checked, before anything is sampled. ``given_up(n)`` is called
    with the simulations of a generation pyabc gave up (its evaluation cap reached, the
    population not full): they are in no generation of ``db``, so in no
    ``total_nr_simulations``, but were sampled all the same. ``sample=False`` (with
    ``resume``): the history as it is, nothing sampled (a finished run's posterior
    written again; pyabc would sample at least one more generation). ``remake``: how a
    history that cannot go on is begun again (:func:`check_start`), said in its refusal.
    ``progress``: pyabc's per-generation lines on stderr (else only its warnings: a
    model selection run alone printed its INFO lines).
    """
    _progress_logging(progress)
    db = Path(db)
    if inside is not None and not inside.is_parent_of(db):
        raise ValueError(f"{db} is not in the held folder {inside.path}")
    abc = _abc_smc(models, priors, distance, settings, workers, scheduler)
    _checked_generations(abc, inside)
    if given_up is not None:
        _counting_given_up(abc, given_up)
    try:
        try:
            done_before = _open_history(abc, db, observed, settings.population_size, resume,
                                        inside)
        except InputError as err:
            raise begun_again(err, remake and again_with(remake, "the calibration")) from None
        if opened is not None:
            opened(abc.history)
        min_epsilon = tolerance()
        remaining = settings.max_populations - done_before
        if remaining <= 0 or not sample or (done_before and _stopped(abc.history,
                                                                   min_epsilon, settings)):
            return abc.history
        # Each (re)start is seeded from the root seed and the generations already done,
        # so a resumed run is itself reproducible.
        with collector_spares_existing(), \
                seeded_global_numpy(seed + 1_000_003 * done_before):
            return abc.run(minimum_epsilon=min_epsilon, max_nr_populations=remaining,
                           max_total_nr_simulations=settings.max_simulations,
                           min_acceptance_rate=MIN_ACCEPTANCE,
                           max_walltime=timedelta(seconds=settings.max_walltime_s))
    except KeyboardInterrupt as stop:
        if db.is_file():
            stop.kept = (f"{whole_generations(db)} finished generation(s) kept in {db}; "
                         "--resume with the same --out continues from there")
        raise
    except Exception as err:
        if inside is not None:  # whatever failed once the folder was replaced, say that
            inside.check_same()
        gone = _history_gone(err, db)
        if gone is None:
            raise
        raise gone from None


def _stopped(history, min_epsilon: float, settings: Settings) -> bool:
    """Whether the run in ``history`` had stopped as pyabc stops one, so none is sampled.

    pyabc, resumed, samples a generation before it checks its stopping rules: a run that
    had reached its tolerance, fallen below the acceptance floor or spent its simulations
    (its record lost, or written after an interrupt) would be taken on by one more
    generation and its posterior changed. Its wall-time limit is a run's own: one
    stopped by it goes on. (A generation given up at the evaluation cap is in no
    history: a resume samples it again.)
    """
    populations = history.get_all_populations()
    last = populations[populations.t >= 0].iloc[-1]
    return bool(last.epsilon <= min_epsilon
                or last.particles / last.samples < MIN_ACCEPTANCE
                or history.total_nr_simulations >= settings.max_simulations)


def _counting_given_up(abc, given_up: Callable[[int], None]) -> None:
    """Make ``abc`` report the simulations of each generation it gives up to ``given_up``.

    pyabc stops when a generation's sample is not ok (``max_eval`` candidates without a
    full population) and keeps nothing of it: its simulations (population /
    :data:`MIN_ACCEPTANCE`, 200,000 for 1,000 particles) are counted here, from the
    sampler's own count (pyabc's samplers and :class:`calibration.sampler.SeededSampler`
    alike).
    """
    sample = abc.sampler.sample_until_n_accepted

    def counted(*args, **kwargs):
        made = sample(*args, **kwargs)
        if not made.ok:
            given_up(int(abc.sampler.nr_evaluations_))
        return made

    abc.sampler.sample_until_n_accepted = counted


def _checked_generations(abc, folder) -> None:
    """Make ``abc`` refuse to go on once ``folder`` is not the one it began in.

    ``folder``: the held folder ``abc.db`` is in (:class:`runtime.paths.OutputFolder`).
    pyabc writes each generation into ``abc.db`` by its path: were the folder, or --out
    around it, moved and another (or a link to one: another study's) put in its place,
    the generation would go into the stranger's database. A held folder's identity is
    that of its path as given, so --out replaced changes it too. It is checked before
    each generation's sampling and again before pyabc writes what was sampled; when it
    is not the same, pyabc's closing write (its run's end time) is not made either.
    """
    if folder is None:
        return
    sample = abc.sampler.sample_until_n_accepted

    def same_folder():
        try:
            folder.check_same()
        except InputError:
            abc.history.done = lambda *args, **kwargs: None
            raise

    def checked(*args, **kwargs):
        same_folder()
        made = sample(*args, **kwargs)
        same_folder()
        return made

    abc.sampler.sample_until_n_accepted = checked


def _history_gone(err: Exception, db: Path) -> InputError | None:
    """The one line for a database error because ``db`` went away mid-run.

    pyabc opens ``abc.db`` again by its path for each generation: when the output folder
    was moved or deleted while the calibration ran, SQLite cannot open it. That is said
    as the cause, not as a traceback; any other error is None (raised as it is). Under
    :func:`runtime.locks.locked` (every command), a folder replaced by another is said
    by the lock as that, whatever failed.
    """
    from sqlalchemy.exc import OperationalError

    if not isinstance(err, OperationalError):
        return None
    if not db.is_file():
        return folder_replaced(db.parent, how="it was moved or deleted", after="nothing more was "
                               "written", problem="the calibration's history is gone from")
    return None


def _abc_smc(models: list, priors: list, distance, settings: Settings, workers: int,
             scheduler: str | None):
    """The ABC-SMC of pyabc with the project's kernel, population size and sampler."""
    import pyabc

    return pyabc.ABCSMC(models, priors, distance, population_size=settings.population_size,
                        transitions=[transition(prior_) for prior_ in priors],
                        sampler=_sampler(workers, scheduler))


def _open_history(abc, db: Path, observed: dict, population_size: int, resume: bool,
                  inside=None) -> int:
    """Start a new run in ``db`` or load the one there; the generations already done."""
    url = history_url(db, inside)  # refuses a link in place of abc.db, as every writer does
    if resume:
        if not db.exists():
            raise InputError("resume", str(db), "nothing to resume there: start a "
                             "calibration first", problem="missing calibration")
        done = check_history(db, population_size)
        check_scale(db.parent, db, inside)
        try:
            abc.load(url, latest_run(db))
        except Exception as err:  # a database that passed the checks, yet pyabc refuses
            raise InputError(str(db), f"{type(err).__name__}: {err}".split("\n")[0],
                             UNREADABLE, problem="unreadable calibration database:") from None
        _check_same_data(abc.history, observed, db)
        _check_same_models(abc, db)
    else:
        if db.exists():
            raise InputError("out", str(db), "a calibration exists there; resume it or "
                             "choose another output directory", problem="existing calibration")
        with interrupts_deferred():  # the run's record and observed data: whole or absent
            abc.new(url, observed)
        done = 0
    saves_whole_generations(abc.history)
    return done


def _check_same_models(abc, db: Path) -> None:
    """Refuse to resume a history of other models (one line).

    A calibration's from a model selection's, or one model's from another's (an
    ablation's mechanisms): pyabc would go on sampling this run's models into it, and a
    calibration resumed from a selection's history failed with a traceback.
    """
    held = abc.history.model_names()
    wanted = [model.name for model in abc.models]
    if held != wanted:
        raise InputError(str(db), ", ".join(map(str, held))[:200], f"a history of "
                         f"{', '.join(wanted)}, the model(s) this run samples; {ELSEWHERE}",
                         problem="a history of other models in")


SURVEYS_FILE = "surveys.json"  # what a calibration is calibrated to, written at its start
SAME_SURVEY = ("year", "levers_in_force", "frame", "policy_recorded", "answers")


def observed_waves(observed: SurveyTable | None) -> Waves:
    """One observed wave of ``observed`` in 2015, or the shipped survey's when None."""
    return Waves((Wave("observed", observed.source, FIRST_YEAR, {}, observed),)
                 if observed is not None else Waves.load(None).waves)


def check_start(out: Path, waves: Waves, resume: bool, inside=None, *,
                made: Mapping | None = None, remake: str | None = None) -> None:
    """Record what a calibration begins as; resume (or rebuild) only the same.

    A calibration's, or a model selection's (:func:`studies.ablation.select_models`),
    ``out`` holds in :data:`SURVEYS_FILE`, beside its ``abc.db``: the surveys, the
    model version and ``made`` (its seed, the activities its distance uses, the inputs
    held fixed; a selection's mechanism). The observed summaries alone (checked against
    ``abc.db``) miss a wave's year, its levers and its frame, and nothing in ``abc.db``
    says the rest: a history begun under another model, seed or design was continued,
    or its posterior rebuilt, as this run's, exit 0 (leave one out took another
    activity's). Each is compared here, one line naming the field when it differs; a
    history without this record to say what began it is refused too. ``remake``: how
    to begin it again (a study's: delete its folder and resume the study); by default
    the same command into another --out.
    """
    from runtime.files import atomic_write_text, read_own_json

    made = {"model_version": MODEL_VERSION, **as_record(dict(made or {}))}
    what = "model selection" if "mechanism" in made else "calibration"
    mine = [{k: w.get(k) for k in SAME_SURVEY} for w in waves.record()]
    path = out / SURVEYS_FILE
    remake = remake or BEGIN_ELSEWHERE
    if resume and (out / "abc.db").is_file():
        if not path.is_file():
            raise InputError(str(path), "no such file", f"the record of what this "
                             f"{what} began as (surveys, model version, seed); "
                             f"{again_with(remake, 'the ' + what)}",
                             problem="cannot resume:")
        stored = read_own_json(path, remake, inside=inside)
        fields = Fields(stored, path, remake)
        for key, value in made.items():  # (a history begun as another is not this run's)
            fields.same(key, value, f"{json.dumps(value)[:200]}, as this run asks",
                        problem=f"a {what} begun as")
        surveys = fields("surveys", listed(lambda w: isinstance(w, dict)),
                         "a list of the surveys' records")  # 5 or true: a TypeError
        begun = f"a {what} begun with other survey data:"
        if len(surveys) != len(mine):
            raise InputError(f"{path}: field 'surveys'", f"{len(surveys)} surveys",
                             f"allowed: {len(mine)}, as this run asks; "
                             f"{again_with(remake, 'the ' + what)}", problem=begun,
                             shown=f"{len(surveys)} surveys")
        # Field by field, kinds too (a year 2015.0 is not 2015): the refusal names it.
        for i, (asked, kept) in enumerate(zip(as_record(mine), surveys, strict=True)):
            # (a field absent is named missing, not compared as null)
            wave = Fields({f"surveys[{i}].{k}": kept[k] for k in SAME_SURVEY if k in kept},
                          path, remake)
            for k in SAME_SURVEY:
                wave.same(f"surveys[{i}].{k}", asked[k],
                          f"{json.dumps(asked[k])[:200]}, as this run asks", problem=begun)
    elif not (out / "abc.db").exists():  # (one not resumed is refused elsewhere)
        atomic_write_text(path, json.dumps({"surveys": waves.record(), "abc_scale": ABC_SCALE,
                                            **made}, indent=1), inside=inside)


def _check_same_data(history, observed: dict, db: Path) -> None:
    """Refuse to resume a calibration made with other survey data (one line)."""
    try:
        stored = history.observed_sum_stat()
    except Exception:  # an old or odd history: pyabc continues with what it stored
        return
    same = set(stored) == set(observed) and all(
        np.allclose(np.asarray(stored[k], float), observed[k], equal_nan=True)
        for k in observed)
    if not same:
        raise InputError("resume", str(db), "the same --data as the calibration being "
                         f"resumed (its observed survey differs); {ELSEWHERE}",
                         problem="other survey data for")


def calibrate(out: Path, *, quick: bool = False, seed: int = 0, workers: int = 1,
              scheduler: str | None = None, resume: bool = False,
              observed: SurveyTable | None = None, progress: bool = True,
              settings: Settings | None = None, activities=None,
              fixed: dict | None = None, waves: Waves | None = None,
              inside=None, sample: bool = True, remake: str | None = None
              ) -> CalibrationRun:
    """Run (or resume) ABC-SMC and write ``abc.db`` and ``posterior.csv`` under ``out``.

    ``waves``: the surveys to calibrate to (:class:`calibration.waves.Waves`: one's own
    file, several waves); ``observed``, a single table instead; default the paper's
    Table 2. ``settings`` to :data:`QUICK` or
    :data:`DEFAULT` according to ``quick``. ``activities``: the Table 2 activities the
    distance (and the noise level it stops at) uses, default all six. ``fixed``: inputs
    held at given values (not calibrated; ``posterior.csv`` holds them as constant
    columns). The posterior covers every calibrated input
    (:func:`calibration.inputs.calibrated_inputs`): a full-size calibration screens
    which of them the survey can narrow (:func:`calibration.inputs.screen`, written to
    ``screening.csv``) and moves those with the kernel; a small one (``--quick``) moves
    the free parameters. Every other input is drawn from its prior in every simulation
    and kept with the particle it made (:class:`FixedModel`). The defaults are the
    shipped calibration. ``inside``: ``out`` as held (--out by
    :func:`runtime.locks.locked`, or a study's calibration folder in it by
    :meth:`runtime.paths.OutputFolder.inner`), which no file may lead out of.
    ``sample=False`` (with ``resume``): the posterior files of the run ``abc.db`` holds
    are written again and nothing is sampled (for a finished run whose files were lost).
    ``remake``: how a history that cannot be resumed is begun again, for messages
    (:func:`check_start`).
    """
    if not sample and not resume:
        raise ValueError("sample=False writes a kept run's posterior again: resume=True")
    settings = settings or (QUICK if quick else DEFAULT)
    fixed = fixed or {}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if waves is None:
        waves = observed_waves(observed)
    obs = waves.observed()
    check_start(out, waves, resume, inside, made={  # the design before the seed: a
        "fixed": fixed,                               # design's seed may derive from it
        "activities": None if activities is None else list(activities), "seed": seed},
        remake=remake)
    abc_inputs, prior_inputs, screening = _split_inputs(out, settings, seed, workers,
                                                        scheduler, fixed, waves, inside)
    noise = []

    def tolerance() -> float:
        min_epsilon, level = stopping_tolerance(settings, seed=seed, activities=activities,
                                                waves=waves)
        noise.append(level)
        return min_epsilon

    earlier = []  # what earlier runs sampled, read once the history is open and checked
    lost = []  # simulations of a generation given up (none kept)
    t0 = time.perf_counter()
    distance = _distance(waves, obs, activities)
    history = run_abc(out / "abc.db", [FixedModel(fixed, abc_inputs, prior_inputs, waves)],
                      [prior(fixed, abc_inputs)], obs, distance,
                      settings=settings, seed=seed, tolerance=tolerance, workers=workers,
                      scheduler=scheduler, resume=resume, inside=inside,
                      opened=lambda history: earlier.append(kept_seconds(history)),
                      given_up=lost.append, sample=sample, remake=remake,
                      progress=progress)
    wall = time.perf_counter() - t0
    try:
        weights, posterior = _write_last_generation(out, history, fixed, prior_inputs,
                                                    inside)
        adjusted = write_adjusted(out, history, distance, obs, prior_inputs, inside)
    except KeyboardInterrupt as stop:
        # The sampling is over and kept; what is read from it may be half-written.
        stop.kept = (f"the calibration's sampling is finished and kept ({out}/abc.db); "
                     "its posterior files may be incomplete and its fit and manifest were "
                     "not written: --resume with the same --out writes them")
        raise
    except Exception:  # the history read by its path after the folder was replaced
        if inside is not None:  # (a study's truth swapped for a link): say that
            inside.check_same()
        raise
    return CalibrationRun(out / "abc.db", history.id, int(history.n_populations),
                          int(history.total_nr_simulations), generation_epsilons(history), wall,
                          settings, _effective_sample_size(weights), noise[0],
                          abc_inputs, prior_inputs, tuple(waves.record()), posterior,
                          screening, adjusted,
                          sampling_over_runs(earlier[0], wall), sum(lost))


def _split_inputs(out: Path, settings: Settings, seed: int, workers: int,
                  scheduler: str | None, fixed: dict, waves: Waves | None = None,
                  inside=None) -> tuple[tuple, tuple, pd.DataFrame | None]:
    """The inputs ABC-SMC samples, those each particle draws from its prior, the screening.

    A full-size calibration screens the calibrated inputs (same seed, same screening:
    a resumed run samples the same inputs) and writes ``screening.csv`` (returned as
    written; None when it did not screen).
    """
    world = tuple(n for n in calibrated_inputs() if n not in fixed)
    # The model choices (the local policy's reading) are always sampled, with their own
    # kernel: their posterior shares are an answer, not a nuisance.
    if settings.population_size >= NOISE_MIN_PARTICLES:
        found = screen(world, rng=seed, workers=workers, scheduler=scheduler, waves=waves)
        atomic_write_frame(out / "screening.csv", found.to_frame(), inside=inside)
        screening = as_written(found.to_frame())
        sampled = tuple(n for n in world
                        if n in found.informative or n in FREE or n in DISCRETE)
    else:
        screening = None
        sampled = tuple(n for n in world if n in FREE or n in DISCRETE)
    return sampled, tuple(n for n in world if n not in sampled), screening


def _write_last_generation(out: Path, history, fixed: dict, prior_inputs: tuple,
                           inside=None) -> tuple[np.ndarray, Posterior]:
    """Write the last generation as ``posterior.csv``: every calibrated input a column.

    Returns the particles' weights as pyabc gave them and the posterior as written
    (:func:`calibration.posterior.write_posterior`).

    The sampled inputs come back from pyabc's probit scale; the inputs drawn from their
    priors in each simulation come from the particle's own summaries (the values it was
    accepted with); fixed inputs are constant columns.
    """
    population = history.get_population(t=history.max_t)
    mine = [p for p in population.particles if p.m == 0]
    particles = pd.DataFrame([
        {**{k: float(from_abc_scale(k, v)) for k, v in p.parameter.items()},
         **{n: float(p.sum_stat[f"{INPUT_KEY}{n}"]) for n in prior_inputs}}
        for p in mine])
    weights = np.array([p.weight for p in mine], dtype=float)
    for name, value in fixed.items():
        particles[name] = float(value)
    return weights, write_posterior(out, particles, weights, inside=inside)


ADJUSTED_COLUMNS = ("input", "low_90", "median", "high_90", "width_share",
                    "raw_low_90", "raw_high_90", "raw_width_share")


def write_adjusted(out: Path, history, distance, observed: dict,
                   prior_inputs: tuple, inside=None) -> pd.DataFrame:
    """Write ``posterior_adjusted.csv``: each input's regression-adjusted 90% interval.

    Adjusted on the last generation's standard scores
    (:mod:`calibration.regression_adjust`), beside the particles' own interval; widths
    as shares of the input's prior range. A discrete input (a model choice) is not
    adjusted: its rows hold the particles' own quantiles. The particles stay the worlds
    ``posterior.csv`` holds; this is a summary per input that uses what the stopping
    tolerance leaves unused.
    """
    from calibration.regression_adjust import adjust, weighted_quantiles

    population = history.get_population(t=history.max_t)
    mine = [p for p in population.particles if p.m == 0]
    weights = np.array([p.weight for p in mine], dtype=float)
    scores = np.array([distance.z_scores(p.sum_stat, observed) for p in mine])
    rows = []
    names = [*mine[0].parameter, *prior_inputs]
    for name in names:
        p = PARAMETERS[name]
        values = np.array([float(from_abc_scale(name, q.parameter[name])) if name in q.parameter
                           else float(q.sum_stat[f"{INPUT_KEY}{name}"]) for q in mine])
        adjusted = values if p.levels else adjust(values, scores, np.zeros(scores.shape[1]),
                                                  weights, (p.low, p.high))
        lo, med, hi = weighted_quantiles(adjusted, weights, [0.05, 0.5, 0.95])
        raw_lo, raw_hi = weighted_quantiles(values, weights, [0.05, 0.95])
        span = p.high - p.low
        rows.append({"input": name, "low_90": lo, "median": med, "high_90": hi,
                     "width_share": (hi - lo) / span, "raw_low_90": raw_lo,
                     "raw_high_90": raw_hi, "raw_width_share": (raw_hi - raw_lo) / span})
    frame = pd.DataFrame(rows, columns=list(ADJUSTED_COLUMNS))
    atomic_write_frame(out / "posterior_adjusted.csv", frame, inside=inside)
    return as_written(frame)  # what the file holds


def generation_epsilons(history) -> list:
    """The tolerance of every generation, rounded for records."""
    pops = history.get_all_populations()
    return pops[pops.t >= 0].epsilon.round(4).tolist()


def sampling_over_runs(earlier: float | None, wall: float) -> float | None:
    """Earlier runs' sampling and this run's, or None when unknown or past any duration."""
    if earlier is None or not duration(earlier + wall):
        return None
    return earlier + wall


def kept_seconds(history) -> float | None:
    """Seconds pyabc spent on the generations ``history`` holds (0.0 for none).

    pyabc times each generation (the first sample that sets the tolerance included) and
    keeps the time with it: read as a resumed calibration is opened, what its earlier
    runs sampled. A generation without a time counts none (pyabc times its first sample
    once it is taken: a new history holds it untimed). None when a time is not a
    :func:`runtime.fields.duration`, or they sum past one: the sampling is unknown.
    """
    walls = history.get_all_populations().wall_time
    timed = pd.to_numeric(walls, errors="coerce").to_numpy(float)
    if (np.isnan(timed) & walls.notna().to_numpy()).any():
        return None  # a time that is not a number
    timed = timed[~np.isnan(timed)]
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(timed.sum())
    if not (np.isfinite(timed).all() and (timed >= 0).all() and duration(total)):
        return None
    return total


def _effective_sample_size(weights: np.ndarray) -> float:
    return float(1 / np.sum(np.square(weights / np.sum(weights))))


def settings_dict(run_: CalibrationRun) -> dict:
    """The run's settings and figures for a manifest."""
    return {"populations": run_.populations, "simulations": run_.simulations,
            "simulations_given_up": run_.simulations_given_up, "epsilons": run_.epsilons,
            "wall_time_s": round(run_.wall_time_s, 1),
            **({} if run_.sampling_s is None else {"sampling_s": round(run_.sampling_s, 1)}),
            "settings": asdict(run_.settings), "run_id": run_.run_id,
            "effective_sample_size": round(run_.effective_sample_size, 1),
            "noise_level": round(run_.noise_level, 3),
            "abc_inputs": list(run_.abc_inputs), "prior_inputs": list(run_.prior_inputs),
            "surveys": list(run_.surveys), **procedure()}


def procedure() -> dict:
    """How every calibration samples, as its record says: kernel, floor, weeks, model.

    The kernel's scaling, the acceptance floor, the weeks a simulation runs and the
    version of the model it samples. A study reuses a kept calibration only when these
    are today's (a calibration made with another kernel, or of another model version, is
    not one of this study's).
    """
    return {"kernel_scaling": KERNEL_SCALING, "min_acceptance_rate": MIN_ACCEPTANCE,
            "weeks_per_simulation": int(PARAMETERS["spinup_weeks"].default)
            + CALIBRATION_STEPS, "model_version": MODEL_VERSION}
