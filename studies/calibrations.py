"""What the calibration studies share: seeds, sizes, and calibrations kept in folders.

The studies (leave-one-out, ablation, recovery) each run several calibrations, one per
folder. A folder's calibration is finished when it holds ``posterior.csv`` and
``calibration.json`` (how it was made, written last); ``resume=True`` reuses a
finished one and continues an unfinished one from its ``abc.db``. The record is read
back by :func:`calibration_record`, the one reader of these files: a damaged one is one
line naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from calibration.abc import DEFAULT, QUICK, Settings, calibrate, settings_dict
from runtime.fields import Fields, finite, listed, whole
from runtime.files import read_own_json
from runtime.manifests import write_manifest
from sim.errors import InputError, printable

RECORD_FILE = "calibration.json"
DRAWS, QUICK_DRAWS = 200, 30  # posterior predictive draws of a study, full and quick


def study_seed(seed: int, index: int) -> int:
    """The seed of the ``index``-th calibration of a study with root ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def study_sizes(quick: bool, settings: Settings | None, draws: int | None
                ) -> tuple[Settings, int]:
    """A study's calibration settings and predictive draws: given, or quick, or shipped."""
    return (settings or (QUICK if quick else DEFAULT),
            draws or (QUICK_DRAWS if quick else DRAWS))


def finished(directory: Path) -> bool:
    """Whether ``directory`` holds a finished calibration (posterior and its record)."""
    directory = Path(directory)
    return (directory / "posterior.csv").is_file() and (directory / RECORD_FILE).is_file()


def calibrate_or_reuse(directory: Path, *, resume: bool, remake: str,
                       record: dict | None = None, inside=None, **kwargs) -> dict:
    """Calibrate into ``directory``, or reuse the finished calibration there; its record.

    With ``resume``, a finished calibration is reused (its record read back, with
    ``"reused": True``) and an unfinished one continued from its ``abc.db``. A new
    calibration's record (:func:`calibration.abc.settings_dict` plus ``record``) is
    written to ``calibration.json`` last. ``remake``: the command that makes the folder
    again, for messages; ``inside``: the folder being written (:func:`runtime.locks.locked`).
    """
    directory = Path(directory)
    if resume and finished(directory):
        kept = calibration_record(directory, remake, inside=inside)
        # A study resumed with another --seed must not take calibrations of the old one
        # as its own (a record made before the seed was kept cannot be checked).
        if "seed" in kept and "seed" in kwargs and kept["seed"] != kwargs["seed"]:
            raise InputError("resume", str(directory), f"the --seed of the study being "
                             f"resumed ({printable(str(kept['seed']))[:20]}); run without "
                             "--resume to start again", problem="a calibration of another "
                             "--seed in")
        return kept
    again = resume and (directory / "abc.db").is_file()
    result = calibrate(directory, resume=again, progress=False, inside=inside, **kwargs)
    made = {**settings_dict(result), **(record or {})}
    if "seed" in kwargs:
        made["seed"] = kwargs["seed"]
    write_manifest(directory / RECORD_FILE, made, inside=inside)  # a NaN is null
    return made


def calibration_record(directory: Path, remake: str, *, inside=None) -> dict:
    """Read ``calibration.json`` back, checked; a damaged one is one line naming the field.

    ``remake``: the command that makes it again (after deleting the folder's
    ``posterior.csv``, ``--resume`` rebuilds the record from ``abc.db``).
    """
    path = Path(directory) / RECORD_FILE
    again = (f"{remake} (delete {Path(directory) / 'posterior.csv'} first: --resume then "
             "rebuilds it from abc.db)")
    record = read_own_json(path, again, inside=inside)
    fields = Fields(record, path, again)
    fields("epsilons", listed(finite, least=1), "a non-empty list of numbers")
    for name in ("simulations", "populations"):
        fields(name, whole(0), "a whole number >= 0")
    return {**record, "reused": True}
