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
MADE_BY = "coprod calibrate --out DIR"


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
        from calibration.posterior import load_posterior
        from runtime.files import read_own_csv

        manifest = Manifest.read(folder / "manifest.json", MADE_BY)
        screening_file = folder / "screening.csv"
        # Absent: the calibration did not screen. Anything else named so (a folder, a
        # link) is read, and refused in one line, rather than taken for "no screening".
        screening = (read_own_csv(screening_file, MADE_BY, columns=("input", "informative"))
                     if screening_file.exists() or screening_file.is_symlink() else None)
        adjusted = read_own_csv(folder / "posterior_adjusted.csv", MADE_BY,
                                columns=ADJUSTED_COLUMNS, numeric=ADJUSTED_COLUMNS[1:])
        return cls(folder, load_posterior(folder),
                   read_own_csv(folder / "narrowing.csv", MADE_BY, columns=("input",)),
                   screening, adjusted, (), manifest,
                   fit=FitCheck.read(folder) if (folder / FIT_RECORD).is_file() else None)


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
