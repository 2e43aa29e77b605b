"""One writer per results folder: the lock every command holds while it writes.

:func:`locked` yields the folder as a value (:class:`runtime.paths.OutputFolder`), which
the writers and readers-back of its files are given (``inside=``): what they may do
depends on the folder they are given, not on which folders the process holds.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runtime.files import _FILE_MODE
from runtime.paths import OutputFolder, refuse_package_dir
from sim.errors import InputError

LOCK_FILE = ".coprod.lock"
_HOLDER = re.compile(r"coprod process (\d+)")


def _open_lock(path: Path, where: str) -> int:
    """Open (or create) a lock file without following a link or truncating anything."""
    import stat

    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, _FILE_MODE)
    except OSError as err:
        raise InputError(where, str(path), "the lock file must be a regular file coprod "
                         f"made ({err.strerror}); remove it", problem="refusing the lock "
                         "file") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise InputError(where, str(path), "the lock file must be a regular file with no "
                         "other name (no link); remove it", problem="refusing the lock file")
    return fd


def _holder_pid(fd: int) -> int | None:
    match = _HOLDER.search(os.pread(fd, 200, 0).decode("utf-8", "replace"))
    return int(match.group(1)) if match else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_over(path: Path, old_fd: int, where: str) -> int:
    """A fresh lock file in place of one whose recorded holder is dead.

    The lock is then held only by what the dead process left behind (worker processes
    that inherited it): the lock file is replaced, so they no longer hold it.
    """
    import fcntl

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{LOCK_FILE}.", suffix=".tmp")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.stat(path, follow_symlinks=False).st_ino != os.fstat(old_fd).st_ino:
            raise BlockingIOError  # another process took it over first
        os.replace(tmp, path)
    except BlockingIOError:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise InputError(where, str(path.parent), "wait for it to finish or use another "
                         "--out", problem="another coprod process is writing into") from None
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd


def _said_moved(folder: OutputFolder) -> None:
    """Raise the one line of :meth:`OutputFolder.check_same` when the folder was swapped."""
    try:
        folder.check_same()
    except InputError as moved:
        raise moved from None


@contextmanager
def locked(directory: str | Path, *, where: str = "out") -> Iterator[OutputFolder]:
    """Hold an exclusive lock on ``directory`` while writing into it.

    A second process that tries to write the same folder is refused in one line instead
    of silently replacing the first one's files. The lock ends with the process (flock),
    so a crash or kill -9 never leaves a stale lock behind; a lock still held after its
    recorded process died (by workers it left behind) is taken over. The lock file is
    opened without following links and without truncating: a ``.coprod.lock`` that is a
    link (or not a regular file) is refused, so nothing outside the folder is written.

    Yields the folder as an :class:`~runtime.paths.OutputFolder` (``where``: the option
    that named it): the writers given it (``inside=``) refuse paths that resolve outside
    ``directory``.
    """
    import fcntl

    directory = Path(directory)
    refuse_package_dir(directory, where)
    made = _missing_folders(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # The folder a refused command made is cleaned by this handle, never by its name: the
    # name may lead elsewhere by then (the folder moved, a link put in its place).
    held = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) if made else None
    path = directory / LOCK_FILE
    try:
        fd = _open_lock(path, where)
    except BaseException:
        if held is not None:
            os.close(held)
        raise
    ok = False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(fd)
            if pid is None or pid == os.getpid() or _alive(pid):
                holder = f"coprod process {pid}" if pid else "another process"
                raise InputError(where, str(directory), "wait for it to finish or use "
                                 "another --out", problem=f"{holder} is writing into"
                                 ) from None
            new = _take_over(path, fd, where)
            os.close(fd)
            fd = new
        os.ftruncate(fd, 0)  # our own regular file with no other name (checked above)
        os.pwrite(fd, f"coprod process {os.getpid()}\n".encode(), 0)
        folder = OutputFolder.at(directory, where)
        try:
            yield folder
        except Exception:
            # Whatever failed after --out was moved or replaced (a database gone from
            # under pyabc, a file read from the stranger), that is the cause to say.
            _said_moved(folder)
            raise
        ok = True
    finally:
        if not ok and made:  # a refused or interrupted command leaves no folder it made
            _remove_if_empty(made, held)
        if held is not None:
            os.close(held)
        os.close(fd)


def _missing_folders(directory: Path) -> list[Path]:
    """The folders (deepest first) that creating ``directory`` would make."""
    missing = []
    while not directory.exists() and not directory.is_symlink():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    return missing


def _remove_if_empty(made: list[Path], held: int) -> None:
    """Remove the folders in ``made`` (deepest first) if they hold nothing but the lock.

    ``held``: the deepest folder, open. Its lock file is removed through it (wherever
    the folder is now); the folders by name only while the name is still that folder,
    not a link or another folder put in its place.
    """
    try:
        if os.listdir(held) == [LOCK_FILE]:
            os.unlink(LOCK_FILE, dir_fd=held)
        mine, now = os.fstat(held), os.stat(made[0], follow_symlinks=False)
        if (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
            return
        for folder in made:
            folder.rmdir()  # fails, and stops, at the first folder that holds something
    except OSError:
        pass
