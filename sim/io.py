"""Output helpers shared by every layer: atomic writes and provenance records."""

from __future__ import annotations

import json
import os
import platform
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


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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


def model_version_of(record: dict) -> int:
    """The model version a manifest was made with (1: before versions were recorded)."""
    try:
        return int(record.get("versions", {}).get("model", 1))
    except (TypeError, ValueError, AttributeError):
        return 1


def manifest(**fields) -> dict:
    """A provenance record: the given fields plus versions and the UTC date."""
    return {**fields, "versions": versions(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def write_manifest(path: str | Path, record: dict) -> Path:
    """Write a manifest JSON atomically."""
    return atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True, default=str)
                             + "\n")


MAX_INPUT_BYTES = 20_000_000  # an input file larger than this is refused, not read


def read_text_limited(path: str | Path, *, limit: int = MAX_INPUT_BYTES,
                      encoding: str = "utf-8") -> str:
    """Read a text file, refusing one larger than ``limit`` bytes (or endless: /dev/zero).

    Reads at most ``limit + 1`` bytes, so a device or pipe that never ends costs nothing.
    Raises :class:`InputError` naming the file; decoding errors propagate as usual.
    """
    import stat

    from sim.errors import InputError

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(str(path), str(path), "give an existing file",
                         problem="missing file") from None
    # A directory cannot be read, and a FIFO or socket can block for ever.
    if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
        raise InputError(str(path), str(path), "give a regular file",
                         problem="not a file:")
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(str(path), f"more than {limit:,} bytes",
                         f"allowed: files up to {limit:,} bytes", problem="too large:")
    return data.decode(encoding)


def check_out_dir(path: str | Path, *, where: str = "--out", create_parents: bool = False
                  ) -> Path:
    """Check, before any work, that ``path`` is (or can become) a writable directory.

    Writes a temporary file in the directory, or, when it does not exist yet, in the
    nearest folder above it that does (its parent must exist unless ``create_parents``),
    so that a wrong ``--out`` is refused before hours of runs. Nothing is created: a
    command refused later leaves no empty folder behind; writers create the directory.
    """
    from sim.errors import InputError

    text = str(path)
    if not text.strip():
        raise InputError(where, text, "allowed: a directory path", problem="empty value")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(where, text, "allowed: a directory (this is a file)",
                         problem="not a directory:")
    if not path.exists() and not create_parents and not path.parent.is_dir():
        raise InputError(where, text, f"the parent folder {str(path.parent)!r} must exist "
                         "(create it first)", problem="missing parent folder of")
    probe = path
    while not probe.exists():
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(20, "a file stands in the way")
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as err:
        raise InputError(where, text, f"allowed: a writable directory ({err.strerror})",
                         problem="cannot write to") from None
    return path


@contextmanager
def locked(directory: str | Path, *, where: str = "--out"):
    """Hold an exclusive lock on ``directory`` while writing into it.

    A second process that tries to write the same folder is refused in one line instead
    of silently replacing the first one's files. The lock ends with the process (flock),
    so a crash or kill -9 never leaves a stale lock behind.
    """
    import fcntl

    from sim.errors import InputError

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fh = open(directory / ".coprod.lock", "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise InputError(where, str(directory), "wait for it to finish or use another "
                             "--out", problem=f"{holder} is writing into") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"coprod process {os.getpid()}")
        fh.flush()
        yield directory
    finally:
        fh.close()


def code_version() -> str:
    """The package version and a digest of the model's source, recorded with results.

    Results of different code must not be mixed, and the package version alone does not
    change with every edit.
    """
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in ("sim", "calibration", "scenarios"):
        for file in sorted((root / package).rglob("*.py")):
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return f"{versions().get('coprod', 'unknown')}+{digest.hexdigest()[:12]}"


def read_own_csv(path: str | Path, remake: str, *, columns: tuple = (),
                 rows: int | None = None, **kwargs):
    """Read a CSV that coprod wrote, defensively.

    A missing, empty, oversized, truncated or malformed file (or one without ``columns``,
    or with another number of data rows than ``rows`` when given) is one
    :class:`InputError` naming the file and ``remake``, the command that makes it again,
    instead of a pandas traceback.
    """
    import io

    import pandas as pd

    from sim.errors import InputError

    path = Path(path)
    again = f"make it again with '{remake}'"
    if not path.exists():
        raise InputError(str(path), str(path), again, problem="missing file")
    try:
        frame = pd.read_csv(io.StringIO(read_text_limited(path)), **kwargs)
    except FileNotFoundError:
        raise InputError(str(path), str(path), again, problem="missing file") from None
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "", again, problem="empty file") from None
    except (OSError, ValueError, TypeError, OverflowError, pd.errors.ParserError) as err:
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
    return frame


def read_own_json(path: str | Path, remake: str) -> dict:
    """Read a JSON record coprod wrote (a manifest); a bad one is one line naming it."""
    from sim.errors import InputError

    path = Path(path)
    again = f"make it again with '{remake}'"
    try:
        record = json.loads(read_text_limited(path))
    except FileNotFoundError:
        raise InputError(str(path), str(path), again, problem="missing file") from None
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
        if pending:
            handler = previous[pending[0]]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                if pending[0] == signal.SIGINT:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), pending[0])  # the default action, now
