"""Words coprod's messages, report and README share: one way to list names in a sentence."""

from __future__ import annotations

import shlex


def listing(items: list[str], sep: str = ", ", *, most: int | None = None) -> str:
    """``a``, ``a and b``, ``a, b and c``; with ``sep="; "``: ``a; b; and c``.

    The semicolon form is for items that hold commas themselves. ``most``: past that
    many items, the first ``most - 1`` and how many more (``a, b and 5 more``).
    """
    items = list(items)
    if most is not None and len(items) > most:
        items = [*items[:most - 1], f"{len(items) - most + 1} more"]
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + ("; and " if sep == "; " else " and ") + items[-1]


def shell_word(value) -> str:
    """``value`` (a path, a name) as one word of a command to copy: quoted when it must be.

    A remedy's command is copied into a shell: a folder with a space split into two
    arguments, and a relative one starting with '-' was read as an option (it is given
    as ``./-name``). Plain paths are left as they are.
    """
    text = str(value)
    if text.startswith("-"):  # (only a relative path starts so)
        text = f"./{text}"
    return shlex.quote(text)


# Marks inside a remedy (:func:`again_with`), made of a control character that no
# printable folder's name holds (--out must be printable): between two commands either
# of which makes the file again (``f"coprod fit --out DIR/fit{OR}coprod demo --out
# DIR"``), and between the command and what to do before it
# (``f"{command}{AFTER}deleting FILE (…)"``).
OR = "\x1f or \x1f"
AFTER = "\x1f after \x1f"
# A remedy said in words, where no one command makes the file again (``f"{IN_WORDS}delete
# posterior.csv and run the study again with --resume"``): said as it is, not quoted as a
# command to copy.
IN_WORDS = "\x1e"


def as_made(run: str, folder, record: str = "manifest.json") -> str:
    """A remedy in words: ``run`` into ``folder`` with the options its ``record`` holds.

    A user's outputs are made again with the user's own options (draws, seed, data…),
    which only the record says: no command to copy can be written without them, and the
    record's own command is pointed at, not echoed (a record edited by anyone would be
    pasted too). ``run``: what to run, as said (``"coprod fit again"``).
    """
    return (f"{IN_WORDS}run {run} into {shell_word(folder)}, with the options it was made "
            f"with (its {record}'s 'command', while readable)")


def after_deleting(command: str, path, then: str) -> str:
    """A remedy for :func:`again_with`: ``command`` once ``path`` is deleted.

    ``then``: what the command then does, said in brackets after the quotes.
    """
    return f"{command}{AFTER}deleting {shell_word(path)} ({then})"


def again_with(remedy: str, what: str = "it") -> str:
    """``make it again with 'COMMAND'``: a refusal's remedy, the command in quotes to copy.

    A command that quotes a word itself (a folder with a space, :func:`shell_word`) is
    set in “…”, so that the quotes around it cannot be read as its own. Commands joined
    by :data:`OR` are quoted each on its own: ``'A' or 'B'``; what follows :data:`AFTER`
    is said after the quotes, not copied with the command (``'A' after deleting F``).
    ``what``: what is made (``"both"``: two files). A remedy beginning with
    :data:`IN_WORDS` is said, not quoted: ``to make it again, delete …``.
    """
    if remedy.startswith(IN_WORDS):
        return f"to make {what} again, {remedy.removeprefix(IN_WORDS)}"
    commands, _, before = remedy.partition(AFTER)
    return (f"make {what} again with {' or '.join(map(quoted, commands.split(OR)))}"
            + (f" after {before}" if before else ""))


def quoted(command: str) -> str:
    """``command`` in quotes for a sentence: '…', or “…” when it quotes a word itself."""
    return f"“{command}”" if "'" in command else f"'{command}'"
