"""Observed survey data: the shipped 2015 survey and users' own files.

Two forms of user data are accepted:

* an **aggregate table** (CSV): ``activity,n,municipality,voluntary,together`` and an
  optional ``statutory`` column; the coordinator cells hold either integer counts that sum
  to n, or rounded percentages written with a ``%`` sign (``35%``), from which the counts
  are recovered as for the printed Table 2;
* **unit-level responses** (CSV): ``unit_id,unit_type,municipality,activity,coordinator``,
  one row per unit and activity it offered; coordinator is one of ``municipality``,
  ``voluntary``, ``together``, ``several`` or ``unsure`` (the last two are dropped, as in
  the paper).

Every problem is raised as :class:`sim.errors.InputError` naming file, row, column,
value and what is allowed.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np

from runtime.files import read_text_limited
from sim.catalogue import ACTIVITY_IDS, COORDINATORS, TABLE2_IDS, UNIT_TYPES, activity
from sim.errors import InputError, UnknownNameError, printable
from sim.parameters import flag_levers
from sim.virtual_survey import FLAG_COLUMNS, shares_from_counts

DROPPED_ANSWERS = ("several", "unsure")
AGGREGATE_COLUMNS = ("activity", "n", *COORDINATORS)
UNIT_COLUMNS = ("unit_id", "unit_type", "municipality", "activity", "coordinator")
# The levers a unit-level file may record per unit: the columns 'coprod simulate' writes
# in responses.csv (sim.virtual_survey.SurveyResult.responses), so that its own output
# reads back; those of FLAG_COLUMNS are read, a lever without one (flag_agreement) passes.
RESPONSE_FLAG_COLUMNS = tuple(FLAG_COLUMNS.get(flag, f"flag_{flag}") for flag in flag_levers())
# The columns each form may hold; any other is refused (a misspelt 'local_polcy' would
# otherwise be ignored without a word).
AGGREGATE_ALLOWED = (*AGGREGATE_COLUMNS, "statutory")
UNIT_ALLOWED = (*UNIT_COLUMNS, *RESPONSE_FLAG_COLUMNS)
# Columns an error may name when it quotes a header (a file's other words are counted).
KNOWN_COLUMNS = frozenset((*AGGREGATE_ALLOWED, *UNIT_ALLOWED))
MAX_COUNT = 100_000  # units per activity: far above any survey of care units in Norway
# Units in a unit-level file: Norway has a few thousand nursing homes and home-care
# services, so 50,000 is far above any real survey, and resampling whole units costs
# time in proportion to units × replications.
MAX_UNITS = 50_000
MAX_FIELD = 10_000  # characters in one CSV cell (an id or a name is a few dozen)
_WHOLE = re.compile(r"[+-]?[0-9]+")  # no '_' separators: '1_0' is not read as 10
MAX_COMMENTS, MAX_COMMENT = 20, 200  # leading '#' lines kept, and characters of each
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class SurveyTable:
    """Coordination counts per activity: the shape of the paper's Table 2.

    ``counts[i, j]`` is the number of units whose activity ``activities[i]`` is coordinated
    by ``COORDINATORS[j]``; ``n = counts.sum(axis=1)``.
    """

    activities: tuple[str, ...]
    counts: np.ndarray
    statutory: np.ndarray
    source: str
    notes: tuple[str, ...] = ()
    # Answers 'unsure'/'several' dropped per activity, when the file records them (a
    # unit-level file); None for an aggregate table (the paper's prints only a range).
    dropped: np.ndarray | None = None

    @property
    def n(self) -> np.ndarray:
        """Units answering for each activity (after dropping unsure/several)."""
        return self.counts.sum(axis=1)

    @property
    def shares(self) -> np.ndarray:
        """Share of units per coordinator, rows summing to 1."""
        return shares_from_counts(self.counts)

    def rows(self, activity_ids) -> list[int]:
        """Row of each id in ``activity_ids`` in this table (unknown ids: project error)."""
        index = {a: i for i, a in enumerate(self.activities)}
        missing = [a for a in activity_ids if a not in index]
        if missing:
            raise UnknownNameError(f"{self.source}: activity", missing[0], self.activities,
                                   problem="missing activity")
        return [index[a] for a in activity_ids]

    def to_frame(self):
        """Tidy table: activity, statutory, n, counts and shares per coordinator."""
        import pandas as pd

        df = pd.DataFrame(self.counts, columns=list(COORDINATORS))
        df.insert(0, "activity", self.activities)
        df.insert(1, "statutory", self.statutory)
        df.insert(2, "n", self.n)
        for j, c in enumerate(COORDINATORS):
            df[f"{c}_share"] = self.shares[:, j]
        return df


@dataclass(frozen=True)
class UnitResponses:
    """Unit-level answers: one coordinator code per unit and activity (-1 = not offered).

    ``codes[u, a]`` indexes ``COORDINATORS`` for unit ``unit_ids[u]`` and activity
    ``activities[a]``; dropped answers (unsure/several) are -1 and counted in ``dropped``.
    """

    unit_ids: tuple[str, ...]
    unit_types: tuple[str, ...]
    activities: tuple[str, ...]
    codes: np.ndarray
    statutory: np.ndarray
    source: str
    dropped: dict[str, int] = field(default_factory=dict)
    unit_munis: tuple[str, ...] = ()  # each unit's municipality, as the file names it
    # Levers recorded per unit's municipality (FLAG_COLUMNS: local_policy,
    # volunteer_centre, municipal_service), 0/1 per unit, when the file has the column.
    unit_flags: dict[str, tuple[int, ...]] = field(default_factory=dict)
    comments: tuple[str, ...] = ()  # the file's leading '#' lines, without the '#'

    def indicators(self) -> np.ndarray:
        """Per-unit count arrays, shape (units, activities, 3), entries 0 or 1."""
        ind = np.zeros((*self.codes.shape, len(COORDINATORS)))
        u, a = np.nonzero(self.codes >= 0)
        ind[u, a, self.codes[u, a]] = 1.0
        return ind

    def to_table(self) -> SurveyTable:
        """Aggregate to counts per activity and coordinator."""
        counts = self.indicators().sum(axis=0).astype(int)
        notes = tuple(
            f"{a}: {k} answer(s) 'unsure'/'several' dropped" for a, k in self.dropped.items() if k
        )
        dropped = np.array([self.dropped.get(a, 0) for a in self.activities], dtype=int)
        return SurveyTable(self.activities, counts, self.statutory, self.source, notes,
                           dropped)


def _shipped_toml() -> dict:
    with resources.files("calibration.data").joinpath("survey2015.toml").open("rb") as fh:
        return tomllib.load(fh)


class CountVectors(Sequence):
    """Every count vector ``(municipality, voluntary, together)`` that fits a rounded row.

    A read-only sequence in the order of the nested enumeration (first count, then
    second), computed on demand: with n = 100,000 a row can fit a million vectors, which
    are counted and indexed here without being built.
    """

    def __init__(self, n: int, first: range, spans: list[tuple[int, int]]):
        self.n = n
        self._firsts = [a for a, (lo, hi) in zip(first, spans, strict=True) if hi > lo]
        self._spans = [(lo, hi) for lo, hi in spans if hi > lo]
        self._starts = [0]
        for lo, hi in self._spans:
            self._starts.append(self._starts[-1] + hi - lo)

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        k = bisect.bisect_right(self._starts, index) - 1
        a, b = self._firsts[k], self._spans[k][0] + index - self._starts[k]
        return (a, b, self.n - a - b)

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    def closest(self, percent: dict[str, float]) -> tuple[int, int, int]:
        """The vector closest to the printed percentages (least squares; first on ties).

        For each first count the squared distance is a parabola in the second, so only
        the two whole numbers around its vertex (clipped to the window) are candidates.
        """
        target = np.array([float(percent[c]) for c in COORDINATORS])
        n = self.n
        best, best_cost = None, math.inf
        for a, (lo, hi) in zip(self._firsts, self._spans, strict=True):
            t2, t3 = target[1] * n / 100, target[2] * n / 100
            vertex = (t2 + n - a - t3) / 2
            for b in sorted({min(max(math.floor(vertex), lo), hi - 1),
                             min(max(math.ceil(vertex), lo), hi - 1)}):
                c = (a, b, n - a - b)
                cost = float(np.sum((100 * np.array(c) / n - target) ** 2))
                if cost < best_cost:
                    best, best_cost = c, cost
        return best


def recover_counts(n: int, percent: dict[str, float], *, where: str = "table"
                   ) -> CountVectors:
    """Every integer count vector consistent with ``n`` and rounded ``percent``.

    A count k is consistent with a printed percentage p when ``|100 k / n - p| <= 0.5``
    (either tie rule). Returns all vectors ``(municipality, voluntary, together)`` with
    consistent entries summing to n, as a sequence computed on demand; raises
    :class:`InputError` when there is none. Exact rational arithmetic, so no float
    rounding can add or lose a candidate.
    """
    # Each count lies in a window around p n / 100; the last is fixed by the sum, so
    # the search is over two windows, not all of 0..n (which hung for large n), and the
    # vectors are counted per first count, not listed (a million at n = 100,000).
    windows = []
    for c in COORDINATORS:
        p = Fraction(str(percent[c]))
        lo = max(0, math.ceil((p - Fraction(1, 2)) * n / 100))
        hi = min(n, math.floor((p + Fraction(1, 2)) * n / 100))
        windows.append(range(lo, hi + 1))
    first, second, third = windows
    spans = []
    for a in first:  # in the order itertools.product gave: the first stays the first
        low = max(second.start, n - a - third.stop + 1)
        high = min(second.stop, n - a - third.start + 1)
        spans.append((low, max(low, high)))
    candidates = CountVectors(n, first, spans)
    if not len(candidates):
        shown = ", ".join(f"{c}={percent[c]}%" for c in COORDINATORS)
        raise InputError(
            where, shown,
            f"no integer counts summing to n={n} round to these percentages",
            problem="inconsistent value",
        )
    return candidates


def _table_from_rows(rows: list[dict], source: str) -> SurveyTable:
    """Build a table from parsed rows with either counts or percentages."""
    activities, counts, statutory, notes = [], [], [], []
    for row in rows:
        if "percent" in row:
            cands = recover_counts(row["n"], row["percent"], where=row["where"])
            # Several vectors can round to the printed percentages: take the one closest
            # to them (least squares), and say so.
            best = cands.closest(row["percent"])
            if len(cands) > 1:
                notes.append(
                    f"{row['activity']}: {len(cands):,} count vectors fit the rounding "
                    f"({'; '.join('/'.join(map(str, c)) for c in cands[:3])}"
                    f"{'; ...' if len(cands) > 3 else ''}); using the closest to the "
                    f"printed percentages, {'/'.join(map(str, best))}"
                )
            counts.append(best)
        else:
            counts.append(tuple(row["counts"][c] for c in COORDINATORS))
        activities.append(row["activity"])
        statutory.append(row["statutory"])
    return SurveyTable(
        tuple(activities), np.array(counts, dtype=int), np.array(statutory, dtype=bool),
        source, tuple(notes),
    )


PAPER_SOURCE = "Andfossen (2020), Table 2"


def dropped_shares(table: SurveyTable) -> tuple[np.ndarray | None, str | None]:
    """Each activity's share of answers dropped as 'unsure'/'several', and its source.

    ``(shares, "the survey file")`` when the table records its dropped answers;
    ``(None, "paper")`` for the paper's Table 2 (it prints only a range, 0 to 35%);
    ``(None, None)`` for a user's aggregate table, which does not record them.
    """
    if table.dropped is not None:
        total = table.n + table.dropped
        return np.divide(table.dropped, total, out=np.zeros(len(total)),
                         where=total > 0), "the survey file"
    if table.source == PAPER_SOURCE:
        return None, "paper"
    return None, None


def load_table2() -> SurveyTable:
    """The paper's Table 2 with counts recovered from n and the printed percentages."""
    rows = []
    for i, entry in enumerate(_shipped_toml()["table2"], start=1):
        rows.append({
            "activity": entry["activity"], "n": entry["n"], "percent": entry["percent"],
            "statutory": activity(entry["activity"]).statutory,
            "where": f"survey2015.toml: table2 entry {i} ({entry['activity']})",
        })
    return _table_from_rows(rows, PAPER_SOURCE)


def _read_table(path: Path, required: tuple[str, ...], allowed: tuple[str, ...]):
    """Read a CSV whose header holds the ``required`` columns and no others than ``allowed``.

    An unknown column (a misspelling) is refused, naming it and the allowed columns: it
    would otherwise be ignored without a word.
    """
    header, rows, comments = _read_csv(path)
    optional = [c for c in allowed if c not in required]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: header", _shown(header),
                         f"required columns: {', '.join(required)}"
                         + (f" (optional: {', '.join(optional)})" if optional else "")
                         + "; missing: " + ", ".join(missing))
    unknown = [h for h in header if h not in allowed]
    if unknown:  # the file has every required column: a survey file, its words may show
        more = f" ({len(unknown) - 1} more unknown)" if len(unknown) > 1 else ""
        raise InputError(f"{path}: header", unknown[0], f"allowed columns: "
                         f"{', '.join(allowed)}{more}", problem="unknown column")
    for line, row in rows:
        if None in row:  # DictReader's key for the cells beyond the header
            raise InputError(f"{path}: row {line}", f"{len(header) + len(row[None])} cells",
                             f"allowed: at most {len(header)}, one per column of the "
                             "header", problem="more cells than the header names:")
    return header, rows, comments


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]],
                                   tuple[str, ...]]:
    """Header, rows and leading comment lines of a CSV file (checked, one-line errors).

    Each row comes with its line in the file, as an editor numbers it (comments and blank
    lines counted), for messages that name it.
    """
    if not path.exists():
        raise InputError(str(path), str(path), "the file must exist", problem="missing file")
    try:
        text = read_text_limited(path, encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"byte {err.start}", "the file must be UTF-8 text",
                         problem="undecodable content at") from None
    # Lines as an editor and the csv module end them: a form feed or U+2028 inside a
    # comment is part of it (str.splitlines ended the comment there, and read the rest
    # of its line as the header).
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    first = next((i for i, line in enumerate(lines)
                  if line.strip() and not line.lstrip().startswith("#")), len(lines))
    comments = _comments(lines[:first])
    lines = lines[first:]
    # Strict: a quote left open is an error, not a field that swallows the rest of the
    # file; every record is one line (a quoted line break would join two).
    reader = csv.DictReader(io.StringIO("\n".join(lines)), strict=True)
    start = 1  # the line of the file (after its comments) where the record began
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        if not header:
            raise InputError(str(path), "", "a CSV header row is required",
                             problem="empty file")
        _one_line(path, first + reader.line_num, header, ["header"] * len(header))
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            known = [h for h in repeated if h in KNOWN_COLUMNS]
            raise InputError(f"{path}: header", ", ".join(known) if known else
                             f"{len(repeated)} column name(s)", "each column once",
                             problem="repeated column")
        reader.fieldnames = header
        rows = []
        start = reader.line_num + 1
        for row in reader:
            cells = [v for k, v in row.items() if k is not None and isinstance(v, str)]
            names = [k for k, v in row.items() if k is not None and isinstance(v, str)]
            _one_line(path, first + reader.line_num, cells, names)
            rows.append((first + reader.line_num, row))
            start = reader.line_num + 1
    except csv.Error as err:  # an open quote at the end, a field over csv's 128 KiB limit
        if "unexpected end of data" in str(err):
            raise InputError(f"{path}: line {first + start}", '"', "close the quote or "
                             "remove it (a quoted field ends on its own line)",
                             problem="unterminated quote: a field opens with") from None
        if "expected after" in str(err):  # text after a closing quote: "m1"x
            raise InputError(f"{path}: line {first + start}", '"', "quotes only around a "
                             'whole field ("a, b"), one inside a field doubled ("")',
                             problem="unreadable CSV: a stray quote") from None
        raise InputError(f"{path}: line {first + start}", str(err), "a CSV of short "
                         f"fields (at most {MAX_FIELD:,} characters each)",
                         problem="unreadable CSV:") from None
    for line, row in rows:
        for column, value in row.items():
            if column is None or value is None:  # more or fewer cells than the header
                continue
            if len(value) > MAX_FIELD:
                raise InputError(_cell(path, line, column), f"{len(value):,} characters",
                                 f"allowed: at most {MAX_FIELD:,}", problem="too long a "
                                 "value:")
            if not value.replace("\t", " ").isprintable():  # a NUL or terminal escape
                raise InputError(_cell(path, line, column), value, "allowed: printable "
                                 "text (no control characters)", problem="control "
                                 "character in")
    if not rows:
        raise InputError(str(path), "", "at least one data row is required",
                         problem="no data rows after the header")
    return header, rows, tuple(comments)


def _comments(lines: list[str]) -> list[str]:
    """A file's leading '#' lines (blank lines among them skipped), for the outputs.

    A file says what it is (that it is synthetic, whose answers); each line is kept
    printable, at most :data:`MAX_COMMENT` characters, at most :data:`MAX_COMMENTS`
    lines: what is cut is said where it was cut ("…", "(3 more comment lines)").
    """
    said = [printable(line.lstrip()[1:].strip()) for line in lines if line.strip()]
    said = [c if len(c) <= MAX_COMMENT else c[:MAX_COMMENT - 1] + "…" for c in said if c]
    if len(said) > MAX_COMMENTS:
        said = [*said[:MAX_COMMENTS - 1], f"({len(said) - MAX_COMMENTS + 1} more comment "
                "lines, not kept)"]
    return said


def _one_line(path: Path, end: int, cells: list[str], columns: list[str]) -> None:
    """Refuse a record holding a quoted line break (it would join two lines in one).

    ``end`` is the line of the file where the record ended; the message names the line
    where it began.
    """
    broken = [(k, c) for k, c in zip(columns, cells, strict=True) if "\n" in c or "\r" in c]
    if not broken:
        return
    line = end - sum(c.count("\n") for c in cells)
    column = broken[0][0]
    place = f", column '{column}'" if column in KNOWN_COLUMNS else ""
    raise InputError(f"{path}: line {line}{place}", "a line break", "one record per line; "
                     "remove the line break (or a stray quote) from the field",
                     problem="a quoted field holds")


def _bool_cell(where: str, value: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    raise InputError(where, value, "allowed: true/false, yes/no, 1/0")


def _int_cell(where: str, value: str, *, minimum: int = 0) -> int:
    allowed = f"allowed: a whole number >= {minimum} (at most {MAX_COUNT:,})"
    if not _WHOLE.fullmatch(value.strip()) or len(value.strip()) > 18:
        raise InputError(where, value, allowed)
    k = int(value.strip())
    if not minimum <= k <= MAX_COUNT:
        raise InputError(where, value, allowed)
    return k


def _cell(path: Path, line: int, column: str) -> str:
    return f"{path}: row {line}, column '{column}'"


def load_aggregate(path: str | Path) -> SurveyTable:
    """Load an aggregate table (counts or ``%`` percentages per coordinator)."""
    path = Path(path)
    header, rows, _ = _read_table(path, AGGREGATE_COLUMNS, AGGREGATE_ALLOWED)
    parsed, seen = [], set()
    for line, raw in rows:
        act = (raw["activity"] or "").strip()
        if not act:
            raise InputError(_cell(path, line, "activity"), act, "an activity id is required")
        if act in seen:
            raise InputError(_cell(path, line, "activity"), act, "each activity once",
                             problem="duplicate value")
        seen.add(act)
        if "statutory" in header and (raw.get("statutory") or "").strip():
            statutory = _bool_cell(_cell(path, line, "statutory"), raw["statutory"])
        elif act in ACTIVITY_IDS:
            statutory = activity(act).statutory
        else:
            raise InputError(_cell(path, line, "statutory"), "",
                             f"activity {act!r} is not in the catalogue, so its statutory "
                             "status must be given (true/false)", problem="missing value")
        n = _int_cell(_cell(path, line, "n"), raw["n"] or "", minimum=1)
        cells = {c: (raw[c] or "").strip() for c in COORDINATORS}
        is_pct = [v.endswith("%") for v in cells.values()]
        row = {"activity": act, "n": n, "statutory": statutory,
               "where": f"{path}: row {line}"}
        if all(is_pct):
            pct = {}
            for c, v in cells.items():
                if not _NUMBER.fullmatch(v[:-1].strip()):
                    raise InputError(_cell(path, line, c), v,
                                     "allowed: a percentage such as 35%")
                pct[c] = float(v[:-1])
                if not 0 <= pct[c] <= 100:
                    raise InputError(_cell(path, line, c), v, "allowed: 0% to 100%")
            row["percent"] = pct
        elif any(is_pct):
            c = next(c for c, p in zip(COORDINATORS, is_pct, strict=True) if not p)
            raise InputError(_cell(path, line, c), cells[c],
                             "a row holds either counts or percentages (with %), not both")
        else:
            row["counts"] = {c: _int_cell(_cell(path, line, c), v) for c, v in cells.items()}
            total = sum(row["counts"].values())
            if total != n:
                raise InputError(_cell(path, line, "n"), n,
                                 f"counts {'/'.join(cells.values())} sum to {total}; "
                                 "n must equal their sum", problem="inconsistent value")
        parsed.append(row)
    return _table_from_rows(parsed, str(path))


def load_units(path: str | Path) -> UnitResponses:
    """Load unit-level responses (one row per unit and offered activity).

    A responding unit that offered none of the activities is one row with ``activity``
    and ``coordinator`` both empty: it counts when whole units are resampled.
    """
    path = Path(path)
    header, rows, comments = _read_table(path, UNIT_COLUMNS, UNIT_ALLOWED)
    allowed_coord = (*COORDINATORS, *DROPPED_ANSWERS)
    flag_columns = [c for c in FLAG_COLUMNS.values() if c in header]
    units: dict[str, tuple[str, str]] = {}
    flags: dict[str, dict[str, int]] = {c: {} for c in flag_columns}
    answers: dict[tuple[str, str], int] = {}
    dropped: dict[str, int] = {}
    for line, raw in rows:
        vals = {c: (raw.get(c) or "").strip() for c in UNIT_COLUMNS}
        for column in flag_columns:
            value = (raw.get(column) or "").strip()
            if value not in ("0", "1"):
                raise InputError(_cell(path, line, column), value, "allowed: 1 (the "
                                 "unit's municipality held it at the survey) or 0")
            if flags[column].setdefault(vals["unit_id"], int(value)) != int(value):
                raise InputError(_cell(path, line, column), value, f"unit "
                                 f"{vals['unit_id']!r} was given {flags[column][vals['unit_id']]}"
                                 " earlier; one value per unit", problem="conflicting value")
        nothing_offered = not vals["activity"] and not vals["coordinator"]
        for c in UNIT_COLUMNS:
            if not vals[c] and not (nothing_offered and c in ("activity", "coordinator")):
                raise InputError(_cell(path, line, c), "", "a value is required (a unit "
                                 "that offered no activity leaves both activity and "
                                 "coordinator empty)", problem="empty value")
        if vals["unit_type"] not in UNIT_TYPES:
            raise InputError(_cell(path, line, "unit_type"), vals["unit_type"],
                             "allowed: " + ", ".join(UNIT_TYPES))
        uid = vals["unit_id"]
        key = (vals["unit_type"], vals["municipality"])
        if units.setdefault(uid, key) != key:
            raise InputError(_cell(path, line, "unit_type"), f"{key[0]}/{key[1]}",
                             f"unit {uid!r} was given as {units[uid][0]} in "
                             f"{units[uid][1]} earlier; a unit has one type and municipality",
                             problem="conflicting value")
        if nothing_offered:
            continue
        if vals["activity"] not in ACTIVITY_IDS:
            raise InputError(_cell(path, line, "activity"), vals["activity"],
                             "allowed: " + ", ".join(ACTIVITY_IDS))
        if vals["coordinator"] not in allowed_coord:
            raise InputError(_cell(path, line, "coordinator"), vals["coordinator"],
                             "allowed: " + ", ".join(allowed_coord))
        if (uid, vals["activity"]) in answers:
            raise InputError(_cell(path, line, "activity"), vals["activity"],
                             f"unit {uid!r} answers for each activity once",
                             problem="duplicate value")
        if vals["coordinator"] in DROPPED_ANSWERS:
            dropped[vals["activity"]] = dropped.get(vals["activity"], 0) + 1
            answers[(uid, vals["activity"])] = -1
        else:
            answers[(uid, vals["activity"])] = COORDINATORS.index(vals["coordinator"])
    unit_ids = tuple(units)
    if len(unit_ids) > MAX_UNITS:
        raise InputError(f"{path}: column 'unit_id'", f"{len(unit_ids):,} units",
                         f"allowed: at most {MAX_UNITS:,} units in one file",
                         problem="too many units:")
    if not answers:
        raise InputError(f"{path}: column 'activity'", "empty in every row", "at least one "
                         "unit must have offered an activity (rows with activity and "
                         "coordinator empty are units that offered none)",
                         problem="no activity offered:")
    # Table 2's order first, then the rest of the catalogue.
    order = (*TABLE2_IDS, *(a for a in ACTIVITY_IDS if a not in TABLE2_IDS))
    present = {k[1] for k in answers}
    acts = tuple(a for a in order if a in present)
    codes = np.full((len(unit_ids), len(acts)), -1, dtype=int)
    u_index = {u: i for i, u in enumerate(unit_ids)}
    a_index = {a: i for i, a in enumerate(acts)}
    for (uid, act), code in answers.items():
        codes[u_index[uid], a_index[act]] = code
    answered = (codes >= 0).sum(axis=0)
    if (answered == 0).any():
        empty = [a for a, k in zip(acts, answered, strict=True) if k == 0]
        raise InputError(f"{path}: column 'coordinator'", "unsure/several",
                         "each activity needs at least one municipality/voluntary/together "
                         "answer; none for: " + ", ".join(empty), problem="no usable value")
    by_muni: dict[tuple[str, str], int] = {}
    for column, held in flags.items():
        for uid, value in held.items():
            key = (column, units[uid][1])
            if by_muni.setdefault(key, value) != value:
                raise InputError(f"{path}: column '{column}'", f"unit {uid!r}: {value}",
                                 f"units of municipality {units[uid][1]!r} disagree; a "
                                 "municipality holds a lever or not", problem="conflicting "
                                 "value:")
    return UnitResponses(
        unit_ids, tuple(units[u][0] for u in unit_ids), acts, codes,
        np.array([activity(a).statutory for a in acts]), str(path),
        {a: dropped.get(a, 0) for a in acts}, tuple(units[u][1] for u in unit_ids),
        {c: tuple(held[u] for u in unit_ids) for c, held in flags.items()},
        comments,
    )


def load_survey(path: str | Path | None = None) -> SurveyTable | UnitResponses:
    """Load the shipped Table 2 (``path=None``) or a user file, detecting its form."""
    if path is None:
        return load_table2()
    path = Path(path)
    header, _, _ = _read_csv(path)
    # 'municipality' and 'activity' belong to both forms; the others tell them apart.
    units = [c for c in UNIT_COLUMNS if c in header and c not in AGGREGATE_COLUMNS]
    aggregate = [c for c in AGGREGATE_COLUMNS if c in header and c not in UNIT_COLUMNS]
    if units and aggregate:
        raise InputError(f"{path}: header", _shown(header), "a file is either an aggregate "
                         f"table ({','.join(AGGREGATE_COLUMNS)}) or unit-level responses "
                         f"({','.join(UNIT_COLUMNS)}); it has aggregate columns "
                         f"{','.join(aggregate)} and unit-level columns {','.join(units)}",
                         problem="mixed columns in")
    if "unit_id" in header:
        return load_units(path)
    if "n" in header:
        return load_aggregate(path)
    raise InputError(f"{path}: header", _shown(header),
                     f"expected an aggregate table ({','.join(AGGREGATE_COLUMNS)}) or "
                     f"unit-level responses ({','.join(UNIT_COLUMNS)})",
                     problem="not a survey file: its first line names")


def _shown(header: list[str]) -> str:
    """A header as an error may quote it: the survey columns it names, others counted.

    A file that is not a survey (a link to ``/etc/passwd``) is never echoed.
    """
    known = [h for h in header if h in KNOWN_COLUMNS]
    others = len(header) - len(known)
    words = known + ([f"{others} other column(s)"] if others else [])
    return ", ".join(words) if known else f"{len(header)} column(s), none of a survey's"
