"""A survey's sampling frame other than 2015's: who is asked, where, and who answers.

The shipped population ``survey2015`` is the 2015 survey's frame (:mod:`sim.published`). A
researcher's own survey has a frame of its own, built by :mod:`calibration.waves` from
their file:

* **unit by unit** (a unit-level file): every unit of the file, its type and its
  municipality; every unit in the file answered (non-respondents are not in such a
  file); the municipalities' recorded levers (``local_policy``, ``volunteer_centre``,
  ``municipal_service`` columns), when the file has them, fix who holds them then;
* **scaled** (an aggregate table): the 2015 frame scaled to the table's counts, its
  municipalities, units and respondents by type multiplied by ``scale``.

A frame travels with a run as a population (:class:`sim.population_spec.PopulationSpec`),
like a planner's own municipality: runs on different frames are never paired or mixed,
and a worker rebuilds the frame from the population's name alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.catalogue import UNIT_TYPES
from sim.errors import InputError
from sim.published import SURVEY_2015

MAX_FRAME_UNITS = 50_000  # as many units as a unit-level file may hold
MAX_SCALE = 20.0  # an aggregate table of 20 × 2015's answers: 6,320 units


@dataclass(frozen=True)
class SampleFrame:
    """Who a survey asked and who answered (see the module's docstring)."""

    source: str  # the file it was built from, for records and messages
    scale: float = 1.0  # scaled frames: the factor on the 2015 frame
    unit_muni: tuple[int, ...] = ()  # unit-level frames: each unit's municipality index
    unit_type: tuple[int, ...] = ()  # and its type (index into UNIT_TYPES)
    # Recorded levers per municipality (flag → 0/1 per municipality), if the file has them.
    flags: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def unit_level(self) -> bool:
        """Whether the frame lists its units (else it is the 2015 frame scaled)."""
        return bool(self.unit_muni)

    @property
    def municipalities(self) -> int:
        """Municipalities of the frame."""
        if self.unit_level:
            return max(self.unit_muni) + 1
        return max(2, round(SURVEY_2015.municipalities * self.scale))

    @property
    def units(self) -> int:
        """Units of the frame (identified, answering or not)."""
        if self.unit_level:
            return len(self.unit_muni)
        return max(2 * self.municipalities, round(SURVEY_2015.units_identified * self.scale))

    def respondent_types(self) -> dict[str, int]:
        """Respondents by unit type (a unit-level frame: all its units answered)."""
        if self.unit_level:
            counts = np.bincount(self.unit_type, minlength=len(UNIT_TYPES))
            return dict(zip(UNIT_TYPES, counts.tolist(), strict=True))
        return {t: round(k * self.scale) for t, k in SURVEY_2015.respondent_types.items()}

    def recorded_flags(self) -> dict[str, np.ndarray]:
        """Per flag recorded in the file, which municipalities held it (bool arrays)."""
        return {flag: np.asarray(held, dtype=bool) for flag, held in self.flags}


def check_frame(frame: SampleFrame) -> None:
    """Refuse a frame no population can be built from (one line)."""
    if frame.unit_level:
        if len(frame.unit_muni) != len(frame.unit_type) or len(frame.unit_muni) > \
                MAX_FRAME_UNITS or min(frame.unit_muni) < 0 or not \
                set(frame.unit_type) <= set(range(len(UNIT_TYPES))):
            raise InputError("population", frame.source, "a frame of at most "
                             f"{MAX_FRAME_UNITS:,} units, each with a municipality and "
                             "a known type", problem="malformed frame")
        if len(set(frame.unit_muni)) != frame.municipalities:
            raise InputError("population", frame.source, "municipalities numbered 0, 1, "
                             "... without gaps", problem="malformed frame")
        for flag, held in frame.flags:
            if len(held) != frame.municipalities:
                raise InputError("population", f"{frame.source}: {flag}",
                                 "one value per municipality", problem="malformed frame")
    elif not 0.05 <= frame.scale <= MAX_SCALE:
        raise InputError("population", f"{frame.source}: scale {frame.scale:g}",
                         f"a scale from 0.05 to {MAX_SCALE:g} of the 2015 frame",
                         problem="malformed frame")
