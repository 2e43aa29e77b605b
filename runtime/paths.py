"""Where coprod may write and read back: the package's folders, links, the folders being written.

Every writer checks its target here (:func:`check_target`), every reader of coprod's own
files its source (:func:`check_source`). The folders a command is writing are those it holds
locked (:func:`runtime.locks.locked`); writes stay inside them.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.errors import InputError

_ROOT = Path(__file__).resolve().parents[1]
# The installed package's folders: no output may land in them (above all the shipped
# posterior in calibration/data/posterior, which every run reads).
# tests/test_layers.py ties these to pyproject.toml
PACKAGES = ("sim", "runtime", "calibration", "scenarios", "studies", "coprod")
PACKAGE_DIRS = tuple(_ROOT / name for name in PACKAGES)
_WRITE_ROOTS: list[Path] = []  # folders locked by this process: writes stay inside them


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_package_dir(path: str | Path, where: str = "--out") -> None:
    """Refuse a folder that is, or lies in, one of the installed package's folders."""
    real = Path(os.path.realpath(path))
    for package in PACKAGE_DIRS:
        if _inside(real, package):
            raise InputError(where, str(path), f"it lies in the package folder {package}; "
                             "write results elsewhere (e.g. out/...)",
                             problem="refusing to write into")
    # The file system's root and the project's own folder hold no set of results: their
    # files would mix with everything else there.
    if real == Path(real.anchor) or real == _ROOT:
        raise InputError(where, str(path), "a folder of its own for the results (e.g. "
                         "out/...), not the file system's root or the project's folder",
                         problem="refusing to write into")


def _no_link(path: str | Path, action: str) -> Path:
    """``path``, refused in one line when it is a symbolic link (``action``: read/write)."""
    path = Path(path)
    if path.is_symlink():
        what = ("writes only regular files in" if action == "write"
                else "reads back only regular files of")
        raise InputError(str(path), os.readlink(path), f"coprod {what} its folders; remove "
                         "the link", problem=f"refusing to {action} through a symbolic "
                         "link to")
    return path


def check_target(path: str | Path) -> Path:
    """Refuse to write ``path`` when it is a link or resolves where coprod must not write.

    That is: into the installed package, or (inside a :func:`locked` block) outside the
    locked folder. Every writer calls this, so a results folder whose files were swapped for links
    cannot make coprod write anywhere else.
    """
    path = _no_link(path, "write")
    real = Path(os.path.realpath(path))
    refuse_package_dir(path, where=str(path))
    roots = [Path(os.path.realpath(r)) for r in _WRITE_ROOTS]
    if roots and not any(_inside(real, r) for r in roots):
        raise InputError(str(path), str(real), "a folder's files must stay in it (a link "
                         "somewhere in the path leads elsewhere); remove the link",
                         problem="refusing to write outside the output folder:")
    return path


def check_source(path: str | Path) -> Path:
    """Refuse to read a results folder's file through a link, as writers refuse to write.

    A file coprod reads back from a folder it writes (a manifest, ``surveys.json``, a
    study's record, anything inside the folder a :func:`locked` block holds) must be a
    file there, not a link to one elsewhere: it is refused in one line, as
    :func:`check_target` refuses to write through one. A path outside the locked folders
    is checked for a link at its own name only (a user's folder may be reached by a link).
    """
    path = _no_link(path, "read")
    absolute = Path(os.path.abspath(path))
    for root in _WRITE_ROOTS:
        mine = Path(os.path.abspath(root))
        if _inside(absolute, mine) and not _inside(Path(os.path.realpath(path)),
                                                    Path(os.path.realpath(mine))):
            raise InputError(str(path), os.path.realpath(path), "a folder's files must "
                             "stay in it (a link somewhere in the path leads elsewhere); "
                             "remove the link", problem="refusing to read from outside "
                             "the output folder:")
    return path


SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")  # what SQLite writes beside a database


def checked_database(path: str | Path) -> Path:
    """``path`` of an SQLite database checked as every writer checks its files.

    A link in place of the database or of a file SQLite writes beside it (its journal),
    or a path leading out of the folder being written (inside :func:`locked`), is
    refused in one line; the real path to open is returned. The one check for every
    database coprod writes (``abc.db``, ``runs.sqlite``, ``worlds.sqlite``).
    """
    path = Path(path)
    for file in (path, *(path.with_name(path.name + side) for side in SQLITE_SIDE_FILES)):
        check_target(file)
    return Path(os.path.realpath(path))
