"""Where coprod may write and read back: the package's folders, links, the folder being written.

Every writer checks its target here (:func:`check_target`), every reader of coprod's own
files its source (:func:`check_source`). The folder a command writes is a value, passed,
never process state::

    runtime.locks.locked(out) -- yields --> OutputFolder(path, real, where)
                                                 |  passed as ``inside=`` to
        writers      atomic_write_bytes/_text/_frame, write_manifest, Manifest.write
        sets         replaced_together(directory, names, inside=folder)
        databases    checked_database(path, inside=folder)   (abc.db, runs.sqlite, ...)
        read-backs   read_own_csv/_json, read_bytes_limited, check_source
                                                 |
                     check_target(path, inside)  /  check_source(path, inside)

- Every write refuses a link in place of the file and the package's folders; given the
  folder (``inside``), also a path that resolves outside ``inside.real`` (a link
  somewhere in the path leading elsewhere). A read-back given the folder refuses a file
  of it that resolves outside it.
- ``inside=None`` is a write outside any locked folder (a library user's
  ``result.write(folder)``): links and the package's folders are refused, as ever.
- Two folders written in one process are two values: a writer given one stays in it,
  whatever other folder the process holds.
- The files a result writes into a staging folder (:func:`runtime.files.replaced_together`
  yields one) need no folder: the stage is made fresh inside the folder, once the folder
  to replace is checked to lie in it, and each staged file is checked against the folder
  before it moves in.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError

_ROOT = Path(__file__).resolve().parents[1]
# The installed package's folders: no output may land in them (above all the shipped
# posterior in calibration/data/posterior, which every run reads).
# tests/test_layers.py ties these to pyproject.toml
PACKAGES = ("sim", "runtime", "calibration", "scenarios", "studies", "coprod")
PACKAGE_DIRS = tuple(_ROOT / name for name in PACKAGES)


def folder_replaced(path: str | Path, where: str = "out", *, how: str = "it was moved or replaced",
                    after: str = "nothing was written into it",
                    problem: str = "refusing to write into") -> InputError:
    """The one line for an output folder that is no longer the one a command began with.

    Said wherever a write notices it (the locked folder, a stage moving files in, a
    scenario's store, pyabc's history): ``how`` it went, and what was (not) written.
    """
    return InputError(where, str(path), f"the same folder from start to end ({how} while "
                      f"coprod ran); {after}", problem=problem)


def is_folder(path: str | Path, identity: tuple[int, int], *, dir_fd: int | None = None,
              follow_symlinks: bool = True) -> bool:
    """Whether ``path`` is still the folder of ``identity`` (device, inode); False if gone."""
    try:
        now = os.stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == identity


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class OutputFolder:
    """A folder a command writes, held locked (:func:`runtime.locks.locked` yields it).

    ``path``: the folder as given; ``real``: its real path when it was locked (every file
    written or read back inside the folder must resolve inside it); ``where``: the
    option that named it, for messages (``--out``).
    """

    path: Path
    real: Path
    where: str = "out"
    identity: tuple[int, int] | None = None  # (device, inode) of the folder locked

    @classmethod
    def at(cls, path: str | Path, where: str = "out") -> OutputFolder:
        """The folder ``path``, its real path and identity taken now."""
        made = os.stat(path)
        return cls(Path(path), Path(os.path.realpath(path)), where,
                   (made.st_dev, made.st_ino))

    def check_same(self) -> None:
        """Refuse (one line) to write on once ``path`` is no longer the folder locked.

        The folder moved away and another (or a link to one) put in its place while the
        command ran: nothing, not even an empty sub-folder, is made in the stranger.
        """
        if self.identity is None:
            return
        if not is_folder(self.path, self.identity) or not self.holds(self.path):
            raise folder_replaced(self.path, self.where)

    def inner(self, path: str | Path) -> OutputFolder:
        """The folder ``path`` in this one, made if missing and held from now on.

        A study's calibration (``truth_NN``) is written through it: replaced by a link to
        a sibling or by a copy while the study runs, it takes no file (:func:`confine`
        checks its identity before every write). A link in its place (even a dangling
        one, or one to this folder or another in it) or a file is refused before anything
        is made. ``path`` naming this folder itself gives this one.
        """
        confine(path, self)
        # Only a folder of its own: a link to this folder, a parent or a sibling in it
        # (another calibration's) would mix two calibrations' files and histories.
        real = os.path.realpath(path)
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.path))
        parts = Path(relative).parts
        if not parts:  # this folder itself, as written: already held
            return self
        if parts[0] == ".." or Path(real) != self.real / relative:
            raise InputError(str(path), real, f"a folder of its own in {self.path}; remove "
                             "the link", problem="refusing to write through a link in the "
                             "output folder:")
        if os.path.lexists(path) and not os.path.isdir(path):
            raise InputError(str(path), "a file", "a folder (coprod writes one there); "
                             "move the file away", problem="not a folder:")
        Path(path).mkdir(parents=True, exist_ok=True)
        return OutputFolder.at(confine(path, self), self.where)

    def is_parent_of(self, path: str | Path) -> bool:
        """Whether ``path``, as written, is a file directly in this folder."""
        return os.path.abspath(Path(path).parent) == os.path.abspath(self.path)

    def holds(self, path: str | Path) -> bool:
        """Whether ``path`` resolves inside this folder (links followed)."""
        return _inside(Path(os.path.realpath(path)), self.real)

    def names(self, path: str | Path) -> bool:
        """Whether ``path``, as written (links not followed), lies in this folder."""
        return _inside(Path(os.path.abspath(path)), Path(os.path.abspath(self.path)))


def refuse_package_dir(path: str | Path, where: str = "out") -> None:
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


@dataclass(frozen=True)
class Stage:
    """A staging folder being filled (:func:`runtime.files.replaced_together`).

    ``path``: its name in the output folder; ``identity``: (device, inode) of the folder
    made; ``inside``: the output folder. A result's ``write(stage)`` knows nothing of
    the output folder, so every writer checks a file bound for the stage here.
    """

    path: Path
    identity: tuple[int, int]
    inside: OutputFolder

    def check(self, path: str | Path) -> None:
        """Refuse ``path`` in this stage unless the stage is still the folder made.

        Also when it resolves outside the output folder (the stage, or the output folder
        itself, replaced by a link or moved while the result was written).
        """
        if not _inside(Path(os.path.abspath(path)), Path(os.path.abspath(self.path))):
            return
        if not is_folder(self.path, self.identity, follow_symlinks=False) or \
                not self.inside.holds(path):
            raise folder_replaced(self.inside.path, self.inside.where, how="it, or "
                                  "coprod's staging folder in it, was moved or replaced")


STAGES: list[Stage] = []  # the stages being filled in this process (replaced_together)


def check_target(path: str | Path, inside: OutputFolder | None = None) -> Path:
    """Refuse to write ``path`` when it is a link or resolves where coprod must not write.

    That is: into the installed package, or outside ``inside``, the folder being written
    (:func:`runtime.locks.locked`), when given, or into a staging folder that is no
    longer the one made (:class:`Stage`). Every writer calls this, so a results folder
    whose files (or stage) were swapped for links cannot make coprod write anywhere else.
    """
    path = _no_link(path, "write")
    refuse_package_dir(path, where=str(path))
    if inside is not None:
        confine(path, inside)
    for stage in STAGES:
        stage.check(path)
    return path


def confine(path: str | Path, inside: OutputFolder) -> Path:
    """Refuse ``path`` (one line) when it resolves outside the folder ``inside``.

    Unlike :func:`check_target`, ``path`` itself may be a link (the folder the user named
    may be reached through one): only where it leads counts. ``inside`` moved or replaced
    since it was locked is refused too (:meth:`OutputFolder.check_same`).
    """
    inside.check_same()
    if not inside.holds(path):
        raise InputError(str(path), os.path.realpath(path), "a folder's files must stay "
                         "in it (a link somewhere in the path leads elsewhere); remove the "
                         "link", problem="refusing to write outside the output folder:")
    return Path(path)


def check_source(path: str | Path, inside: OutputFolder | None = None) -> Path:
    """Refuse to read a results folder's file through a link, as writers refuse to write.

    A file coprod reads back from a folder it writes (a manifest, ``surveys.json``, a
    study's record: any file in ``inside``, the folder being written, when given) must be
    a file there, not a link to one elsewhere: it is refused in one line, as
    :func:`check_target` refuses to write through one. A path outside ``inside`` is
    checked for a link at its own name only (a user's folder may be reached by a link).
    """
    path = _no_link(path, "read")
    if inside is not None and inside.names(path) and not inside.holds(path):
        raise InputError(str(path), os.path.realpath(path), "a folder's files must "
                         "stay in it (a link somewhere in the path leads elsewhere); "
                         "remove the link", problem="refusing to read from outside "
                         "the output folder:")
    return path


def not_a_regular_file(path: str | Path, mode: int, written: str | None = None
                       ) -> InputError:
    """The one line refusing ``path`` whose ``st_mode`` is ``mode``: not a regular file.

    Every reader says it alike, for a FIFO (which would block a reader for ever), a
    socket, a folder or a device: what it is, and that a regular file is needed.
    ``written``: what a writer would make there (a database), for a path coprod writes
    rather than one given to it.
    """
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO, a named pipe"
            if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else
            "not a regular file")
    if written is not None:
        return InputError(str(path), kind, f"{written}, or nothing there yet: move it "
                          "away", problem="not a file:", shown=f"it is {kind}")
    return InputError(str(path), str(path), f"give a regular file (this is {kind})",
                      problem="not a file:")


SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")  # what SQLite writes beside a database


def checked_database(path: str | Path, inside: OutputFolder | None = None) -> Path:
    """``path`` of an SQLite database checked as every writer checks its files.

    A link in place of the database or of a file SQLite writes beside it (its journal),
    or a path leading out of ``inside`` (the folder being written, when given), is
    refused in one line, as is a database with another name (a hard link: SQLite writes
    it in place, so the file under its other name, perhaps outside, would change too);
    the real path to open is returned. The one check for every
    database coprod writes (``abc.db``, ``runs.sqlite``, ``worlds.sqlite``).
    """
    path = Path(path)
    for file in (path, *(path.with_name(path.name + side) for side in SQLITE_SIDE_FILES)):
        check_target(file, inside)
        try:
            status = os.stat(file, follow_symlinks=False)
        except OSError:
            continue  # not there (yet): SQLite makes it with one name
        if not stat.S_ISREG(status.st_mode):  # a folder's names are its own and its '.'
            raise not_a_regular_file(file, status.st_mode, "a database file (SQLite) "
                                     "or its journal, as SQLite writes them")
        names = status.st_nlink
        if names > 1:  # written in place, its other name's file would change with it
            raise InputError(str(file), f"{names} names", "a database with one name (a "
                             "hard link's other file would be written too); copy it (cp) "
                             "instead of linking it", problem="refusing to write a "
                             "database with another name:")
    return Path(os.path.realpath(path))
