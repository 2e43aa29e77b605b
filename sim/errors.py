"""Errors users can cause, each rendered as one line naming where, what and what is allowed."""

from __future__ import annotations


class CoprodError(Exception):
    """Base class of every error the command line turns into one line and exit code 2."""


class InputError(CoprodError, ValueError):
    """A value in a file, option or parameter that coprod cannot accept.

    The message always names the place (file, row, column or parameter), the offending
    value and what is allowed, so that ``str(err)`` is a complete one-line diagnosis.
    """

    def __init__(self, where: str, value: object, allowed: str, *, problem: str = "invalid value"):
        self.where = where
        self.value = value
        self.allowed = allowed
        super().__init__(f"{where}: {problem} {value!r}; {allowed}")
