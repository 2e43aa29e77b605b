"""Output helpers shared by every layer: atomic writes and provenance records."""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sim.parameters import MODEL_VERSION


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600
_PACKAGES = ("coprod", "mesa", "numpy", "numba", "pandas", "scipy", "pyabc", "SALib",
             "distributed")


_ROOT = Path(__file__).resolve().parents[1]
# The installed package's folders: no output may land in them (above all the shipped
# posterior in calibration/data/posterior, which every run reads).
PACKAGES = ("sim", "calibration", "scenarios", "studies", "coprod")  # tests/test_layers.py
PACKAGE_DIRS = tuple(_ROOT / name for name in PACKAGES)
_WRITE_ROOTS: list[Path] = []  # folders locked by this process: writes stay inside them


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_package_dir(path: str | Path, where: str = "--out") -> None:
    """Refuse a folder that is, or lies in, one of the installed package's folders."""
    from sim.errors import InputError

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
    from sim.errors import InputError

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
    from sim.errors import InputError

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
    from sim.errors import InputError

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


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and rename: never half-written.

    A folder that cannot be written (read-only, full) is one :class:`InputError` naming
    the file; the file as it was is kept.
    """
    from sim.errors import InputError

    path = check_target(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        check_target(path)  # the folder just made may not lead elsewhere either
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(str(path), str(path), f"allowed: a writable folder ({err.strerror}"
                         "); the earlier file, if any, is unchanged",
                         problem="cannot write") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename: never half-written."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_frame(path: str | Path, frame, *, float_format: str = "%.6g") -> Path:
    """Write a pandas DataFrame as CSV atomically, with a fixed float format."""
    return atomic_write_text(path, frame.to_csv(index=False, float_format=float_format,
                                                lineterminator="\n"))


def versions() -> dict[str, str]:
    """The model's version, Python and package versions, for manifests."""
    out = {"model": str(MODEL_VERSION), "python": sys.version.split()[0],
           "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def model_version_of(record: dict, where: str = "manifest.json") -> int:
    """The model version a manifest was made with (1: before versions were recorded).

    A recorded version that is not a whole number as coprod writes it (text of digits)
    is refused in one line naming ``where`` (the manifest), not read as version 1.
    """
    from sim.errors import InputError

    versions = record.get("versions", {}) if isinstance(record, dict) else {}
    value = versions.get("model", 1) if isinstance(versions, dict) else 1
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 6 \
            and int(value) >= 1:
        return int(value)
    raise InputError(f"{where}: field 'versions.model'", value, "allowed: a whole number "
                     ">= 1 as coprod writes it (text of digits); make the file again",
                     problem="malformed value")


def manifest(**fields) -> dict:
    """A provenance record: the given fields plus versions and the UTC date."""
    return {**fields, "versions": versions(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def _standard(value):
    """``value`` with every non-finite float as None (JSON has no NaN: null instead)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _standard(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_standard(v) for v in value]
    return value


def write_manifest(path: str | Path, record: dict) -> Path:
    """Write a manifest JSON atomically, as standard JSON (a NaN is written null)."""
    return atomic_write_text(path, json.dumps(_standard(record), indent=2, sort_keys=True,
                                              default=str, allow_nan=False) + "\n")


MAX_INPUT_BYTES = 20_000_000  # an input file larger than this is refused, not read


def read_text_limited(path: str | Path, *, limit: int = MAX_INPUT_BYTES,
                      encoding: str = "utf-8") -> str:
    """Read a text file, refusing one larger than ``limit`` bytes (or endless: /dev/zero).

    Reads at most ``limit + 1`` bytes, so a device or pipe that never ends costs nothing.
    Raises :class:`InputError` naming the file; decoding errors propagate as usual.
    """
    return read_bytes_limited(path, limit=limit).decode(encoding)


def read_bytes_limited(path: str | Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file (or character device), at most ``limit`` of them.

    A FIFO, socket or directory is refused without blocking, as is a larger file, and a
    name with control characters (a line break would split every line that names it).
    """
    import stat

    from sim.errors import InputError

    if not str(path).isprintable():  # each line that names the file would be split
        raise InputError(str(path), str(path), "rename it: a file name of printable "
                         "characters (no line break, tab or terminal escape)",
                         problem="control character in the name of")
    # Inside a folder being written (a resume reading back what it wrote), never a link.
    absolute = Path(os.path.abspath(path))
    if any(_inside(absolute, Path(os.path.abspath(r))) for r in _WRITE_ROOTS):
        check_source(path)
    # Opened without blocking and checked on the open file: a FIFO or socket (which can
    # block for ever) or a directory is refused, whatever was there when it was named.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(str(path), str(path), "give an existing file",
                         problem="missing file") from None
    except IsADirectoryError:
        raise InputError(str(path), str(path), "give a regular file (this is a folder)",
                         problem="not a file:") from None
    except OSError as err:
        raise InputError(str(path), str(path), f"give a readable file ({err.strerror})",
                         problem="cannot read") from None
    # Checked before the descriptor becomes a file object: a directory opens read-only
    # on Linux, and a file object refuses it with an IsADirectoryError.
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
        os.close(fd)
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO, a named pipe"
                if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else
                "not a regular file")
        raise InputError(str(path), str(path), f"give a regular file (this is {kind})",
                         problem="not a file:")
    with os.fdopen(fd, "rb") as fh:
        if stat.S_ISREG(mode):
            os.set_blocking(fd, True)
        try:
            data = fh.read(limit + 1)
        except OSError as err:
            raise InputError(str(path), str(path), f"give a readable file ({err.strerror})",
                             problem="cannot read") from None
        data = data or b""
    if len(data) > limit:
        raise InputError(str(path), f"more than {limit:,} bytes",
                         f"allowed: files up to {limit:,} bytes", problem="too large:")
    return data


def check_out_dir(path: str | Path, *, where: str = "--out") -> Path:
    """Check, before any work, that ``path`` is (or can become) a writable directory.

    Missing folders (parents included) are made by the writers, so ``out/a/b`` needs no
    ``mkdir``; what is unsafe is refused: a file in the way, a link among the folders to
    be made (a dangling one would make them elsewhere), a folder of the package. Writes
    a temporary file in the nearest existing folder, so that a wrong ``--out`` is
    refused before hours of runs. Nothing is created here: a command refused later
    leaves no empty folder behind.
    """
    from sim.errors import InputError

    text = str(path)
    if not text.strip():
        raise InputError(where, text, "allowed: a directory path", problem="empty value")
    if not text.isprintable():  # every line naming the folder would be split or garbled
        raise InputError(where, text, "allowed: a folder name of printable characters (no "
                         "line break, tab or terminal escape)", problem="control character in")
    path = Path(path)
    refuse_package_dir(path, where)
    if path.exists() and not path.is_dir():
        raise InputError(where, text, "allowed: a directory (this is a file)",
                         problem="not a directory:")
    probe = path
    while not probe.exists():
        if probe.is_symlink():
            raise InputError(where, text, f"{str(probe)!r} is a link to nowhere; give a "
                             "folder without it", problem="refusing to make folders "
                             "through a link in")
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(20, f"{probe} is a file, not a folder")
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as err:
        raise InputError(where, text, f"allowed: a writable directory ({err.strerror})",
                         problem="cannot write to") from None
    return path


LOCK_FILE = ".coprod.lock"
_HOLDER = re.compile(r"coprod process (\d+)")


def _open_lock(path: Path, where: str) -> int:
    """Open (or create) a lock file without following a link or truncating anything."""
    import stat

    from sim.errors import InputError

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

    from sim.errors import InputError

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


@contextmanager
def locked(directory: str | Path, *, where: str = "--out"):
    """Hold an exclusive lock on ``directory`` while writing into it.

    A second process that tries to write the same folder is refused in one line instead
    of silently replacing the first one's files. The lock ends with the process (flock),
    so a crash or kill -9 never leaves a stale lock behind; a lock still held after its
    recorded process died (by workers it left behind) is taken over. The lock file is
    opened without following links and without truncating: a ``.coprod.lock`` that is a
    link (or not a regular file) is refused, so nothing outside the folder is written.
    While the lock is held, writers refuse paths that resolve outside ``directory``.
    """
    import fcntl

    from sim.errors import InputError

    directory = Path(directory)
    refuse_package_dir(directory, where)
    made = _missing_folders(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    fd = _open_lock(path, where)
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
        _WRITE_ROOTS.append(directory)
        try:
            yield directory
            ok = True
        finally:
            _WRITE_ROOTS.remove(directory)
    finally:
        if not ok and made:  # a refused or interrupted command leaves no folder it made
            _remove_if_empty(made, path)
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


def _remove_if_empty(made: list[Path], lock: Path) -> None:
    """Remove the folders in ``made`` (deepest first) if they hold nothing but ``lock``."""
    try:
        if [p.name for p in made[0].iterdir()] == [lock.name]:
            lock.unlink()
        for folder in made:
            folder.rmdir()  # fails, and stops, at the first folder that holds something
    except OSError:
        pass


def code_version() -> str:
    """The package version and a digest of the model's source, recorded with results.

    Results of different code must not be mixed, and the package version alone does not
    change with every edit.
    """
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    # Every layer that computes results (the application only shows them).
    for package in (p for p in PACKAGES if p != "coprod"):
        for file in sorted((root / package).rglob("*.py")):
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return f"{versions().get('coprod', 'unknown')}+{digest.hexdigest()[:12]}"


def check_whole_text(text: str, path: str | Path, again: str) -> str:
    """``text`` of a file coprod wrote, refused in one line when it was cut short.

    coprod ends every file it writes with a line break: one whose last row stops without
    it was cut (a copy or a disk that filled up), and its last cell would read as a
    shorter number or an empty value.
    """
    from sim.errors import InputError

    if text and not text.endswith(("\n", "\r")):
        last = text.rsplit("\n", 1)[-1]
        raise InputError(str(path), last[-40:], f"a file coprod wrote ends with a line "
                         f"break; this one stops mid-row; {again}",
                         problem="truncated file, its last row cut short:")
    return text


def read_own_csv(path: str | Path, remake: str, *, columns: tuple = (),
                 rows: int | None = None, numeric: tuple = (), bounds: dict | None = None,
                 **kwargs):
    """Read a CSV that coprod wrote, defensively.

    A missing, empty, oversized, truncated or malformed file (or one without ``columns``,
    or with another number of data rows than ``rows`` when given, or with a value that is
    not a finite number in one of the ``numeric`` columns, when present, or outside
    ``bounds[column] = (low, high)``) is one :class:`InputError` naming the file and
    ``remake``, the command that makes it again, instead of a pandas traceback. Blank
    cells of numeric columns stay NaN (no value); 'inf' is refused (coprod never writes
    it), so that no tampered file renders "median inf". A link in place of the file is
    refused (:func:`check_source`): coprod's own files are read as they were written.
    """
    import csv
    import io

    import pandas as pd

    from sim.errors import InputError

    path = check_source(path)
    again = f"make it again with '{remake}'"
    if not path.exists():
        raise InputError(str(path), str(path), again, problem="missing file")
    try:
        text = check_whole_text(read_text_limited(path), path, again)
        frame = pd.read_csv(io.StringIO(text), **kwargs)
    except FileNotFoundError:
        raise InputError(str(path), str(path), again, problem="missing file") from None
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "", again, problem="empty file") from None
    except InputError:  # already one line (not a file, too large, a name to rename)
        raise
    except (OSError, ValueError, TypeError, OverflowError, csv.Error,
            pd.errors.ParserError) as err:
        raise InputError(str(path), str(err).split("\n")[0], again,
                         problem="malformed file:") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing or frame.empty:
        raise InputError(str(path), ",".join(map(str, frame.columns)) or "no rows",
                         f"expected columns {', '.join(columns)} and rows; {again}",
                         problem="incomplete file:")
    if rows is not None and len(frame) != rows:
        raise InputError(str(path), f"{len(frame)} rows", f"expected {rows}; {again}",
                         problem="truncated file:")
    import numpy as np

    for column in (c for c in numeric if c in frame.columns):
        values = pd.to_numeric(frame[column], errors="coerce")
        low, high = (bounds or {}).get(column, (-np.inf, np.inf))
        with np.errstate(invalid="ignore"):
            bad = (values.isna() & frame[column].notna()) | np.isinf(values) | \
                (values < low) | (values > high)
        if bad.any():
            row = int(bad.to_numpy().argmax())
            allowed = "a finite number" if (low, high) == (-np.inf, np.inf) else \
                f"a number from {low:g} to {high:g}"
            raise InputError(f"{path}: row {row + 2}, column '{column}'",
                             str(frame[column].iloc[row]), f"allowed: {allowed}; {again}")
        frame[column] = values
    return frame


def read_own_json(path: str | Path, remake: str) -> dict:
    """Read a JSON record coprod wrote (a manifest); a bad one (or a link) is one line."""
    from sim.errors import InputError

    path = check_source(path)
    again = f"make it again with '{remake}'"
    try:
        record = json.loads(read_text_limited(path))
    except FileNotFoundError:
        raise InputError(str(path), str(path), again, problem="missing file") from None
    except InputError:  # already one line (not a file, too large, a name to rename)
        raise
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError included
        raise InputError(str(path), str(err).split("\n")[0], again,
                         problem="malformed file:") from None
    if not isinstance(record, dict):
        raise InputError(str(path), type(record).__name__, again, problem="malformed file:")
    return record


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def interrupts_deferred():
    """Hold Ctrl-C and SIGTERM until the block ends, so that they never cut work in two.

    Used around steps that must not be interrupted halfway: creating a store, starting
    worker processes, and the calls into the compiled kernels (an exception raised while
    numba checks a kernel's arguments can crash the interpreter). A signal that arrives
    meanwhile is recorded and, when the block ends, handled by the handler that was in
    force (the block yields the list of pending signals, so a loop can stop early).
    Processes forked inside the block inherit the recording handlers, so they never
    print a traceback before setting Ctrl-C aside. Outside the main thread Python runs no
    signal handlers: no-op there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    pending: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: pending.append(signum))
                for sig in STOP_SIGNALS}
    try:
        yield pending
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # Each signal that came is handled once, in the order they came, by the handler
        # in force before the block. One the process ignores does not hide one it does
        # not: a pool worker ignores Ctrl-C, and a SIGTERM from its parent (stopping the
        # pool) that came after a Ctrl-C to the whole process group must still end it.
        for sig in dict.fromkeys(pending):
            handler = previous[sig]
            if callable(handler):
                handler(sig, None)
            elif handler == signal.SIG_DFL:
                if sig == signal.SIGINT:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), sig)  # the default action, now


def parse_toml(text: str, source: str, flat: str) -> dict:
    """TOML text as a mapping, or one line naming ``source``; ``flat`` says what it holds.

    A file nested deeper than Python can parse is refused as such (``flat`` says what
    the file should hold instead), not with a RecursionError.
    """
    import tomllib

    from sim.errors import InputError

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(source, str(err).split("\n")[0], "the file must be valid TOML",
                         problem="invalid TOML:") from None
    except RecursionError:
        raise InputError(source, "nested tables or arrays", flat,
                         problem="too deeply nested:") from None


# ---- sets of files replaced together ---------------------------------------------
WRITTEN: list[str] = []  # "<n> files in <folder>" for every set this command replaced
FIRST_GONE_LAST_IN = "manifest.json"  # the file that vouches for the others
STAGE_PREFIX = ".new-outputs."


def _order(names: list[str], *, first: bool) -> list[str]:
    """``names`` with the manifest first (``first``) or last."""
    rest = [n for n in names if n != FIRST_GONE_LAST_IN]
    mine = [n for n in names if n == FIRST_GONE_LAST_IN]
    return mine + rest if first else rest + mine


@contextmanager
def replaced_together(directory: str | Path, names: tuple[str, ...], *,
                      patterns: tuple[str, ...] = (), folders: tuple[str, ...] = ()):
    """Yield a staging folder; on success, its files replace the set in ``directory``.

    Call it holding the folder's lock (:func:`sim.io.locked`).

    ``names`` are the set's file names, ``patterns`` globs of further members (e.g.
    ``fit_wave*.csv``) and ``folders`` sub-folders whose files belong to the set (a
    report's ``figures/``). Files of the earlier set that the block did not write are
    removed. On an exception nothing in ``directory`` changes. The renames into place
    hold Ctrl-C off; ``manifest.json``, which vouches for the others, goes first and
    comes last. :data:`WRITTEN` records each set replaced, so that an interrupt
    afterwards (while the command prints) says truthfully that it was written. Every
    command that writes several files, and :func:`scenarios.ensemble.run_ensembles`,
    writes through it.
    """
    from sim.errors import InputError

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
