"""What a field of a record coprod wrote may hold: the one set of checks every reader shares.

A manifest read back is a user's file like any other: each reader checks the fields it
uses, through :class:`Fields` (``fields(key, fits, allowed, default)``), which refuses a
value not allowed in one line naming the file, the field, the value and what is allowed.
The predicates (``fits``) live here once: :func:`number`, :func:`finite`, :func:`whole`,
:func:`between`, :func:`text`, :func:`texts`, :func:`one_of`, :func:`listed`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

from sim.errors import InputError

Predicate = Callable[[object], bool]


def number(value) -> bool:
    """A number as JSON holds one: int or float, not True/False."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(value) -> bool:
    """A :func:`number` that is neither NaN nor infinite (1e400 reads as infinite)."""
    return number(value) and math.isfinite(value)


def whole(low: int = 0, high: float = math.inf) -> Predicate:
    """Whole numbers (int, not bool, not 2.0) from ``low`` to ``high``."""
    return lambda value: (isinstance(value, int) and not isinstance(value, bool)
                          and low <= value <= high)


def between(low: float, high: float) -> Predicate:
    """Finite numbers from ``low`` to ``high``."""
    return lambda value: finite(value) and low <= value <= high


def text(value) -> bool:
    """A string."""
    return isinstance(value, str)


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
                          f"allowed: {allowed}; make it again with '{self.remake}'",
                          problem=problem)

    def __call__(self, key: str, fits: Predicate, allowed: str, default=_MISSING):
        """The field ``key`` when ``fits`` allows it (see the class)."""
        value = self.record.get(key, _MISSING)
        if value is _MISSING and default is _MISSING:
            raise InputError(self.path, key, f"allowed: {allowed}; make it again with "
                             f"'{self.remake}'", problem="missing field")
        if value is _MISSING:
            value = default
        elif not fits(value):
            raise self.refuse(key, value, allowed)
        return tuple(value) if isinstance(value, list) else value
