"""What the studies shipped in ``calibration/data/validation`` share: reading them back.

A study's result type reads the folder its command wrote (record ``manifest.json``)
and, the same way, the copy shipped with coprod, whose record carries the study's name
(``recovery_manifest.json``): one reader, two record names.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from runtime.files import read_back


class ShippedStudy:
    """Mixin of a study's result type: :meth:`read` and :meth:`read_shipped`.

    The type gives the name of its record as shipped (``shipped_record``) and
    ``_read(folder, record)``, which checks every table and field of the folder against
    the record named ``record``. Both readers go through :func:`runtime.files.read_back`:
    a tampered folder is one line, never a traceback.
    """

    shipped_record: ClassVar[str]

    @classmethod
    @read_back
    def read(cls, folder: Path):
        """The study its command (``--out folder``) or ``write`` left in ``folder``."""
        return cls._read(folder, "manifest.json")

    @classmethod
    @read_back
    def read_shipped(cls, folder: Path):
        """The study as shipped in ``calibration/data/validation`` (``folder``).

        Checked as :meth:`read` checks it; its record is named ``shipped_record``.
        """
        return cls._read(folder, cls.shipped_record)

    @classmethod
    def _read(cls, folder: Path, record: str):
        raise NotImplementedError
