"""A planner's municipality file read from disk: bounded, never through a FIFO or folder.

The file's keys and their checks are the model's (:mod:`sim.municipality`); reading a
user's file is the runtime's (:func:`runtime.files.read_text_limited`).
"""

from __future__ import annotations

from pathlib import Path

from runtime.files import read_text_limited
from sim.errors import InputError
from sim.municipality import MAX_FILE_BYTES, Municipality, parse_municipality


def load_municipality(path: str | Path) -> Municipality:
    """Read and validate a municipality file (UTF-8 TOML, at most 100 kB)."""
    path = Path(path)
    if not path.exists():  # a folder or FIFO is refused as such by read_text_limited
        raise InputError("municipality", str(path), "give the path of a TOML file "
                         "describing your municipality (see docs/examples/"
                         "municipality.toml)", problem="no such file")
    try:
        text = read_text_limited(path, limit=MAX_FILE_BYTES)
    except UnicodeDecodeError:
        raise InputError(str(path), "binary content", "a municipality file is a UTF-8 TOML "
                         "text file", problem="unreadable") from None
    return parse_municipality(text, str(path))
