"""Files written whole and read back defensively: atomic writes, bounded reads, sets of files.

Every file coprod writes goes through :func:`atomic_write_bytes` (a temporary file and a
rename: never half-written); every set of files a command writes through
:func:`replaced_together` (the set whole or not at all); every file it reads back through
:func:`read_own_csv` or :func:`read_own_json` (bounded, never through a link, never
evaluated). Each takes ``inside``, the folder being written
(:class:`runtime.paths.OutputFolder`, from :func:`runtime.locks.locked`): a path given
with it must resolve inside that folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from runtime.interrupts import interrupts_deferred
from runtime.paths import (
    STAGES,
    OutputFolder,
    Stage,
    check_source,
    check_target,
    confine,
    folder_replaced,
    is_folder,
    not_a_regular_file,
    refuse_package_dir,
)
from runtime.words import again_with
from sim.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write_bytes(path: str | Path, data: bytes, *,
                       inside: OutputFolder | None = None) -> Path:
    """Write ``data`` to ``path`` via a temporary file and rename: never half-written.

    ``inside``: the folder being written (:func:`runtime.locks.locked`), which ``path``
    must not lead out of (:func:`runtime.paths.check_target`). A folder that cannot be
    written (read-only, full) is one :class:`InputError` naming the file; the file as it
    was is kept.
    """
    path = check_target(path, inside)
    tmp = None
    try:
        # A stage that vanished is refused by check_target (runtime.paths.Stage) before
        # any folder is made again where its name now leads.
        path.parent.mkdir(parents=True, exist_ok=True)
        check_target(path, inside)  # the folder just made may not lead elsewhere either
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


def atomic_write_text(path: str | Path, text: str, *,
                      inside: OutputFolder | None = None) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename: never half-written."""
    return atomic_write_bytes(path, text.encode("utf-8"), inside=inside)


def atomic_write_frame(path: str | Path, frame, *, float_format: str = "%.6g",
                       inside: OutputFolder | None = None) -> Path:
    """Write a pandas DataFrame as CSV atomically, with a fixed float format."""
    return atomic_write_text(path, frame.to_csv(index=False, float_format=float_format,
                                                lineterminator="\n"), inside=inside)


MAX_INPUT_BYTES = 20_000_000  # an input file larger than this is refused, not read
# The largest table coprod reads back: an ensemble's outcomes (scenarios.effects), about
# 40,000 runs'; larger is refused, not read.
MAX_TABLE_BYTES = 200_000_000


def read_text_limited(path: str | Path, *, limit: int = MAX_INPUT_BYTES,
                      encoding: str = "utf-8", inside: OutputFolder | None = None) -> str:
    """Read a text file, refusing one larger than ``limit`` bytes (or endless: /dev/zero).

    Reads at most ``limit + 1`` bytes, so a device or pipe that never ends costs nothing.
    Raises :class:`InputError` naming the file; decoding errors propagate as usual.
    ``inside``: as for :func:`read_bytes_limited`.
    """
    return read_bytes_limited(path, limit=limit, inside=inside).decode(encoding)


def read_bytes_limited(path: str | Path, *, limit: int = MAX_INPUT_BYTES,
                       inside: OutputFolder | None = None) -> bytes:
    """The bytes of a regular file (or character device), at most ``limit`` of them.

    A FIFO, socket or directory is refused without blocking, as is a larger file, and a
    name with control characters (a line break would split every line that names it).
    A file in ``inside`` (the folder being written, when given) is read back only as a
    file of it, never through a link (:func:`runtime.paths.check_source`).
    """
    import stat

    if not str(path).isprintable():  # each line that names the file would be split
        raise InputError(str(path), str(path), "rename it: a file name of printable "
                         "characters (no line break, tab or terminal escape)",
                         problem="control character in the name of")
    # Inside a folder being written (a resume reading back what it wrote), never a link.
    if inside is not None and inside.names(path):
        check_source(path, inside)
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
        raise not_a_regular_file(path, mode)
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


def check_out_dir(path: str | Path, *, where: str = "out") -> Path:
    """Check, before any work, that ``path`` is (or can become) a writable directory.

    Missing folders (parents included) are made by the writers, so ``out/a/b`` needs no
    ``mkdir``; what is unsafe is refused: a file in the way, a link among the folders to
    be made (a dangling one would make them elsewhere), a folder of the package. Writes
    a temporary file in the nearest existing folder, so that a wrong ``--out`` is
    refused before hours of runs. Nothing is created here: a command refused later
    leaves no empty folder behind.
    """
    text = str(path)
    if not text.strip():
        raise InputError(where, text, "allowed: a directory path", problem="empty value")
    if not text.isprintable():  # every line naming the folder would be split or garbled
        raise InputError(where, text, "allowed: a folder name of printable characters (no "
                         "line break, tab or terminal escape)", problem="control character in")
    path = Path(path)
    if ".." in path.parts and os.path.realpath(os.path.abspath(path)) != \
            os.path.realpath(path):  # (abspath drops "a/..", the kernel follows a first)
        raise InputError(where, text, "a path whose '..' does not follow a link (here it "
                         "names two folders: the one written and the one read); give the "
                         "folder's own path", problem="ambiguous folder")
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


def check_whole_text(text: str, path: str | Path, again: str) -> str:
    """``text`` of a file coprod wrote, refused in one line when it was cut short.

    coprod ends every file it writes with a line break: one whose last row stops without
    it was cut (a copy or a disk that filled up), and its last cell would read as a
    shorter number or an empty value.
    """
    if text and not text.endswith(("\n", "\r")):
        last = text.rsplit("\n", 1)[-1]
        raise InputError(str(path), last[-40:], f"a file coprod wrote ends with a line "
                         f"break; this one stops mid-row; {again}",
                         problem="truncated file, its last row cut short:")
    return text


def check_rows(frame, path: str | Path, rows: int, again: str, *,
               whose: str = "") -> None:
    """Refuse (one line) a table of another number of data rows than ``rows``.

    A table cut exactly at a line break is whole to every other check: only the count
    its record (a manifest's truths, draws, activities, mechanisms) implies tells that
    rows are missing. ``whose`` says where the count comes from, for the message.
    """
    if len(frame) == rows:
        return
    found = f"{len(frame)} rows"
    said = f"expected {rows}{f' ({whose})' if whose else ''}; {again}"
    raise InputError(str(path), found, said, problem="truncated file:" if len(frame) < rows
                     else "more rows than its record says in")


def with_remedy(err: InputError, again: str) -> InputError:
    """``err`` about one of coprod's own files, with how to make it again when too large.

    (A record past the size limit was refused with no way on; a link or a folder in its
    place is named as such, and removing it is the remedy.)
    """
    if err.problem != "too large:":
        return err
    return InputError(err.where, err.value, f"{err.allowed}; {again}", problem=err.problem,
                      shown=err.shown)


def read_own_csv(path: str | Path, remake: str, *, columns: tuple = (),
                 rows: int | None = None, numeric: tuple = (), bounds: dict | None = None,
                 flags: tuple = (), ordered: tuple = (), inside: OutputFolder | None = None,
                 **kwargs):
    """Read a CSV that coprod wrote, defensively.

    A missing, empty, oversized, truncated or malformed file (or one without ``columns``,
    or with another number of data rows than ``rows`` when given, or with a value that is
    not a finite number in one of the ``numeric`` columns, when present, or outside
    ``bounds[column] = (low, high)``, or not True/False in one of the ``flags`` columns,
    or a pair ``(low, high)`` of ``ordered`` columns whose low is above its high) is one
    :class:`InputError` naming the file and ``remake``, the command that makes it again,
    instead of a pandas traceback. Blank cells of numeric columns stay NaN (no value);
    'inf' or 'nan' written out is refused (coprod writes neither: NaN is a blank), so
    that no tampered file renders "median inf". A link in place of the file is refused
    (:func:`check_source`): coprod's own files are read as they were written, and one in
    ``inside`` (the folder being written, when given) only from inside it.
    """
    import csv
    import io

    import pandas as pd

    path = check_source(path, inside)
    again = again_with(remake)
    if (numeric or flags) and "na_values" not in kwargs and "keep_default_na" not in kwargs:
        # Only a blank cell is no value: a 'nan' or 'NA' spelt out is a value to check.
        kwargs.update(keep_default_na=False, na_values=[""])
    if not path.exists():
        raise InputError(str(path), str(path), again, problem="missing file")
    try:
        text = check_whole_text(read_text_limited(path, inside=inside), path, again)
        frame = pd.read_csv(io.StringIO(text), **kwargs)
    except FileNotFoundError:
        raise InputError(str(path), str(path), again, problem="missing file") from None
    except pd.errors.EmptyDataError:
        raise InputError(str(path), "", again, problem="empty file") from None
    except InputError as err:  # already one line (not a file, too large, a name to rename)
        raise with_remedy(err, again) from None
    except (OSError, ValueError, TypeError, OverflowError, csv.Error,
            pd.errors.ParserError) as err:
        raise InputError(str(path), str(err).split("\n")[0], again,
                         problem="malformed file:") from None
    # pandas renames a column named twice ('a', 'a.1'): named here as the file holds it
    # (its header: the first line with anything on it, a byte-order mark aside).
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:  # (a quoted name spanning lines: pandas has read it as it can)
        header = []
    twice = next((c for i, c in enumerate(header) if c in header[:i]), None)
    if twice is not None:
        raise InputError(f"{path}: header", twice, f"each column once; {again}",
                         problem="a column twice:")
    missing = [c for c in columns if c not in frame.columns]
    if missing or frame.empty:
        raise InputError(str(path), ",".join(map(str, frame.columns)) or "no rows",
                         f"expected columns {', '.join(columns)} and rows; {again}",
                         problem="incomplete file:")
    if rows is not None:
        check_rows(frame, path, rows, again)
    _check_numbers(frame, path, numeric, bounds or {}, again)
    _check_flags(frame, path, flags, again)
    _check_ordered(frame, path, ordered, again)
    return frame


def file_line(path: str | Path, row: int) -> int:
    """The line of ``path`` where data row ``row`` (0 first, as pandas reads it) begins.

    As an editor numbers lines: the table is read again (only to say where a refused
    value is) and its records counted as pandas counts them: a line of nothing but
    spaces skipped (a quoted empty value is a row), a quoted value spanning lines one
    record, lines ended by LF, CRLF or CR alike. When the file cannot be read again, or
    has fewer records, ``row + 2`` (a header, then rows).
    """
    import csv
    import io

    try:
        # (Read again only as the regular file it was: never through a link or a pipe,
        # and up to the largest table coprod reads.)
        regular = Path(path).is_file() and not Path(path).is_symlink()
        text = read_text_limited(path, limit=MAX_TABLE_BYTES) if regular else ""
        taken: list[str] = []  # the lines the reader took for its last record

        def lines():
            for line in io.StringIO(text.lstrip("\ufeff"), newline=""):
                taken.append(line)
                yield line

        start, records = 1, -1  # the header is record −1
        for _ in csv.reader(lines()):
            if len(taken) > 1 or taken[0].strip():  # pandas skips a blank line
                if records == row:
                    return start
                records += 1
            start += len(taken)
            taken.clear()
    except (InputError, OSError, UnicodeDecodeError, csv.Error):
        pass
    return row + 2


def at_row(path: str | Path, row: int) -> str:
    """``"PATH: row N"``, N the line where data row ``row`` begins (:func:`file_line`)."""
    return f"{path}: row {file_line(path, row)}"


def _cell_error(path, frame, row: int, column: str, allowed: str, again: str) -> InputError:
    """One line naming a cell: file, row (as a line number), column, value, what is allowed."""
    return InputError(f"{at_row(path, row)}, column '{column}'",
                      str(frame[column].iloc[row]), f"allowed: {allowed}; {again}")


def _check_numbers(frame, path, numeric: tuple, bounds: dict, again: str) -> None:
    """Each ``numeric`` column finite numbers (blank: none) within its ``bounds``, in place."""
    import numpy as np
    import pandas as pd

    for column in (c for c in numeric if c in frame.columns):
        values = pd.to_numeric(frame[column], errors="coerce")
        low, high = bounds.get(column, (-np.inf, np.inf))
        with np.errstate(invalid="ignore"):
            bad = (values.isna() & frame[column].notna()) | np.isinf(values) | \
                (values < low) | (values > high)
        if bad.any():
            allowed = "a finite number" if (low, high) == (-np.inf, np.inf) else \
                f"a number from {low:g} to {high:g}"
            raise _cell_error(path, frame, int(bad.to_numpy().argmax()), column, allowed,
                              again)
        frame[column] = values


def _check_flags(frame, path, flags: tuple, again: str) -> None:
    """Each ``flags`` column True or False (as coprod writes them), made booleans in place."""
    for column in (c for c in flags if c in frame.columns):
        if frame[column].dtype == bool:
            continue
        words = frame[column].astype(str)
        bad = ~words.isin(("True", "False"))
        if bad.any():
            raise _cell_error(path, frame, int(bad.to_numpy().argmax()), column,
                              "True or False", again)
        frame[column] = words.eq("True")


def _check_ordered(frame, path, ordered: tuple, again: str) -> None:
    """Each pair ``(low, high)`` of columns with low at most high where both hold a value."""
    import numpy as np

    for low, high in ordered:
        if low not in frame.columns or high not in frame.columns:
            continue
        with np.errstate(invalid="ignore"):
            bad = (frame[low] > frame[high]).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise InputError(f"{at_row(path, row)}, columns '{low}' and '{high}'",
                             f"{frame[low].iloc[row]:g} > {frame[high].iloc[row]:g}",
                             f"allowed: {low} at most {high} (an interval's ends); {again}")


def _once_each(pairs: list) -> dict:
    """A JSON object whose every key is there once.

    json keeps the last of a repeated key: a record could say two things and be read
    as the second (``"model_version": 3, ..., "model_version": 4``).
    """
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = [k for k, _ in pairs]
        raise ValueError(f"the key '{next(k for k in seen if seen.count(k) > 1)}' twice")
    return record


def read_own_json(path: str | Path, remake: str, *,
                  inside: OutputFolder | None = None) -> dict:
    """Read a JSON record coprod wrote (a manifest); a bad one (or a link) is one line.

    ``inside``: the folder being written, when given (as for :func:`read_own_csv`).
    """
    path = check_source(path, inside)
    again = again_with(remake)
    try:
        record = json.loads(read_text_limited(path, inside=inside),
                            object_pairs_hook=_once_each)
    except InputError as err:  # already one line (not a file, too large, a name to rename)
        if err.problem == "missing file":  # said with the command that makes it again
            raise InputError(str(path), str(path), again, problem="missing file") from None
        raise with_remedy(err, again) from None
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError included
        said = str(err).split("\n")[0]
        if "int_max_str_digits" in said or "Exceeds the limit" in said:  # Python's remedy
            said = "a number of more than 4,300 digits"  # is not the user's to apply
        raise InputError(str(path), said, again, problem="malformed file:") from None
    except RecursionError:  # arrays nested thousands deep: no record coprod writes
        raise InputError(str(path), "nested too deep to read", again,
                         problem="malformed file:") from None
    if not isinstance(record, dict):  # named as JSON names it, not as Python's type
        kind = {list: "an array", str: "a string", bool: "true or false",
                type(None): "null"}.get(type(record), "a number")
        raise InputError(str(path), record, f"allowed: a JSON object ({{...}}), as "
                         f"coprod writes its records; {again}", problem="malformed file:",
                         shown=f"{kind} at its top")
    return record


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
                      inside: OutputFolder, patterns: tuple[str, ...] = (),
                      folders: tuple[str, ...] = ()):
    """Yield a staging folder; on success, its files replace the set in ``directory``.

    Call it holding the folder's lock: ``inside`` is the folder
    :func:`runtime.locks.locked` yields, which ``directory`` (the folder itself or one
    in it) and every file of the set must resolve inside. The files written into the
    stage need no folder: it is made fresh inside ``directory``, and each of its files
    is checked against ``inside`` before anything moves.

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
    directory = confine(directory, inside)  # the stage is made in it
    inside.check_same()  # not even the set's sub-folder is made in a folder put in its place
    for name in names:
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            raise InputError(str(path), name, "allowed: a file of coprod's or nothing "
                             "there; move the folder away", problem="a folder stands in "
                             "the place of output")
        # A link in the set's place is refused now, before the block computes what it
        # writes (it is checked again before anything moves).
        check_target(path, inside)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Stages a killed process left behind (callers hold the folder's lock: no other
        # writer is using one).
        for stale in directory.glob(f"{STAGE_PREFIX}*"):
            if stale.is_symlink():
                stale.unlink(missing_ok=True)
            elif stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        # The folder held open: the stage is made, filled from and removed in this
        # folder, wherever it is moved and whatever takes its name while the block runs.
        held = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as err:
        raise InputError(inside.where, str(directory), f"allowed: a writable directory "
                         f"({err.strerror})", problem="cannot write to") from None
    stage_name, staged = None, None
    try:
        stage_name = _make_stage(held, inside, directory)
        stage = directory / stage_name
        made = os.stat(stage_name, dir_fd=held, follow_symlinks=False)
        # Every writer refuses a file for the stage once the stage is not this folder.
        staged = Stage(stage, (made.st_dev, made.st_ino), inside)
        STAGES.append(staged)
        yield stage
        _same_stage(held, stage_name, staged, inside)
        written = _staged_files(held, stage_name)
        old = {n for n in names if (directory / n).is_file() or (directory / n).is_symlink()}
        old |= {p.name for pattern in patterns for p in directory.glob(pattern)}
        for folder in folders:
            if (directory / folder).is_dir() and not (directory / folder).is_symlink():
                old |= {str(p.relative_to(directory))
                        for p in (directory / folder).iterdir() if p.is_file()}
        gone = [n for n in old if n not in written]
        _still_there(held, directory, inside)
        _same_stage(held, stage_name, staged, inside)
        for name in written:  # every target checked before anything moves
            check_target(directory / name, inside)
        try:
            with interrupts_deferred():
                for name in _order(sorted(set(gone) | ({FIRST_GONE_LAST_IN} & set(written))),
                                   first=True):
                    _unlink_at(held, name)
                for name in _order(written, first=False):
                    _folders_at(held, os.path.dirname(name))
                    os.replace(f"{stage_name}/{name}", name, src_dir_fd=held,
                               dst_dir_fd=held)
        except OSError as err:
            raise InputError(str(directory), str(directory), f"allowed: a writable folder "
                             f"({err.strerror})", problem="cannot write into") from None
        finally:
            if written and all(not (stage / n).exists() for n in written):
                WRITTEN.append(f"{len(written)} files in {directory}")
    finally:
        if staged is not None:
            STAGES.remove(staged)
        if stage_name is not None:  # in the folder held, links never followed (dir_fd)
            _remove_stage(held, stage_name)
        os.close(held)


def _same_stage(held: int, name: str, staged: Stage, inside: OutputFolder) -> None:
    """Refuse (one line) to take files from a stage that is no longer the folder made."""
    if not is_folder(name, staged.identity, dir_fd=held, follow_symlinks=False):
        raise folder_replaced(inside.path, inside.where, how="coprod's staging folder in it "
                              "was replaced")


def _staged_files(held: int, name: str) -> list[str]:
    """The regular files in the stage ``name`` of the folder ``held``, relative to it.

    Walked through descriptors, links never followed: a link in the stage is refused,
    never moved in (nor what it leads to).
    """
    found = []
    for top, _dirs, files, fd in os.fwalk(name, dir_fd=held, follow_symlinks=False):
        for file in files:
            info = os.stat(file, dir_fd=fd, follow_symlinks=False)
            relative = os.path.relpath(os.path.join(top, file), name)
            if not stat.S_ISREG(info.st_mode) or os.path.basename(relative).startswith("."):
                raise InputError(str(name), relative, "a file coprod wrote (a link, a "
                                 "hidden name or anything else appeared in its staging "
                                 "folder while it ran); nothing was written",
                                 problem="refusing to move in")
            found.append(relative)
    return sorted(found)


def _remove_stage(held: int, name: str) -> None:
    """Remove the stage ``name`` of the folder ``held``: a link in its place is unlinked."""
    try:
        if stat.S_ISLNK(os.stat(name, dir_fd=held, follow_symlinks=False).st_mode):
            os.unlink(name, dir_fd=held)
            return
    except OSError:
        return
    shutil.rmtree(name, dir_fd=held, ignore_errors=True)


def _make_stage(held: int, inside: OutputFolder, directory: Path) -> str:
    """A fresh staging folder in the folder ``held`` (a descriptor); its name."""
    import secrets

    for _ in range(100):
        name = f"{STAGE_PREFIX}{secrets.token_hex(4)}"
        try:
            os.mkdir(name, 0o700, dir_fd=held)
            return name
        except FileExistsError:
            continue
        except OSError as err:
            raise InputError(inside.where, str(directory), f"allowed: a writable "
                             f"directory ({err.strerror})", problem="cannot write to"
                             ) from None
    raise InputError(inside.where, str(directory), "allowed: a folder coprod can stage "
                     "its files in", problem="cannot write to")


def _still_there(held: int, directory: Path, inside: OutputFolder) -> None:
    """Refuse (one line) to move files in when ``directory`` is no longer the folder held.

    The output folder moved away and a link (or another folder) put in its place while
    the command ran: what it computed is not put anywhere, and its stage is removed.
    """
    mine = os.fstat(held)
    if not is_folder(directory, (mine.st_dev, mine.st_ino)) or not inside.holds(directory):
        raise folder_replaced(directory, inside.where, how="it was moved or replaced by a link")


def _unlink_at(held: int, name: str) -> None:
    """Remove the file ``name`` of the folder ``held``, if it is there."""
    try:
        os.unlink(name, dir_fd=held)
    except FileNotFoundError:
        pass


def _folders_at(held: int, relative: str) -> None:
    """Make the sub-folders ``relative`` (e.g. ``figures``) in the folder ``held``."""
    parts = Path(relative).parts
    for k in range(len(parts)):
        try:
            os.mkdir(os.path.join(*parts[:k + 1]), dir_fd=held)
        except FileExistsError:
            pass


def writes(writer):
    """A result type's ``write(folder)``, refusing a folder no result may be written to.

    ``folder`` must be a path (text or :class:`pathlib.Path`; anything else is one line
    naming its type) and not the file system's root, the project's folder or one of the
    installed package's (:func:`runtime.paths.refuse_package_dir`), as the command
    line's ``--out`` is checked: a library caller's ``study.write("/")`` is refused too.
    """
    import functools

    from sim.errors import as_path

    @functools.wraps(writer)
    def write(self, folder, *args, **kwargs):
        folder = as_path(folder)
        refuse_package_dir(folder, "folder")
        return writer(self, folder, *args, **kwargs)
    return write


def read_back(reader):
    """A result type's ``read(folder)``, whose surprises on a tampered record are one line.

    ``folder`` reaches the reader as a :class:`pathlib.Path` (text or a path; anything
    else is refused in one line naming its type, not as a folder of malformed results).

    The readers check what they know to check; a value of a kind no check foresaw (a
    count given as text, a number past float range, a list where a table was) would
    otherwise raise whatever Python raises deep inside. It becomes one
    :class:`InputError` naming the folder and saying to make the results again.
    """
    import functools

    from sim.errors import CoprodError, as_path

    @functools.wraps(reader)
    def read(cls, folder):
        folder = as_path(folder)  # a number or None is an argument of the wrong type
        try:
            return reader(cls, folder)
        except CoprodError:
            raise
        except (ValueError, TypeError, OverflowError, KeyError, AttributeError,
                IndexError, RecursionError) as err:
            raise InputError(str(folder)[:300], f"{type(err).__name__}: {str(err)[:120]}",
                             "a folder as coprod wrote it; make the results again",
                             problem="malformed results in") from None
    return read
