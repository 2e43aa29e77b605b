"""A calibration as one result: the run, its posterior, what the survey narrowed, its fit.

``coprod.calibrate`` (:func:`coprod.pipeline.calibrate`) returns a :class:`Calibration`.
ABC-SMC writes as it goes (``abc.db``, then ``posterior.csv``, ``screening.csv`` and
``posterior_adjusted.csv`` once it stops), so the folder is part of the result; the rest
(``narrowing.csv``, the fit check's files and ``manifest.json``) is written by
:meth:`Calibration.write`. :meth:`Calibration.read` takes a finished calibration back
through the bounded readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from runtime.files import read_back, writes
from runtime.manifests import Manifest

NARROWING_OUTPUTS = ("narrowing.csv", "screening.csv")


@dataclass(frozen=True, eq=False)
class Calibration:
    """A finished calibration in ``folder``.

    ``posterior``: the particles as ``posterior.csv`` holds them; ``narrowing``: which
    inputs the survey narrowed (``narrowing.csv``); ``screening``: the screening with the
    narrowing test beside it (None when the calibration did not screen); ``adjusted``:
    the regression-adjusted 90% widths (``posterior_adjusted.csv``); ``sentences``: what
    the narrowing and the screening say; ``fit``: the posterior predictive check (read
    back when the folder holds its record, None for one written before fits recorded
    their draws); ``run``: how ABC-SMC went (None when read back: the manifest records
    it).
    """

    folder: Path
    posterior: object  # calibration.posterior.Posterior
    narrowing: pd.DataFrame
    screening: pd.DataFrame | None
    adjusted: pd.DataFrame | None
    sentences: tuple[str, ...]
    manifest: Manifest = field(compare=False)
    fit: object | None = None  # calibration.fit_check.FitCheck
    run: object | None = None  # calibration.abc.CalibrationRun

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the narrowing, the annotated screening, the fit and the manifest."""
        from runtime.files import atomic_write_frame

        atomic_write_frame(folder / "narrowing.csv", self.narrowing)
        names = ["narrowing.csv"]
        if self.screening is not None:
            atomic_write_frame(folder / "screening.csv", self.screening)
            names.append("screening.csv")
        if self.fit is not None:
            names += self.fit.write(folder)
        self.manifest.write(folder / "manifest.json")
        return [*names, "manifest.json"]

    @classmethod
    @read_back
    def read(cls, folder: Path) -> Calibration:
        """The calibration ``coprod calibrate --out folder`` finished in ``folder``."""
        from calibration.abc import ADJUSTED_COLUMNS
        from calibration.fit_check import FIT_RECORD, FitCheck
        from calibration.posterior import calibrate_again, load_posterior
        from runtime.files import read_own_csv

        again = calibrate_again(folder)
        manifest = Manifest.read(folder / "manifest.json", again, stages=("calibrate",))
        _check_record(manifest)
        screening_file = folder / "screening.csv"
        # Absent: the calibration did not screen. Anything else named so (a folder, a
        # link) is read, and refused in one line, rather than taken for "no screening".
        screening = (read_own_csv(screening_file, again, columns=("input", "informative"))
                     if screening_file.exists() or screening_file.is_symlink() else None)
        adjusted = read_own_csv(folder / "posterior_adjusted.csv", again,
                                columns=ADJUSTED_COLUMNS, numeric=ADJUSTED_COLUMNS[1:])
        return cls(folder, load_posterior(folder),
                   read_own_csv(folder / "narrowing.csv", again, columns=("input",)),
                   screening, adjusted, (), manifest,
                   fit=FitCheck.read(folder) if (folder / FIT_RECORD).is_file() else None)


MAX_POPULATIONS = 1_000  # generations of one calibration (the shipped one: 11)
MAX_SIMULATIONS = 10**12


def _check_record(manifest: Manifest) -> None:
    """The fields of a calibration's record, each as ``coprod calibrate`` writes them.

    Its settings (:class:`calibration.abc.Settings`), how the run went (generations,
    simulations, one tolerance per generation, the effective sample, the noise level, the
    inputs calibrated and drawn from the prior) and how it was asked for: a value of
    another kind is one line naming the file, the field and what is allowed.
    """
    from runtime.fields import between, finite, flag, listed, one_of, optional, whole
    from sim.parameters import PARAMETERS

    def size(low: int = 1):
        return whole(low, MAX_SIMULATIONS)

    settings = manifest.field("settings", lambda v: isinstance(v, dict) and all((
        size()(v.get("population_size")), whole(1, MAX_POPULATIONS)(v.get("max_populations")),
        size()(v.get("max_simulations")), between(0, 1e9)(v.get("max_walltime_s")),
        optional(between(0, 1e6))(v.get("min_epsilon")))),
        "a mapping of population_size, max_simulations (whole numbers >= 1), "
        f"max_populations (1 to {MAX_POPULATIONS:,}), max_walltime_s (seconds >= 0) and "
        "min_epsilon (a tolerance >= 0, or null)")
    particles = settings["population_size"]
    populations = manifest.field("populations", whole(1, settings["max_populations"]),
                                 "a whole number of generations from 1 to its settings' "
                                 f"max_populations ({settings['max_populations']})")
    manifest.field("simulations", size(0), "a whole number of simulations >= 0")
    manifest.field("epsilons", listed(between(0, 1e6)), "a list of one tolerance per "
                   f"generation ({populations}), each a number from 0 to 1e6")
    manifest.field("epsilons", lambda v: len(v) == populations, f"one tolerance per "
                   f"generation: {populations}, as 'populations' records")
    manifest.field("effective_sample_size", between(0, particles), "a number from 0 to "
                   f"the particles of its settings ({particles})")
    manifest.field("noise_level", optional(between(0, 1e6)), "a distance >= 0, or null", None)
    for name in ("abc_inputs", "prior_inputs"):
        manifest.field(name, listed(one_of(PARAMETERS)), "a list of the model's inputs "
                       "by name (sim.parameters)", [])
    for name in ("quick", "resumed", "reproducible"):
        manifest.field(name, flag, "true or false", False)
    manifest.field("run_id", whole(1), "a whole number >= 1 (pyabc's run)", 1)
    manifest.field("workers", whole(1, 10_000), "a whole number of workers >= 1", 1)
    for name in ("wall_time_s", "wall_time_total_s"):
        manifest.field(name, lambda v: finite(v) and v >= 0, "seconds, a number >= 0", 0)


def narrowed(posterior, screening: pd.DataFrame | None, *, seed: int
             ) -> tuple[pd.DataFrame, pd.DataFrame | None, tuple[str, ...]]:
    """Which inputs the survey narrowed, the screening annotated, and their sentences.

    ``narrowing``: :func:`calibration.narrowing.posterior_narrowing`; ``screening`` (the
    calibration's, None when it did not screen) gains the test's verdict per input
    (:func:`calibration.narrowing.annotate_screening`), so that "informative" is never
    read as "narrowed by the survey".
    """
    from calibration.narrowing import annotate_screening, posterior_narrowing, screening_sentence

    narrowing = posterior_narrowing(posterior, rng=seed)
    said = [narrowing.sentence()]
    annotated = None
    if screening is not None:
        annotated = annotate_screening(screening, narrowing)
        said.append(screening_sentence(annotated))
    return narrowing.frame, annotated, tuple(said)
