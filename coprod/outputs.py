"""A set of output files that belong together, replaced together or not at all.

``compare`` writes comparison.csv, attribution.csv and their figures; ``discover``
writes discovery.csv, .png and .json. Each set is written under temporary names in a
hidden folder beside them and renamed into place only when every file is written (with
Ctrl-C held off for the renames). An error or Ctrl-C before that leaves the earlier set
whole; a set written without one of its files (nothing to attribute) removes the earlier
one, so that no file of an older set stands beside a newer one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError
from sim.io import interrupts_deferred


@contextmanager
def replaced_together(directory: Path, names: tuple[str, ...]):
    """Yield a staging folder; on success, its files replace ``names`` in ``directory``.

    Members of ``names`` the block did not write are removed from ``directory`` (they
    belonged to the earlier set). On an exception nothing in ``directory`` changes.
    """
    directory = Path(directory)
    for name in names:
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            raise InputError(str(path), name, "allowed: a file of coprod's or nothing "
                             "there; move the folder away", problem="a folder stands in "
                             "the place of output")
    try:
        stage = Path(tempfile.mkdtemp(dir=directory, prefix=".new-outputs."))
    except OSError as err:
        raise InputError("--out", str(directory), f"allowed: a writable directory "
                         f"({err.strerror})", problem="cannot write to") from None
    try:
        yield stage
        written = [n for n in names if (stage / n).is_file()]
        with interrupts_deferred():
            for name in names:
                if name not in written:
                    (directory / name).unlink(missing_ok=True)
            for name in written:
                os.replace(stage / name, directory / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
