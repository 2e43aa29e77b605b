"""Errors users can cause, each rendered as one line naming where, what and what is allowed."""

from __future__ import annotations

MAX_SHOWN = 200  # characters of an offending value shown in a message
# Of the place: a path may be long, a field named by a file (an input's name in a
# record) may be anything.
MAX_WHERE = 1000


def printable(text: object, *, keep: str = "") -> str:
    """``text`` with control characters (terminal escapes, bidi overrides) as '?'.

    The one sanitiser for whatever reaches a terminal: every line coprod prints passes
    through it (:class:`PrintableStream`); ``keep`` names characters let through
    (a line's own end).
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep else "?" for ch in text)


class PrintableStream:
    """A text stream that writes what it is given through :func:`printable`.

    Line ends and tabs pass; a carriage return passes only at the start of a write (a
    progress line redrawing itself), never inside a value read from a file.
    """

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` sanitised; the length of ``text`` (as streams return)."""
        head = "\r" if text.startswith("\r") else ""
        self.stream.write(head + printable(text[len(head):], keep="\n\t"))
        return len(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


class CoprodError(Exception):
    """Base class of every error the command line turns into one line and exit code 2."""


class InputError(CoprodError, ValueError):
    """A value in a file, option or parameter that coprod cannot accept.

    The message always names the place (file, row, column or parameter), the offending
    value and what is allowed, so that ``str(err)`` is a complete one-line diagnosis:
    control characters of a path or name in it are shown as '?' (:func:`printable`).
    The library names its keyword arguments (``steps``); the command line renames them
    to its flags (``--steps``) with :meth:`at`.
    """

    def __init__(self, where: str, value: object, allowed: str, *, problem: str = "invalid value",
                 shown: str | None = None):
        self.where = where
        self.value = value
        self.allowed = allowed
        self.problem = problem
        self.shown = shown  # the value as its file writes it (JSON's null), if not repr
        shown = repr(value) if shown is None else shown
        if len(shown) > MAX_SHOWN:  # a 200,000-character cell is named, not echoed
            shown = f"{shown[:MAX_SHOWN]}… ({len(shown):,} characters)"
        where = str(where)
        if len(where) > MAX_WHERE:  # a field named by a 500,000-character key
            where = f"{where[:MAX_WHERE]}… ({len(where):,} characters)"
        # The one place a message is formatted: a path or name with a line break or a
        # terminal escape in it (a file named so, a TOML's data = "a\nb") stays one line.
        super().__init__(printable(f"{where}: {problem} {shown}; {allowed}"))

    def at(self, where: str) -> InputError:
        """The same error, placed elsewhere (e.g. at a command-line flag)."""
        return type(self)(where, self.value, self.allowed, problem=self.problem,
                          shown=self.shown)


class UnknownNameError(InputError):
    """An id or name looked up in one of the project's tables that is not there."""

    def __init__(self, kind: str, name: object, valid, *, problem: str = "unknown name"):
        valid = tuple(valid)
        super().__init__(kind, name, "valid: " + ", ".join(map(str, valid)), problem=problem)
        self.valid = valid

    def at(self, where: str) -> InputError:
        """The same error, placed elsewhere."""
        return InputError(where, self.value, self.allowed, problem=self.problem)


def wrong_type(name: str, value: object, allowed: str) -> InputError:
    """The refusal of an argument ``name`` of a kind a function cannot take (its type named).

    ``allowed`` says what it may be ("a folder path (text or pathlib.Path)").
    """
    return InputError(name, type(value).__name__, f"allowed: {allowed}", problem="wrong type")


def as_path(value: object, name: str = "folder"):
    """``value`` as a :class:`pathlib.Path` when it is text or a path, else one line.

    For the functions that read results back (``SurveyStudy.read(folder)``): a number or
    None is named as an argument of the wrong type, not as a folder of malformed results.
    """
    import os
    from pathlib import Path

    if not isinstance(value, str | os.PathLike):
        raise wrong_type(name, value, "a folder path (text or pathlib.Path)")
    return Path(value)


def parse_toml(text: str, source: str, flat: str) -> dict:
    """TOML text as a mapping, or one line naming ``source``; ``flat`` says what it holds.

    A file nested deeper than Python can parse is refused as such (``flat`` says what
    the file should hold instead), not with a RecursionError.
    """
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(source, str(err).split("\n")[0], "the file must be valid TOML",
                         problem="invalid TOML:") from None
    except RecursionError:
        raise InputError(source, "nested tables or arrays", flat,
                         problem="too deeply nested:") from None
