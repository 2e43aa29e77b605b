"""Runs stored as they finish, and what a scenario folder holds (its identity).

Each scenario folder holds ``runs.sqlite``: one row per finished run, committed as soon
as the run comes back, so Ctrl-C, a killed worker or a lost cluster keeps every finished
run and ``coprod run --resume`` computes only what is missing. The store also records
the folder's identity (scenario content, root seed, posterior, code version); results
of another identity are never mixed in.

Runs are stored as JSON text (format ``json-1``), never as pickles: a results folder is
shared, copied and edited, and reading it must not be able to run code. JSON keeps
every float exactly (Python writes the shortest repr that reads back the same double),
and a table is stored column by column with its dtypes, so a resumed ensemble writes
the same bytes as an uninterrupted one. What is read back is checked like a user's
file: a row that is not such a record is refused in one line. A store written by an
earlier version (pickles, no ``format`` in ``meta``) is never unpickled: ``--resume`` on
it is refused; a fresh start replaces it.

A fresh start over finished results (``--force``, or a run without ``--resume``) stores
its runs in a side store (:data:`SIDE_STORE`) beside the old ones; the old store and
its files stay whole until the new set is complete, when the side store and the new
files replace them together (:meth:`RunStore.staged_into`). A killed or failed fresh
start thus leaves the earlier results as they were, and ``--resume`` with the same
options continues the side store's runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
from dataclasses import asdict
from pathlib import Path

from runtime.interrupts import interrupts_deferred
from runtime.paths import folder_replaced
from scenarios.spec import Scenario
from sim.errors import InputError

STORE = "runs.sqlite"
SIDE_STORE = ".runs.new.sqlite"  # a fresh start's runs, until their set replaces the old
FORMAT = "json-1"
# What a finished ensemble writes beside its store (scenarios.ensemble), manifest first.
RESULT_FILES = ("manifest.json", "outcomes.csv", "timeseries.csv", "municipalities.csv",
                "municipalities_by_year.csv", "inputs.csv")
MAX_RECORD_BYTES = 20_000_000  # one run's record; a few hundred kB at the longest horizon
FRAME_TAG = "__frame__"
# The dtypes a stored table may have (what the model's series are made of).
DTYPES = ("float64", "float32", "int64", "int32", "uint64", "bool")


def encode(value) -> str:
    """JSON text of a run's result: dicts, lists, numbers, strings and DataFrames."""
    return json.dumps(_plain(value), allow_nan=True, separators=(",", ":"))


def _plain(value):
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        dtypes = [str(t) for t in value.dtypes]
        bad = [t for t in dtypes if t not in DTYPES]
        if bad or not all(isinstance(c, str) for c in value.columns):
            raise TypeError(f"cannot store a table with dtypes {bad} or non-text columns")
        return {FRAME_TAG: {"columns": list(value.columns), "dtypes": dtypes,
                            "data": [value[c].tolist() for c in value.columns]}}
    if isinstance(value, dict):
        if FRAME_TAG in value or not all(isinstance(k, str) for k in value):
            raise TypeError("cannot store a dict with non-text keys or the frame tag")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot store a {type(value).__name__}")


class _Malformed(ValueError):
    """A stored record that is not what :func:`encode` writes."""


def decode(text: str | bytes):
    """The value :func:`encode` stored; anything else raises ``ValueError`` saying what."""
    if isinstance(text, bytes):
        if text[:1] == b"\x80":
            raise _Malformed("a pickle (never read: it could run code)")
        text = text.decode("utf-8")
    if not isinstance(text, str):
        raise _Malformed(f"a {type(text).__name__}, not JSON text")
    if len(text) > MAX_RECORD_BYTES:
        raise _Malformed(f"more than {MAX_RECORD_BYTES:,} bytes")
    try:
        return _value(json.loads(text))
    except RecursionError:
        raise _Malformed("nested too deeply") from None


def _value(node):
    import numpy as np
    import pandas as pd

    if isinstance(node, dict):
        if FRAME_TAG not in node:
            return {k: _value(v) for k, v in node.items()}
        frame = node[FRAME_TAG]
        if len(node) != 1 or not isinstance(frame, dict) or set(frame) != {
                "columns", "dtypes", "data"}:
            raise _Malformed("a table without exactly columns, dtypes and data")
        cols, dtypes, data = frame["columns"], frame["dtypes"], frame["data"]
        if not (isinstance(cols, list) and isinstance(dtypes, list) and isinstance(data, list)
                and len(cols) == len(dtypes) == len(data)
                and all(isinstance(c, str) for c in cols) and len(set(cols)) == len(cols)):
            raise _Malformed("a table whose columns, dtypes and data do not match")
        if any(t not in DTYPES for t in dtypes):
            raise _Malformed(f"a table with dtypes {dtypes}; allowed: {', '.join(DTYPES)}")
        lengths = {len(d) if isinstance(d, list) else -1 for d in data}
        if -1 in lengths or len(lengths) > 1:
            raise _Malformed("a table whose columns differ in length")
        out = {}
        for col, dtype, values in zip(cols, dtypes, data, strict=True):
            kind = bool if dtype == "bool" else (float if dtype.startswith("float") else int)
            if not all(type(v) is kind or (kind is float and type(v) is int)
                       for v in values):
                raise _Malformed(f"column {col!r} holding values that are not {dtype}")
            try:
                out[col] = np.array(values, dtype=dtype)
            except (OverflowError, ValueError):
                raise _Malformed(f"column {col!r} with values out of {dtype}") from None
        return pd.DataFrame(out, columns=cols)
    if isinstance(node, list):
        return [_value(v) for v in node]
    if isinstance(node, float) and math.isnan(node):
        return float("nan")
    return node


def scenario_hash(scenario: Scenario) -> str:
    """Digest of a scenario's content (all but where it was read from), sizes included."""
    content = {k: v for k, v in asdict(scenario).items() if k != "source"}
    content["population"] = scenario.population.name  # the population as files name it
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def identity(scenario: Scenario, *, seed: int, posterior: str, code: str) -> dict:
    """What must match for runs to be mixed in one folder."""
    return {"scenario": scenario.name, "scenario_sha256": scenario_hash(scenario),
            "seed": seed, "posterior_sha256": posterior, "code_version": code}


# What each identity field stands for, in the options that set it (hashes say nothing).
_IN_WORDS = {
    "scenario_sha256": "another scenario content or size (the file's keys and [set], "
                       "--draws, --assumption-draws, --replicates, --horizon, --data, "
                       "--municipality, --adopters)",
    "posterior_sha256": "another posterior (--posterior)",
    "code_version": "another code version (another coprod)",
}


def _differences(old: dict, new: dict) -> list[str]:
    # Only what both record is compared: an older manifest records the seed alone.
    return [_IN_WORDS.get(k) or f"{k} {old[k]!r} (now {new[k]!r})"
            for k in new if k in old and old[k] != new[k]]


def recorded_identity(directory: Path, inside=None) -> dict | None:
    """The identity recorded in a scenario folder (store first, then manifest), if any."""
    from runtime.paths import check_source, checked_database

    store = directory / STORE
    checked_database(store, inside)  # read back as written: never through a link
    check_source(directory / "manifest.json", inside)
    if store.is_file():
        try:
            with sqlite3.connect(store) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
            return json.loads(row[0]) if row else {}
        except (sqlite3.DatabaseError, json.JSONDecodeError, TypeError):
            return {"store": "unreadable"}
    manifest = directory / "manifest.json"
    if manifest.is_file():
        try:
            record = json.loads(manifest.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"manifest": "unreadable"}
        return record.get("identity", {"seed": record.get("seed")}) if isinstance(
            record, dict) else {"manifest": "unreadable"}
    return None


def _store_identity(path: Path) -> dict | None:
    """The identity a run store records (None: no store there, or not readable)."""
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
        return json.loads(row[0]) if row else None
    except (sqlite3.DatabaseError, json.JSONDecodeError, TypeError):
        return None


def pending_identity(directory: Path, inside=None) -> dict | None:
    """The identity of an unfinished fresh start's side store in ``directory``, if any."""
    from runtime.paths import checked_database

    checked_database(directory / SIDE_STORE, inside)  # read back as written: never a link
    return _store_identity(directory / SIDE_STORE)


def _stored_runs(path: Path) -> int:
    """How many runs a store holds (0: none there, or not readable: nothing to keep)."""
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except (sqlite3.DatabaseError, TypeError, ValueError):
        return 0


def check_side_store(directory: Path, ident: dict, *, resume: bool,
                     force: bool = False, inside=None) -> str | None:
    """Refuse, in one line, a command that would drop the runs a side store keeps.

    A fresh start cut short (:data:`SIDE_STORE`) keeps its finished runs for ``--resume``
    with its options; any other command would delete them (a fresh start replaces the
    side store) or leave them behind. Without ``force`` such a command is refused,
    naming the ways on (continue them, or drop them with --force or by removing the
    file); with ``force`` they are dropped, and the line saying so is returned.
    """
    side = directory / SIDE_STORE
    if os.path.lexists(side) and (side.is_symlink() or not side.is_file()):
        raise InputError(str(side), "not a file", "a run store as 'coprod run' writes it "
                         "(never a link or a folder); remove it and run again",
                         problem="refusing a run store that is")
    kept = _stored_runs(side)
    pending = pending_identity(directory, inside)
    if not kept or (resume and pending == ident):
        return None
    diff = "; ".join(_differences(pending or {}, ident) or ["other options"])
    if force:
        return (f"{side}: dropped the {kept} runs an earlier 'coprod run' cut short kept "
                "there (" + ("this very command's" if pending == ident else
                             f"they differ from this command's runs: {diff}") + "): "
                "--force replaces them")
    if pending == ident:
        raise InputError(str(side), f"{kept} runs", "add --resume to continue them (only "
                         "the rest is computed), or drop them with --force or by removing "
                         "that file", problem="this very command was cut short; it keeps")
    raise InputError(str(side), f"{kept} runs", f"they differ from this command's runs: "
                     f"{diff}; to continue them, rerun with the options they were made with "
                     "and --resume --force; to drop them, add --force or remove that file",
                     problem="an earlier 'coprod run' was cut short; it keeps")


def check_folder(directory: Path, ident: dict, *, force: bool,
                 resume: bool = False, inside=None) -> str | None:
    """Refuse to write into a folder holding results of another identity (unless force).

    A fresh start of this very identity that was cut short (its side store) may be
    continued: the user asked for it already. Runs a side store keeps are never
    dropped without a word (:func:`check_side_store`): with ``force``, the line saying
    they go is returned (None otherwise). ``inside``: the folder being written
    (:func:`runtime.locks.locked`).
    """
    from runtime.manifests import check_stage

    check_stage(directory, "run")
    note = check_side_store(directory, ident, resume=resume, force=force, inside=inside)
    old = recorded_identity(directory, inside)
    if old is None or force or pending_identity(directory, inside) == ident:
        return note
    diff = _differences(old, ident)
    if diff:
        raise InputError("out", str(directory),
                         "it holds results with " + "; ".join(diff) + "; use another --out "
                         "or --force to replace them", problem="refusing to mix results in")


class RunStore:
    """Finished runs of one scenario, keyed by (draw, replicate), committed one by one.

    ``resume``: continue the stored runs (those of an unfinished fresh start of the same
    identity first). Otherwise a folder holding results gets a side store
    (:data:`SIDE_STORE`), and the old store and files stay until :meth:`staged_into`
    puts the new set in their place; a folder holding none is written directly.
    ``drop_side``: a side store of another identity goes even when resuming (``--force``,
    said by :func:`check_side_store`); a fresh start always replaces it.
    """

    def __init__(self, directory: Path, ident: dict, *, resume: bool,
                 drop_side: bool = False, inside=None):
        import weakref

        from runtime.paths import checked_database

        directory.mkdir(parents=True, exist_ok=True)
        main, side = directory / STORE, directory / SIDE_STORE
        checked_database(main, inside)  # a link elsewhere (or its journal) is refused
        checked_database(side, inside)
        # The folder held open: should it be moved (or another take its name) while the
        # command runs, its side store is removed from it, not from what has the name now.
        self.directory = directory
        self.held = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        weakref.finalize(self, os.close, self.held)
        self.ident = json.dumps(ident, sort_keys=True)
        if resume:
            self.staged = _store_identity(side) == ident
            if not self.staged and (drop_side or not _stored_runs(side)):
                self._discard(side)  # not this command's: --force said its runs go
        else:  # a fresh start: anything finished here stays until the new set is whole
            self._discard(side)  # no run, or --force said they go (check_side_store)
            self.staged = main.exists() or any((directory / n).exists()
                                               for n in RESULT_FILES)
        self.closed_count: int | None = None  # runs stored, once the database is closed
        self.path = side if self.staged else main
        self.main = main
        try:
            with interrupts_deferred():  # never a store file without its tables
                self._create(resume)
        except sqlite3.DatabaseError as err:
            raise InputError(str(self.path), str(err), "rerun with --force to start this "
                             "scenario again", problem="unreadable run store:") from None

    @staticmethod
    def _discard(path: Path) -> None:
        """Remove a side store (and what SQLite wrote beside it)."""
        from runtime.paths import SQLITE_SIDE_FILES

        for file in (path, *(path.with_name(path.name + x) for x in SQLITE_SIDE_FILES)):
            file.unlink(missing_ok=True)

    def _create(self, resume: bool) -> None:
        self.db = sqlite3.connect(self.path)
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS runs (draw INTEGER, replicate INTEGER, "
                        "seed TEXT, result BLOB, PRIMARY KEY (draw, replicate))")
        stored = self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        row = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if stored and (row is None or row[0] != FORMAT):
            if resume:  # an earlier version's pickles: never read
                self.db.close()
                raise InputError(str(self.path), row[0] if row else "pickle",
                                 f"only format {FORMAT} is read (older stores hold "
                                 "pickles, which could run code); run again without "
                                 "--resume to replace them", problem="refusing a run store "
                                 "of format")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (self.ident,))
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
        self.db.commit()

    def finished(self) -> dict[tuple[int, int], tuple[str, object]]:
        """``{(draw, replicate): (seed, result)}`` for every stored run.

        Every row is checked: keys are whole numbers, the seed a string of digits and
        the result a JSON record as :func:`encode` writes it; anything else is refused
        in one line naming the row.
        """
        out = {}
        try:
            rows = self.db.execute("SELECT draw, replicate, seed, result FROM runs")
            for draw, rep, seed, blob in rows:
                where = f"{self.path}: run (draw {draw!r}, replicate {rep!r})"
                if not (type(draw) is int and type(rep) is int and isinstance(seed, str)
                        and seed.isdigit() and seed.isascii()):
                    raise InputError(where, seed, "draw and replicate must be whole numbers "
                                     "and the seed a string of digits; rerun with --force "
                                     "to start this scenario again", problem="malformed "
                                     "row with seed")
                try:
                    result = decode(blob)
                except (ValueError, TypeError) as err:  # UnicodeDecodeError included
                    raise InputError(where, str(err).split("\n")[0][:200], "a stored run "
                                     f"is a JSON record (format {FORMAT}); rerun with "
                                     "--force to start this scenario again",
                                     problem="malformed stored run:") from None
                out[(draw, rep)] = (seed, result)
        except sqlite3.DatabaseError as err:
            raise InputError(str(self.path), str(err), "rerun with --force to start this "
                             "scenario again", problem="unreadable run store:") from None
        return out

    def add(self, draw: int, replicate: int, seed: int, result) -> None:
        """Store one finished run at once (a commit per run: nothing finished is lost)."""
        record = encode(result)
        with interrupts_deferred():
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?)",
                            (draw, replicate, str(seed), record))
            self.db.commit()

    def count(self) -> int:
        """Number of stored runs."""
        if self.closed_count is not None:
            return self.closed_count
        return self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def members(self) -> tuple[str, ...]:
        """The files of the scenario's set the write replaces: the store too when staged."""
        return (*RESULT_FILES, STORE) if self.staged else RESULT_FILES

    def staged_into(self, stage: Path) -> None:
        """Put a side store into ``stage`` as the folder's store (closed, then linked).

        A hard link, not a move: should the set's files fail to go into place, the side
        store still holds every run; :meth:`settle` removes its name once they have.
        """
        if not self.staged:
            return
        self._close_database()
        if not self._still_here():  # its runs are not this folder's to vouch for
            raise folder_replaced(self.directory)
        os.link(SIDE_STORE, stage / STORE, src_dir_fd=self.held)

    def settle(self) -> None:
        """After the set replaced the old one: the side store's name goes."""
        if self.staged and self.main.exists() and self.path.exists() and \
                os.path.samefile(self.main, self.path):
            self._discard(self.path)
            self.path, self.staged = self.main, False

    def discard_if_empty(self) -> None:
        """A side store that holds no run (every run failed) goes: it replaced nothing."""
        if self.staged and self.count() == 0:
            self.close()
            self._discard(self.path)

    def close(self) -> None:
        """Close the database (again: nothing more happens); a moved folder's side store goes.

        A fresh start's side store whose folder was moved away, or replaced by another
        (a link, a folder of the same name) while the command ran, is no longer in the
        folder ``--out`` names: no ``--resume`` there can take its runs, and the command
        is refused (:func:`runtime.files.replaced_together`). It is removed from the
        folder it is in (through the descriptor held since the start), so the refused
        command leaves that folder as it found it.
        """
        self._close_database()
        if self.staged and not self._still_here():
            from runtime.paths import SQLITE_SIDE_FILES

            for name in (SIDE_STORE, *(SIDE_STORE + x for x in SQLITE_SIDE_FILES)):
                try:
                    os.unlink(name, dir_fd=self.held)
                except FileNotFoundError:
                    pass

    def _close_database(self) -> None:
        if self.closed_count is None:
            self.closed_count = self.count()
            self.db.close()

    def _still_here(self) -> bool:
        """Whether the folder's name still leads to the folder this store was opened in."""
        mine = os.fstat(self.held)
        try:
            now = os.stat(self.directory)
        except OSError:
            return False
        return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)
