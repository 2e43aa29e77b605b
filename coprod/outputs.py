"""A set of output files that belong together, replaced together or not at all.

Every command that writes several files (``fit``, ``survey``, ``simulate``, ``design``,
``sensitivity``, ``discover``, ``report``, ``compare``, ``validate``, ``ablate``, the fit
of ``calibrate``) writes
them under their own names in a hidden staging folder inside the output folder, and
renames them into place only when every file is written (with Ctrl-C held off for the
renames; ``manifest.json``, which vouches for the others, goes first and comes last).
An error or Ctrl-C before that leaves the earlier set whole; members of the earlier set
the new one lacks are removed, so that no file of an older set stands beside a newer
one. :data:`WRITTEN` records the sets replaced by the running command, so that an
interrupt afterwards (while it prints) says truthfully that they were written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError
from sim.io import check_target, interrupts_deferred

WRITTEN: list[str] = []  # "<n> files in <folder>" for every set this command replaced
FIRST_GONE_LAST_IN = "manifest.json"  # the file that vouches for the others
STAGE_PREFIX = ".new-outputs."


def interrupted_message(default: str) -> str:
    """What an interrupt kept: ``default`` unless a set was already written whole."""
    if not WRITTEN:
        return default
    return ("its results were written whole before it stopped (" + "; ".join(WRITTEN)
            + "); nothing else was changed")


def _order(names: list[str], *, first: bool) -> list[str]:
    """``names`` with the manifest first (``first``) or last."""
    rest = [n for n in names if n != FIRST_GONE_LAST_IN]
    mine = [n for n in names if n == FIRST_GONE_LAST_IN]
    return mine + rest if first else rest + mine


@contextmanager
def replaced_together(directory: Path, names: tuple[str, ...], *,
                      patterns: tuple[str, ...] = (), folders: tuple[str, ...] = ()):
    """Yield a staging folder; on success, its files replace the set in ``directory``.

    Call it holding the folder's lock (:func:`sim.io.locked`).

    ``names`` are the set's file names, ``patterns`` globs of further members (e.g.
    ``fit_wave*.csv``) and ``folders`` sub-folders whose files belong to the set (a
    report's ``figures/``). Files of the earlier set that the block did not write are
    removed. On an exception nothing in ``directory`` changes.
    """
    directory = Path(directory)
    for name in names:
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            raise InputError(str(path), name, "allowed: a file of coprod's or nothing "
                             "there; move the folder away", problem="a folder stands in "
                             "the place of output")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Stages a killed process left behind (callers hold the folder's lock: no other
        # writer is using one).
        for stale in directory.glob(f"{STAGE_PREFIX}*"):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(dir=directory, prefix=STAGE_PREFIX))
    except OSError as err:
        raise InputError("--out", str(directory), f"allowed: a writable directory "
                         f"({err.strerror})", problem="cannot write to") from None
    try:
        yield stage
        written = sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
        old = {n for n in names if (directory / n).is_file() or (directory / n).is_symlink()}
        old |= {p.name for pattern in patterns for p in directory.glob(pattern)}
        for folder in folders:
            if (directory / folder).is_dir() and not (directory / folder).is_symlink():
                old |= {str(p.relative_to(directory))
                        for p in (directory / folder).iterdir() if p.is_file()}
        gone = [n for n in old if n not in written]
        for name in written:  # every target checked before anything moves
            check_target(directory / name)
        try:
            with interrupts_deferred():
                for name in _order(sorted(set(gone) | ({FIRST_GONE_LAST_IN} & set(written))),
                                   first=True):
                    (directory / name).unlink(missing_ok=True)
                for name in _order(written, first=False):
                    (directory / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(stage / name, directory / name)
        except OSError as err:
            raise InputError(str(directory), str(directory), f"allowed: a writable folder "
                             f"({err.strerror})", problem="cannot write into") from None
        finally:
            if written and all(not (stage / n).exists() for n in written):
                WRITTEN.append(f"{len(written)} files in {directory}")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
