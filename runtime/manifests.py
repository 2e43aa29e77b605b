"""Provenance: what every output records of the model, the code and the packages that made it."""

from __future__ import annotations

import dataclasses
import json
import math
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from runtime.files import atomic_write_text
from runtime.paths import PACKAGES, OutputFolder
from runtime.words import IN_WORDS, again_with
from sim.errors import InputError
from sim.parameters import MODEL_VERSION

# A manifest read without the command that makes it again (a library caller's): said.
_MADE_IT = f"{IN_WORDS}run again the command its field 'command' records"

_PACKAGES = ("coprod", "mesa", "numpy", "numba", "pandas", "scipy", "pyabc", "SALib",
             "distributed")


def versions() -> dict[str, str]:
    """The model's version, Python and package versions, for manifests."""
    out = {"model": str(MODEL_VERSION), "python": sys.version.split()[0],
           "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def model_version_of(record: dict, where: str = "manifest.json") -> int:
    """The model version a manifest was made with (1: before versions were recorded).

    A recorded version that is not a whole number as coprod writes it (text of digits)
    is refused in one line naming ``where`` (the manifest), not read as version 1.
    """
    versions = record.get("versions", {}) if isinstance(record, dict) else {}
    value = versions.get("model", 1) if isinstance(versions, dict) else 1
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 6 \
            and int(value) >= 1:
        return int(value)
    raise InputError(f"{where}: field 'versions.model'", value, "allowed: a whole number "
                     ">= 1 as coprod writes it (text of digits); make the file again",
                     problem="malformed value")


def supported_model_version(record: dict, where: str, remake: str) -> int:
    """:func:`model_version_of`, refused in one line when newer than this coprod's model.

    A version above :data:`sim.parameters.MODEL_VERSION` is well-formed but no model
    this coprod runs: its results cannot be set beside this coprod's.
    """
    version = model_version_of(record, where)
    if version > MODEL_VERSION:
        raise InputError(f"{where}: field 'versions.model'", version, "allowed: a model "
                         f"version from 1 to {MODEL_VERSION} (this coprod's); "
                         f"{again_with(remake)}", problem="a model version this coprod does not "
                         "know:")
    return version


def manifest(**fields) -> dict:
    """A provenance record: the given fields plus versions and the UTC date."""
    return {**fields, "versions": versions(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def _standard(value):
    """``value`` with every non-finite float as None (JSON has no NaN: null instead)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _standard(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_standard(v) for v in value]
    return value


def write_manifest(path: str | Path, record: Mapping, *,
                   inside: OutputFolder | None = None) -> Path:
    """Write a manifest JSON atomically, as standard JSON (a NaN is written null).

    ``inside``: the folder being written, when given (:func:`runtime.files.atomic_write_bytes`).
    """
    return atomic_write_text(path, json.dumps(_standard(record), indent=2, sort_keys=True,
                                              default=str, allow_nan=False) + "\n",
                             inside=inside)


_ABSENT = object()


def command_stage(command) -> str | None:
    """The stage a recorded command ran ('coprod fit ...', 'coprod.fit()': 'fit'), or None."""
    made = re.match(r"coprod(?:\s+|\.)(\w+)", command) if isinstance(command, str) else None
    return made.group(1) if made else None


def check_common(record: Mapping, path: str | Path, remake: str,
                 stages: tuple[str, ...] | None = None) -> None:
    """Refuse (one line) a field every record may hold of a kind coprod never writes.

    ``command`` is printable text and, when it is there and ``stages`` are given, the
    command of one of them (a survey's reader takes no fit's record); ``date`` an
    ISO-8601 timestamp as coprod writes it; ``seed`` a root seed
    (:func:`runtime.fields.seed`); ``versions`` a mapping of names to text whose model
    version is a whole number (:func:`model_version_of`).
    """
    from runtime.fields import MAX_SEED, Fields, printable_text, seed, timestamp

    fields = Fields(record, path, remake)
    command = fields("command", printable_text, "printable text: the command line or "
                     "call that made it", "")
    if command and stages and command_stage(command) not in stages:
        raise fields.refuse("command", command, "the command of " + " or ".join(
            f"'coprod {s}'" for s in stages) + " (each command's results keep their own "
            "folder and record)", problem="another command's record:")
    fields("date", timestamp, "an ISO-8601 date and time with its offset, as coprod "
           "writes it (2026-01-31T12:00:00+00:00)", "")
    fields("seed", seed, f"a root seed: a whole number from 0 to {MAX_SEED} (2**63 - 1)",
           None)
    versions = fields("versions", lambda v: isinstance(v, Mapping) and all(
        isinstance(k, str) and isinstance(x, str | int) and not isinstance(x, bool)
        for k, x in v.items()), "a mapping of package names to versions", {})
    if versions:
        model_version_of(dict(record), str(path))


@dataclass(frozen=True)
class Manifest:
    """A provenance record as one value: the fields a result was made with.

    Every typed result of the pipeline carries one and writes it as ``manifest.json``
    (or its own name). ``fields`` is read-only; :meth:`of` adds the versions and the UTC
    date, :meth:`read` takes a record back through the bounded reader and checks the
    fields every record has; :meth:`field` checks one a reader uses. ``source`` and
    ``remake`` (the file read, the command that makes it again) serve the messages of a
    record read back; they are no part of the record.
    """

    fields: Mapping
    source: str = dataclasses.field(default="", compare=False, repr=False)
    remake: str = dataclasses.field(default="", compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    @classmethod
    def of(cls, **fields) -> Manifest:
        """A new record: ``fields`` plus versions and the date (:func:`manifest`)."""
        return cls(manifest(**fields))

    @classmethod
    def read(cls, path: str | Path, remake: str, *, inside: OutputFolder | None = None,
             stages: tuple[str, ...] | None = None) -> Manifest:
        """The record at ``path`` (in ``inside``, the folder being written, when given).

        A missing or malformed one is one line naming ``remake``, the command that
        makes it again, as is a field every record may have (``command``, ``date``,
        ``seed``, ``versions``) of a kind coprod never writes, or, when ``stages`` are
        given, the record of another command (:func:`check_common`).
        """
        from runtime.files import read_own_json

        record = cls(read_own_json(path, remake, inside=inside), str(path), remake)
        check_common(record.fields, path, remake, stages)
        return record

    def field(self, key: str, fits, allowed: str, default=_ABSENT):
        """The field ``key`` when ``fits(value)``, else one line naming it and ``allowed``.

        ``default``, when given, stands for an absent field (:class:`runtime.fields.Fields`).
        """
        from runtime.fields import Fields

        fields = Fields(self.fields, self.source or "manifest.json",
                        self.remake or _MADE_IT)
        return fields(key, fits, allowed) if default is _ABSENT else \
            fields(key, fits, allowed, default)

    def entries(self, key: str, names) -> Mapping | None:
        """The object ``key`` (None when absent or null), with an entry for each of ``names``.

        An entry of another name (a calibration the study does not have) or one of
        ``names`` missing is one line naming it: the study's time was summed over its
        entries, an extra one counted as its own and a missing one dropped while the
        total was still called all of it.
        """
        from runtime.words import listing

        value = self.field(key, lambda v: v is None or isinstance(v, dict),
                           f"the {key} by name (an object), or null", None)
        if value is None:
            return None
        where = f"{self.source or 'manifest.json'}: field '{key}'"
        again = again_with(self.remake or _MADE_IT)
        other = next((n for n in value if n not in names), None)
        if other is not None:
            raise InputError(where, other, f"allowed: {listing(names, most=6)}, the "
                             f"study's own; {again}", problem=f"{key} the study does not have:")
        missing = next((n for n in names if n not in value), None)
        if missing is not None:
            raise InputError(where, missing, f"one entry for each of the study's {key} "
                             f"({len(names)}); {again}", problem="missing entry:")
        return value

    def __getitem__(self, key: str):
        return self.fields[key]

    def get(self, key: str, default=None):
        """The field ``key``, or ``default`` when the record has none."""
        return self.fields.get(key, default)

    @property
    def command(self) -> str:
        """What asked for the result: a command line, or the Python call."""
        return str(self.fields.get("command", ""))

    def record(self) -> dict:
        """The record as a plain dict (a copy)."""
        return dict(self.fields)

    def write(self, path: str | Path, *, inside: OutputFolder | None = None) -> Path:
        """Write the record atomically as JSON (:func:`write_manifest`)."""
        return write_manifest(path, self.record(), inside=inside)


def code_version() -> str:
    """The package version and a digest of the model's source, recorded with results.

    Results of different code must not be mixed, and the package version alone does not
    change with every edit.
    """
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    # Every layer that computes results (the application only shows them).
    for package in (p for p in PACKAGES if p != "coprod"):
        for file in sorted((root / package).rglob("*.py")):
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return f"{versions().get('coprod', 'unknown')}+{digest.hexdigest()[:12]}"


# The commands whose results own a folder with a manifest.json; 'demo' writes every kind.
STAGE_COMMANDS = ("survey", "fit", "run", "calibrate", "simulate", "sensitivity", "design",
                  "recovery", "validate", "ablate", "sbc")


def _owner(path: Path) -> str | None:
    """The stage whose record ``path`` is ('coprod fit ...', 'coprod.fit()'), or None."""
    if not path.is_file() or path.is_symlink():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8", errors="replace")[:1_000_000])
    except (OSError, ValueError, RecursionError):
        return None
    return command_stage(record.get("command") if isinstance(record, dict) else None)


def check_stage(folder: str | Path, stage: str) -> None:
    """Refuse to write ``stage``'s results over another command's (one line).

    ``manifest.json`` is every results folder's record, and each command writes its own:
    a survey written into a fit's folder would replace the fit's record and leave its
    files unvouched. The record's command (``coprod <stage> ...``) says whose the folder
    is; one of another command is refused, whatever ``--force`` says (that replaces a
    command's own results). A record coprod cannot read is left to the readers.
    """
    owner = _owner(Path(folder) / "manifest.json")
    # The simulation-based calibration's record has its own name (its files are meant to
    # be copied beside the shipped studies'): a folder holding one is the check's.
    if owner is None and (Path(folder) / "sbc_manifest.json").is_file():
        owner = _owner(Path(folder) / "sbc_manifest.json") or "sbc"
    if owner in STAGE_COMMANDS and owner != stage:
        raise InputError(str(folder), f"the results of 'coprod {owner}'",
                         f"a folder of its own for 'coprod {stage}' (each command's "
                         "results keep their own folder and record)",
                         problem="refusing to write over")
