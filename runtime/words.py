"""Words coprod's messages, report and README share: one way to list names in a sentence."""

from __future__ import annotations


def listing(items: list[str], sep: str = ", ") -> str:
    """``a``, ``a and b``, ``a, b and c``; with ``sep="; "``: ``a; b; and c``.

    The semicolon form is for items that hold commas themselves.
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + ("; and " if sep == "; " else " and ") + items[-1]


def shell_word(value) -> str:
    """``value`` (a path, a name) as one word of a command to copy: quoted when it must be.

    A remedy's command is copied into a shell: a folder with a space split into two
    arguments, and a relative one starting with '-' was read as an option (it is given
    as ``./-name``). Plain paths are left as they are.
    """
    import shlex

    text = str(value)
    if text.startswith("-"):  # (only a relative path starts so)
        text = f"./{text}"
    return shlex.quote(text)
