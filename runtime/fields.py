"""What a field of a record coprod wrote may hold: the one set of checks every reader shares.

A manifest read back is a user's file like any other: each reader checks the fields it
uses, through :class:`Fields` (``fields(key, fits, allowed, default)``), which refuses a
value not allowed in one line naming the file, the field, the value and what is allowed.
The predicates (``fits``) live here once: :func:`number`, :func:`finite`, :func:`whole`,
:func:`whole_equal`, :func:`between`, :func:`text`, :func:`texts`, :func:`one_of`,
:func:`listed`, :func:`printable_text`, :func:`timestamp`, :func:`seed`,
:func:`duration`, :func:`flag`, :func:`optional`, :func:`exactly`; a refused value is
shown as its file writes it (:func:`as_json`), and a value compared with a record is
first made what the record holds (:func:`as_record`). The checks of a table's cells that no
single column's bounds express (each key once and known, whole numbers, no blank) are
here too (:func:`check_keys`, :func:`check_whole`, :func:`check_filled`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path

from runtime.files import at_row
from runtime.words import again_with
from sim.errors import InputError

Predicate = Callable[[object], bool]


def number(value) -> bool:
    """A number as JSON holds one: int or float, not True/False."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(value) -> bool:
    """A :func:`number` that is neither NaN nor infinite (1e400 reads as infinite).

    A whole number past any float (JSON holds 10**400 as one) is not finite either:
    nothing coprod computes with it could be.
    """
    if not number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # int too large to convert to float
        return False


def whole(low: int = 0, high: float = math.inf) -> Predicate:
    """Whole numbers (int, not bool, not 2.0) from ``low`` to ``high``."""
    return lambda value: (isinstance(value, int) and not isinstance(value, bool)
                          and low <= value <= high)


def whole_equal(n: int) -> Predicate:
    """The whole number ``n`` itself (not ``4.0``, not ``True``, not ``"4"``)."""
    return whole(n, n)


def between(low: float, high: float) -> Predicate:
    """Finite numbers from ``low`` to ``high``."""
    return lambda value: finite(value) and low <= value <= high


def flag(value) -> bool:
    """True or False (not 1, not "no")."""
    return isinstance(value, bool)


def optional(fits: Predicate) -> Predicate:
    """None (JSON's null: a value not recorded), or what ``fits`` allows."""
    return lambda value: value is None or fits(value)


def text(value) -> bool:
    """A string."""
    return isinstance(value, str)


def printable_text(value) -> bool:
    """A string without control characters (no terminal escape, no NUL)."""
    return isinstance(value, str) and value.isprintable()


MAX_SEED = 2**63 - 1  # a root seed, as the command line and the library take it


def seed(value) -> bool:
    """A root seed: a whole number from 0 to :data:`MAX_SEED` (not True, not "1")."""
    return whole(0, MAX_SEED)(value)


LONGEST_S = 1e8  # seconds (three years): a recorded duration past it is no measurement
DURATION = f"a number of seconds from 0 to {LONGEST_S:.0e}"  # what :func:`duration` allows


def duration(value) -> bool:
    """A number of seconds a run or a calibration took: from 0 to :data:`LONGEST_S`."""
    return finite(value) and 0 <= value <= LONGEST_S


def timestamp(value) -> bool:
    """An ISO-8601 date and time with its offset, as coprod writes ``date``."""
    from datetime import datetime

    if not isinstance(value, str) or not 10 <= len(value) <= 40 or not value.isascii():
        return False
    try:
        return "T" in value and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def texts(value) -> bool:
    """A list of strings."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def one_of(values) -> Predicate:
    """One of ``values`` (strings compared as strings: 1 is not '1')."""
    values = tuple(values)
    return lambda value: isinstance(value, str | int | float | type(None)) and \
        not isinstance(value, bool) and value in values


def listed(each: Predicate, *, least: int = 0) -> Predicate:
    """A list of at least ``least`` items, each one ``each`` allows."""
    return lambda value: isinstance(value, list) and len(value) >= least and \
        all(each(v) for v in value)


def exactly(expected) -> Predicate:
    """The JSON value ``expected`` itself, kinds included (1 is not 1.0, not true).

    Lists and objects compare item by item; a tuple stands for a list. Numbers as JSON
    writes them: -0.0 is not 0.0, NaN is NaN.
    """
    def same(a, b) -> bool:
        if isinstance(b, tuple):
            b = list(b)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if type(a) is float and type(b) is float:
            return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (
                math.isnan(a) and math.isnan(b))
        return type(a) is type(b) and a == b
    return lambda value: same(value, expected)


def as_record(value):
    """``value`` as a JSON record holds it once written and read back.

    numpy's numbers become Python's, tuples lists, keys text: what :func:`exactly`
    compares a record's field with. Anything JSON cannot hold is a ``TypeError`` (an
    integer too long to write too).
    """
    def plain(v):
        import numpy as np

        if isinstance(v, np.generic):
            return v.item()
        raise TypeError(f"{type(v).__name__} is not JSON")
    try:
        return json.loads(json.dumps(value, default=plain))
    except ValueError as err:  # an int past Python's limit for writing it
        raise TypeError(f"not JSON: {err}") from None


def as_json(value) -> str | None:
    """``value`` as a JSON file writes it (``null``, ``true``, ``"Tromsø"``, ``NaN``).

    None if it is not JSON. Python's reader writes NaN and Infinity as they were read
    (``1e400`` reads as Infinity); control characters are left to the message's
    sanitiser (:func:`sim.errors.printable`).
    """
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


_MISSING = object()


class Fields:
    """A reader of ``record``'s fields that refuses, in one line, a value not allowed.

    ``path``: the file the record came from; ``remake``: the command that makes it
    again. ``fields(key, fits, allowed, default)`` is the value when ``fits(value)``
    (``default`` when the field is absent and one is given; a list as a tuple), else an
    :class:`InputError` naming the file, the field, the value and ``allowed``.
    """

    def __init__(self, record: Mapping, path: str | Path, remake: str):
        self.record, self.path, self.remake = record, str(path), remake

    def refuse(self, key: str, value, allowed: str, *, problem: str = "invalid value"
               ) -> InputError:
        """The one line refusing ``value`` of the field ``key``."""
        return InputError(f"{self.path}: field '{key}'", value,
                          f"allowed: {allowed}; {again_with(self.remake)}",
                          problem=problem, shown=as_json(value))

    def __call__(self, key: str, fits: Predicate, allowed: str, default=_MISSING):
        """The field ``key`` when ``fits`` allows it (see the class)."""
        value = self.record.get(key, _MISSING)
        if value is _MISSING and default is _MISSING:
            raise InputError(self.path, key, f"allowed: {allowed}; {again_with(self.remake)}",
                             problem="missing field")
        if value is _MISSING:
            value = default
        elif not fits(value):
            raise self.refuse(key, value, allowed)
        return tuple(value) if isinstance(value, list) else value

    def same(self, key: str, expected, allowed: str, *, problem: str = "invalid value"):
        """The field ``key`` when it holds ``expected`` itself (:func:`exactly`).

        ``expected`` is compared as its record would hold it (:func:`as_record`), kinds
        included (``false`` is not ``0``, ``0`` is not ``0.0``). Absent, the field is
        refused as missing; another value is refused with ``problem`` (what a record
        holding it is, e.g. "a calibration begun as") and ``allowed``.
        """
        self(key, lambda _: True, allowed)  # absent: refused as a missing field
        value = self.record[key]
        if not exactly(as_record(expected))(value):
            raise self.refuse(key, value, allowed, problem=problem)
        return tuple(value) if isinstance(value, list) else value  # as __call__ gives it

    def only(self, keys, *, problem: str = "invalid value") -> None:
        """Refuse the first field not among ``keys``: no record of its kind holds it."""
        extra = next((k for k in self.record if k not in keys), None)
        if extra is not None:
            raise self.refuse(extra, self.record[extra], "no such field: the record holds "
                              + ", ".join(keys), problem=problem)


# ---- cells of a table coprod wrote ----------------------------------------------------
def _cell(path, frame, row: int, column: str, allowed: str, remake: str, *,
          problem: str = "invalid value") -> InputError:
    return InputError(f"{at_row(path, row)}, column '{column}'",
                      str(frame[column].iloc[row]),
                      f"allowed: {allowed}; {again_with(remake)}", problem=problem)


def check_keys(frame, path: str | Path, remake: str, keys: Mapping[str, tuple | None], *,
               problem: str | None = None) -> None:
    """Each row's key (the ``keys`` columns) once, each column's value one of its own.

    ``keys``: column -> the values it may hold (text, compared as text: an escape or a
    NUL in a name is no name), or None for any printable text. A key repeated, or a
    value not allowed, is one line naming the file, row, column, value and what is
    allowed (``problem``: the words before the value, for both).
    """
    columns = list(keys)
    check_printable(frame, path, remake, [c for c, v in keys.items() if v is None])
    for column, values in keys.items():
        if values is None:
            continue
        allowed = {str(v) for v in values}
        bad = ~frame[column].astype(str).isin(allowed).to_numpy()
        if bad.any():
            raise _cell(path, frame, int(bad.argmax()), column, "one of "
                        + ", ".join(map(str, values)), remake,
                        problem=problem or "invalid value")
    repeated = frame.duplicated(columns).to_numpy()
    if repeated.any():
        row = int(repeated.argmax())
        raise InputError(f"{at_row(path, row)}, columns {', '.join(columns)}",
                         ", ".join(str(frame[c].iloc[row]) for c in columns),
                         f"allowed: each {', '.join(columns)} once; "
                         f"{again_with(remake)}", problem=problem or "repeated")


def check_printable(frame, path: str | Path, remake: str, columns) -> None:
    """The text ``columns`` of a table without control characters (:func:`printable_text`)."""
    for column in (c for c in columns if c in frame.columns):
        bad = ~frame[column].astype(str).map(str.isprintable).to_numpy(bool)
        if bad.any():
            raise _cell(path, frame, int(bad.argmax()), column, "printable text (no "
                        "control characters)", remake)


def check_whole(frame, path: str | Path, remake: str, columns) -> None:
    """The numeric ``columns`` (read as numbers) whole numbers where they hold one."""
    import numpy as np

    for column in (c for c in columns if c in frame.columns):
        values = frame[column].to_numpy(float)
        bad = np.isfinite(values) & (values != np.round(values))
        if bad.any():
            raise _cell(path, frame, int(bad.argmax()), column, "a whole number", remake)


def check_filled(frame, path: str | Path, remake: str, columns) -> None:
    """The ``columns`` hold a value in every row (a blank is no count, no share)."""
    for column in (c for c in columns if c in frame.columns):
        bad = frame[column].isna().to_numpy()
        if bad.any():
            raise InputError(f"{at_row(path, int(bad.argmax()))}, column '{column}'", "",
                             "allowed: a value (coprod writes one in every row); "
                             f"{again_with(remake)}", problem="blank value")


# ---- numbers as coprod writes them (%.6g) -------------------------------------------------
def _half_unit(x):
    """Half a unit of the sixth significant digit of ``x``: how far %.6g may move it."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        half = 0.5 * 10.0 ** (np.floor(np.log10(np.abs(x))) - 5)
    return np.where(np.isfinite(half), half, 0.0)


def equal_as_written(a, b, *others):
    """Where ``a - b`` (less ``others``) may be zero, every value rounded by %.6g.

    ``others``: further rounded values in the difference (``error`` against ``est -
    true``). Each value moves by at most half a unit of its sixth digit; a little more
    is allowed for the floats' own rounding. A difference past any float is never close.
    Arrays (or numbers) of one shape; the answer is one per element.
    """
    import numpy as np

    a, b, *others = (np.asarray(v, dtype=float) for v in (a, b, *others))
    values = (a, b, *others)
    with np.errstate(over="ignore", invalid="ignore"):
        gap = np.abs(a - b - sum(others, np.zeros_like(a)))
        largest = np.max(np.abs(np.stack(values)), axis=0)
        slack = sum(_half_unit(v) for v in values) * (1 + 1e-6) + 1e-15 * largest
        return np.isfinite(gap) & (gap <= slack)
