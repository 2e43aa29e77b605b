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
    # ``_read(folder, record) -> Self``, given by each result type (checked below).

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

    def __init_subclass__(cls, **kwargs):
        # A result type that forgot its record's name or its reader fails at import,
        # not when a user first reads a study back.
        super().__init_subclass__(**kwargs)
        for needed in ("shipped_record", "_read"):
            if needed not in cls.__dict__ and not any(needed in vars(base)
                                                      for base in cls.__mro__[1:-1]
                                                      if base is not ShippedStudy):
                raise TypeError(f"{cls.__name__} must define {needed} to be a ShippedStudy")
