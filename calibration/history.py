"""``abc.db``, pyabc's SQLite history: every generation whole or absent, checked on resume.

pyabc saves a generation in one transaction (``History._save_to_population_db`` builds
the whole population in its session, then commits), but an interrupt that lands while
the population is being built leaves the half-built one in the session, and pyabc's
clean-up on the way out (``History.done``, which stores the end time) flushes and
commits it: a generation with fewer particles than the population size, from which no
run can continue. Two defences:

* :func:`saves_whole_generations` holds Ctrl-C and SIGTERM while a generation is saved
  (the interrupt takes effect as soon as the save has committed); a killed process
  leaves no half transaction behind (SQLite's journal);
* :func:`check_history`, before a run is resumed, refuses in one line a file that is
  not a whole pyabc database (empty, garbage, truncated, no observed data, another
  population size) and removes a half-saved last generation (from older versions, or
  hand edits) in one transaction, saying so.

The checks read the file with :mod:`sqlite3` directly, read-only, before pyabc opens it:
pyabc would otherwise create its tables in whatever file it is given.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from runtime.interrupts import interrupts_deferred
from runtime.paths import checked_database, not_a_regular_file
from sim.errors import InputError

TABLES = ("abc_smc", "populations", "models", "particles", "parameters", "samples",
          "summary_statistics", "version")
SQLITE_HEADER = b"SQLite format 3\x00"
# How a history that cannot go on is begun again, when it is a calibration of its own (a
# study's calibration says its own way: :func:`begun_again`).
START_AGAIN = "move it away and start again without --resume"
ELSEWHERE = "start a new calibration in another --out"  # (one of other data or models)
UNREADABLE = f"expected a calibration database written by coprod (pyabc); {START_AGAIN}"


def saves_whole_generations(history) -> None:
    """Make ``history`` (a pyabc History) save each generation with interrupts held.

    Without this, Ctrl-C while pyabc builds a generation for saving leaves it half
    built in the session, and pyabc's clean-up commits it.
    """
    save = history.append_population

    def append_population(*args, **kwargs):
        with interrupts_deferred():
            return save(*args, **kwargs)

    history.append_population = append_population


def history_path(db: Path, inside=None) -> Path:
    """``db``, checked as every writer checks its files (:func:`runtime.paths.checked_database`).

    A link in place of ``abc.db`` (or of its journal), or a path that leads out of the
    folder being written (``inside``, when given), is refused in one line: neither pyabc
    nor SQLite writes anywhere else.
    """
    return checked_database(db, inside)


def resumable(db: Path, where: str = "resume") -> Path:
    """``db``, a calibration to resume, checked without opening it (a FIFO would block).

    Missing, it is one line saying there is nothing to resume (``where``: the argument
    that asked for it); a FIFO, folder or socket in its place is one line saying it is
    not a regular file, as every reader says; a link is refused as every writer refuses
    one (:func:`history_path`).
    """
    import os
    import stat

    history_path(db)
    try:
        mode = os.stat(db, follow_symlinks=False).st_mode
    except FileNotFoundError:
        raise InputError(where, str(db), "nothing to resume there: start a calibration "
                         "first (without --resume)", problem="missing calibration") from None
    if not stat.S_ISREG(mode):
        raise not_a_regular_file(db, mode)
    return db


def history_url(db: Path, inside=None) -> str:
    """The SQLAlchemy URL pyabc opens for ``db`` (checked by :func:`history_path`)."""
    return f"sqlite:///{history_path(db, inside)}"


@contextmanager
def _connect(db: Path, *, write: bool = False):
    """A connection to ``db`` (read-only unless ``write``; never creates it), then closed."""
    mode = "rw" if write else "ro"
    con = sqlite3.connect(f"{history_path(db).as_uri()}?mode={mode}", uri=True,
                          isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def whole_generations(db: Path) -> int:
    """How many generations ``db`` holds (0 when it cannot be read): for messages."""
    try:
        with _connect(db) as con:
            run = _latest(db, con)
            return int(con.execute("SELECT COUNT(*) FROM populations WHERE abc_smc_id = ? "
                                   "AND t >= 0", (run,)).fetchone()[0])
    except (sqlite3.Error, InputError, TypeError):
        return 0


def first_generation_extreme(db: Path, names: tuple[str, ...], beyond: float) -> int:
    """How many values of ``names`` in the latest run's first generation exceed ``beyond``.

    The first generation is drawn from the prior on ABC's scale: how its tails look tells
    the scale it was drawn on (:func:`calibration.abc.check_scale`).
    """
    marks = ", ".join("?" * len(names))
    with _connect(db) as con:
        run = _latest(db, con)
        row = con.execute(
            "SELECT COUNT(*) FROM populations p JOIN models m ON m.population_id = p.id "
            "JOIN particles pa ON pa.model_id = m.id JOIN parameters pr "
            f"ON pr.particle_id = pa.id WHERE p.abc_smc_id = ? AND p.t = 0 AND pr.name IN "
            f"({marks}) AND ABS(pr.value) > ?", (run, *names, float(beyond))).fetchone()
    return int(row[0] or 0)


def latest_run(db: Path) -> int:
    """The id of the latest ABC run in ``db`` (the one a resume continues)."""
    with _connect(db) as con:
        return _latest(db, con)


def _latest(db: Path, con: sqlite3.Connection) -> int:
    row = con.execute("SELECT MAX(id) FROM abc_smc").fetchone()
    if row is None or row[0] is None:
        raise _refuse(db, "incomplete calibration database:", "no ABC run")
    return int(row[0])


def begun_again(err: InputError, remedy: str | None) -> InputError:
    """``err`` about a history, with ``remedy`` (when given) in place of starting again.

    A study's calibration is not begun again without --resume (the study then refuses to
    replace its finished calibrations): its remedy deletes that one calibration and
    resumes the study.
    """
    ending = next((e for e in (START_AGAIN, ELSEWHERE) if err.allowed.endswith(e)), None)
    if remedy is None or ending is None:
        return err
    return InputError(err.where, err.value, err.allowed.removesuffix(ending) + remedy,
                      problem=err.problem, shown=err.shown)


def _refuse(db: Path, problem: str, value: object, allowed: str = UNREADABLE):
    return InputError(str(db), value, allowed, problem=problem)


def check_history(db: Path, population_size: int) -> int:
    """Check ``db`` before resuming the run in it; the number of whole generations.

    Refuses (one :class:`InputError` naming the file and what was found) a file that is
    empty, not SQLite, damaged, not a pyabc history, without observed data, or made
    with another population size. A last generation saved only in part is removed (in
    one transaction), with one line on stderr saying so; the whole ones are kept.
    """
    db = resumable(Path(db))
    size = db.stat().st_size
    if size == 0:
        raise _refuse(db, "empty calibration database:", "0 bytes")
    with open(db, "rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    if head != SQLITE_HEADER:
        raise _refuse(db, "not a calibration database (no SQLite header), starts with",
                      head[:8])
    try:
        with _connect(db) as con:
            check = con.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _refuse(db, "damaged calibration database:", check)
            counts, removable = _generations(db, con, population_size)
            orphans = sum(con.execute(f"SELECT COUNT(*) FROM {t} WHERE {c}").fetchone()[0]
                          for t, c in ORPHANS)
    except sqlite3.Error as err:
        raise _refuse(db, "damaged calibration database:", str(err)) from None
    if removable or orphans:
        _remove(db, removable, counts, population_size, orphans)
    return len(counts) - len(removable)


def _generations(db: Path, con: sqlite3.Connection, population_size: int
                 ) -> tuple[dict[int, int], list[int]]:
    """Particles per generation, and the generations (from the first incomplete) to drop."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise _refuse(db, "not a pyabc calibration database, missing tables:",
                      ", ".join(missing))
    run = _latest(db, con)
    strategy = con.execute("SELECT population_strategy FROM abc_smc WHERE id = ?",
                           (run,)).fetchone()[0]
    try:
        made_with = json.loads(strategy)["nr_particles"]
    except (TypeError, ValueError, KeyError):
        raise _refuse(db, "damaged calibration database, population strategy",
                      str(strategy)[:80]) from None
    if made_with != population_size:
        raise _refuse(db, "started with another population size:", made_with,
                      f"this run makes {population_size} particles a generation; resume "
                      "with the settings it was started with (--quick or not)")
    observed = con.execute(
        "SELECT COUNT(*) FROM populations p JOIN models m ON m.population_id = p.id "
        "JOIN particles pa ON pa.model_id = m.id JOIN samples s ON s.particle_id = pa.id "
        "JOIN summary_statistics ss ON ss.sample_id = s.id "
        "WHERE p.abc_smc_id = ? AND p.t = -1", (run,)).fetchone()[0]
    gens = [r[0] for r in con.execute("SELECT t FROM populations WHERE abc_smc_id = ? "
                                      "AND t >= 0 ORDER BY t", (run,))]
    if not observed:
        if gens:  # pyabc stores it before the first generation: removed since
            raise _refuse(db, "damaged calibration database:", f"no observed data, though "
                          f"{len(gens)} generation(s) are recorded")
        left = next((t for t in ("particles", "samples", "parameters", "summary_statistics")
                     if con.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()), None)
        if left:  # one interrupted as it started has stored none of them
            raise _refuse(db, "damaged calibration database:", f"no observed data nor "
                          f"generations, though {left.replace('_', ' ')} are recorded")
        raise _refuse(db, "incomplete calibration database:", "no observed data",
                      f"it was interrupted as it started; {START_AGAIN}")
    if gens != list(range(len(gens))):
        raise _refuse(db, "damaged calibration database, generations", gens)
    particles = con.execute(
        "SELECT p.t, m.m, pa.id FROM populations p JOIN models m ON m.population_id = p.id "
        "JOIN particles pa ON pa.model_id = m.id WHERE p.abc_smc_id = ? AND p.t >= 0",
        (run,)).fetchall()
    parameters = dict(con.execute("SELECT particle_id, COUNT(*) FROM parameters "
                                  "GROUP BY particle_id").fetchall())
    samples = dict(con.execute("SELECT particle_id, COUNT(*) FROM samples "
                               "GROUP BY particle_id").fetchall())
    stats = dict(con.execute("SELECT s.particle_id, COUNT(*) FROM summary_statistics ss "
                             "JOIN samples s ON ss.sample_id = s.id "
                             "GROUP BY s.particle_id").fetchall())
    # A particle is whole with one sample, at least the observed statistics and as many
    # statistics and parameters as the other particles of its model (a model may carry
    # inputs drawn per simulation among its statistics: calibration.abc.FixedModel).
    per_model: dict[object, int] = {}
    stats_per_model: dict[object, int] = {}
    for _, m, pid in particles:
        per_model[m] = max(per_model.get(m, 0), parameters.get(pid, 0))
        stats_per_model[m] = max(stats_per_model.get(m, 0), stats.get(pid, 0))
    counts = Counter(t for t, _, _ in particles)
    whole = Counter(t for t, m, pid in particles
                    if samples.get(pid, 0) == 1 and stats.get(pid, 0) >= observed
                    and stats.get(pid, 0) == stats_per_model[m]
                    and parameters.get(pid, 0) == per_model[m])
    counts = {t: counts.get(t, 0) for t in gens}
    bad = [t for t in gens if counts[t] != population_size or whole.get(t, 0) != counts[t]]
    return counts, gens[gens.index(bad[0]):] if bad else []


# Rows that belong to nothing (parents first, so that one pass removes whole branches):
# pyabc never leaves them, but a new particle could take an orphan's id and its data.
ORPHANS = (("models", "population_id NOT IN (SELECT id FROM populations)"),
           ("particles", "model_id NOT IN (SELECT id FROM models)"),
           ("parameters", "particle_id NOT IN (SELECT id FROM particles)"),
           ("samples", "particle_id NOT IN (SELECT id FROM particles)"),
           ("summary_statistics", "sample_id NOT IN (SELECT id FROM samples)"))


def _remove(db: Path, generations: list[int], counts: dict[int, int],
            population_size: int, orphans: int) -> None:
    """Delete ``generations``, then every row that belongs to nothing, in one transaction."""
    first = generations[0] if generations else None
    with interrupts_deferred(), _connect(db, write=True) as con:
        run = _latest(db, con)
        con.execute("BEGIN IMMEDIATE")
        try:
            if generations:
                con.execute("DELETE FROM populations WHERE abc_smc_id = ? AND t >= ?",
                            (run, first))
            for table, condition in ORPHANS:
                con.execute(f"DELETE FROM {table} WHERE {condition}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    if first is None:
        found = f"{orphans} row(s) that belong to no generation; removed them"
    else:
        kept = f"kept generations 0 to {first - 1}" if first else "no generation was whole"
        found = (f"generation {first} was saved only in part ({counts[first]} of "
                 f"{population_size} particles, or particles without their data); removed "
                 f"{len(generations)} generation(s), {kept}")
    print(f"resume: {db}: {found}", file=sys.stderr, flush=True)
