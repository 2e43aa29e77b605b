"""Output helpers shared by every layer: atomic writes and provenance records."""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600
_PACKAGES = ("coprod", "mesa", "numpy", "numba", "pandas", "scipy", "pyabc", "SALib",
             "distributed")


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_frame(path: str | Path, frame, *, float_format: str = "%.6g") -> Path:
    """Write a pandas DataFrame as CSV atomically, with a fixed float format."""
    return atomic_write_text(path, frame.to_csv(index=False, float_format=float_format,
                                                lineterminator="\n"))


def versions() -> dict[str, str]:
    """Python and package versions, for manifests."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def manifest(**fields) -> dict:
    """A provenance record: the given fields plus versions and the UTC date."""
    return {**fields, "versions": versions(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def write_manifest(path: str | Path, record: dict) -> Path:
    """Write a manifest JSON atomically."""
    return atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True, default=str)
                             + "\n")
